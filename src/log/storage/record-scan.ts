/**
 * The record scan behind the batch cursor: one pass over the records of a
 * CRC-checked batch that checks every record's framing against the batch
 * (layout in record-batch.ts) and writes, per record, where it starts, its
 * offset delta and its key and value lengths into an Int32Array. The cursor
 * then moves from record to record by reading that index, never the bytes.
 *
 * Two implementations with the same checks and the same output: the native
 * addon's `scanRecords` (src/native.ts; about 1 ns per record) for batches of
 * at least `NATIVE_SCAN_MIN_RECORDS` records, and `scanRecordsJs` otherwise
 * or when the addon is not installed. A property test feeds both batches
 * with every kind of damaged framing.
 */
import { native } from '../../native.js';

/** Int32 slots per record in the index: [start, offset delta (u32 bits), key length, value length]. */
export const SCAN_STRIDE = 4;

/** Batches with fewer records are scanned in JavaScript (a native call costs as much as scanning a dozen records). */
export const NATIVE_SCAN_MIN_RECORDS = 16;

/** Smallest bytes one record takes: length, offset delta, timestamp, key length, value length, header count. */
const MIN_RECORD_BYTES = 28;

/**
 * Scan up to `count` records from `start`, none reaching past `end`, writing
 * `SCAN_STRIDE` slots per record into `out` from `outAt`. Returns how many
 * records passed: fewer than `count` means the record at that index does not
 * fit (a length out of the batch, a key or value length below −1, headers
 * that do not end where the record does). O(records + headers).
 */
export function scanRecordsJs(dv: DataView, start: number, end: number, count: number, out: Int32Array, outAt: number): number {
  let p = start;
  let i = 0;
  for (; i < count; i++) {
    if (p + MIN_RECORD_BYTES > end) break;
    const len = dv.getUint32(p, true);
    const recEnd = p + 4 + len;
    if (len < 24 || recEnd > end) break;
    const kl = dv.getInt32(p + 16, true);
    if (kl < -1) break;
    const vAt = p + 20 + (kl > 0 ? kl : 0);
    if (vAt + 8 > recEnd) break;
    const vl = dv.getInt32(vAt, true);
    if (vl < -1) break;
    const hAt = vAt + 4 + (vl > 0 ? vl : 0);
    if (hAt + 4 > recEnd) break;
    const hc = dv.getUint32(hAt, true);
    let q = hAt + 4;
    let j = 0;
    for (; j < hc; j++) {
      if (q + 4 > recEnd) break;
      q += 4 + dv.getUint32(q, true);
      if (q + 4 > recEnd) break;
      q += 4 + dv.getUint32(q, true);
    }
    if (j < hc || q !== recEnd) break;
    const o = outAt + i * SCAN_STRIDE;
    out[o] = p;
    out[o + 1] = dv.getUint32(p + 4, true);
    out[o + 2] = kl;
    out[o + 3] = vl;
    p = recEnd;
  }
  return i;
}

/**
 * `scanRecordsJs`, or the same scan in the native addon when it is installed
 * and the batch is large enough to pay for the call. `buf` and `dv` must
 * cover the same bytes from the same index.
 */
export function scanRecords(buf: Buffer, dv: DataView, start: number, end: number, count: number, out: Int32Array, outAt: number): number {
  if (native !== null && count >= NATIVE_SCAN_MIN_RECORDS) {
    return native.scanRecords(buf, start, end, count, out, outAt);
  }
  return scanRecordsJs(dv, start, end, count, out, outAt);
}

