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
  a = (a + ((b & c) | (~b & d)) + x0 + -680876936) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x1 + -389564586) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x2 + 606105819) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x3 + -1044525330) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x4 + -176418897) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x5 + 1200080426) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x6 + -1473231341) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x7 + -45705983) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x8 + 1770035416) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x9 + -1958414417) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x10 + -42063) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x11 + -1990404162) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x12 + 1804603682) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x13 + -40341101) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x14 + -1502002290) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x15 + 1236535329) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x1 + -165796510) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x6 + -1069501632) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x11 + 643717713) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x0 + -373897302) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x5 + -701558691) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x10 + 38016083) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x15 + -660478335) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x4 + -405537848) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x9 + 568446438) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x14 + -1019803690) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x3 + -187363961) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x8 + 1163531501) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x13 + -1444681467) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x2 + -51403784) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x7 + 1735328473) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x12 + -1926607734) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + (b ^ c ^ d) + x5 + -378558) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x14 + -35309556) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x7 + -155497632) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x13 + 681279174) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x0 + -358537222) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x3 + -722521979) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x6 + 76029189) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x9 + -640364487) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x12 + -421815835) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x15 + 530742520) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x2 + -995338651) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
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
  // Whole message words first, then the word holding the end, 0x80 and zeros.
  const whole = len > base ? Math.min((len - base) >>> 2, 16) : 0;
  let w = 0;
  for (; w < whole; w++) {
    const p = base + 4 * w;
    block[w] = src.charCodeAt(p) | (src.charCodeAt(p + 1) << 8) | (src.charCodeAt(p + 2) << 16) | (src.charCodeAt(p + 3) << 24);
  }
  for (; w < 16; w++) {
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
  const whole = len > base ? Math.min((len - base) >>> 2, 16) : 0;
  let w = 0;
  for (; w < whole; w++) {
    const p = base + 4 * w;
    block[w] = (src[p] as number) | ((src[p + 1] as number) << 8) | ((src[p + 2] as number) << 16) | ((src[p + 3] as number) << 24);
  }
  for (; w < 16; w++) {
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
    else {
      const n = encodeToScratch(key); // first: it may replace the scratch buffer
      digestBytes(scratchBytes(), n);
    }
  } else {
    assertKey(key); // before instanceof: a proxy's getPrototypeOf trap may throw
    digestBytes(key, key.length);
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
