/**
 * MurmurHash3 x64_128 (Austin Appleby, public domain), bit-exact with the
 * reference `MurmurHash3_x64_128` in SMHasher, and the variant Cassandra uses
 * (tail bytes sign-extended, see cassandra.ts).
 *
 * JavaScript has no 64-bit integer arithmetic without bigint, and bigint
 * allocates; so each 64-bit lane is a pair of unsigned 32-bit halves and the
 * core writes its result to a caller-supplied Uint32Array. bigint appears only
 * in the convenience functions at the API boundary. O(n) in the key's bytes.
 */
import { type Key, assertKey, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { mul64, rotl64, rh, rl } from './u64.js';

const TWO32 = 4294967296;

// Result of fmix64 (hi, lo).
let fh = 0;
let fl = 0;

/** fmix64 (the reference finaliser) of (h:l) → (fh, fl). */
function fmix64(h: number, l: number): void {
  l = (l ^ (h >>> 1)) >>> 0;
  mul64(h, l, 0xff51afd7, 0xed558ccd);
  h = rh;
  l = (rl ^ (h >>> 1)) >>> 0;
  mul64(h, l, 0xc4ceb9fe, 0x1a85ec53);
  fh = rh;
  fl = (rl ^ (rh >>> 1)) >>> 0;
}

// Tail word assembled by `tail` (hi, lo).
let th = 0;
let tl = 0;

/**
 * Little-endian word of `count` (1…8) bytes from `bytes[at…]`. With
 * `signExtend`, each byte is taken as a signed Java byte widened to 64 bits
 * before the shift, as Cassandra's `(long) key.get(i) << s` does.
 */
function tail(bytes: Uint8Array, at: number, count: number, signExtend: boolean): void {
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
  th = h >>> 0;
  tl = l >>> 0;
}

function word(bytes: Uint8Array, i: number): number {
  return ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24)) >>> 0;
}

/**
 * MurmurHash3 x64_128 over `bytes[0 … len)` with a 32-bit `seed` (zero-extended
 * to 64 bits, as the reference's uint32_t seed), writing
 * `[h1 hi, h1 lo, h2 hi, h2 lo]` (unsigned 32-bit halves) into `out`.
 * `signExtendTail` selects Cassandra's variant. O(len), allocation-free.
 */
export function murmur3x64_128Core(bytes: Uint8Array, len: number, seed: number, signExtendTail: boolean, out: Uint32Array): Uint32Array {
  let h1h = 0;
  let h1l = seed >>> 0;
  let h2h = 0;
  let h2l = seed >>> 0;
  const blocks = len & ~15;
  let i = 0;
  for (; i < blocks; i += 16) {
    // k1 = block; k1 *= c1; k1 = rotl64(k1, 31); k1 *= c2; h1 ^= k1
    mul64(word(bytes, i + 4), word(bytes, i), 0x87c37b91, 0x114253d5);
    rotl64(rh, rl, 31);
    mul64(rh, rl, 0x4cf5ad43, 0x2745937f);
    h1h = (h1h ^ rh) >>> 0;
    h1l = (h1l ^ rl) >>> 0;
    // h1 = rotl64(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729
    rotl64(h1h, h1l, 27);
    let s = rl + h2l;
    h1h = (rh + h2h + (s >= TWO32 ? 1 : 0)) >>> 0;
    h1l = s >>> 0;
    mul64(h1h, h1l, 0, 5);
    s = rl + 0x52dce729;
    h1h = (rh + (s >= TWO32 ? 1 : 0)) >>> 0;
    h1l = s >>> 0;
    // k2 = block; k2 *= c2; k2 = rotl64(k2, 33); k2 *= c1; h2 ^= k2
    mul64(word(bytes, i + 12), word(bytes, i + 8), 0x4cf5ad43, 0x2745937f);
    rotl64(rh, rl, 33);
    mul64(rh, rl, 0x87c37b91, 0x114253d5);
    h2h = (h2h ^ rh) >>> 0;
    h2l = (h2l ^ rl) >>> 0;
    // h2 = rotl64(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5
    rotl64(h2h, h2l, 31);
    s = rl + h1l;
    h2h = (rh + h1h + (s >= TWO32 ? 1 : 0)) >>> 0;
    h2l = s >>> 0;
    mul64(h2h, h2l, 0, 5);
    s = rl + 0x38495ab5;
    h2h = (rh + (s >= TWO32 ? 1 : 0)) >>> 0;
    h2l = s >>> 0;
  }
  const rest = len & 15;
  if (rest > 8) {
    tail(bytes, i + 8, rest - 8, signExtendTail);
    mul64(th, tl, 0x4cf5ad43, 0x2745937f);
    rotl64(rh, rl, 33);
    mul64(rh, rl, 0x87c37b91, 0x114253d5);
    h2h = (h2h ^ rh) >>> 0;
    h2l = (h2l ^ rl) >>> 0;
  }
  if (rest > 0) {
    tail(bytes, i, rest > 8 ? 8 : rest, signExtendTail);
    mul64(th, tl, 0x87c37b91, 0x114253d5);
    rotl64(rh, rl, 31);
    mul64(rh, rl, 0x4cf5ad43, 0x2745937f);
    h1h = (h1h ^ rh) >>> 0;
    h1l = (h1l ^ rl) >>> 0;
  }
  // h1 ^= len; h2 ^= len (len < 2^32)
  h1l = (h1l ^ len) >>> 0;
  h2l = (h2l ^ len) >>> 0;
  // h1 += h2; h2 += h1
  let s = h1l + h2l;
  h1h = (h1h + h2h + (s >= TWO32 ? 1 : 0)) >>> 0;
  h1l = s >>> 0;
  s = h2l + h1l;
  h2h = (h2h + h1h + (s >= TWO32 ? 1 : 0)) >>> 0;
  h2l = s >>> 0;
  fmix64(h1h, h1l);
  h1h = fh;
  h1l = fl;
  fmix64(h2h, h2l);
  h2h = fh;
  h2l = fl;
  // h1 += h2; h2 += h1
  s = h1l + h2l;
  h1h = (h1h + h2h + (s >= TWO32 ? 1 : 0)) >>> 0;
  h1l = s >>> 0;
  s = h2l + h1l;
  h2h = (h2h + h1h + (s >= TWO32 ? 1 : 0)) >>> 0;
  h2l = s >>> 0;
  out[0] = h1h;
  out[1] = h1l;
  out[2] = h2h;
  out[3] = h2l;
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
    (BigInt(shared[0] as number) << 32n) | BigInt(shared[1] as number),
    (BigInt(shared[2] as number) << 32n) | BigInt(shared[3] as number),
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
