/**
 * Store-wide figures computed from partition snapshots, and the default value
 * size the byte accounting uses (ARCHITECTURE.md, principle 6).
 */
import { InvalidArgumentError, ShardkitError, describeValue } from '../errors.js';
import { utf8Length } from '../partitioning/range-keys.js';
import type { PartitionInfo, StoreStats } from './types.js';

/**
 * Default value size: see `RangeStoreOptions.sizeOf`. O(size of value). A
 * value JSON cannot measure (circular, holding a bigint, a throwing toJSON) is
 * an InvalidArgumentError.
 */
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
      try {
        return utf8Length(JSON.stringify(value) ?? '');
      } catch (e) {
        throw new InvalidArgumentError('value', value, `a value the default sizeOf can measure as JSON (${e instanceof Error ? e.message : 'JSON.stringify threw'}); pass sizeOf for other values`);
      }
  }
}

/**
 * `sizeOf(value)`, with anything it throws other than a ShardkitError turned
 * into an InvalidArgumentError naming the value, so a put of a value that
 * cannot be measured fails typed and before anything changes. O(sizeOf).
 */
export function measureValue<V>(sizeOf: (value: V) => number, value: V): number {
  try {
    return sizeOf(value);
  } catch (e) {
    if (e instanceof ShardkitError) throw e;
    throw new InvalidArgumentError('value', value, `a value sizeOf can measure (it threw: ${e instanceof Error ? e.message : describeValue(e)})`);
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
