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
 * already hold more than their ⌊⌋ (each such extra saves one move), then by
 * largest remainder P·w/W − ⌊P·w/W⌋, ties broken by node index. The initial
 * assignment (all −1) is therefore contiguous blocks in node order, the way
 * Redis Cluster hands out slot ranges (node 0: 0…q₀−1, node 1: q₀…q₀+q₁−1,…).
 */
import { InvalidArgumentError, invariant, requireInt } from '../errors.js';

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
  if (!Array.isArray(weights) || weights.length === 0) throw new InvalidArgumentError('weights', weights, 'a non-empty array of node weights');
  let total = 0;
  for (const w of weights) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) throw new InvalidArgumentError('node weight', w, 'a finite number > 0');
    total += w;
  }
  return total;
}

/**
 * The quota of each node: ⌊P·wᵢ/W⌋ or ⌈P·wᵢ/W⌉, summing to P. `current`
 * (partitions each node holds now, optional) decides who gets the extra
 * partitions, as described in the module comment, so that rebalancing to
 * these quotas moves the fewest partitions. O(n log n).
 */
export function quotas(partitionCount: number, weights: readonly number[], current?: Int32Array): Int32Array {
  const total = checkWeights(partitionCount, weights);
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
    const order = Array.from({ length: n }, (_, i) => i);
    const saves = (i: number): number => (current !== undefined && (current[i] ?? 0) > (q[i] as number) ? 1 : 0);
    // Only a node with a fractional share may take an extra (its ⌈⌉ must differ from its ⌊⌋).
    const eligible = (i: number): number => ((rem[i] as number) > 0 ? 1 : 0);
    order.sort((a, b) => eligible(b) - eligible(a) || saves(b) - saves(a) || (rem[b] as number) - (rem[a] as number) || a - b);
    for (const i of order) {
      if (extras === 0) break;
      (q[i] as number)++;
      extras--;
    }
  }
  return q;
}

/**
 * The assignment after rebalancing `owners` (indices into the new node list,
 * −1 for orphaned partitions) onto nodes with `weights`. Returns a new array;
 * `owners` is not modified. Moves exactly the partitions of over-quota nodes
 * above their quota (their highest-numbered ones, keeping ranges contiguous)
 * plus the orphans; the freed partitions, in ascending order, fill the
 * under-quota nodes in node order. O(P + n log n).
 */
export function rebalance(owners: Int32Array, weights: readonly number[]): Int32Array {
  const n = weights.length;
  const P = owners.length;
  for (let p = 0; p < P; p++) {
    const o = owners[p] as number;
    if (!Number.isInteger(o) || o < -1 || o >= n) throw new InvalidArgumentError(`owner of partition ${p}`, o, `−1 or a node index from 0 to ${n - 1}`);
  }
  const counts = ownedCounts(owners, n);
  const q = quotas(P, weights, counts);
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

/** Number of partitions whose owner differs between two assignments of the same node list. O(P). */
export function movedPartitions(before: Int32Array, after: Int32Array): number {
  let moved = 0;
  for (let p = 0; p < before.length; p++) if (before[p] !== after[p]) moved++;
  return moved;
}

/**
 * Throw InvariantError unless `owners` is total (every partition owned by a
 * node index < n) and every node holds ⌊P·w/W⌋ or ⌈P·w/W⌉ partitions. O(P + n).
 */
export function checkAssignment(owners: Int32Array, weights: readonly number[]): void {
  const n = weights.length;
  const total = weights.reduce((s, w) => s + w, 0);
  for (let p = 0; p < owners.length; p++) {
    const o = owners[p] as number;
    invariant(o >= 0 && o < n, () => `assignment: partition ${p} has owner ${o}, not a node index below ${n}`);
  }
  const counts = ownedCounts(owners, n);
  for (let i = 0; i < n; i++) {
    const exact = (owners.length * (weights[i] as number)) / total;
    const c = counts[i] as number;
    // The same arithmetic as quotas(), so float rounding cannot disagree with it.
    invariant(c >= Math.floor(exact) && c <= Math.ceil(exact), () => `assignment: node ${i} owns ${c} partitions, its share is ${exact.toFixed(3)} (allowed ⌊⌋ or ⌈⌉)`);
  }
}
