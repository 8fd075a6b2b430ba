/**
 * The record frame of the metadata log and snapshot:
 *
 *     u32 LE payload length | u32 LE CRC-32C of those 4 length bytes | u32 LE CRC-32C of the payload | payload
 *
 * The length has its own check so that a damaged length in the middle of the
 * log is told apart from a torn tail: a record is torn (and may be cut off)
 * only when its header is whole and valid and the file ends before its
 * payload does, or the file ends inside a header. Every other mismatch is
 * damage, reported with its offset.
 */
import { CorruptionError } from '../../../errors.js';
import { crc32cRange } from '../../../hash/crc32c-bytes.js';

/** Header bytes before each payload. */
export const FRAME_HEADER_BYTES = 12;
/** Largest payload a frame may carry (a lease's end deletes all its keys in one record). */
export const FRAME_PAYLOAD_BYTES_MAX = 256 * 1024 * 1024;

/** One record in frame form. O(payload). */
export function frame(payload: Uint8Array): Buffer {
  if (payload.length > FRAME_PAYLOAD_BYTES_MAX) throw new CorruptionError(`record of ${payload.length} bytes is over the ${FRAME_PAYLOAD_BYTES_MAX}-byte frame limit`);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32cRange(out, 0, 4), 4);
  out.set(payload, FRAME_HEADER_BYTES);
  out.writeUInt32LE(crc32cRange(out, FRAME_HEADER_BYTES, out.length), 8);
  return out;
}

/** The outcome of scanning a file of frames. */
export interface ScanResult {
  readonly payloads: Buffer[];
  /** Bytes of whole, valid records from the start. */
  readonly validBytes: number;
  /** True when bytes after `validBytes` are a torn last record (safe to cut off). */
  readonly tornTail: boolean;
}

/**
 * Read every frame of `bytes`. CorruptionError (naming `what` and the offset)
 * on a bad header check, a bad payload CRC, or an absurd length; a torn last
 * record is returned as `tornTail`, never thrown. O(size).
 */
export function scanFrames(bytes: Buffer, what: string): ScanResult {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { payloads, validBytes: offset, tornTail: true };
    const length = bytes.readUInt32LE(offset);
    if (bytes.readUInt32LE(offset + 4) !== crc32cRange(bytes, offset, offset + 4)) {
      throw new CorruptionError(`${what}: record header at offset ${offset} fails its check (damaged length); ${bytes.length - offset} bytes from there are not read`);
    }
    if (length > FRAME_PAYLOAD_BYTES_MAX) throw new CorruptionError(`${what}: record at offset ${offset} claims ${length} bytes, over the ${FRAME_PAYLOAD_BYTES_MAX}-byte limit`);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) return { payloads, validBytes: offset, tornTail: true };
    if (bytes.readUInt32LE(offset + 8) !== crc32cRange(bytes, offset + FRAME_HEADER_BYTES, end)) {
      throw new CorruptionError(`${what}: record at offset ${offset} (${length} bytes) fails its CRC-32C`);
    }
    payloads.push(bytes.subarray(offset + FRAME_HEADER_BYTES, end));
    offset = end;
  }
  return { payloads, validBytes: offset, tornTail: false };
}
