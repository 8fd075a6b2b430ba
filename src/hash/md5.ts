/**
 * MD5 (RFC 1321), allocation-free, for ketama-compatible rings (libketama and
 * npm `hashring` place servers and keys with MD5). Not for security: MD5 is
 * broken as a cryptographic hash; here it is a placement function that must
 * match other implementations bit for bit.
 *
 * Cost: O(n) in the key's bytes, one 64-step compression per 64-byte block.
 * ASCII strings are read in place; other strings are encoded once into the
 * shared UTF-8 scratch buffer of key.ts (lone surrogates become U+FFFD, as
 * TextEncoder and Node's `hash.update(string)` do); bytes are read directly.
 * No allocation per call unless you ask for a fresh digest (`md5Bytes`,
 * `md5Hex`).
 */
import { type Key, isAscii, encodeToScratch, scratchBytes, assertKey } from './key.js';

// The 16 message words of the block being compressed.
const block = new Int32Array(16);
// The running state a, b, c, d.
const state = new Int32Array(4);
// The default destination of md5Words: valid until the next call.
const sharedOut = new Uint32Array(4);

function ff(a: number, b: number, c: number, d: number, x: number, s: number, k: number): number {
  a = (a + ((b & c) | (~b & d)) + x + k) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function gg(a: number, b: number, c: number, d: number, x: number, s: number, k: number): number {
  a = (a + ((b & d) | (c & ~d)) + x + k) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function hh(a: number, b: number, c: number, d: number, x: number, s: number, k: number): number {
  a = (a + (b ^ c ^ d) + x + k) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}
function ii(a: number, b: number, c: number, d: number, x: number, s: number, k: number): number {
  a = (a + (c ^ (b | ~d)) + x + k) | 0;
  return (((a << s) | (a >>> (32 - s))) + b) | 0;
}

/** One MD5 compression of `block` into `state` (RFC 1321, section 3.4). */
function compress(): void {
  const x0 = block[0] as number, x1 = block[1] as number, x2 = block[2] as number, x3 = block[3] as number;
  const x4 = block[4] as number, x5 = block[5] as number, x6 = block[6] as number, x7 = block[7] as number;
  const x8 = block[8] as number, x9 = block[9] as number, x10 = block[10] as number, x11 = block[11] as number;
  const x12 = block[12] as number, x13 = block[13] as number, x14 = block[14] as number, x15 = block[15] as number;
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  a = ff(a, b, c, d, x0, 7, 0xd76aa478);
  d = ff(d, a, b, c, x1, 12, 0xe8c7b756);
  c = ff(c, d, a, b, x2, 17, 0x242070db);
  b = ff(b, c, d, a, x3, 22, 0xc1bdceee);
  a = ff(a, b, c, d, x4, 7, 0xf57c0faf);
  d = ff(d, a, b, c, x5, 12, 0x4787c62a);
  c = ff(c, d, a, b, x6, 17, 0xa8304613);
  b = ff(b, c, d, a, x7, 22, 0xfd469501);
  a = ff(a, b, c, d, x8, 7, 0x698098d8);
  d = ff(d, a, b, c, x9, 12, 0x8b44f7af);
  c = ff(c, d, a, b, x10, 17, 0xffff5bb1);
  b = ff(b, c, d, a, x11, 22, 0x895cd7be);
  a = ff(a, b, c, d, x12, 7, 0x6b901122);
  d = ff(d, a, b, c, x13, 12, 0xfd987193);
  c = ff(c, d, a, b, x14, 17, 0xa679438e);
  b = ff(b, c, d, a, x15, 22, 0x49b40821);
  a = gg(a, b, c, d, x1, 5, 0xf61e2562);
  d = gg(d, a, b, c, x6, 9, 0xc040b340);
  c = gg(c, d, a, b, x11, 14, 0x265e5a51);
  b = gg(b, c, d, a, x0, 20, 0xe9b6c7aa);
  a = gg(a, b, c, d, x5, 5, 0xd62f105d);
  d = gg(d, a, b, c, x10, 9, 0x02441453);
  c = gg(c, d, a, b, x15, 14, 0xd8a1e681);
  b = gg(b, c, d, a, x4, 20, 0xe7d3fbc8);
  a = gg(a, b, c, d, x9, 5, 0x21e1cde6);
  d = gg(d, a, b, c, x14, 9, 0xc33707d6);
  c = gg(c, d, a, b, x3, 14, 0xf4d50d87);
  b = gg(b, c, d, a, x8, 20, 0x455a14ed);
  a = gg(a, b, c, d, x13, 5, 0xa9e3e905);
  d = gg(d, a, b, c, x2, 9, 0xfcefa3f8);
  c = gg(c, d, a, b, x7, 14, 0x676f02d9);
  b = gg(b, c, d, a, x12, 20, 0x8d2a4c8a);
  a = hh(a, b, c, d, x5, 4, 0xfffa3942);
  d = hh(d, a, b, c, x8, 11, 0x8771f681);
  c = hh(c, d, a, b, x11, 16, 0x6d9d6122);
  b = hh(b, c, d, a, x14, 23, 0xfde5380c);
  a = hh(a, b, c, d, x1, 4, 0xa4beea44);
  d = hh(d, a, b, c, x4, 11, 0x4bdecfa9);
  c = hh(c, d, a, b, x7, 16, 0xf6bb4b60);
  b = hh(b, c, d, a, x10, 23, 0xbebfbc70);
  a = hh(a, b, c, d, x13, 4, 0x289b7ec6);
  d = hh(d, a, b, c, x0, 11, 0xeaa127fa);
  c = hh(c, d, a, b, x3, 16, 0xd4ef3085);
  b = hh(b, c, d, a, x6, 23, 0x04881d05);
  a = hh(a, b, c, d, x9, 4, 0xd9d4d039);
  d = hh(d, a, b, c, x12, 11, 0xe6db99e5);
  c = hh(c, d, a, b, x15, 16, 0x1fa27cf8);
  b = hh(b, c, d, a, x2, 23, 0xc4ac5665);
  a = ii(a, b, c, d, x0, 6, 0xf4292244);
  d = ii(d, a, b, c, x7, 10, 0x432aff97);
  c = ii(c, d, a, b, x14, 15, 0xab9423a7);
  b = ii(b, c, d, a, x5, 21, 0xfc93a039);
  a = ii(a, b, c, d, x12, 6, 0x655b59c3);
  d = ii(d, a, b, c, x3, 10, 0x8f0ccc92);
  c = ii(c, d, a, b, x10, 15, 0xffeff47d);
  b = ii(b, c, d, a, x1, 21, 0x85845dd1);
  a = ii(a, b, c, d, x8, 6, 0x6fa87e4f);
  d = ii(d, a, b, c, x15, 10, 0xfe2ce6e0);
  c = ii(c, d, a, b, x6, 15, 0xa3014314);
  b = ii(b, c, d, a, x13, 21, 0x4e0811a1);
  a = ii(a, b, c, d, x4, 6, 0xf7537e82);
  d = ii(d, a, b, c, x11, 10, 0xbd3af235);
  c = ii(c, d, a, b, x2, 15, 0x2ad7d2bb);
  b = ii(b, c, d, a, x9, 21, 0xeb86d391);
  state[0] = (state[0] as number) + a;
  state[1] = (state[1] as number) + b;
  state[2] = (state[2] as number) + c;
  state[3] = (state[3] as number) + d;
}

function init(): void {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
}

/**
 * Fill `block` with the padded message words at byte offset `base` of a
 * message of `len` bytes whose byte i is `src.charCodeAt(i)`: message bytes,
 * then 0x80, then zeros, then (in the last block) the bit length.
 */
function fillTailString(src: string, base: number, len: number, last: boolean): void {
  for (let w = 0; w < 16; w++) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const p = base + 4 * w + k;
      const byte = p < len ? src.charCodeAt(p) : p === len ? 0x80 : 0;
      v |= byte << (8 * k);
    }
    block[w] = v;
  }
  if (last) setLength(len);
}

function fillTailBytes(src: Uint8Array, base: number, len: number, last: boolean): void {
  for (let w = 0; w < 16; w++) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const p = base + 4 * w + k;
      const byte = p < len ? (src[p] as number) : p === len ? 0x80 : 0;
      v |= byte << (8 * k);
    }
    block[w] = v;
  }
  if (last) setLength(len);
}

function setLength(len: number): void {
  block[14] = len * 8;
  block[15] = Math.floor(len / 0x20000000);
}

function digestString(s: string): void {
  const len = s.length;
  init();
  const full = len >>> 6;
  for (let blk = 0; blk < full; blk++) {
    const base = blk * 64;
    for (let w = 0; w < 16; w++) {
      const p = base + 4 * w;
      block[w] = s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 24);
    }
    compress();
  }
  // 1 tail block when the remainder leaves room for 0x80 and the 8-byte length, else 2.
  const base = full * 64;
  if (len - base < 56) {
    fillTailString(s, base, len, true);
    compress();
  } else {
    fillTailString(s, base, len, false);
    compress();
    fillTailString(s, base + 64, len, true);
    compress();
  }
}

function digestBytes(bytes: Uint8Array, len: number): void {
  init();
  const full = len >>> 6;
  for (let blk = 0; blk < full; blk++) {
    const base = blk * 64;
    for (let w = 0; w < 16; w++) {
      const p = base + 4 * w;
      block[w] = (bytes[p] as number) | ((bytes[p + 1] as number) << 8) | ((bytes[p + 2] as number) << 16) | ((bytes[p + 3] as number) << 24);
    }
    compress();
  }
  const base = full * 64;
  if (len - base < 56) {
    fillTailBytes(bytes, base, len, true);
    compress();
  } else {
    fillTailBytes(bytes, base, len, false);
    compress();
    fillTailBytes(bytes, base + 64, len, true);
    compress();
  }
}

function digest(key: Key): void {
  if (typeof key === 'string') {
    if (isAscii(key)) digestString(key);
    else digestBytes(scratchBytes(), encodeToScratch(key));
  } else if (key instanceof Uint8Array) {
    digestBytes(key, key.length);
  } else {
    assertKey(key);
  }
}

/**
 * The MD5 digest of `key` (UTF-8 for strings) as its four little-endian 32-bit
 * words: word j is digest bytes 4j … 4j+3 read little-endian (libketama's
 * four points per digest). Writes into `out[offset … offset+3]` and returns
 * `out`; without `out`, writes into a shared buffer that the next call
 * overwrites. O(n), allocation-free.
 */
export function md5Words(key: Key, out: Uint32Array = sharedOut, offset = 0): Uint32Array {
  digest(key);
  out[offset] = state[0] as number;
  out[offset + 1] = state[1] as number;
  out[offset + 2] = state[2] as number;
  out[offset + 3] = state[3] as number;
  return out;
}

/**
 * The first little-endian word of MD5(key): the ketama / `hashring` key hash.
 * O(n), allocation-free.
 */
export function md5Word0(key: Key): number {
  digest(key);
  return (state[0] as number) >>> 0;
}

/** The 16-byte MD5 digest of `key` as a fresh Uint8Array (allocates; not for hot paths). */
export function md5Bytes(key: Key): Uint8Array {
  digest(key);
  const out = new Uint8Array(16);
  for (let j = 0; j < 4; j++) {
    const w = state[j] as number;
    out[4 * j] = w & 0xff;
    out[4 * j + 1] = (w >>> 8) & 0xff;
    out[4 * j + 2] = (w >>> 16) & 0xff;
    out[4 * j + 3] = w >>> 24;
  }
  return out;
}

/** The MD5 digest of `key` as 32 lowercase hex digits (allocates). */
export function md5Hex(key: Key): string {
  let s = '';
  for (const b of md5Bytes(key)) s += b.toString(16).padStart(2, '0');
  return s;
}
