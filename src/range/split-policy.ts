/**
 * Split policies: when a partition splits and at which key. Pluggable; the
 * store asks each of its policies after every write to a partition (and the
 * load policy also sees every request). Two here, by size:
 *
 * - `byKeyCount` — the seed's rule: more than `maxPartitionSize` keys → split
 *   at the median key, so the halves differ by at most one key.
 * - `byBytes` — more than `maxPartitionBytes` (keys + values in UTF-8 bytes) →
 *   split where the bytes on each side are closest to half, so a few huge
 *   values cannot hide behind a small key count (HBase splits by store-file
 *   size, not row count, for this reason).
 *
 * The load policy (CockroachDB's split decider) is in load-split.ts.
 * A policy returns a *candidate* key; the store moves it to a row-group
 * boundary when compound keys are in use and refuses keys that would leave a
 * side empty, so policies need not know about either.
 */
import { InvalidArgumentError, requireInt } from '../errors.js';
import { fromSortForm, utf8Length } from '../partitioning/range-keys.js';
import type { RangePartition } from './partition.js';
import type { SplitReason } from './types.js';

/** What the store tells a policy. */
export interface SplitContext<V> {
  readonly nowMs: number;
  /** Bytes of a value (the store's `sizeOf`). */
  sizeOf(value: V): number;
}

export interface SplitPolicy {
  /** Reported in split events. */
  readonly reason: SplitReason;
  /**
   * Observe one request routed to `p`: a point request at `startKey`
   * (`span` false), or a scan of [startKey, endKey) clipped to `p` (`span`
   * true; endKey null = to the end of the key space). Keys are sort forms.
   * Only called when defined; O(1) expected.
   */
  record?(p: RangePartition<unknown>, startKey: string, endKey: string | null, nowMs: number, span: boolean): void;
  /** A split key candidate (sort form, inside p) when p should split now, else undefined. */
  splitKey<V>(p: RangePartition<V>, ctx: SplitContext<V>): string | undefined;
  /** Reset per-partition state after `p` was created by a split or merge. */
  reset?(p: RangePartition<unknown>, nowMs: number): void;
}

/** The key at position `index` (0-based) of p's tree. O(index). */
export function keyAtIndex<V>(p: RangePartition<V>, index: number): string | undefined {
  let i = 0;
  for (const k of p.tree.keys()) {
    if (i === index) return k;
    i++;
  }
  return undefined;
}

/**
 * Split when a partition holds more than `maxPartitionSize` keys, at the
 * median: the left half gets ⌊n/2⌋ keys, the right ⌈n/2⌉. O(n) per split,
 * O(1) per write otherwise.
 */
export function byKeyCount(options: { maxPartitionSize: number }): SplitPolicy {
  const max = requireInt('maxPartitionSize', options?.maxPartitionSize, 1);
  return {
    reason: 'keys',
    splitKey<V>(p: RangePartition<V>): string | undefined {
      const n = p.tree.size;
      if (n <= max || n < 2) return undefined;
      return keyAtIndex(p, n >> 1);
    },
  };
}

/**
 * Split when a partition holds more than `maxPartitionBytes` (UTF-8 bytes of
 * keys plus `sizeOf` of values), at the key where the bytes before it are
 * closest to half. O(n) per split, O(1) per write otherwise.
 */
export function byBytes(options: { maxPartitionBytes: number }): SplitPolicy {
  const max = options?.maxPartitionBytes;
  if (typeof max !== 'number' || !Number.isFinite(max) || max <= 0) throw new InvalidArgumentError('maxPartitionBytes', max, 'a finite number > 0');
  return {
    reason: 'bytes',
    splitKey<V>(p: RangePartition<V>, ctx: SplitContext<V>): string | undefined {
      if (p.bytes <= max || p.tree.size < 2) return undefined;
      const half = p.bytes / 2;
      let before = 0;
      let best: string | undefined;
      let bestGap = Infinity;
      let i = 0;
      for (const [k, v] of p.tree.entries()) {
        if (i > 0) {
          const gap = Math.abs(before - half);
          if (gap < bestGap) {
            bestGap = gap;
            best = k;
          } else break; // the gap only grows from here
        }
        before += utf8Length(fromSortForm(k)) + ctx.sizeOf(v);
        i++;
      }
      return best;
    },
  };
}
