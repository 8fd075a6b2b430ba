/**
 * CRC32 (IEEE 802.3, the zlib/PNG/Ethernet CRC: reflected polynomial
 * 0xEDB88320) and CRC32C (Castagnoli, reflected 0x82F63B78: iSCSI, ext4,
 * Kafka record batches, LevelDB/RocksDB blocks), both with init 0xFFFFFFFF and
 * final xor 0xFFFFFFFF.
 *
 * Two paths, chosen by size because each wins in its own range (measured in
 * bench/hash.bench.ts; see bench/notes/hash.md): short keys go through a
 * table-driven JavaScript loop that reads ASCII strings in place and never
 * allocates (a native call costs more than hashing a dozen bytes); inputs of
 * `CRC32_NATIVE_MIN_BYTES` or more go to `@node-rs/crc32` (SIMD/hardware
 * CRC), which is many times faster on kilobytes. O(n) in the bytes.
 */
import { crc32 as nativeCrc32, crc32c as nativeCrc32c } from '@node-rs/crc32';
import { type Key, assertKey, isAscii, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';

/**
 * Inputs at least this long (bytes, or UTF-16 units for strings) use the
 * native implementation; shorter ones the JavaScript table. Chosen from the
 * crossover measured by the hash benchmark.
 */
export const CRC32_NATIVE_MIN_BYTES = 96;

function makeTable(poly: number): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let b = 0; b < 8; b++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c;
  }
  return t;
}

const IEEE = makeTable(0xedb88320);
const CASTAGNOLI = makeTable(0x82f63b78);

function tableBytes(table: Int32Array, bytes: Uint8Array, len: number, previous: number): number {
  let crc = ~previous;
  for (let i = 0; i < len; i++) crc = (crc >>> 8) ^ (table[(crc ^ (bytes[i] as number)) & 0xff] as number);
  return ~crc >>> 0;
}

function tableAscii(table: Int32Array, s: string, previous: number): number {
  let crc = ~previous;
  for (let i = 0; i < s.length; i++) crc = (crc >>> 8) ^ (table[(crc ^ s.charCodeAt(i)) & 0xff] as number);
  return ~crc >>> 0;
}

function crcOf(table: Int32Array, native: (input: Uint8Array | string, initial?: number) => number, key: Key, previous: number): number {
  if (typeof key === 'string') {
    if (key.length >= CRC32_NATIVE_MIN_BYTES) return native(key, previous) >>> 0;
    if (isAscii(key)) return tableAscii(table, key, previous);
    const n = stringToScratch(key);
    return tableBytes(table, scratchBytes(), n, previous);
  }
  assertKey(key);
  if (key.length >= CRC32_NATIVE_MIN_BYTES) return native(key, previous) >>> 0;
  return tableBytes(table, key, key.length, previous);
}

/**
 * CRC32 (IEEE) of a key (UTF-8 for strings), unsigned 32-bit.
 * `crc32("123456789") === 0xCBF43926`. Pass the CRC of the preceding bytes as
 * `previous` to continue a running CRC (zlib's `crc32(crc, buf)` convention:
 * `crc32(b, crc32(a)) === crc32(a ‖ b)`). O(n); allocation-free for keys shorter
 * than `CRC32_NATIVE_MIN_BYTES`.
 */
export function crc32(key: Key, previous = 0): number {
  return crcOf(IEEE, nativeCrc32, key, previous);
}

/**
 * CRC32C (Castagnoli) of a key (UTF-8 for strings), unsigned 32-bit.
 * `crc32c("123456789") === 0xE3069283`. `previous` continues a running CRC as
 * for `crc32`. O(n); allocation-free for keys shorter than `CRC32_NATIVE_MIN_BYTES`.
 */
export function crc32c(key: Key, previous = 0): number {
  return crcOf(CASTAGNOLI, nativeCrc32c, key, previous);
}

/** CRC32 (IEEE) through the JavaScript table only, whatever the size (for benchmarks and tests). O(n). */
export function crc32Table(bytes: Uint8Array, previous = 0): number {
  return tableBytes(IEEE, bytes, bytes.length, previous);
}

/** CRC32C through the JavaScript table only, whatever the size (for benchmarks and tests). O(n). */
export function crc32cTable(bytes: Uint8Array, previous = 0): number {
  return tableBytes(CASTAGNOLI, bytes, bytes.length, previous);
}
