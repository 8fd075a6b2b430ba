/**
 * Put a string key's UTF-8 bytes in the shared scratch buffer (key.ts) in one
 * pass, without allocating. Kept as a name for the hash families that import
 * it; the encoder itself is `encodeToScratch` in key.ts.
 */
import { encodeToScratch } from './key.js';

/**
 * Write the UTF-8 bytes of `s` into `scratchBytes()` and return their count.
 * O(n); allocation-free unless the scratch must grow (then it is grown once,
 * by `encodeToScratch`). Read the bytes with `scratchBytes()` after this call
 * (it may have been replaced by a larger one); they are valid until the next
 * call.
 */
export function stringToScratch(s: string): number {
  return encodeToScratch(s);
}
