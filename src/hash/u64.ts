/**
 * Unsigned 64-bit arithmetic on pairs of unsigned 32-bit halves (hi, lo), for
 * the 64-bit hashes (x64_128, xxh64) without bigint, which allocates. Each
 * operation writes its result to the exported live bindings `rh` (high half)
 * and `rl` (low half), read immediately by the caller: no allocation, no
 * tuple. O(1) each; not re-entrant across an await (there is none in hashing).
 */

const TWO32 = 4294967296;

/** High half of the last result (unsigned 32-bit). */
export let rh = 0;
/** Low half of the last result (unsigned 32-bit). */
export let rl = 0;

/** (ah:al) × (bh:bl) mod 2^64. Exact: every partial product stays below 2^53. */
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const low = a0 * b0 + ((p01 & 0xffff) + (p10 & 0xffff)) * 65536;
  rl = low >>> 0;
  rh = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(low / TWO32) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64. */
export function add64(ah: number, al: number, bh: number, bl: number): void {
  const s = al + bl;
  rl = s >>> 0;
  rh = (ah + bh + (s >= TWO32 ? 1 : 0)) >>> 0;
}

/** Rotate (h:l) left by r, 0 < r < 64, r ≠ 32. */
export function rotl64(h: number, l: number, r: number): void {
  if (r > 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}
