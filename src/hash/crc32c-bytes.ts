/**
 * CRC-32C (Castagnoli) over byte ranges, for checksummed storage: the log's
 * record batches and the hint log. Same function as `crc32c` in crc32.ts
 * (init and final xor 0xFFFFFFFF; `crc32cBytes("123456789") === 0xE3069283`),
 * but only over bytes, and through the fastest backend this install has:
 *
 * - `isa-l`: the optional addon `@shardkit/native` (native/addon, loaded by
 *   src/native.ts), a Node-API binding to Intel ISA-L's `crc32_iscsi`, which folds with
 *   PCLMULQDQ (VPCLMULQDQ on AVX-512 machines): about 50 GB/s on the
 *   benchmark machine, 9× the next backend. It builds at `npm ci` when the
 *   Debian package `libisal-dev` is installed; when it cannot build, npm skips it.
 * - `@node-rs/crc32`: SSE4.2 `crc32` instructions, about 6 GB/s there.
 *
 * `SHARDKIT_NATIVE=0` in the environment forces the second (to compare
 * them, or to rule the addon out). Both give the same values: the tests check
 * them against each other and against the table-driven JavaScript CRC.
 */
import { crc32c as nodeRsCrc32c } from '@node-rs/crc32';
import { InvalidArgumentError } from '../errors.js';
import { native } from '../native.js';

export { CRC32C_BACKEND, type Crc32cBackend } from './crc32c-backend.js';

const isal = native;

function checkRange(bytes: Uint8Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > bytes.length) {
    throw new InvalidArgumentError('range', `[${start}, ${end})`, `integers with 0 ≤ start ≤ end ≤ ${bytes.length} (the length of the bytes)`);
  }
}

/** CRC-32C of `bytes[start, end)` through @node-rs/crc32 (whatever the backend). O(end − start). */
export function crc32cRangeNodeRs(bytes: Uint8Array, start: number, end: number): number {
  checkRange(bytes, start, end);
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return nodeRsCrc32c(Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.length)) >>> 0;
}

/**
 * CRC-32C of `bytes[start, end)` through the ISA-L addon, or null when it is
 * not installed (for tests that compare the backends). O(end − start).
 */
export function crc32cRangeIsal(bytes: Uint8Array, start: number, end: number): number | null {
  checkRange(bytes, start, end);
  return isal === null ? null : isal.crc32cRange(bytes, start, end);
}

/**
 * CRC-32C of `bytes[start, end)`, unsigned 32-bit, without making a view.
 * InvalidArgumentError unless 0 ≤ start ≤ end ≤ bytes.length. O(end − start).
 */
export const crc32cRange: (bytes: Uint8Array, start: number, end: number) => number =
  isal === null
    ? crc32cRangeNodeRs
    : (bytes, start, end) => {
        checkRange(bytes, start, end);
        return isal.crc32cRange(bytes, start, end);
      };

/**
 * CRC-32C of all of `bytes`, unsigned 32-bit; `previous` continues a running
 * CRC (`crc32cBytes(b, crc32cBytes(a)) === crc32cBytes(a ‖ b)`). O(n).
 */
export function crc32cBytes(bytes: Uint8Array, previous = 0): number {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('bytes', bytes, 'a Uint8Array or Buffer');
  if (!Number.isInteger(previous) || previous < 0 || previous > 0xffffffff) throw new InvalidArgumentError('previous', previous, 'a CRC-32C: an integer from 0 to 2^32 − 1');
  if (isal !== null) return isal.crc32c(bytes, previous);
  return nodeRsCrc32c(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), previous) >>> 0;
}
