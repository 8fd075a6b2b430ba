/**
 * The Redis Cluster key slot, bit-exact with Redis's `keyHashSlot()`
 * (cluster spec, "Keys distribution model" and "Hash tags"):
 * `slot = crc16(hashed part) & 16383`, where the hashed part is what lies
 * between the first `{` and the first `}` after it, unless there is no such
 * `}` or nothing lies between them, in which case the whole key is hashed.
 * Hash tags are how users force related keys onto one slot (multi-key
 * commands). The rule is applied to the key's UTF-8 bytes; `{` and `}` never
 * occur inside a multi-byte UTF-8 sequence, so it is equally a rule on
 * characters. O(n) in the key's bytes; allocation-free.
 */
import { type Key, assertKey, isAscii, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { crc16Range, crc16AsciiRange } from './crc16.js';

/** Number of hash slots in a Redis Cluster. */
export const REDIS_SLOT_COUNT = 16384;

const OPEN = 0x7b; // '{'
const CLOSE = 0x7d; // '}'

/** The slot of the first `len` bytes of `bytes`, with the hash-tag rule. O(len). */
export function redisKeySlotBytes(bytes: Uint8Array, len: number): number {
  let s = 0;
  while (s < len && bytes[s] !== OPEN) s++;
  if (s < len) {
    let e = s + 1;
    while (e < len && bytes[e] !== CLOSE) e++;
    if (e < len && e > s + 1) return crc16Range(bytes, s + 1, e) & 0x3fff;
  }
  return crc16Range(bytes, 0, len) & 0x3fff;
}

function redisKeySlotAscii(key: string): number {
  const len = key.length;
  const s = key.indexOf('{');
  if (s >= 0) {
    const e = key.indexOf('}', s + 1);
    if (e > s + 1) return crc16AsciiRange(key, s + 1, e) & 0x3fff;
  }
  return crc16AsciiRange(key, 0, len) & 0x3fff;
}

/**
 * The Redis Cluster slot (0 … 16383) of a key (UTF-8 for strings), as
 * `CLUSTER KEYSLOT` returns it: `somekey` → 11058, `foo{hash_tag}` → 2515,
 * `foo{{bar}}zap` hashes `{bar`, `foo{}{bar}` hashes the whole key.
 * O(n), allocation-free.
 */
export function redisKeySlot(key: Key): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return redisKeySlotAscii(key);
    const n = stringToScratch(key);
    return redisKeySlotBytes(scratchBytes(), n);
  }
  assertKey(key);
  return redisKeySlotBytes(key, key.length);
}

/**
 * The part of a key Redis hashes for its slot: the hash tag when there is a
 * non-empty one, else the whole key (as UTF-8 bytes; allocates a subarray view).
 * O(n). For display and tests; the hot path is `redisKeySlot`.
 */
export function redisHashedPart(key: Key): Uint8Array {
  assertKey(key);
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : key;
  const s = bytes.indexOf(OPEN);
  if (s >= 0) {
    const e = bytes.indexOf(CLOSE, s + 1);
    if (e > s + 1) return bytes.subarray(s + 1, e);
  }
  return bytes;
}
