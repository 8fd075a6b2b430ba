/**
 * FNV-1a (Fowler–Noll–Vo, the "xor then multiply" variant) in 32 and 64 bits,
 * bit-exact with Go's `hash/fnv` `New32a` / `New64a` and the reference
 * constants (offset basis 0x811C9DC5 / 0xCBF29CE484222325, prime 0x01000193 /
 * 0x100000001B3). Simple and byte-at-a-time: a common default for short keys
 * (Go's `hash/fnv`, many proxies), kept here so a user can reproduce such a
 * placement. O(n) in the key's bytes; no allocation on the 32-bit path or in
 * `fnv1a64Into`.
 *
 * The 64-bit product uses four 16-bit limbs in plain numbers: the FNV-64 prime
 * is 2^40 + 0x1B3, so h × prime = (h << 40) + h × 0x1B3, and every partial sum
 * stays below 2^53.
 */
import { type Key, assertKey, isAscii, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { bigUint64 } from './u64.js';

const OFFSET32 = 0x811c9dc5;
const PRIME32 = 0x01000193;

function fnv1a32Bytes(bytes: Uint8Array, len: number): number {
  let h = OFFSET32;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ (bytes[i] as number), PRIME32);
  return h >>> 0;
}

function fnv1a32Ascii(s: string): number {
  let h = OFFSET32;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME32);
  return h >>> 0;
}

/**
 * FNV-1a 32 of a key (UTF-8 for strings), unsigned 32-bit.
 * `fnv1a32("a") === 0xE40C292C`. O(n), allocation-free.
 */
export function fnv1a32(key: Key): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return fnv1a32Ascii(key);
    const n = stringToScratch(key);
    return fnv1a32Bytes(scratchBytes(), n);
  }
  assertKey(key);
  return fnv1a32Bytes(key, key.length);
}

/**
 * FNV-1a 64 of `bytes[0 … len)` into `out` as `[hi, lo]` (unsigned 32-bit halves). O(len), allocation-free.
 */
export function fnv1a64Core(bytes: Uint8Array, len: number, out: Uint32Array): Uint32Array {
  // 0xCBF29CE484222325 as 16-bit limbs, least significant first.
  let v0 = 0x2325;
  let v1 = 0x8422;
  let v2 = 0x9ce4;
  let v3 = 0xcbf2;
  for (let i = 0; i < len; i++) {
    v0 ^= bytes[i] as number;
    // × 0x1B3 on every limb, plus (h << 40): limb 0 shifted by 8 lands in limb 2, limb 1 in limb 3.
    const t0 = v0 * 0x1b3;
    const t1 = v1 * 0x1b3 + (t0 >>> 16);
    const t2 = v2 * 0x1b3 + (v0 << 8) + (t1 >>> 16);
    v3 = (v3 * 0x1b3 + (v1 << 8) + (t2 >>> 16)) & 0xffff;
    v0 = t0 & 0xffff;
    v1 = t1 & 0xffff;
    v2 = t2 & 0xffff;
  }
  out[0] = ((v3 << 16) | v2) >>> 0;
  out[1] = ((v1 << 16) | v0) >>> 0;
  return out;
}

/**
 * FNV-1a 64 of a key (UTF-8 for strings) into `out` as `[hi, lo]` (unsigned
 * 32-bit halves; pass a reused `new Uint32Array(2)`). O(n), allocation-free:
 * the form for hot paths.
 */
export function fnv1a64Into(key: Key, out: Uint32Array): Uint32Array {
  if (typeof key === 'string') {
    const n = stringToScratch(key);
    return fnv1a64Core(scratchBytes(), n, out);
  }
  assertKey(key);
  return fnv1a64Core(key, key.length, out);
}

const pair = new Uint32Array(2);

/**
 * FNV-1a 64 of a key (UTF-8 for strings) as an unsigned 64-bit bigint.
 * `fnv1a64("a") === 0xAF63DC4C8601EC8Cn`. O(n); allocates the bigint: use
 * `fnv1a64Into` on hot paths.
 */
export function fnv1a64(key: Key): bigint {
  fnv1a64Into(key, pair);
  return bigUint64(pair[0] as number, pair[1] as number);
}
