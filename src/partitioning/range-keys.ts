/**
 * Key order for range partitioning: **UTF-8 byte order** (equivalently,
 * Unicode code point order), the order HBase, Bigtable, CockroachDB and TiKV
 * keep their byte keys in, and the order shardkit's hash layer already treats
 * string keys by (a string key *is* its UTF-8 bytes).
 *
 * Why not JavaScript's own string order? `<` compares UTF-16 code units, which
 * disagrees with byte order exactly when one string has a supplementary
 * character (a surrogate pair, e.g. an emoji) where the other has a BMP
 * character ≥ U+E000 (private use, CJK compatibility, half-width forms,
 * U+FFFD): JS says '😀' < '｡', bytes say the opposite. A range store whose
 * boundaries came from another system, or whose keys arrive as bytes, would
 * put such keys in the wrong partition.
 *
 * How it stays fast: keys are kept in **sort form**, a bijection on UTF-16
 * code units (U+D800–DFFF ↦ U+F800–FFFF, U+E000–FFFF ↦ U+D800–F7FF) under
 * which native `<` gives code point order. It is the identity on every string
 * without a code unit ≥ U+D800 (checked with one native regex test), so ASCII
 * and most real keys cost nothing and hot paths compare with native `<`.
 *
 * Lone surrogates (not valid Unicode; UTF-8 encoders write U+FFFD for them)
 * still get a total, deterministic order, as if they were supplementary; the
 * range placement maps string keys through `toWellFormed()` first so that a
 * string and its UTF-8 bytes always land in the same partition.
 */

const HIGH = /[\ud800-\uffff]/;

function mapUnits(s: string, forward: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    let v = u;
    if (forward) {
      if (u >= 0xd800 && u <= 0xdfff) v = u + 0x2000;
      else if (u >= 0xe000) v = u - 0x800;
    } else if (u >= 0xf800) v = u - 0x2000;
    else if (u >= 0xd800) v = u + 0x800;
    out += String.fromCharCode(v);
  }
  return out;
}

/**
 * The sort form of `key`: native `<` on sort forms is code point (= UTF-8
 * byte) order on keys. O(length); returns `key` itself (no allocation) when it
 * has no code unit ≥ U+D800.
 */
export function toSortForm(key: string): string {
  return HIGH.test(key) ? mapUnits(key, true) : key;
}

/** Inverse of `toSortForm`. O(length); identity without code units ≥ U+D800. */
export function fromSortForm(sortForm: string): string {
  return HIGH.test(sortForm) ? mapUnits(sortForm, false) : sortForm;
}

/** Compare two keys in code point (UTF-8 byte) order: negative, 0 or positive. O(length). */
export function compareKeys(a: string, b: string): number {
  const x = toSortForm(a);
  const y = toSortForm(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compare two byte strings lexicographically (shorter prefix first). O(length). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Bytes of `s` in UTF-8 (a lone surrogate counts 3, as U+FFFD). O(length), no
 * allocation: the store's byte accounting calls it on every write.
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 2 UTF-16 units → 4 bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * Index of the partition holding `key` among partitions whose sorted start
 * keys (in sort form) are `starts`, `starts[0]` being "": the last i with
 * starts[i] ≤ key. O(log n), allocation-free.
 */
export function findPartitionIndex(starts: readonly string[], sortKey: string): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((starts[mid] as string) <= sortKey) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** As `findPartitionIndex`, over UTF-8 byte starts and a byte key. O(log n · key length). */
export function findPartitionIndexBytes(starts: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (compareBytes(starts[mid] as Uint8Array, key) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
