/**
 * Options of the SWIM + Lifeguard membership core, their defaults (those of
 * HashiCorp memberlist's LAN configuration, except where noted) and the
 * formulas that turn them into timeouts and retransmission limits.
 */
import { InvalidArgumentError } from '../../errors.js';

export interface SwimOptions {
  /** Time between probes of one member, before health scaling. memberlist: 1 s. */
  readonly probeIntervalMs: number;
  /** Time to wait for a direct ack before asking others to probe, before health scaling. memberlist: 500 ms. */
  readonly probeTimeoutMs: number;
  /** Members asked to probe indirectly (ping-req) after a direct probe times out. memberlist: 3. */
  readonly indirectChecks: number;
  /** Minimum suspicion timeout = suspicionMult · max(1, log10(N)) · probeIntervalMs. memberlist: 4. */
  readonly suspicionMult: number;
  /** Maximum suspicion timeout = suspicionMaxTimeoutMult · minimum (Lifeguard). memberlist: 6. */
  readonly suspicionMaxTimeoutMult: number;
  /** Each update is piggybacked retransmitMult · ceil(log10(N + 1)) times. memberlist: 4. */
  readonly retransmitMult: number;
  /** Time between full-state push/pull syncs with one random member. memberlist: 30 s. */
  readonly pushPullIntervalMs: number;
  /** Lifeguard's local health: timeouts are multiplied by (score + 1), score < this. memberlist: 8. */
  readonly awarenessMaxMultiplier: number;
  /** Time between gossip rounds of pending updates to gossipFanout members; 0 turns gossip off. memberlist: 200 ms. */
  readonly gossipIntervalMs: number;
  /** Members sent pending updates each gossip round. memberlist (GossipNodes): 3. */
  readonly gossipFanout: number;
  /** Most updates piggybacked on one message (memberlist bounds by UDP packet size instead). */
  readonly maxPiggybackUpdates: number;
  /**
   * Time between syncs with one random member believed dead, so that two
   * sides of a healed partition find each other again (serf's reconnect
   * interval, 30 s; memberlist alone leaves this to its caller). 0 turns it off.
   */
  readonly reconnectIntervalMs: number;
}

/** memberlist's DefaultLANConfig values (reconnect from serf). */
export const DEFAULT_SWIM_OPTIONS: SwimOptions = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  retransmitMult: 4,
  pushPullIntervalMs: 30_000,
  awarenessMaxMultiplier: 8,
  gossipIntervalMs: 200,
  gossipFanout: 3,
  maxPiggybackUpdates: 32,
  reconnectIntervalMs: 30_000,
});

const LIMIT_MS = 86_400_000;

function checkInt(name: string, value: unknown, min: number, max: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, value, `an integer from ${min} to ${max}${unit}`);
  }
  return value;
}

/**
 * Fill defaults and validate; throws InvalidArgumentError naming the option
 * and its allowed range. O(1).
 */
export function resolveSwimOptions(given: Partial<SwimOptions> = {}): SwimOptions {
  if (typeof given !== 'object' || given === null) throw new InvalidArgumentError('options', given, 'an object of SwimOptions');
  const known = new Set(Object.keys(DEFAULT_SWIM_OPTIONS));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) throw new InvalidArgumentError('options', key, `known option names: ${[...known].join(', ')}`);
  }
  const o = { ...DEFAULT_SWIM_OPTIONS, ...given };
  const r: SwimOptions = {
    probeIntervalMs: checkInt('probeIntervalMs', o.probeIntervalMs, 1, LIMIT_MS, ' ms'),
    probeTimeoutMs: checkInt('probeTimeoutMs', o.probeTimeoutMs, 1, LIMIT_MS, ' ms'),
    indirectChecks: checkInt('indirectChecks', o.indirectChecks, 0, 64),
    suspicionMult: checkInt('suspicionMult', o.suspicionMult, 1, 1000),
    suspicionMaxTimeoutMult: checkInt('suspicionMaxTimeoutMult', o.suspicionMaxTimeoutMult, 1, 1000),
    retransmitMult: checkInt('retransmitMult', o.retransmitMult, 1, 1000),
    pushPullIntervalMs: checkInt('pushPullIntervalMs', o.pushPullIntervalMs, 0, LIMIT_MS, ' ms (0: off)'),
    awarenessMaxMultiplier: checkInt('awarenessMaxMultiplier', o.awarenessMaxMultiplier, 1, 1000),
    gossipIntervalMs: checkInt('gossipIntervalMs', o.gossipIntervalMs, 0, LIMIT_MS, ' ms (0: off)'),
    gossipFanout: checkInt('gossipFanout', o.gossipFanout, 0, 64),
    maxPiggybackUpdates: checkInt('maxPiggybackUpdates', o.maxPiggybackUpdates, 1, 1024),
    reconnectIntervalMs: checkInt('reconnectIntervalMs', o.reconnectIntervalMs, 0, LIMIT_MS, ' ms (0: off)'),
  };
  if (r.probeTimeoutMs >= r.probeIntervalMs) {
    throw new InvalidArgumentError('probeTimeoutMs', r.probeTimeoutMs, `less than probeIntervalMs (${r.probeIntervalMs}), so indirect probes have time`);
  }
  return Object.freeze(r);
}

/**
 * Minimum suspicion timeout for a group of n members: suspicionMult ·
 * max(1, log10(n)) · probeIntervalMs (memberlist's suspicionTimeout). O(1).
 */
export function suspicionMinTimeoutMs(o: SwimOptions, n: number): number {
  const scale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((o.suspicionMult * Math.floor(scale * 1000) * o.probeIntervalMs) / 1000);
}

/** Maximum suspicion timeout: suspicionMaxTimeoutMult times the minimum (Lifeguard). O(1). */
export function suspicionMaxTimeoutMs(o: SwimOptions, n: number): number {
  return o.suspicionMaxTimeoutMult * suspicionMinTimeoutMs(o, n);
}

/**
 * Confirmations expected before the suspicion timeout reaches its minimum:
 * suspicionMult - 2 (memberlist: "hit the nominal timeout two probe intervals
 * short"), or 0 when the group is too small to give that many (n - 2 < k).
 */
export function expectedConfirmations(o: SwimOptions, n: number): number {
  const k = o.suspicionMult - 2;
  return k < 1 || n - 2 < k ? 0 : k;
}

/**
 * Lifeguard's suspicion timeout after c independent confirmations of k
 * expected: max - (max - min) · log(c + 1) / log(k + 1), never below min, and
 * min itself when k is 0. O(1).
 */
export function suspicionTimeoutMs(c: number, k: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs;
  const frac = Math.log(c + 1) / Math.log(k + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  return Math.max(minMs, raw);
}

/** Times each update is piggybacked: retransmitMult · ceil(log10(n + 1)). O(1). */
export function retransmitLimit(o: SwimOptions, n: number): number {
  return o.retransmitMult * Math.ceil(Math.log10(n + 1));
}
