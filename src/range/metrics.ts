/**
 * Store-wide figures computed from partition snapshots, and the default value
 * size the byte accounting uses (ARCHITECTURE.md, principle 6).
 */
import { utf8Length } from '../partitioning/range-keys.js';
import type { PartitionInfo, StoreStats } from './types.js';

/** Default value size: see `RangeStoreOptions.sizeOf`. O(size of value). */
export function defaultSizeOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return utf8Length(value);
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    default:
      if (value === null) return 0;
      if (value instanceof Uint8Array) return value.byteLength;
      return utf8Length(JSON.stringify(value) ?? '');
  }
}

function maxOverMean(xs: readonly number[]): number {
  let sum = 0;
  let max = 0;
  for (const x of xs) {
    sum += x;
    if (x > max) max = x;
  }
  return sum === 0 ? 1 : max / (sum / xs.length);
}

/** Totals and max/mean imbalances over partitions (keys, bytes, write rate). O(P). */
export function storeStats(infos: readonly PartitionInfo[], totalKeys: number, splits: number, merges: number): StoreStats {
  const rates = infos.map((p) => p.writesPerSec);
  const rateSum = rates.reduce((s, x) => s + x, 0);
  return {
    partitionCount: infos.length,
    totalKeys,
    totalBytes: infos.reduce((s, p) => s + p.bytes, 0),
    splits,
    merges,
    reads: infos.reduce((s, p) => s + p.reads, 0),
    writes: infos.reduce((s, p) => s + p.writes, 0),
    keysImbalance: maxOverMean(infos.map((p) => p.size)),
    bytesImbalance: maxOverMean(infos.map((p) => p.bytes)),
    writeRateImbalance: maxOverMean(rates),
    hottestWriteShare: rateSum === 0 ? 0 : rates.reduce((m, x) => (x > m ? x : m), 0) / rateSum,
  };
}
