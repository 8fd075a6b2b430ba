/**
 * The placement interface every strategy implements (ARCHITECTURE.md,
 * principles 1 and 2).
 *
 * A placement is a value: the function key → node (through a partition, a ring
 * position, a bucket...). A membership change never mutates it; it returns a
 * new placement and the **plan** of moves between the two, because during a
 * migration a system needs both (dual writes, reads that switch over) and plans
 * are what people approve, throttle and draw. Callers never switch on a
 * strategy's name: anything a caller needs is on this interface.
 */
import type { Key } from '../hash/key.js';
import { InvalidArgumentError, describeValue, isArraySafe, isInstance } from '../errors.js';

/** A node to place data on. `weight` (default 1) scales its share. */
export interface NodeSpec {
  readonly id: string;
  readonly weight?: number;
}

/** Keys whose 32-bit ring position h satisfies start < h ≤ end (wrapping past 2^32−1 when start ≥ end). */
export interface HashRange {
  readonly start: number;
  readonly end: number;
}

/** A hash range changing owner: the ring's transfer map entry. */
export interface TransferRange extends HashRange {
  readonly from: string;
  readonly to: string;
}

/** Data going from one node to another, aggregated per (from, to) pair. */
export interface Move {
  readonly from: string;
  readonly to: string;
  /** Fraction of the key space (exact plans) or of the key sample (sampled plans) that this move carries. */
  readonly fraction: number;
  /** Partition ids that change owner, for strategies with partitions. */
  readonly partitions?: readonly number[];
  /** Hash ranges that change owner, for ring-shaped strategies. */
  readonly ranges?: readonly HashRange[];
  /** Keys of the sample that move, for sampled plans. */
  readonly keys?: number;
}

/** The moves between two placements. */
export interface Plan {
  /** One entry per (from, to) pair, largest fraction first. */
  readonly moves: readonly Move[];
  /** Fraction of the key space (or sample) that changes owner: the sum of the moves' fractions. */
  readonly movedFraction: number;
  /** `exact`: computed from ranges or partitions; `sampled`: from lookups of a key sample before and after. */
  readonly method: 'exact' | 'sampled';
  /** Sample size, for sampled plans. */
  readonly sampleSize?: number;
  /**
   * Ring-shaped strategies: every hash range that changes owner, in ring
   * order, one entry per contiguous range (a joining node: all `to` it;
   * a leaving node: all `from` it). The ring's transfer map.
   */
  readonly transfers?: readonly TransferRange[];
}

/** What a membership change returns. */
export interface PlacementChange<P extends Placement = Placement> {
  readonly placement: P;
  readonly plan: Plan;
}

/** The shared interface of every placement strategy. */
export interface Placement {
  /** Registry name of the strategy (`ring`, `slots`, `jump`...). */
  readonly strategy: string;
  /** Node ids, in the strategy's canonical order. */
  readonly nodeIds: readonly string[];
  /** Weight of a node (1 when the strategy has no weights). Throws NotFoundError for unknown ids. */
  weightOf(id: string): number;
  /** The node owning `key`. Allocation-free on the hot path. Throws StateError when there are no nodes. */
  locate(key: Key): string;
  /**
   * The first `n` distinct nodes responsible for `key`, primary first
   * (Dynamo's preference list). With n = nodeIds.length this is every node in
   * the order the strategy would fall back to (a sloppy quorum walks it).
   * Throws InvalidArgumentError when n < 1 or n > nodeIds.length.
   */
  preferenceList(key: Key, n: number): string[];
  /** A new placement with `node` added, and the plan of moves. Adding a node that exists is a no-op (empty plan). */
  withNode(node: NodeSpec | string): PlacementChange<this>;
  /** A new placement without node `id`, and the plan. Unknown id: NotFoundError. */
  withoutNode(id: string): PlacementChange<this>;
  /**
   * The plan from this placement to `next` (same strategy and parameters).
   * Exact where the strategy has ranges or partitions; otherwise sampled over
   * `sample` (required then, else InvalidArgumentError).
   */
  planTo(next: this, sample?: readonly Key[]): Plan;
  /**
   * Share of the key space owned by each node (sums to 1): exact for
   * strategies with ranges or partitions, the expected share otherwise.
   */
  loadShares(): ReadonlyMap<string, number>;
  /** Throws InvariantError when any internal rule is broken. */
  checkInvariants(): void;
  /** A short readable summary (strategy, parameters, nodes, balance). */
  describe(): string;
}

/** A placement that maps keys to numbered partitions first (slots, mod-N, range, jump buckets...). */
export interface PartitionedPlacement extends Placement {
  readonly partitionCount: number;
  /** The partition of `key`, 0 … partitionCount−1. */
  partitionOf(key: Key): number;
  /** The node owning partition `p`. */
  ownerOf(partition: number): string;
}

/** Is `p` a PartitionedPlacement? (a capability check, not a strategy-name switch) */
export function isPartitioned(p: Placement): p is PartitionedPlacement {
  return typeof (p as Partial<PartitionedPlacement>).partitionOf === 'function';
}

/**
 * Longest node id accepted, in UTF-16 code units: an id names a machine
 * (`10.0.0.1:6379`), and rings hash it once per virtual node, so a 10 MB id
 * would cost gigabytes of hashing.
 */
export const MAX_NODE_ID_LENGTH = 1024;

/**
 * Validate and normalise a node spec or id. An id is a non-empty string that
 * is well-formed UTF-16: ids are hashed as their UTF-8 bytes, and a lone
 * surrogate encodes as U+FFFD, so `a\uD800` and `a\uDBFF` would be one node
 * on the ring (one of them with no share). Well-formed strings have distinct
 * UTF-8 bytes, so no two accepted ids collide. A spec's `id` and `weight` are
 * read once (a getter cannot change them between check and use); a spec
 * whose properties cannot be read is an InvalidArgumentError. O(|id|).
 */
export function normalizeNode(node: NodeSpec | string, options: { maxWeight?: number } = {}): Required<NodeSpec> {
  let id: unknown;
  let weightGiven: unknown;
  if (typeof node === 'string') id = node;
  else {
    if (node === null || typeof node !== 'object' || isArraySafe(node)) throw new InvalidArgumentError('node', node, 'a node id (non-empty string) or an {id, weight} spec');
    try {
      id = node.id;
      weightGiven = node.weight;
    } catch (e) {
      throw new InvalidArgumentError('node', node, `an {id, weight} spec whose properties can be read (${e instanceof Error ? e.message : describeValue(e)})`);
    }
  }
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_NODE_ID_LENGTH) throw new InvalidArgumentError('node id', id, `a non-empty string of at most ${MAX_NODE_ID_LENGTH} characters`);
  if (!(id as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new InvalidArgumentError('node id', id, 'a well-formed string (no lone surrogates: they would hash as U+FFFD and collide with other ids)');
  }
  const weight = weightGiven ?? 1;
  const max = options.maxWeight ?? 1_000_000;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > max) {
    throw new InvalidArgumentError(`weight of node ${JSON.stringify(id)}`, weight, `a finite number > 0 and ≤ ${max}`);
  }
  return { id, weight };
}

export { isArraySafe } from '../errors.js';

/**
 * An options object read once: a shallow copy of its own enumerable
 * properties (so a getter cannot answer differently between check and use),
 * `{}` for undefined. Anything else — null, a primitive, an array, an object
 * whose properties cannot be read — is an InvalidArgumentError naming
 * `parameter`. O(properties).
 */
export function readOptions<T extends object>(value: T | undefined, parameter = 'options'): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || isArraySafe(value)) throw new InvalidArgumentError(parameter, value, 'an options object (or undefined)');
  try {
    return { ...value };
  } catch (e) {
    throw new InvalidArgumentError(parameter, value, `an options object whose properties can be read (${e instanceof Error ? e.message : describeValue(e)})`);
  }
}

/**
 * Check that `next` is a placement of class `ctor` (the target of planTo):
 * InvalidArgumentError naming what it is otherwise, before any property of it
 * is read. O(1).
 */
export function requirePlanTarget(strategy: string, next: unknown, ctor: abstract new (...args: never[]) => unknown, allowed: string): void {
  if (!isInstance(next, ctor)) throw new InvalidArgumentError('plan target', next, `${allowed} (a ${strategy} placement)`);
}

/** A list of keys (for sampled plans and distributions): an array; each key is checked where it is looked up. */
export function requireKeyList(parameter: string, sample: unknown): readonly Key[] {
  if (!isArraySafe(sample)) throw new InvalidArgumentError(parameter, sample, 'an array of keys (strings or Uint8Arrays)');
  return sample as readonly Key[];
}

/**
 * Throw InvalidArgumentError unless `partition` is an integer (range checks
 * are the caller's: an integer outside is a NotFoundError there). Keeps an
 * outside value such as "__proto__" from indexing an array. O(1).
 */
export function requirePartitionNumber(partition: unknown, parameter = 'partition'): asserts partition is number {
  if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new InvalidArgumentError(parameter, partition, 'an integer partition number');
}

/** Validate a node list: non-empty ids, no duplicates. Returns normalised specs in the given order. */
export function normalizeNodes(nodes: readonly (NodeSpec | string)[], options: { maxWeight?: number; allowEmpty?: boolean } = {}): Required<NodeSpec>[] {
  if (!isArraySafe(nodes)) throw new InvalidArgumentError('nodes', nodes, 'an array of node ids or {id, weight} specs');
  if (!options.allowEmpty && nodes.length === 0) throw new InvalidArgumentError('nodes', nodes, 'at least one node');
  const out: Required<NodeSpec>[] = [];
  for (let i = 0; i < nodes.length; i++) out.push(normalizeNode(nodes[i] as NodeSpec | string, options)); // holes of a sparse array are checked too
  const seen = new Set<string>();
  for (const n of out) {
    if (seen.has(n.id)) throw new InvalidArgumentError('nodes', n.id, 'distinct node ids (this id appears twice)');
    seen.add(n.id);
  }
  return out;
}

/** Validate the n of a preference list against the node count. */
export function checkReplicas(n: unknown, nodeCount: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > nodeCount) {
    throw new InvalidArgumentError('replica count', n, `an integer from 1 to the node count (${nodeCount})`);
  }
  return n;
}

/** Accumulates moves keyed by (from, to) and builds a Plan. */
export class PlanBuilder {
  private readonly byPair = new Map<string, { from: string; to: string; fraction: number; partitions?: number[]; ranges?: HashRange[]; keys?: number }>();

  add(from: string, to: string, fraction: number, detail: { partition?: number; range?: HashRange; keys?: number } = {}): void {
    if (from === to) return;
    const k = `${from}\u0000${to}`;
    let m = this.byPair.get(k);
    if (!m) {
      m = { from, to, fraction: 0 };
      this.byPair.set(k, m);
    }
    m.fraction += fraction;
    if (detail.partition !== undefined) (m.partitions ??= []).push(detail.partition);
    if (detail.range !== undefined) (m.ranges ??= []).push(detail.range);
    if (detail.keys !== undefined) m.keys = (m.keys ?? 0) + detail.keys;
  }

  build(method: 'exact' | 'sampled', sampleSize?: number): Plan {
    const moves = [...this.byPair.values()].sort((a, b) => b.fraction - a.fraction || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    const movedFraction = moves.reduce((s, m) => s + m.fraction, 0);
    return { moves, movedFraction, method, ...(sampleSize !== undefined ? { sampleSize } : {}) };
  }
}

/** The empty plan (no-op changes). */
export const EMPTY_PLAN: Plan = Object.freeze({ moves: Object.freeze([]) as readonly Move[], movedFraction: 0, method: 'exact' as const });

/**
 * A plan computed by looking every key of `sample` up in both placements:
 * for strategies without ranges or partitions (jump across resizes, rendezvous)
 * and for cross-checking exact plans in tests. O(|sample| × lookup).
 */
export function sampledPlan(before: Placement, after: Placement, sample: readonly Key[] | undefined): Plan {
  if (sample !== undefined) requireKeyList('sample', sample);
  if (!sample || sample.length === 0) {
    throw new InvalidArgumentError('sample', sample, `a non-empty array of keys (strategy ${before.strategy} computes plans by sampling)`);
  }
  const b = new PlanBuilder();
  const unit = 1 / sample.length;
  for (const key of sample) {
    const from = before.locate(key);
    const to = after.locate(key);
    if (from !== to) b.add(from, to, unit, { keys: 1 });
  }
  return b.build('sampled', sample.length);
}

/** Load per node → imbalance = max / mean (1 is perfect). */
export function imbalance(loads: ReadonlyMap<string, number> | readonly number[]): number {
  if (!isArraySafe(loads) && !isInstance(loads, Map)) throw new InvalidArgumentError('loads', loads, 'an array of numbers or a Map of node → number');
  const values = isArraySafe(loads) ? (loads as readonly number[]) : [...(loads as ReadonlyMap<string, number>).values()];
  if (values.length === 0) return 1;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  return mean === 0 ? 1 : max / mean;
}

/**
 * Weighted imbalance: max over nodes of (share / weight share). 1 is a
 * perfectly weight-proportional placement.
 */
export function weightedImbalance(p: Placement, shares?: ReadonlyMap<string, number>): number {
  if (!isInstance(p, Object) || isArraySafe(p) || !hasFunction(p, 'loadShares')) throw new InvalidArgumentError('placement', p, 'a Placement');
  if (shares === undefined) shares = p.loadShares();
  else if (!isInstance(shares, Map)) throw new InvalidArgumentError('shares', shares, 'a Map of node → share');
  let total = 0;
  for (const id of p.nodeIds) total += p.weightOf(id);
  let worst = 0;
  for (const id of p.nodeIds) {
    const expected = p.weightOf(id) / total;
    const r = (shares.get(id) ?? 0) / expected;
    if (r > worst) worst = r;
  }
  return worst;
}

/** Whether `o[name]` is a function; false instead of a throw for hostile proxies. */
function hasFunction(o: object, name: string): boolean {
  try {
    return typeof (o as Record<string, unknown>)[name] === 'function';
  } catch {
    return false;
  }
}

/** Count of sample keys per node (every node present, zero if none). */
export function keyDistribution(p: Placement, sample: readonly Key[]): Map<string, number> {
  requireKeyList('sample', sample);
  const counts = new Map<string, number>();
  for (const id of p.nodeIds) counts.set(id, 0);
  for (const key of sample) {
    const n = p.locate(key);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

let defaultSample: readonly string[] | undefined;
/**
 * The deterministic key sample (`sample:0` … `sample:9999`) that sampled
 * strategies use for the plan returned by withNode/withoutNode when the caller
 * gave none. Built once, shared.
 */
export function defaultPlanSample(): readonly string[] {
  if (!defaultSample) defaultSample = Object.freeze(Array.from({ length: 10_000 }, (_, i) => `sample:${i}`));
  return defaultSample;
}
