/**
 * xxHash32 and xxHash64 (Yann Collet, BSD-2), bit-exact with the reference
 * `XXH32` / `XXH64` (xxHash's `xsum_sanity_check.c` vectors). Written here
 * rather than taken from a package: xxh32 is a few lines with `Math.imul`,
 * runs synchronously (xxhash-wasm needs an async init) and reads ASCII
 * strings in place without allocating; xxh64 uses 32-bit halves (u64.ts).
 * O(n) in the key's bytes.
 */
import { type Key, assertKey, isAscii, encodeToScratch, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { mul64, add64, rotl64, rh, rl } from './u64.js';

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function round32(acc: number, input: number): number {
  acc = (acc + Math.imul(input, P32_2)) | 0;
  acc = (acc << 13) | (acc >>> 19);
  return Math.imul(acc, P32_1);
}

function avalanche32(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P32_2);
  h ^= h >>> 13;
  h = Math.imul(h, P32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

function read32(b: Uint8Array, i: number): number {
  return (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
}

function read32Ascii(s: string, i: number): number {
  return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
}

/** XXH32 over `bytes[0 … len)`. O(len), allocation-free. */
export function xxh32Bytes(bytes: Uint8Array, len: number, seed = 0): number {
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = len - 16;
    for (; i <= limit; i += 16) {
      v1 = round32(v1, read32(bytes, i));
      v2 = round32(v2, read32(bytes, i + 4));
      v3 = round32(v3, read32(bytes, i + 8));
      v4 = round32(v4, read32(bytes, i + 12));
    }
    h = ((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) + ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14));
  } else {
    h = seed + P32_5;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) {
    h = (h + Math.imul(read32(bytes, i), P32_3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), P32_4);
  }
  for (; i < len; i++) {
    h = (h + Math.imul(bytes[i] as number, P32_5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), P32_1);
  }
  return avalanche32(h);
}

function xxh32Ascii(s: string, seed: number): number {
  const len = s.length;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = len - 16;
    for (; i <= limit; i += 16) {
      v1 = round32(v1, read32Ascii(s, i));
      v2 = round32(v2, read32Ascii(s, i + 4));
      v3 = round32(v3, read32Ascii(s, i + 8));
      v4 = round32(v4, read32Ascii(s, i + 12));
    }
    h = ((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) + ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14));
  } else {
    h = seed + P32_5;
  }
  h = (h + len) | 0;
  for (; i + 4 <= len; i += 4) {
    h = (h + Math.imul(read32Ascii(s, i), P32_3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), P32_4);
  }
  for (; i < len; i++) {
    h = (h + Math.imul(s.charCodeAt(i), P32_5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), P32_1);
  }
  return avalanche32(h);
}

/**
 * XXH32 of a key (UTF-8 for strings) with an optional unsigned 32-bit seed.
 * Returns an unsigned 32-bit integer. O(n), allocation-free.
 */
export function xxh32(key: Key, seed = 0): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return xxh32Ascii(key, seed);
    return xxh32Bytes(scratchBytes(), encodeToScratch(key), seed);
  }
  assertKey(key);
  return xxh32Bytes(key, key.length, seed);
}

// XXH64 primes as (hi, lo) halves.
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** round(acc, input) = rotl(acc + input × P2, 31) × P1 → (rh, rl). */
function round64(ah: number, al: number, ih: number, il: number): void {
  mul64(ih, il, P2H, P2L);
  add64(ah, al, rh, rl);
  rotl64(rh, rl, 31);
  mul64(rh, rl, P1H, P1L);
}

/** mergeRound(acc, v) = (acc ^ round(0, v)) × P1 + P4 → (rh, rl). */
function merge64(ah: number, al: number, vh: number, vl: number): void {
  round64(0, 0, vh, vl);
  mul64((ah ^ rh) >>> 0, (al ^ rl) >>> 0, P1H, P1L);
  add64(rh, rl, P4H, P4L);
}

function u32(b: Uint8Array, i: number): number {
  return read32(b, i) >>> 0;
}

/**
 * XXH64 over `bytes[0 … len)` with a 64-bit seed given as halves, into `out`
 * as `[hi, lo]` (unsigned 32-bit halves). O(len), allocation-free.
 */
export function xxh64Core(bytes: Uint8Array, len: number, seedHi: number, seedLo: number, out: Uint32Array): Uint32Array {
  let i = 0;
  let hh: number;
  let hl: number;
  if (len >= 32) {
    add64(seedHi, seedLo, P1H, P1L);
    add64(rh, rl, P2H, P2L);
    let v1h = rh;
    let v1l = rl;
    add64(seedHi, seedLo, P2H, P2L);
    let v2h = rh;
    let v2l = rl;
    let v3h = seedHi;
    let v3l = seedLo;
    // seed − P1 = seed + (2^64 − P1)
    add64(seedHi, seedLo, ~P1H >>> 0, (~P1L + 1) >>> 0);
    let v4h = rh;
    let v4l = rl;
    const limit = len - 32;
    for (; i <= limit; i += 32) {
      round64(v1h, v1l, u32(bytes, i + 4), u32(bytes, i));
      v1h = rh;
      v1l = rl;
      round64(v2h, v2l, u32(bytes, i + 12), u32(bytes, i + 8));
      v2h = rh;
      v2l = rl;
      round64(v3h, v3l, u32(bytes, i + 20), u32(bytes, i + 16));
      v3h = rh;
      v3l = rl;
      round64(v4h, v4l, u32(bytes, i + 28), u32(bytes, i + 24));
      v4h = rh;
      v4l = rl;
    }
    rotl64(v1h, v1l, 1);
    let sh = rh;
    let sl = rl;
    rotl64(v2h, v2l, 7);
    add64(sh, sl, rh, rl);
    sh = rh;
    sl = rl;
    rotl64(v3h, v3l, 12);
    add64(sh, sl, rh, rl);
    sh = rh;
    sl = rl;
    rotl64(v4h, v4l, 18);
    add64(sh, sl, rh, rl);
    merge64(rh, rl, v1h, v1l);
    merge64(rh, rl, v2h, v2l);
    merge64(rh, rl, v3h, v3l);
    merge64(rh, rl, v4h, v4l);
    hh = rh;
    hl = rl;
  } else {
    add64(seedHi, seedLo, P5H, P5L);
    hh = rh;
    hl = rl;
  }
  add64(hh, hl, 0, len);
  hh = rh;
  hl = rl;
  for (; i + 8 <= len; i += 8) {
    round64(0, 0, u32(bytes, i + 4), u32(bytes, i));
    rotl64((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
    mul64(rh, rl, P1H, P1L);
    add64(rh, rl, P4H, P4L);
    hh = rh;
    hl = rl;
  }
  if (i + 4 <= len) {
    mul64(0, u32(bytes, i), P1H, P1L);
    rotl64((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
    mul64(rh, rl, P2H, P2L);
    add64(rh, rl, P3H, P3L);
    hh = rh;
    hl = rl;
    i += 4;
  }
  for (; i < len; i++) {
    mul64(0, bytes[i] as number, P5H, P5L);
    rotl64((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
    mul64(rh, rl, P1H, P1L);
    hh = rh;
    hl = rl;
  }
  // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul64(hh, hl, P2H, P2L);
  hl = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0;
  hh = (rh ^ (rh >>> 29)) >>> 0;
  mul64(hh, hl, P3H, P3L);
  out[0] = rh;
  out[1] = (rl ^ rh) >>> 0;
  return out;
}

const pair = new Uint32Array(2);

/** Split a seed (unsigned 32-bit number, or bigint up to 2^64−1) into halves. */
function seedHalves(seed: number | bigint): [number, number] {
  if (typeof seed === 'bigint') return [Number((seed >> 32n) & 0xffffffffn), Number(seed & 0xffffffffn)];
  return [0, seed >>> 0];
}

/**
 * XXH64 of a key (UTF-8 for strings) into `out` as `[hi, lo]` (unsigned 32-bit
 * halves; pass a reused `new Uint32Array(2)`), with an unsigned 32-bit seed.
 * O(n), allocation-free: the form for hot paths.
 */
export function xxh64Into(key: Key, out: Uint32Array, seed = 0): Uint32Array {
  if (typeof key === 'string') return xxh64Core(scratchBytes(), stringToScratch(key), 0, seed >>> 0, out);
  assertKey(key);
  return xxh64Core(key, key.length, 0, seed >>> 0, out);
}

/**
 * XXH64 of a key (UTF-8 for strings) as an unsigned 64-bit bigint. The seed
 * is an unsigned 32-bit number or a bigint up to 2^64−1. O(n); allocates the
 * bigint: use `xxh64Into` on hot paths.
 */
export function xxh64(key: Key, seed: number | bigint = 0): bigint {
  const [sh, sl] = seedHalves(seed);
  if (typeof key === 'string') xxh64Core(scratchBytes(), stringToScratch(key), sh, sl, pair);
  else {
    assertKey(key);
    xxh64Core(key, key.length, sh, sl, pair);
  }
  return (BigInt(pair[0] as number) << 32n) | BigInt(pair[1] as number);
}
