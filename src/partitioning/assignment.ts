/**
 * Partition → node assignment for fixed-partition placements (DDIA ch. 6,
 * "Fixed number of partitions"), as pure functions over typed arrays.
 *
 * An assignment is an `Int32Array` of length P: entry p is the index of the
 * node owning partition p in a node list the caller keeps (−1: no owner yet,
 * e.g. the partition belonged to a removed node). Given the current
 * assignment and a weighted node set, `rebalance()` returns the assignment
 * that
 *
 *  (a) gives every node its quota: ⌊P·w/W⌋ or ⌈P·w/W⌉ partitions, the quotas
 *      summing to P exactly (so every node is within ±1 partition of its
 *      weighted share), and
 *  (b) among all such assignments, moves the fewest partitions: only
 *      partitions of over-quota nodes and orphaned partitions move, and each
 *      over-quota node gives up exactly (count − quota).
 *
 * Riak's old claim algorithm misses (a): going from 4 to 5 nodes over 64
 * partitions it produced 12, 12, 12, 12, 16. Here a joining node takes
 * partitions from the most loaded nodes until every node is at its quota
 * (13, 13, 13, 13, 12; 12 partitions moved, the minimum).
 *
 * Which nodes get the ⌈⌉ quota (the "extra" partitions): first nodes that
 * already hold more than their ⌊⌋ (each such extra saves one move), then
 * nodes that hold less (they receive anyway), then the joiner (when the caller
 * names it), each group by largest remainder P·w/W − ⌊P·w/W⌋, ties broken by
 * node index. So no staying node receives on a join (or gives on a leave)
 * unless the ±1 quotas force it (`minimalChangeFeasible`). The initial
 * assignment (all −1) is therefore contiguous blocks in node order, the way
 * Redis Cluster hands out slot ranges (node 0: 0…q₀−1, node 1: q₀…q₀+q₁−1,…).
 */
import { InvalidArgumentError, invariant, isInstance, requireInt } from '../errors.js';
import { isArraySafe, readOptions } from './placement.js';

/** Throw InvalidArgumentError unless `owners` is an Int32Array (an assignment). O(1). */
function requireOwners(parameter: string, owners: unknown): asserts owners is Int32Array {
  if (!isInstance(owners, Int32Array)) throw new InvalidArgumentError(parameter, owners, 'an Int32Array (partition → node index, −1 for none)');
}

function requireRebalanceOptions(given: unknown): RebalanceOptions {
  const joiner: unknown = readOptions(given as RebalanceOptions).joiner;
  if (joiner !== undefined && (typeof joiner !== 'number' || !Number.isInteger(joiner) || joiner < 0)) throw new InvalidArgumentError('joiner', joiner, 'a node index (integer ≥ 0)');
  return joiner === undefined ? {} : { joiner: joiner as number };
}

/** Largest partition count accepted (16M partitions: 64 MB of Int32Array). */
export const MAX_PARTITIONS = 1 << 24;

/** Number of partitions each node owns. O(P). */
export function ownedCounts(owners: Int32Array, nodeCount: number): Int32Array {
  const counts = new Int32Array(nodeCount);
  for (let p = 0; p < owners.length; p++) {
    const o = owners[p] as number;
    if (o >= 0 && o < nodeCount) (counts[o] as number)++;
  }
  return counts;
}

function checkWeights(partitionCount: number, weights: readonly number[]): number {
  requireInt('partition count', partitionCount, 1, MAX_PARTITIONS);
  if (!isArraySafe(weights) || weights.length === 0) throw new InvalidArgumentError('weights', weights, 'a non-empty array of node weights');
  let total = 0;
  for (const w of weights) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) throw new InvalidArgumentError('node weight', w, 'a finite number > 0');
    total += w;
  }
  return total;
}

/** Options of `quotas`, `rebalance` and `minimalChangeFeasible`. */
export interface RebalanceOptions {
  /**
   * Index of a node that has just joined. Extras that no node holding more
   * than its ⌊⌋ can take go to the joiner before any other node, so that (when
   * the ±1 quotas allow it) partitions move only to the joiner.
   */
  readonly joiner?: number;
}

/**
 * The quota of each node: ⌊P·wᵢ/W⌋ or ⌈P·wᵢ/W⌉, summing to P. `current`
 * (partitions each node holds now, optional) decides who gets the extra
 * partitions, as described in the module comment, so that rebalancing to
 * these quotas moves the fewest partitions; among those choices it prefers
 * nodes that receive partitions anyway, then `options.joiner`, so that no
 * staying node both gives and receives. O(n log n).
 */
export function quotas(partitionCount: number, weights: readonly number[], current?: Int32Array, given: RebalanceOptions = {}): Int32Array {
  const total = checkWeights(partitionCount, weights);
  if (current !== undefined) requireOwners('current', current);
  const options = requireRebalanceOptions(given);
  const n = weights.length;
  const q = new Int32Array(n);
  const rem = new Float64Array(n);
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    const exact = (partitionCount * (weights[i] as number)) / total;
    const f = Math.floor(exact);
    q[i] = f;
    rem[i] = exact - f;
    assigned += f;
  }
  let extras = partitionCount - assigned;
  if (extras > 0) {
    // Rank: 4 = holds more than its ⌊⌋ (the extra saves a move), 2 = holds less
    // (it receives anyway), 1 = the joiner, 0 = any other; only a node with a
    // fractional share may take an extra (its ⌈⌉ must differ from its ⌊⌋).
    const rank = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const c = current === undefined ? 0 : (current[i] ?? 0);
      const f = q[i] as number;
      rank[i] = (rem[i] as number) <= 0 ? -1 : current !== undefined && c > f ? 4 : current !== undefined && c < f ? 2 : i === options.joiner ? 1 : 0;
    }
    // Highest rank first; within a rank, largest remainder, ties to the lower index.
    for (const r of [4, 2, 1, 0, -1]) {
      if (extras === 0) break;
      const bucket: number[] = [];
      for (let i = 0; i < n; i++) if (rank[i] === r) bucket.push(i);
      extras = giveExtras(q, rem, bucket, extras);
    }
  }
  return q;
}

/**
 * Give one extra to each of the `extras` nodes of `bucket` (indices,
 * ascending) with the largest remainder, ties to the lower index; all of them
 * when the bucket is no larger. Returns the extras left. O(b log b) with a
 * native numeric sort (no comparator), so that growing 5,000 nodes one at a
 * time stays in seconds.
 */
function giveExtras(q: Int32Array, rem: Float64Array, bucket: readonly number[], extras: number): number {
  if (bucket.length <= extras) {
    for (const i of bucket) (q[i] as number)++;
    return extras - bucket.length;
  }
  const sorted = new Float64Array(bucket.length);
  for (let k = 0; k < bucket.length; k++) sorted[k] = rem[bucket[k] as number] as number;
  sorted.sort();
  const threshold = sorted[sorted.length - extras] as number;
  for (const i of bucket) {
    if ((rem[i] as number) > threshold) {
      (q[i] as number)++;
      extras--;
    }
  }
  for (const i of bucket) {
    if (extras === 0) break;
    if (rem[i] === threshold) {
      (q[i] as number)++;
      extras--;
    }
  }
  return extras;
}

/**
 * Whether `rebalance(owners, weights, options)` moves partitions only to the
 * joiner (`options.joiner` given) or only from the node that left (owners
 * with −1 entries, no joiner): true exactly when some ±1 quota vector lets
 * every staying node keep what it has (join: no staying node below its
 * holding needs more; leave: none must give up a partition). rebalance finds
 * that vector whenever one exists. False means the ±1 balance promise and
 * "moves only to the joiner / from the leaver" cannot both hold: then the
 * fewest staying nodes needed each receive (join) or give (leave) partitions
 * the rounding requires. With equal weights it is always true. O(n log n + P).
 */
export function minimalChangeFeasible(owners: Int32Array, weights: readonly number[], given: RebalanceOptions = {}): boolean {
  requireOwners('owners', owners);
  const options = requireRebalanceOptions(given);
  const total = checkWeights(owners.length, weights);
  const P = owners.length;
  const n = weights.length;
  const counts = ownedCounts(owners, n);
  let extras = P;
  let takers = 0; // staying nodes that can take an extra without breaking the promise
  for (let i = 0; i < n; i++) {
    const exact = (P * (weights[i] as number)) / total;
    const f = Math.floor(exact);
    const fractional = exact - f > 0;
    extras -= f;
    const c = counts[i] as number;
    if (i === options.joiner) {
      if (fractional) takers++;
    } else if (options.joiner !== undefined) {
      if (c < f) return false; // a staying node would have to receive
      if (c > f && fractional) takers++;
    } else {
      if (c > f + (fractional ? 1 : 0)) return false; // a staying node would have to give
      if (c > f) takers--; // it needs one of the extras to keep what it has
    }
  }
  return options.joiner !== undefined ? extras <= takers : -takers <= extras;
}

/**
 * The assignment after rebalancing `owners` (indices into the new node list,
 * −1 for orphaned partitions) onto nodes with `weights`. Returns a new array;
 * `owners` is not modified. Moves exactly the partitions of over-quota nodes
 * above their quota (their highest-numbered ones, keeping ranges contiguous)
 * plus the orphans; the freed partitions, in ascending order, fill the
 * under-quota nodes in node order. O(P + n log n).
 */
export function rebalance(owners: Int32Array, weights: readonly number[], given: RebalanceOptions = {}): Int32Array {
  requireOwners('owners', owners);
  checkWeights(Math.max(1, owners.length), weights);
  const options = requireRebalanceOptions(given);
  const n = weights.length;
  const P = owners.length;
  for (let p = 0; p < P; p++) {
    const o = owners[p] as number;
    if (!Number.isInteger(o) || o < -1 || o >= n) throw new InvalidArgumentError(`owner of partition ${p}`, o, `−1 or a node index from 0 to ${n - 1}`);
  }
  const counts = ownedCounts(owners, n);
  const q = quotas(P, weights, counts, options);
  const next = Int32Array.from(owners);
  // Free the surplus of over-quota nodes, highest partitions first.
  const surplus = new Int32Array(n);
  for (let i = 0; i < n; i++) surplus[i] = Math.max(0, (counts[i] as number) - (q[i] as number));
  for (let p = P - 1; p >= 0; p--) {
    const o = next[p] as number;
    if (o >= 0 && (surplus[o] as number) > 0) {
      (surplus[o] as number)--;
      next[p] = -1;
    }
  }
  // Fill under-quota nodes, in node order, with the free partitions in ascending order.
  let node = 0;
  const have = ownedCounts(next, n);
  for (let p = 0; p < P; p++) {
    if ((next[p] as number) !== -1) continue;
    while (node < n && (have[node] as number) >= (q[node] as number)) node++;
    invariant(node < n, 'rebalance: more free partitions than quota room');
    next[p] = node;
    (have[node] as number)++;
  }
  return next;
}

/** The initial assignment of P partitions: contiguous blocks in node order. O(P + n log n). */
export function initialAssignment(partitionCount: number, weights: readonly number[]): Int32Array {
  checkWeights(partitionCount, weights);
  return rebalance(new Int32Array(partitionCount).fill(-1), weights);
}

/**
 * The assignment a cluster reaches by growing one node at a time in list
 * order: node 0 owns every partition, then each next node joins as
 * `rebalance(owners, weights[0..k], { joiner: k })` would place it. So a
 * placement built from a list equals the placement built from its prefix
 * plus `withNode` of the last node, and a client that rebuilds from its
 * configured node list agrees with one that applied the joins. Returns exactly
 * what k successive rebalance calls return, without their O(P) passes per
 * join: each join pops its donors' highest partitions from per-node sorted
 * lists. O(P + n² log n + P·H(n)·log) for n nodes (H the harmonic number:
 * the partitions moved over the whole growth).
 */
export function growAssignment(partitionCount: number, weightList: readonly number[]): Int32Array {
  checkWeights(partitionCount, weightList);
  const weights = Array.from(weightList); // a plain copy: element reads of a frozen array are slower
  const P = partitionCount;
  const n = weights.length;
  const lists: number[][] = [Array.from({ length: P }, (_, p) => p)];
  const counts = new Int32Array(n);
  counts[0] = P;
  for (let k = 1; k < n; k++) {
    lists.push([]);
    const q = quotas(P, weights.slice(0, k + 1), counts, { joiner: k });
    const freed: number[] = [];
    for (let i = 0; i <= k; i++) {
      const list = lists[i] as number[];
      for (let surplus = list.length - (q[i] as number); surplus > 0; surplus--) freed.push(list.pop() as number);
      counts[i] = list.length;
    }
    freed.sort((a, b) => a - b);
    let f = 0;
    for (let i = 0; i <= k && f < freed.length; i++) {
      const list = lists[i] as number[];
      const need = (q[i] as number) - list.length;
      if (need <= 0) continue;
      const gained = freed.slice(f, f + need);
      f += gained.length;
      // The joiner's list is empty; a staying node that receives (only when the quotas force it) merges in order.
      if (list.length === 0 || (list[list.length - 1] as number) < (gained[0] as number)) {
        for (const p of gained) list.push(p);
      } else lists[i] = [...list, ...gained].sort((a, b) => a - b);
      counts[i] = (lists[i] as number[]).length;
    }
    invariant(f === freed.length, 'growAssignment: more free partitions than quota room');
  }
  const owners = new Int32Array(P);
  lists.forEach((list, i) => {
    for (const p of list) owners[p] = i;
  });
  return owners;
}

/** Number of partitions whose owner differs between two assignments of the same node list. O(P). */
export function movedPartitions(before: Int32Array, after: Int32Array): number {
  let moved = 0;
  for (let p = 0; p < before.length; p++) if (before[p] !== after[p]) moved++;
  return moved;
}

/**
 * Throw InvariantError unless `owners` is total (every partition owned by a
 * node index < n) and, unless `totalOnly`, every node holds ⌊P·w/W⌋ or
 * ⌈P·w/W⌉ partitions. O(P + n).
 */
export function checkAssignment(owners: Int32Array, weights: readonly number[], totalOnly = false): void {
  requireOwners('owners', owners);
  checkWeights(Math.max(1, owners.length), weights);
  const n = weights.length;
  const total = weights.reduce((s, w) => s + w, 0);
  for (let p = 0; p < owners.length; p++) {
    const o = owners[p] as number;
    invariant(o >= 0 && o < n, () => `assignment: partition ${p} has owner ${o}, not a node index below ${n}`);
  }
  if (totalOnly) return;
  const counts = ownedCounts(owners, n);
  for (let i = 0; i < n; i++) {
    const exact = (owners.length * (weights[i] as number)) / total;
    const c = counts[i] as number;
    // The same arithmetic as quotas(), so float rounding cannot disagree with it.
    invariant(c >= Math.floor(exact) && c <= Math.ceil(exact), () => `assignment: node ${i} owns ${c} partitions, its share is ${exact.toFixed(3)} (allowed ⌊⌋ or ⌈⌉)`);
  }
}
