/**
 * CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final
 * xor): the CRC Redis Cluster uses for key slots (`src/crc16.c` in Redis;
 * cluster spec, "Keys distribution model"). Table-driven, one lookup per byte.
 * O(n) in the key's bytes; no allocation for any string or byte key.
 */
import { type Key, assertKey, isAscii, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/**
 * CRC16/XMODEM of `bytes[start … end)`. O(end − start), allocation-free.
 * The caller keeps `0 ≤ start ≤ end ≤ bytes.length` (not checked: internal hot path).
 */
export function crc16Range(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >>> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

/**
 * CRC16/XMODEM of the UTF-16 units `s[start … end)` of an ASCII-only string
 * (each unit is its own UTF-8 byte). O(end − start), allocation-free. The
 * caller guarantees the range is ASCII (see `isAscii`).
 */
export function crc16AsciiRange(s: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >>> 8) ^ s.charCodeAt(i)) & 0xff] as number);
  return crc;
}

/**
 * CRC16/XMODEM of a key (UTF-8 for strings), as an unsigned 16-bit integer
 * (0 … 65535). `crc16("123456789") === 0x31c3`, the check value of the
 * XMODEM variant. O(n), allocation-free.
 */
export function crc16(key: Key): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return crc16AsciiRange(key, 0, key.length);
    const n = stringToScratch(key);
    return crc16Range(scratchBytes(), 0, n);
  }
  assertKey(key);
  return crc16Range(key, 0, key.length);
}
