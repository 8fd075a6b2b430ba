/**
 * Unsigned 64-bit arithmetic without bigint (which allocates), as a tiny
 * register machine: register r is the pair `S[2r]` (high 32 bits) and
 * `S[2r + 1]` (low 32 bits) of one shared Uint32Array, and every operation
 * takes register numbers and small integers only.
 *
 * Why registers and not functions returning (hi, lo): V8 (with pointer
 * compression) keeps only 31-bit integers unboxed in variables, arguments and
 * return values that cross a call it does not inline; a 32-bit half stored in
 * a module variable or passed to such a call is boxed as a heap number, one
 * allocation each. Typed-array loads and stores are raw, and register numbers
 * are small integers, so nothing here allocates whether or not it is inlined.
 * O(1) per operation; callers use their own registers and finish before
 * returning (no await in hashing), so sharing `S` is safe.
 */

const TWO32 = 4294967296;

/** Register file: 32 registers of 64 bits. */
export const S = new Uint32Array(64);

/** r = (hi:lo), for constants and small values. */
export function set64(r: number, hi: number, lo: number): void {
  S[2 * r] = hi;
  S[2 * r + 1] = lo;
}

/** d = s. */
export function copy64(d: number, s: number): void {
  S[2 * d] = S[2 * s] as number;
  S[2 * d + 1] = S[2 * s + 1] as number;
}

/** r = the little-endian 64-bit word at `bytes[i … i+8)`. */
export function load64(r: number, bytes: Uint8Array, i: number): void {
  S[2 * r + 1] = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
  S[2 * r] = (bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) | ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24);
}

/** d = d × s mod 2^64. Exact: every partial product stays below 2^53. */
export function mul64(d: number, s: number): void {
  const ah = S[2 * d] as number;
  const al = S[2 * d + 1] as number;
  const bh = S[2 * s] as number;
  const bl = S[2 * s + 1] as number;
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const low = a0 * b0 + ((p01 & 0xffff) + (p10 & 0xffff)) * 65536;
  S[2 * d + 1] = low;
  S[2 * d] = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(low / TWO32) + Math.imul(ah, bl) + Math.imul(al, bh);
}

/** d = d + s mod 2^64. */
export function add64(d: number, s: number): void {
  const sum = (S[2 * d + 1] as number) + (S[2 * s + 1] as number);
  S[2 * d + 1] = sum;
  S[2 * d] = (S[2 * d] as number) + (S[2 * s] as number) + (sum >= TWO32 ? 1 : 0);
}

/** d = d ^ s. */
export function xor64(d: number, s: number): void {
  S[2 * d] = (S[2 * d] as number) ^ (S[2 * s] as number);
  S[2 * d + 1] = (S[2 * d + 1] as number) ^ (S[2 * s + 1] as number);
}

/** r = r ^ n for 0 ≤ n < 2^32 (e.g. a length). */
export function xorLow64(r: number, n: number): void {
  S[2 * r + 1] = (S[2 * r + 1] as number) ^ n;
}

/** r = r + n for 0 ≤ n < 2^32 (e.g. a length). */
export function addLow64(r: number, n: number): void {
  const sum = (S[2 * r + 1] as number) + n;
  S[2 * r + 1] = sum;
  S[2 * r] = (S[2 * r] as number) + (sum >= TWO32 ? 1 : 0);
}

/** r = rotl(r, n), 0 < n < 64. */
export function rotl64(r: number, n: number): void {
  let h = S[2 * r] as number;
  let l = S[2 * r + 1] as number;
  if (n >= 32) {
    const t = h;
    h = l;
    l = t;
    n -= 32;
  }
  if (n === 0) {
    S[2 * r] = h;
    S[2 * r + 1] = l;
    return;
  }
  S[2 * r] = (h << n) | (l >>> (32 - n));
  S[2 * r + 1] = (l << n) | (h >>> (32 - n));
}

/** r = r ^ (r >>> n), 0 < n < 64 (the avalanche step of several finalisers). */
export function xorShr64(r: number, n: number): void {
  const h = S[2 * r] as number;
  const l = S[2 * r + 1] as number;
  if (n >= 32) {
    S[2 * r + 1] = l ^ (h >>> (n - 32));
    return;
  }
  S[2 * r] = h ^ (h >>> n);
  S[2 * r + 1] = l ^ ((l >>> n) | (h << (32 - n)));
}

const view = new DataView(new ArrayBuffer(8));

/**
 * The unsigned 64-bit bigint with halves (hi, lo). One bigint allocation (a
 * DataView read), where building it from two bigints with shift and or would
 * allocate four. For API boundaries only. O(1).
 */
export function bigUint64(hi: number, lo: number): bigint {
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getBigUint64(0);
}

/** The signed (two's complement) 64-bit bigint with halves (hi, lo). O(1), one allocation. */
export function bigInt64(hi: number, lo: number): bigint {
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  return view.getBigInt64(0);
}
