/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain), bit-exact with the
 * reference `MurmurHash3_x86_32` in SMHasher. O(n) in the key's bytes; no
 * allocation for any string key (ASCII read in place, others via the scratch
 * buffer) or byte key.
 */
import { type Key, assertKey, isAscii, encodeToScratch, scratchBytes } from './key.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** MurmurHash3's 32-bit finaliser: a bijection on uint32 with full avalanche. O(1). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86_32 over `len` bytes of `bytes`. */
export function murmur3x86_32Bytes(bytes: Uint8Array, len: number, seed = 0): number {
  let h = seed | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    h = mixH(h, k);
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= (bytes[i + 2] as number) << 16;
    // falls through
    case 2:
      k ^= (bytes[i + 1] as number) << 8;
    // falls through
    case 1:
      k ^= bytes[i] as number;
      h ^= mixK(k);
  }
  h ^= len;
  return fmix32(h);
}

function murmur3x86_32Ascii(s: string, seed: number): number {
  const len = s.length;
  let h = seed | 0;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    h = mixH(h, k);
  }
  let k = 0;
  switch (len & 3) {
    case 3:
      k ^= s.charCodeAt(i + 2) << 16;
    // falls through
    case 2:
      k ^= s.charCodeAt(i + 1) << 8;
    // falls through
    case 1:
      k ^= s.charCodeAt(i);
      h ^= mixK(k);
  }
  h ^= len;
  return fmix32(h);
}

/**
 * MurmurHash3 x86_32 of a key (UTF-8 for strings) with an optional 32-bit seed.
 * Returns an unsigned 32-bit integer. O(n), allocation-free.
 */
export function murmur3x86_32(key: Key, seed = 0): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return murmur3x86_32Ascii(key, seed);
    const n = encodeToScratch(key); // first: it may replace the scratch buffer
    return murmur3x86_32Bytes(scratchBytes(), n, seed);
  }
  assertKey(key);
  return murmur3x86_32Bytes(key, key.length, seed);
}
