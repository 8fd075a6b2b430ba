/**
 * Coordinator options and their validation: every bad value is rejected with
 * a typed error before any state is created (ARCHITECTURE.md, principle 8).
 */
import { InvalidArgumentError, readArray, readOptions, requireInt } from '../errors.js';
import type { Placement } from '../partitioning/placement.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import type { ReplicaCluster } from './cluster.js';

/** How a coordinator is configured. N, W, R and the hint TTL are required. */
export interface CoordinatorOptions {
  /** Replication factor: each key lives on the first `n` nodes of its preference list (1 … node count). */
  n: number;
  /** Write quorum: acknowledgements a write needs (1 … n). */
  w: number;
  /** Read quorum: replicas a read waits for (1 … n). */
  r: number;
  /** A hint created at t expires at t + hintTtlMs (> 0). */
  hintTtlMs: number;
  /** Time source for hint creation and expiry. */
  clock: Clock;
  /** Build a private cluster over these node ids (give this or `cluster`). */
  nodes?: readonly string[];
  /** Share an existing cluster with other coordinators (give this or `nodes`). */
  cluster?: ReplicaCluster;
  /**
   * Where keys live: a placement over exactly the cluster's nodes, or a
   * factory called with the node ids. Default: the consistent hash ring
   * (`new ConsistentHashRing(nodes)`, 150 virtual nodes each).
   */
  placement?: Placement | ((nodeIds: readonly string[]) => Placement);
  /** Count hints toward W (Dynamo's sloppy quorum). Default true. */
  sloppyQuorum?: boolean;
  /**
   * Store hints for unavailable preferred nodes even when they do not count
   * toward W (Cassandra's hinted handoff under a strict quorum). Default true.
   * With sloppyQuorum true hints are always stored.
   */
  hintedHandoff?: boolean;
  /** Most hints one node may hold (≥ 0; default 100,000). A hint that does not fit is rejected and its acknowledgement not counted. */
  hintsMax?: number;
  /** Hints each recovering node may receive per tick (≥ 1; default 1,000). */
  handoffRatePerTick?: number;
  /** Write the newest version back to stale replicas a read saw. Default true. */
  readRepair?: boolean;
  /** This coordinator's id, part of every version it issues (default `c0`). Distinct per coordinator sharing a cluster. */
  coordinatorId?: string;
  /**
   * Decides which R of the available preferred replicas answer a read first
   * (responses race in a real network). Default: the first R in preference order.
   */
  random?: Random;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly n: number;
  readonly w: number;
  readonly r: number;
  readonly hintTtlMs: number;
  readonly sloppyQuorum: boolean;
  readonly hintedHandoff: boolean;
  readonly hintsMax: number;
  readonly handoffRatePerTick: number;
  readonly readRepair: boolean;
  readonly coordinatorId: string;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(name, v, 'true or false');
  return v;
}

/** Validate everything that does not depend on the cluster; `nodeCount` bounds n. */
export function resolveOptions(o: Readonly<Partial<CoordinatorOptions>>, nodeCount: number): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', o, 'an object with n, w, r, hintTtlMs and clock');
  if (typeof o.n !== 'number' || !Number.isInteger(o.n) || o.n < 1 || o.n > nodeCount) {
    throw new InvalidArgumentError('n (replication factor)', o.n, `an integer from 1 to the node count (${nodeCount})`);
  }
  const n = o.n;
  const w = requireInt('w (write quorum)', o.w, 1, n);
  const r = requireInt('r (read quorum)', o.r, 1, n);
  if (typeof o.hintTtlMs !== 'number' || !Number.isFinite(o.hintTtlMs) || o.hintTtlMs <= 0) {
    throw new InvalidArgumentError('hintTtlMs', o.hintTtlMs, 'a finite number of milliseconds > 0');
  }
  const hintTtlMs = o.hintTtlMs;
  const clockAllowed = 'a Clock ({ now(): number }), e.g. new ManualClock()';
  if (o.clock === null || typeof o.clock !== 'object' || typeof readOptions('clock', o.clock, ['now'], clockAllowed).now !== 'function') {
    throw new InvalidArgumentError('clock', o.clock, clockAllowed);
  }
  if (o.random !== undefined && o.random !== null && typeof o.random !== 'function') throw new InvalidArgumentError('random', o.random, 'a Random (() => number in [0, 1))');
  const coordinatorId = o.coordinatorId ?? 'c0';
  if (typeof coordinatorId !== 'string' || coordinatorId.length === 0) throw new InvalidArgumentError('coordinatorId', coordinatorId, 'a non-empty string');
  return {
    n,
    w,
    r,
    hintTtlMs,
    sloppyQuorum: bool('sloppyQuorum', o.sloppyQuorum, true),
    hintedHandoff: bool('hintedHandoff', o.hintedHandoff, true),
    hintsMax: o.hintsMax === undefined || o.hintsMax === null ? 100_000 : requireInt('hintsMax', o.hintsMax, 0),
    handoffRatePerTick: o.handoffRatePerTick === undefined || o.handoffRatePerTick === null ? 1_000 : requireInt('handoffRatePerTick', o.handoffRatePerTick, 1),
    readRepair: bool('readRepair', o.readRepair, true),
    coordinatorId,
  };
}

/** Check that a placement covers exactly the cluster's nodes. */
export function checkPlacementNodes(placement: Placement, nodeIds: readonly string[]): void {
  const allowed = 'a Placement (see partitioning/placement.ts)';
  const p = readOptions('placement', placement, ['nodeIds', 'preferenceList', 'checkInvariants'], allowed);
  if (typeof p.preferenceList !== 'function' || typeof p.checkInvariants !== 'function') throw new InvalidArgumentError('placement', placement, allowed);
  const ids = readArray('placement.nodeIds', p.nodeIds, 'an array of node ids');
  if (ids.some((x) => typeof x !== 'string')) throw new InvalidArgumentError('placement.nodeIds', p.nodeIds, 'an array of node id strings');
  const a = [...(ids as string[])].sort();
  const b = [...nodeIds].sort();
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    throw new InvalidArgumentError('placement', `nodes [${a.join(', ')}]`, `a placement over exactly the cluster's nodes [${nodeIds.join(', ')}]`);
  }
}
