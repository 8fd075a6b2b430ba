/**
 * The two structural changes of a range store, on partitions alone: cut one
 * partition in two at a key, and join two adjacent ones. Both keep every
 * figure exact (keys, bytes, keys needing sort-form conversion) and cost at
 * most the size of the partitions involved: the store then splices its
 * boundary array (O(P) pointer moves).
 */
import { fromSortForm, utf8Length } from '../partitioning/range-keys.js';
import { treeFromSorted } from './btree.js';
import { RangePartition } from './partition.js';
import { SlidingRate } from './rate.js';

/**
 * Move the keys ≥ `splitKey` of `p` into a new partition `id` = [splitKey,
 * p.end) and make p = [p.start, splitKey). The left half keeps p's id,
 * read/write totals and node (as CockroachDB's left-hand range keeps its
 * range id); the right half starts at zero on the same node; both halves'
 * rates restart. O(size of p).
 * Requires p.start < splitKey and (p.end null or splitKey < p.end).
 */
export function splitPartition<V>(p: RangePartition<V>, splitKey: string, id: number, nowMs: number, sizeOf: (v: V) => number): RangePartition<V> {
  const keys: string[] = [];
  const values: V[] = [];
  let bytes = 0;
  let high = 0;
  const max = p.tree.maxKey();
  if (max !== undefined && max >= splitKey) {
    const convert = p.highKeys > 0;
    p.tree.forRange(splitKey, max, true, (k, v) => {
      keys.push(k);
      values.push(v);
      const original = convert ? fromSortForm(k) : k;
      if (original !== k) high++;
      bytes += utf8Length(original) + sizeOf(v);
    });
    p.tree.deleteRange(splitKey, max, true);
  }
  const right = new RangePartition<V>(id, splitKey, p.end, p.rateWindowMs, nowMs, treeFromSorted(keys, values));
  right.bytes = bytes;
  right.highKeys = high;
  right.node = p.node;
  right.noMergeBeforeMs = p.noMergeBeforeMs;
  p.bytes -= bytes;
  p.highKeys -= high;
  // Rates restart on both halves (which half got the recent requests is unknown); totals stay with the left.
  p.readRate = new SlidingRate(p.rateWindowMs, nowMs);
  p.writeRate = new SlidingRate(p.rateWindowMs, nowMs);
  p.end = splitKey;
  p.splitRetryAtRequests = 0;
  return right;
}

/**
 * Append `right` (the partition just after `left`) to `left`: left becomes
 * [left.start, right.end) with both halves' keys, bytes and counters, and
 * keeps its id and node. O(size of left + size of right).
 */
export function mergeInto<V>(left: RangePartition<V>, right: RangePartition<V>, nowMs: number): void {
  if (right.tree.size > 0) {
    if (left.tree.size === 0) left.tree = right.tree;
    else left.tree = treeFromSorted(left.tree.keysArray().concat(right.tree.keysArray()), left.tree.valuesArray().concat(right.tree.valuesArray()));
  }
  left.bytes += right.bytes;
  left.highKeys += right.highKeys;
  left.reads += right.reads;
  left.writes += right.writes;
  left.readRate.absorb(right.readRate, nowMs);
  left.writeRate.absorb(right.writeRate, nowMs);
  left.end = right.end;
  left.noMergeBeforeMs = Math.max(left.noMergeBeforeMs, right.noMergeBeforeMs);
  left.splitRetryAtRequests = 0;
}
