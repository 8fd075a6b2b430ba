/**
 * Keys and their bytes. A key is a string (hashed as its UTF-8 bytes) or raw
 * bytes. Hash functions read strings without allocating: ASCII strings are read
 * char by char; any other string is encoded once into a shared scratch buffer
 * with `TextEncoder.encodeInto` (lone surrogates become U+FFFD, as TextEncoder
 * does), which grows only when a longer key arrives.
 */
import { InvalidArgumentError } from '../errors.js';

/** What users give us: a string (UTF-8) or bytes. */
export type Key = string | Uint8Array;

/** A 32-bit hash function: key → unsigned 32-bit integer (0 … 2^32−1). */
export type Hash32 = (key: Key) => number;

const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);

/** Throw a typed error unless `key` is a string or a Uint8Array. O(1). */
export function assertKey(key: unknown, parameter = 'key'): asserts key is Key {
  if (typeof key !== 'string' && !isBytes(key)) {
    throw new InvalidArgumentError(parameter, key, 'a string (hashed as UTF-8) or a Uint8Array');
  }
}

/** `value instanceof Uint8Array`, false instead of a throw for a proxy whose traps throw. O(1). */
function isBytes(value: unknown): boolean {
  try {
    return value instanceof Uint8Array;
  } catch {
    return false;
  }
}

/** True when every UTF-16 unit of `s` is < 0x80, so its UTF-8 bytes are its char codes. O(n). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Encode `s` as UTF-8 into the shared scratch buffer and return the byte count.
 * Read the bytes with `scratchBytes()` AFTER this call (the buffer may have
 * been replaced by a larger one); they are valid until the next call. O(n);
 * no allocation unless the scratch must grow. Encoded by hand exactly as
 * TextEncoder does (surrogate pairs become one 4-byte sequence, lone
 * surrogates U+FFFD): `TextEncoder.encodeInto` would allocate its
 * `{ read, written }` result on every call. Not re-entrant by design: hash
 * functions consume the bytes before returning.
 */
export function encodeToScratch(s: string): number {
  const len = s.length;
  if (len * 3 > scratch.length) scratch = new Uint8Array(Math.max(len * 3, scratch.length * 2));
  const buf = scratch;
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

/** The shared scratch buffer filled by `encodeToScratch`. */
export function scratchBytes(): Uint8Array {
  return scratch;
}

/** The UTF-8 bytes of a key as a fresh Uint8Array (allocates; not for hot paths). */
export function keyBytes(key: Key): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key;
}
