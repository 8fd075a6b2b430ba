/**
 * Bigtable/HBase-style salted keys: a hash-derived prefix spreads sequential
 * keys (timestamps, counters) over `buckets` key ranges, so that writes no
 * longer all land on the last partition (DDIA ch. 6, "Skewed workloads and
 * relieving hot spots"). The price is on reads: a range of original keys is
 * now `buckets` ranges, one per prefix; `saltedScan` fans out over all of
 * them and merges the results back into key order.
 *
 * Prefix: the bucket murmur3_x86_32(key) mod buckets, zero-padded to a fixed
 * width, then ":" — fixed width keeps each bucket one contiguous range in
 * which keys sort as they did unsalted.
 */
import { InvalidArgumentError, requireInt } from '../errors.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { compareKeys } from '../partitioning/range-keys.js';

/** Largest bucket count. */
export const MAX_SALT_BUCKETS = 65_536;

/** Anything with the store's rangeScan. */
export interface RangeScannable<V> {
  rangeScan(start: string, end?: string): [string, V][];
}

/** Salting scheme for a fixed number of buckets. */
export class KeySalter {
  readonly buckets: number;
  private readonly width: number;

  constructor(buckets: number) {
    this.buckets = requireInt('buckets', buckets, 1, MAX_SALT_BUCKETS);
    this.width = String(this.buckets - 1).length;
  }

  /** The prefix of bucket `b` ("07:"). O(1). */
  prefix(bucket: number): string {
    return `${String(bucket).padStart(this.width, '0')}:`;
  }

  /** Bucket of `key`: murmur3_x86_32(UTF-8 key) mod buckets. O(length). */
  bucketOf(key: string): number {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
    return murmur3x86_32(key) % this.buckets;
  }

  /** The salted store key of `key`. O(length). */
  salt(key: string): string {
    return this.prefix(this.bucketOf(key)) + key;
  }

  /** The original key of a salted key. O(length). */
  unsalt(salted: string): string {
    if (typeof salted !== 'string' || salted.length < this.width + 1 || salted[this.width] !== ':') {
      throw new InvalidArgumentError('salted key', salted, `a key made by salt() with ${this.buckets} buckets`);
    }
    return salted.slice(this.width + 1);
  }

  /** Pre-split boundaries putting each bucket in its own partition (bucket 1 … buckets−1 prefixes). */
  boundaries(): string[] {
    return Array.from({ length: this.buckets - 1 }, (_, i) => this.prefix(i + 1));
  }

  /**
   * Every [originalKey, value] with start ≤ key < end (to the end of every
   * bucket when `end` is omitted), in key order: one scan per bucket, then a
   * k-way merge. O(buckets · log n + results · buckets).
   */
  scan<V>(store: RangeScannable<V>, start: string, end?: string): [string, V][] {
    if (typeof start !== 'string') throw new InvalidArgumentError('start', start, 'a string');
    if (end !== undefined && (typeof end !== 'string' || compareKeys(end, start) < 0)) {
      throw new InvalidArgumentError('end', end, `a string ≥ start ${JSON.stringify(start)} or undefined`);
    }
    const lists: [string, V][][] = [];
    for (let b = 0; b < this.buckets; b++) {
      const p = this.prefix(b);
      // Without an end, a bucket ends where the prefix's last character would step to the next one.
      const bucketEnd = end !== undefined ? p + end : `${p.slice(0, -1)};`;
      const found = store.rangeScan(p + start, bucketEnd);
      if (found.length > 0) lists.push(found);
    }
    const cut = this.width + 1;
    const at = new Array<number>(lists.length).fill(0);
    const out: [string, V][] = [];
    for (;;) {
      let best = -1;
      for (let i = 0; i < lists.length; i++) {
        const e = (lists[i] as [string, V][])[at[i] as number];
        if (e !== undefined && (best < 0 || compareKeys(e[0].slice(cut), ((lists[best] as [string, V][])[at[best] as number] as [string, V])[0].slice(cut)) < 0)) best = i;
      }
      if (best < 0) return out;
      const e = (lists[best] as [string, V][])[at[best] as number] as [string, V];
      at[best] = (at[best] as number) + 1;
      out.push([e[0].slice(cut), e[1]]);
    }
  }
}
