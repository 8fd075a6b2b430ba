/**
 * xxHash32 and xxHash64 (Yann Collet, BSD-2), bit-exact with the reference
 * `XXH32` / `XXH64` (xxHash's `xsum_sanity_check.c` vectors). Written here
 * rather than taken from a package: xxh32 is a few lines with `Math.imul`,
 * runs synchronously (xxhash-wasm needs an async init) and allocates nothing
 * per call; xxh64 uses the 64-bit registers of u64.ts.
 * O(n) in the key's bytes.
 */
import { type Key, assertKey, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { S, set64, copy64, load64, mul64, add64, addLow64, xor64, rotl64, xorShr64, bigUint64 } from './u64.js';

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

// The accumulated h of `stripes32`, passed back through a typed array so no
// 32-bit value crosses a call boundary (where V8 would box it).
const ACC = new Int32Array(1);

/** The 16-byte-stripe phase of XXH32 for `len ≥ 16`: writes the converged h to ACC[0]. */
function stripes32(bytes: Uint8Array, len: number, seed: number): void {
  let v1 = (seed + P32_1 + P32_2) | 0;
  let v2 = (seed + P32_2) | 0;
  let v3 = seed | 0;
  let v4 = (seed - P32_1) | 0;
  const limit = len - 16;
  for (let i = 0; i <= limit; i += 16) {
    v1 = round32(v1, read32(bytes, i));
    v2 = round32(v2, read32(bytes, i + 4));
    v3 = round32(v3, read32(bytes, i + 8));
    v4 = round32(v4, read32(bytes, i + 12));
  }
  ACC[0] = ((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) + ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14));
}

/**
 * XXH32 over `bytes[0 … len)`. O(len), allocation-free. Kept small (the
 * stripe loop is its own function) so V8 inlines it into callers and the
 * 32-bit result is never boxed.
 */
export function xxh32Bytes(bytes: Uint8Array, len: number, seed = 0): number {
  let i = 0;
  let h: number;
  if (len >= 16) {
    stripes32(bytes, len, seed);
    h = ACC[0] as number;
    i = len & ~15;
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

/**
 * XXH32 of a key (UTF-8 for strings) with an optional unsigned 32-bit seed.
 * Returns an unsigned 32-bit integer. O(n), allocation-free (strings are
 * copied or encoded into the shared scratch buffer first).
 */
export function xxh32(key: Key, seed = 0): number {
  if (typeof key === 'string') {
    const n = stringToScratch(key);
    return xxh32Bytes(scratchBytes(), n, seed);
  }
  assertKey(key);
  return xxh32Bytes(key, key.length, seed);
}

// Registers of u64.ts owned by this file (16…31; murmur3-x64-128.ts owns 0…11).
const P1 = 16;
const P2 = 17;
const P3 = 18;
const P4 = 19;
const P5 = 20;
const NEG_P1 = 21;
const V1 = 22;
const V2 = 23;
const V3 = 24;
const V4 = 25;
const H = 26;
const T = 27;
const SEED = 28;
set64(P1, 0x9e3779b1, 0x85ebca87);
set64(P2, 0xc2b2ae3d, 0x27d4eb4f);
set64(P3, 0x165667b1, 0x9e3779f9);
set64(P4, 0x85ebca77, 0xc2b2ae63);
set64(P5, 0x27d4eb2f, 0x165667c5);
set64(NEG_P1, 0x61c8864e, 0x7a143579); // 2^64 − P1

/** v = rotl(v + t × P2, 31) × P1, with the input already in T (xxh64 round). */
function round64(v: number): void {
  mul64(T, P2);
  add64(v, T);
  rotl64(v, 31);
  mul64(v, P1);
}

/** H = (H ^ round(0, v)) × P1 + P4 (xxh64 mergeRound). */
function merge64(v: number): void {
  copy64(T, v);
  mul64(T, P2);
  rotl64(T, 31);
  mul64(T, P1);
  xor64(H, T);
  mul64(H, P1);
  add64(H, P4);
}

/**
 * XXH64 over `bytes[0 … len)` with the 64-bit seed in register SEED, into
 * `out` as `[hi, lo]` (unsigned 32-bit halves). O(len), allocation-free.
 */
function xxh64Registers(bytes: Uint8Array, len: number, out: Uint32Array): Uint32Array {
  let i = 0;
  if (len >= 32) {
    copy64(V1, SEED);
    add64(V1, P1);
    add64(V1, P2);
    copy64(V2, SEED);
    add64(V2, P2);
    copy64(V3, SEED);
    copy64(V4, SEED);
    add64(V4, NEG_P1);
    const limit = len - 32;
    for (; i <= limit; i += 32) {
      load64(T, bytes, i);
      round64(V1);
      load64(T, bytes, i + 8);
      round64(V2);
      load64(T, bytes, i + 16);
      round64(V3);
      load64(T, bytes, i + 24);
      round64(V4);
    }
    copy64(H, V1);
    rotl64(H, 1);
    copy64(T, V2);
    rotl64(T, 7);
    add64(H, T);
    copy64(T, V3);
    rotl64(T, 12);
    add64(H, T);
    copy64(T, V4);
    rotl64(T, 18);
    add64(H, T);
    merge64(V1);
    merge64(V2);
    merge64(V3);
    merge64(V4);
  } else {
    copy64(H, SEED);
    add64(H, P5);
  }
  addLow64(H, len);
  for (; i + 8 <= len; i += 8) {
    // h ^= round(0, k); h = rotl(h, 27) × P1 + P4
    load64(T, bytes, i);
    mul64(T, P2);
    rotl64(T, 31);
    mul64(T, P1);
    xor64(H, T);
    rotl64(H, 27);
    mul64(H, P1);
    add64(H, P4);
  }
  if (i + 4 <= len) {
    // h ^= u32 × P1; h = rotl(h, 23) × P2 + P3
    set64(T, 0, read32(bytes, i));
    mul64(T, P1);
    xor64(H, T);
    rotl64(H, 23);
    mul64(H, P2);
    add64(H, P3);
    i += 4;
  }
  for (; i < len; i++) {
    // h ^= byte × P5; h = rotl(h, 11) × P1
    set64(T, 0, bytes[i] as number);
    mul64(T, P5);
    xor64(H, T);
    rotl64(H, 11);
    mul64(H, P1);
  }
  xorShr64(H, 33);
  mul64(H, P2);
  xorShr64(H, 29);
  mul64(H, P3);
  xorShr64(H, 32);
  out[0] = S[2 * H] as number;
  out[1] = S[2 * H + 1] as number;
  return out;
}

/**
 * XXH64 over `bytes[0 … len)` with a 64-bit seed given as unsigned 32-bit
 * halves, into `out` as `[hi, lo]`. O(len), allocation-free.
 */
export function xxh64Core(bytes: Uint8Array, len: number, seedHi: number, seedLo: number, out: Uint32Array): Uint32Array {
  set64(SEED, seedHi, seedLo);
  return xxh64Registers(bytes, len, out);
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
  if (typeof key === 'string') {
    const n = stringToScratch(key);
    return xxh64Core(scratchBytes(), n, 0, seed >>> 0, out);
  }
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
  if (typeof key === 'string') {
    const n = stringToScratch(key);
    xxh64Core(scratchBytes(), n, sh, sl, pair);
  }
  else {
    assertKey(key);
    xxh64Core(key, key.length, sh, sl, pair);
  }
  return bigUint64(pair[0] as number, pair[1] as number);
}
