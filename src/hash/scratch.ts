/**
 * Put a string key's UTF-8 bytes in the shared scratch buffer (key.ts) in one
 * pass, without allocating: ASCII is copied char by char, anything else is
 * encoded here by hand, exactly as TextEncoder does (surrogate pairs become
 * one 4-byte sequence, lone surrogates U+FFFD). `TextEncoder.encodeInto`
 * would do the same but allocates its `{ read, written }` result on every
 * call, and for short keys its native call costs more than the encoding.
 */
import { encodeToScratch, scratchBytes } from './key.js';

/**
 * Write the UTF-8 bytes of `s` into `scratchBytes()` and return their count.
 * O(n); allocation-free unless the scratch must grow (then it is grown once,
 * by `encodeToScratch`). Read the bytes with `scratchBytes()` after this call
 * (it may have been replaced by a larger one); they are valid until the next
 * call.
 */
export function stringToScratch(s: string): number {
  const len = s.length;
  const buf = scratchBytes();
  if (len * 3 > buf.length) return encodeToScratch(s);
  let at = 0;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[at++] = c;
    } else if (c < 0x800) {
      buf[at++] = 0xc0 | (c >> 6);
      buf[at++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[at++] = 0xf0 | (c >> 18);
          buf[at++] = 0x80 | ((c >> 12) & 0x3f);
          buf[at++] = 0x80 | ((c >> 6) & 0x3f);
          buf[at++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // a lone surrogate, as TextEncoder
      }
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
  }
  return at;
}
