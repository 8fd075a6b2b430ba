/**
 * The messages of the SWIM membership protocol (swim.ts): plain typed objects,
 * a discriminated union on `type`, and their byte encoding (JSON in UTF-8).
 *
 * Bytes from the network are untrusted: `decodeMessage` validates every field
 * (types, lengths, integer ranges) and throws a `MembershipMessageError` that
 * names what was wrong, so a bad datagram changes nothing in the state machine.
 */
import { ShardkitError, describeValue } from '../../errors.js';

/** What one member believes about another. `left` is a member that said goodbye. */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/**
 * A piggybacked state change, as in SWIM's infection-style dissemination.
 * `dead` with `from === member` is a graceful leave (memberlist's convention).
 */
export interface MemberUpdate {
  readonly kind: 'alive' | 'suspect' | 'dead';
  readonly member: string;
  readonly incarnation: number;
  /** Who raised it: for `suspect`, the independent confirmer (Lifeguard). */
  readonly from: string;
}

/** One row of a full-state push/pull exchange. */
export interface MemberSnapshot {
  readonly member: string;
  readonly incarnation: number;
  readonly status: MemberStatus;
}

/** Direct probe: "are you `target`? answer `seq`". */
export interface PingMessage {
  readonly type: 'ping';
  readonly seq: number;
  readonly from: string;
  readonly target: string;
  readonly updates: readonly MemberUpdate[];
}

/** Answer to a ping, or an ack relayed by an indirect prober (then `seq` is the origin's). */
export interface AckMessage {
  readonly type: 'ack';
  readonly seq: number;
  readonly from: string;
  readonly updates: readonly MemberUpdate[];
}

/** Indirect probe request: "ping `target` for me and relay its ack under `seq`". */
export interface PingReqMessage {
  readonly type: 'ping-req';
  readonly seq: number;
  readonly from: string;
  readonly target: string;
  readonly updates: readonly MemberUpdate[];
}

/** Lifeguard's negative ack: the relay is alive but got no ack from the target in time. */
export interface NackMessage {
  readonly type: 'nack';
  readonly seq: number;
  readonly from: string;
  readonly updates: readonly MemberUpdate[];
}

/** Updates only, sent to a few random members every gossip interval (memberlist's gossip()). */
export interface GossipMessage {
  readonly type: 'gossip';
  readonly from: string;
  readonly updates: readonly MemberUpdate[];
}

/** Full-state push/pull: `reply` asks the receiver to answer with its own state. */
export interface SyncMessage {
  readonly type: 'sync';
  readonly from: string;
  readonly reply: boolean;
  readonly members: readonly MemberSnapshot[];
}

export type SwimMessage = PingMessage | AckMessage | PingReqMessage | NackMessage | GossipMessage | SyncMessage;

/** A message that failed validation: bad bytes, bad JSON or a field outside what is allowed. */
export class MembershipMessageError extends ShardkitError {
  constructor(message: string) {
    super('BAD_MEMBERSHIP_MESSAGE', message);
  }
}

/** Longest member id accepted, in UTF-16 code units. */
export const MEMBER_ID_MAX_LENGTH = 256;
/** Most updates one message may carry. */
export const UPDATES_PER_MESSAGE_MAX = 1024;
/** Most members one sync message may carry. */
export const SYNC_MEMBERS_MAX = 100_000;
/** Largest encoded message accepted by decodeMessage, in bytes. */
export const MESSAGE_BYTES_MAX = 16 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encode a message to bytes (JSON, UTF-8). O(size). */
export function encodeMessage(message: SwimMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

/**
 * Decode and validate bytes from the network. O(size). Throws
 * MembershipMessageError naming the first bad field; never returns a partly
 * valid message. The result holds only known fields (extra ones are dropped).
 */
export function decodeMessage(bytes: Uint8Array): SwimMessage {
  if (!(bytes instanceof Uint8Array)) throw new MembershipMessageError(`message bytes: got ${describeValue(bytes)}; allowed: a Uint8Array`);
  if (bytes.length > MESSAGE_BYTES_MAX) throw new MembershipMessageError(`message of ${bytes.length} bytes; allowed: at most ${MESSAGE_BYTES_MAX}`);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new MembershipMessageError('message bytes are not valid UTF-8; allowed: a JSON object in UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MembershipMessageError('message is not valid JSON; allowed: a JSON object in UTF-8');
  }
  return validateMessage(value);
}

/** Validate an already parsed value as a SwimMessage (also used for in-memory input). O(size). */
export function validateMessage(value: unknown): SwimMessage {
  const o = record(value, 'message');
  const type = o['type'];
  switch (type) {
    case 'ping':
    case 'ping-req':
      return { type, seq: seqField(o, 'seq'), from: idField(o, 'from'), target: idField(o, 'target'), updates: updatesField(o) };
    case 'ack':
    case 'nack':
      return { type, seq: seqField(o, 'seq'), from: idField(o, 'from'), updates: updatesField(o) };
    case 'gossip':
      return { type, from: idField(o, 'from'), updates: updatesField(o) };
    case 'sync': {
      const reply = o['reply'];
      if (typeof reply !== 'boolean') throw new MembershipMessageError(`sync.reply: got ${describeValue(reply)}; allowed: true or false`);
      return { type, from: idField(o, 'from'), reply, members: snapshotsField(o) };
    }
    default:
      throw new MembershipMessageError(`message.type: got ${describeValue(type)}; allowed: "ping", "ack", "ping-req", "nack", "gossip", "sync"`);
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MembershipMessageError(`${what}: got ${describeValue(value)}; allowed: an object`);
  }
  return value as Record<string, unknown>;
}

/** Validate a member id (also used for constructor and join arguments). */
export function isMemberId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MEMBER_ID_MAX_LENGTH;
}

function idField(o: Record<string, unknown>, name: string): string {
  const v = o[name];
  if (!isMemberId(v)) throw new MembershipMessageError(`${name}: got ${describeValue(v)}; allowed: a string of 1 to ${MEMBER_ID_MAX_LENGTH} characters`);
  return v;
}

function uintField(o: Record<string, unknown>, name: string): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new MembershipMessageError(`${name}: got ${describeValue(v)}; allowed: an integer from 0 to ${Number.MAX_SAFE_INTEGER}`);
  }
  return v;
}

function seqField(o: Record<string, unknown>, name: string): number {
  return uintField(o, name);
}

function updatesField(o: Record<string, unknown>): MemberUpdate[] {
  const v = o['updates'];
  if (!Array.isArray(v)) throw new MembershipMessageError(`updates: got ${describeValue(v)}; allowed: an array`);
  if (v.length > UPDATES_PER_MESSAGE_MAX) throw new MembershipMessageError(`updates: ${v.length} entries; allowed: at most ${UPDATES_PER_MESSAGE_MAX}`);
  return v.map((u: unknown) => {
    const r = record(u, 'update');
    const kind = r['kind'];
    if (kind !== 'alive' && kind !== 'suspect' && kind !== 'dead') {
      throw new MembershipMessageError(`update.kind: got ${describeValue(kind)}; allowed: "alive", "suspect", "dead"`);
    }
    return { kind, member: idField(r, 'member'), incarnation: uintField(r, 'incarnation'), from: idField(r, 'from') };
  });
}

function snapshotsField(o: Record<string, unknown>): MemberSnapshot[] {
  const v = o['members'];
  if (!Array.isArray(v)) throw new MembershipMessageError(`members: got ${describeValue(v)}; allowed: an array`);
  if (v.length > SYNC_MEMBERS_MAX) throw new MembershipMessageError(`members: ${v.length} entries; allowed: at most ${SYNC_MEMBERS_MAX}`);
  return v.map((m: unknown) => {
    const r = record(m, 'member snapshot');
    const status = r['status'];
    if (status !== 'alive' && status !== 'suspect' && status !== 'dead' && status !== 'left') {
      throw new MembershipMessageError(`member.status: got ${describeValue(status)}; allowed: "alive", "suspect", "dead", "left"`);
    }
    return { member: idField(r, 'member'), incarnation: uintField(r, 'incarnation'), status };
  });
}
