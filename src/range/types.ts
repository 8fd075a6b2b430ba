/**
 * The range store's public shapes: what a partition reports and what a split
 * or merge tells listeners (ARCHITECTURE.md, principle 6: metrics are part of
 * the API). Keys here are always the caller's keys (never sort forms).
 */

/** One partition, as the store reports it. A snapshot: it does not change later. */
export interface PartitionInfo {
  /** Unique for the store's life; a split keeps the id on the left half, the right half gets a new one. */
  readonly id: number;
  /** First key of the range (inclusive); "" for the first partition. */
  readonly start: string;
  /** End of the range (exclusive); null for the last partition (open-ended). */
  readonly end: string | null;
  /** Keys stored (the seed's `size`). */
  readonly size: number;
  /** UTF-8 bytes of the keys plus `sizeOf` of the values. */
  readonly bytes: number;
  /** Point reads and scans that touched this partition since it was created. */
  readonly reads: number;
  /** Puts and deletes (of existing or missing keys) routed here since it was created. */
  readonly writes: number;
  /** Reads per second over the last rate window (injected clock). */
  readonly readsPerSec: number;
  /** Writes per second over the last rate window (injected clock). */
  readonly writesPerSec: number;
  /** Node holding it, when the store has nodes. */
  readonly node?: string;
  /** Time (ms, injected clock) of creation (for a left half: of the split that created its current range). */
  readonly createdMs: number;
}

/** Why a split happened. */
export type SplitReason = 'keys' | 'bytes' | 'load' | 'manual' | 'presplit';

/** A partition became two. */
export interface SplitEvent {
  readonly type: 'split';
  readonly atMs: number;
  readonly reason: SplitReason;
  /** The first key of the right half. */
  readonly splitKey: string;
  /** The partition before the split. */
  readonly parent: PartitionInfo;
  readonly left: PartitionInfo;
  readonly right: PartitionInfo;
}

/** Two adjacent partitions became one. */
export interface MergeEvent {
  readonly type: 'merge';
  readonly atMs: number;
  readonly left: PartitionInfo;
  readonly right: PartitionInfo;
  readonly merged: PartitionInfo;
  /** Bytes that changed node because the halves lived on different nodes (0 without nodes). */
  readonly movedBytes: number;
}

export type RangeEvent = SplitEvent | MergeEvent;

/** Whole-store figures. */
export interface StoreStats {
  readonly partitionCount: number;
  readonly totalKeys: number;
  readonly totalBytes: number;
  readonly splits: number;
  readonly merges: number;
  readonly reads: number;
  readonly writes: number;
  /** Max/mean over partitions (1 is even). */
  readonly keysImbalance: number;
  readonly bytesImbalance: number;
  /** Max/mean of writes per second over partitions: the sequential-key hot spot shows here. */
  readonly writeRateImbalance: number;
  /** Share of all writes-per-second that goes to the busiest partition. */
  readonly hottestWriteShare: number;
}
