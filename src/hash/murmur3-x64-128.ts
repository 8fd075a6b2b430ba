/**
 * MurmurHash3 x64_128 (Austin Appleby, public domain), bit-exact with the
 * reference `MurmurHash3_x64_128` in SMHasher, and the variant Cassandra uses
 * (tail bytes sign-extended, see cassandra.ts).
 *
 * JavaScript has no 64-bit integer arithmetic without bigint, and bigint
 * allocates; so the 64-bit lanes live in the registers of u64.ts (pairs of
 * unsigned 32-bit halves) and the core writes its result to a caller-supplied
 * Uint32Array. bigint appears only in the convenience functions at the API
 * boundary. O(n) in the key's bytes.
 */
import { type Key, assertKey, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { S, set64, load64, mul64, add64, xor64, xorLow64, rotl64, xorShr64, bigUint64 } from './u64.js';

// Registers of u64.ts owned by this file (0…11; xxhash.ts owns 16…31).
const H1 = 0;
const H2 = 1;
const K1 = 2;
const K2 = 3;
const C1 = 4;
const C2 = 5;
const FIVE = 6;
const N1 = 7;
const N2 = 8;
const F1 = 9;
const F2 = 10;
set64(C1, 0x87c37b91, 0x114253d5);
set64(C2, 0x4cf5ad43, 0x2745937f);
set64(FIVE, 0, 5);
set64(N1, 0, 0x52dce729);
set64(N2, 0, 0x38495ab5);
set64(F1, 0xff51afd7, 0xed558ccd);
set64(F2, 0xc4ceb9fe, 0x1a85ec53);

/** fmix64 (the reference finaliser) of register r. */
function fmix64(r: number): void {
  xorShr64(r, 33);
  mul64(r, F1);
  xorShr64(r, 33);
  mul64(r, F2);
  xorShr64(r, 33);
}

/**
 * Register r = the little-endian word of `count` (1…8) bytes from
 * `bytes[at…]`. With `signExtend`, each byte is taken as a signed Java byte
 * widened to 64 bits before the shift, as Cassandra's `(long) key.get(i) << s`
 * does.
 */
function tail(r: number, bytes: Uint8Array, at: number, count: number, signExtend: boolean): void {
  let h = 0;
  let l = 0;
  for (let j = 0; j < count; j++) {
    const b = bytes[at + j] as number;
    if (j < 4) l ^= b << (8 * j);
    else h ^= b << (8 * (j - 4));
    if (signExtend && b >= 0x80) {
      const top = 8 * j + 8; // first bit above this byte: all bits from here up are ones
      if (top < 32) {
        l ^= -1 << top;
        h ^= -1;
      } else if (top === 32) h ^= -1;
      else if (top < 64) h ^= -1 << (top - 32);
    }
  }
  S[2 * r] = h;
  S[2 * r + 1] = l;
}

/**
 * MurmurHash3 x64_128 over `bytes[0 … len)` with a 32-bit `seed` (zero-extended
 * to 64 bits, as the reference's uint32_t seed), writing
 * `[h1 hi, h1 lo, h2 hi, h2 lo]` (unsigned 32-bit halves) into `out`.
 * `signExtendTail` selects Cassandra's variant. O(len), allocation-free.
 */
export function murmur3x64_128Core(bytes: Uint8Array, len: number, seed: number, signExtendTail: boolean, out: Uint32Array): Uint32Array {
  set64(H1, 0, seed >>> 0);
  set64(H2, 0, seed >>> 0);
  const blocks = len & ~15;
  let i = 0;
  for (; i < blocks; i += 16) {
    // k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1; h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729
    load64(K1, bytes, i);
    mul64(K1, C1);
    rotl64(K1, 31);
    mul64(K1, C2);
    xor64(H1, K1);
    rotl64(H1, 27);
    add64(H1, H2);
    mul64(H1, FIVE);
    add64(H1, N1);
    // k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2; h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5
    load64(K2, bytes, i + 8);
    mul64(K2, C2);
    rotl64(K2, 33);
    mul64(K2, C1);
    xor64(H2, K2);
    rotl64(H2, 31);
    add64(H2, H1);
    mul64(H2, FIVE);
    add64(H2, N2);
  }
  const rest = len & 15;
  if (rest > 8) {
    tail(K2, bytes, i + 8, rest - 8, signExtendTail);
    mul64(K2, C2);
    rotl64(K2, 33);
    mul64(K2, C1);
    xor64(H2, K2);
  }
  if (rest > 0) {
    tail(K1, bytes, i, rest > 8 ? 8 : rest, signExtendTail);
    mul64(K1, C1);
    rotl64(K1, 31);
    mul64(K1, C2);
    xor64(H1, K1);
  }
  xorLow64(H1, len);
  xorLow64(H2, len);
  add64(H1, H2);
  add64(H2, H1);
  fmix64(H1);
  fmix64(H2);
  add64(H1, H2);
  add64(H2, H1);
  out[0] = S[2 * H1] as number;
  out[1] = S[2 * H1 + 1] as number;
  out[2] = S[2 * H2] as number;
  out[3] = S[2 * H2 + 1] as number;
  return out;
}

/** Run the core over a key's UTF-8 bytes (strings via the scratch buffer). */
export function murmur3x64_128Key(key: Key, seed: number, signExtendTail: boolean, out: Uint32Array): Uint32Array {
  if (typeof key === 'string') {
    const len = stringToScratch(key);
    return murmur3x64_128Core(scratchBytes(), len, seed, signExtendTail, out);
  }
  assertKey(key);
  return murmur3x64_128Core(key, key.length, seed, signExtendTail, out);
}

/**
 * MurmurHash3 x64_128 of a key (UTF-8 for strings) with an optional 32-bit
 * seed, written into `out` as `[h1 hi, h1 lo, h2 hi, h2 lo]` (unsigned 32-bit
 * halves; pass a reused `new Uint32Array(4)`). O(n), allocation-free: the form
 * for hot paths.
 */
export function murmur3x64_128Into(key: Key, out: Uint32Array, seed = 0): Uint32Array {
  return murmur3x64_128Key(key, seed, false, out);
}

const shared = new Uint32Array(4);

/**
 * MurmurHash3 x64_128 of a key as `[h1, h2]`, two unsigned 64-bit bigints
 * (the reference's `((uint64_t*)out)[0]` and `[1]`). O(n); allocates the
 * bigints: use `murmur3x64_128Into` on hot paths.
 */
export function murmur3x64_128(key: Key, seed = 0): [bigint, bigint] {
  murmur3x64_128Key(key, seed, false, shared);
  return [
    bigUint64(shared[0] as number, shared[1] as number),
    bigUint64(shared[2] as number, shared[3] as number),
  ];
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

/**
 * MurmurHash3 x64_128 of a key as 32 lowercase hex digits: h1 then h2, each as
 * a big-endian 64-bit number (the form `murmurhash3js` and most CLIs print;
 * the reference's 16 output bytes are these two words little-endian). O(n).
 */
export function murmur3x64_128Hex(key: Key, seed = 0): string {
  murmur3x64_128Key(key, seed, false, shared);
  return hex8(shared[0] as number) + hex8(shared[1] as number) + hex8(shared[2] as number) + hex8(shared[3] as number);
}

/**
 * The reference's 16 output bytes (h1 then h2, each little-endian), as
 * SMHasher hashes them for its verification value. O(n); allocates the result.
 */
export function murmur3x64_128Digest(key: Key, seed = 0): Uint8Array {
  murmur3x64_128Key(key, seed, false, shared);
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, shared[1] as number, true);
  view.setUint32(4, shared[0] as number, true);
  view.setUint32(8, shared[3] as number, true);
  view.setUint32(12, shared[2] as number, true);
  return out;
}
