/**
 * One range partition inside the store: its bounds (in sort form), its keys in
 * a B+ tree, and what it cost (keys, bytes, reads, writes and their rates).
 * Internal to `range/`: callers see `PartitionInfo` snapshots.
 */
import { fromSortForm } from '../partitioning/range-keys.js';
import { type BTree, emptyTree } from './btree.js';
import { SlidingRate } from './rate.js';
import type { PartitionInfo } from './types.js';
import type { LoadSplitFinder } from './load-split.js';

export class RangePartition<V> {
  tree: BTree<string, V>;
  bytes = 0;
  /** Keys whose sort form differs from the key (code units ≥ U+D800): scans convert only these. */
  highKeys = 0;
  reads = 0;
  writes = 0;
  readRate: SlidingRate;
  writeRate: SlidingRate;
  /** Load-based split state (present while a load policy watches this partition). */
  finder: LoadSplitFinder | undefined;
  /** Request rate measured by the load policy over its last completed window. */
  loadQps = 0;
  loadWindowStartMs: number;
  loadWindowCount = 0;
  /** The partition is not merged before this time (it was hot recently). */
  noMergeBeforeMs = -Infinity;
  /** No split is attempted again before reads + writes reach this (after a wanted split found no valid key). */
  splitRetryAtRequests = 0;
  /** Node holding the partition, when the store has nodes. */
  node: string | undefined;

  constructor(
    readonly id: number,
    /** Sort form of the first key (inclusive). */
    public start: string,
    /** Sort form of the end (exclusive); null = +∞. */
    public end: string | null,
    readonly rateWindowMs: number,
    public createdMs: number,
    tree?: BTree<string, V>,
  ) {
    this.tree = tree ?? emptyTree<V>();
    this.readRate = new SlidingRate(rateWindowMs, createdMs);
    this.writeRate = new SlidingRate(rateWindowMs, createdMs);
    this.loadWindowStartMs = createdMs;
  }

  /** Keys stored. O(1). */
  get size(): number {
    return this.tree.size;
  }

  /** Does this partition's range contain the sort-form key? O(1). */
  contains(sortKey: string): boolean {
    return this.start <= sortKey && (this.end === null || sortKey < this.end);
  }

  /** A snapshot for callers. O(1) plus two key conversions. */
  info(nowMs: number): PartitionInfo {
    return {
      id: this.id,
      start: fromSortForm(this.start),
      end: this.end === null ? null : fromSortForm(this.end),
      size: this.tree.size,
      bytes: this.bytes,
      reads: this.reads,
      writes: this.writes,
      readsPerSec: this.readRate.perSecond(nowMs),
      writesPerSec: this.writeRate.perSecond(nowMs),
      ...(this.node !== undefined ? { node: this.node } : {}),
      createdMs: this.createdMs,
    };
  }
}
