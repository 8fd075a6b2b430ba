/**
 * SWIM + Lifeguard membership: the protocol core without I/O (`Swim`), its
 * messages and codec, options with memberlist's defaults, and the
 * deterministic simulation used to test it.
 */
export { Swim, type MembershipEvent, type Outgoing, type SwimOutput } from './swim.js';
export { decodeMessage, encodeMessage, validateMessage, MembershipMessageError, type MemberSnapshot, type MemberStatus, type MemberUpdate, type SwimMessage } from './messages.js';
export { DEFAULT_SWIM_OPTIONS, resolveSwimOptions, retransmitLimit, suspicionMaxTimeoutMs, suspicionMinTimeoutMs, suspicionTimeoutMs, type SwimOptions } from './options.js';
export { Simulation, type SimEvent, type SimOptions } from './sim.js';
