/**
 * Put a string key's UTF-8 bytes in the shared scratch buffer (key.ts) in one
 * pass: ASCII strings are copied char by char (cheaper than a TextEncoder call
 * for short keys); the first non-ASCII unit switches to `encodeToScratch`
 * (lone surrogates → U+FFFD, as TextEncoder). For hash functions whose body is
 * too long to duplicate for an in-place ASCII reader (x64_128, xxh64, FNV-64).
 */
import { encodeToScratch, scratchBytes } from './key.js';

/**
 * Write the UTF-8 bytes of `s` into `scratchBytes()` and return their count.
 * O(n); allocation-free unless the scratch must grow. Read the bytes with
 * `scratchBytes()` after this call (it may have been replaced by a larger one);
 * they are valid until the next call.
 */
export function stringToScratch(s: string): number {
  const len = s.length;
  const buf = scratchBytes();
  if (len * 3 > buf.length) return encodeToScratch(s);
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return encodeToScratch(s);
    buf[i] = c;
  }
  return len;
}
