/**
 * The on-disk record batch: a fixed header followed by records, with a
 * CRC-32C over everything after the CRC field (as in Kafka's v2 record batch,
 * KIP-98; CRC-32C is Castagnoli, computed by the fastest backend installed:
 * see src/hash/crc32c-bytes.ts).
 *
 * Layout (little-endian):
 * ```
 *  0 baseOffset       f64 (an integer < 2^53)
 *  8 batchLength      u32  bytes after this field
 * 12 magic            u8   = 2
 * 13 crc              u32  CRC-32C of bytes [17, end)
 * 17 attributes       u16  bit 0: GAP_BEFORE (written by compaction), others 0
 * 19 lastOffsetDelta  u32
 * 23 maxTimestampMs   f64
 * 31 recordCount      u32
 * 35 records: length u32 (bytes after it), offsetDelta u32, timestampMs f64,
 *    keyLength i32 (-1 null), key, valueLength i32 (-1 null), value,
 *    headerCount u32, headers: nameLength u32, name (UTF-8), valueLength u32, value
 * ```
 *
 * The base offset is outside the CRC (as in Kafka), so readers check it
 * against its neighbours instead: a batch's base offset is the previous
 * batch's last offset + 1 (the segment's base offset for the first batch),
 * except after a compaction gap, where the batch carries `GAP_BEFORE` and its
 * base offset only has to be larger.
 */
import { CorruptionError, InvalidArgumentError, isInstance, readArray, requireInt } from '../../errors.js';
import { crc32cRange } from '../../hash/crc32c-bytes.js';
import type { RecordInput, StoredRecord } from '../types.js';
import { readRecordInputs } from '../message.js';

/** Bytes of the batch header. */
export const BATCH_HEADER_BYTES = 35;
/** Offset of the CRC-covered region. */
const CRC_START = 17;
/** Magic byte of this format. */
export const BATCH_MAGIC = 2;
/** Attribute bit: records before this batch were removed by compaction, so its base offset may exceed the previous batch's end. */
export const GAP_BEFORE = 1;
/** Attribute bits this version knows; a batch with others set is malformed. */
const KNOWN_ATTRIBUTES = GAP_BEFORE;

/** Largest batch accepted (guards against garbage lengths). */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024;

const EMPTY_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze(Object.create(null) as Record<string, Buffer>);

/** The fixed header of a batch, decoded. */
export interface BatchHeader {
  baseOffset: number;
  /** Total bytes of the batch including the header. */
  sizeBytes: number;
  lastOffsetDelta: number;
  maxTimestampMs: number;
  recordCount: number;
  crc: number;
  magic: number;
  attributes: number;
}

/** Encoded size of one record. O(headers). */
export function recordBytes(r: RecordInput): number {
  const k = r.key;
  const v = r.value;
  let n = 28 + (k === null ? 0 : k.length) + (v === null ? 0 : v.length);
  const hs = r.headers;
  for (let j = 0; j < hs.length; j++) {
    const h = hs[j] as readonly [string, Uint8Array];
    n += 8 + Buffer.byteLength(h[0]) + h[1].length;
  }
  return n;
}

/**
 * Encode `records` as one batch whose first record has `baseOffset` and whose
 * records have offsets `baseOffset + offsetDeltas[i]` (default: consecutive).
 * O(total bytes). Returns a fresh buffer.
 *
 * Everything is checked first, each record and field read once (what is
 * checked is what is encoded): `baseOffset` an integer from 0 to 2^53 − 1;
 * `records` a non-empty array of { key: Uint8Array | null, value: Uint8Array
 * | null, timestampMs: integer ≥ 0, headers: [well-formed name, Uint8Array][]
 * }; `offsetDeltas` absent or one strictly increasing integer from 0 to
 * 2^32 − 1 per record; `lastOffsetDelta` absent or an integer from the last
 * delta to 2^32 − 1. Anything else is an InvalidArgumentError naming the field.
 */
export function encodeBatch(baseOffset: number, records: readonly RecordInput[], offsetDeltas?: readonly number[], lastOffsetDelta?: number): Buffer {
  requireInt('baseOffset', baseOffset, 0);
  const recs = readRecordInputs(records);
  if (recs.length === 0) throw new InvalidArgumentError('records', records, 'at least one record');
  let deltas: number[] | undefined;
  if (offsetDeltas !== undefined) {
    const list = readArray('offsetDeltas', offsetDeltas, `an array of ${recs.length} strictly increasing offset deltas (one per record)`);
    if (list.length !== recs.length) throw new InvalidArgumentError('offsetDeltas', offsetDeltas, `an array of ${recs.length} strictly increasing offset deltas (one per record)`);
    let prev = -1;
    deltas = list.map((d, i) => (prev = requireInt(`offsetDeltas[${i}]`, d, prev + 1, 2 ** 32 - 1)));
  }
  const lastDelta = deltas === undefined ? recs.length - 1 : (deltas[deltas.length - 1] as number);
  if (lastOffsetDelta !== undefined) requireInt('lastOffsetDelta', lastOffsetDelta, lastDelta, 2 ** 32 - 1);
  if (baseOffset + (lastOffsetDelta ?? lastDelta) > Number.MAX_SAFE_INTEGER) throw new InvalidArgumentError('baseOffset', baseOffset, `at most 2^53 - 1 - ${lastOffsetDelta ?? lastDelta} (the batch's last offset must be a safe integer)`);
  return encodeRecords(baseOffset, recs, deltas, lastOffsetDelta);
}

/**
 * `encodeBatch` for records shardkit built itself (the partition log after
 * checking them, compaction from records it decoded): no checks. O(total bytes).
 */
export function encodeRecords(baseOffset: number, records: readonly RecordInput[], offsetDeltas?: readonly number[], lastOffsetDelta?: number): Buffer {
  if (records.length === 0) throw new InvalidArgumentError('records', records, 'at least one record');
  let size = BATCH_HEADER_BYTES;
  for (const r of records) size += recordBytes(r);
  if (size > MAX_BATCH_BYTES) throw new InvalidArgumentError('batch bytes', size, `at most ${MAX_BATCH_BYTES}`);
  const buf = Buffer.allocUnsafe(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, size);
  let maxTs = -Infinity;
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RecordInput;
    const start = pos;
    dv.setUint32(pos + 4, offsetDeltas ? (offsetDeltas[i] as number) : i, true);
    const ts = r.timestampMs;
    dv.setFloat64(pos + 8, ts, true);
    if (ts > maxTs) maxTs = ts;
    pos += 16;
    const k = r.key;
    if (k === null) {
      dv.setInt32(pos, -1, true);
      pos += 4;
    } else {
      dv.setInt32(pos, k.length, true);
      buf.set(k, pos + 4);
      pos += 4 + k.length;
    }
    const v = r.value;
    if (v === null) {
      dv.setInt32(pos, -1, true);
      pos += 4;
    } else {
      dv.setInt32(pos, v.length, true);
      buf.set(v, pos + 4);
      pos += 4 + v.length;
    }
    const hs = r.headers;
    dv.setUint32(pos, hs.length, true);
    pos += 4;
    for (let j = 0; j < hs.length; j++) {
      const [name, hv] = hs[j] as readonly [string, Uint8Array];
      const n = buf.write(name, pos + 4, 'utf8');
      dv.setUint32(pos, n, true);
      pos += 4 + n;
      dv.setUint32(pos, hv.length, true);
      buf.set(hv, pos + 4);
      pos += 4 + hv.length;
    }
    dv.setUint32(start, pos - start - 4, true);
  }
  buf.writeDoubleLE(baseOffset, 0);
  buf.writeUInt32LE(size - 12, 8);
  buf.writeUInt8(BATCH_MAGIC, 12);
  buf.writeUInt16LE(0, 17);
  buf.writeUInt32LE(lastOffsetDelta ?? (offsetDeltas ? (offsetDeltas[offsetDeltas.length - 1] as number) : records.length - 1), 19);
  buf.writeDoubleLE(maxTs, 23);
  buf.writeUInt32LE(records.length, 31);
  buf.writeUInt32LE(crc32cRange(buf, CRC_START, size), 13);
  return buf;
}

/**
 * Decode the header at `pos`, or `null` when fewer than a header's bytes
 * remain. Does not check the CRC. O(1).
 */
export function readBatchHeader(buf: Buffer, pos: number): BatchHeader | null {
  if (!isInstance(buf, Buffer)) throw new InvalidArgumentError('buf', buf, 'a Buffer');
  requireInt('pos', pos, 0, buf.length);
  if (buf.length - pos < BATCH_HEADER_BYTES) return null;
  return {
    baseOffset: buf.readDoubleLE(pos),
    sizeBytes: buf.readUInt32LE(pos + 8) + 12,
    magic: buf.readUInt8(pos + 12),
    crc: buf.readUInt32LE(pos + 13),
    lastOffsetDelta: buf.readUInt32LE(pos + 19),
    maxTimestampMs: buf.readDoubleLE(pos + 23),
    recordCount: buf.readUInt32LE(pos + 31),
    attributes: buf.readUInt16LE(pos + 17),
  };
}

/**
 * Set `GAP_BEFORE` on the batch at the start of `buf` and recompute its CRC
 * (compaction, for a batch that follows removed records). O(batch bytes).
 */
export function markGapBefore(buf: Buffer): void {
  buf.writeUInt16LE(buf.readUInt16LE(17) | GAP_BEFORE, 17);
  buf.writeUInt32LE(crc32cRange(buf, CRC_START, buf.readUInt32LE(8) + 12), 13);
}

/**
 * Why a batch with base offset `base`, last offset delta `lastDelta` and
 * attributes `attributes` cannot follow a batch ending at `expected - 1` in a
 * segment ending before `segmentEnd`, or `null` if it can. O(1): the check
 * every read makes of every batch's (un-checksummed) base offset.
 */
export function offsetProblem(base: number, lastDelta: number, attributes: number, expected: number, segmentEnd: number): string | null {
  if (base !== expected && !((attributes & GAP_BEFORE) !== 0 && base > expected)) return `batch base offset ${base} where ${expected} was expected`;
  if (base + lastDelta >= segmentEnd) return `batch ends at offset ${base + lastDelta}, past the segment's end ${segmentEnd - 1}`;
  return null;
}

/** Why a batch at some position is not valid, or `null` if it is. */
export type BatchProblem = 'incomplete' | 'bad-header' | 'bad-crc' | null;

/**
 * Check the batch at `pos` in `buf` (which must hold the whole rest of the
 * segment, or at least the whole batch): structure and CRC. O(batch bytes).
 */
export function checkBatch(buf: Buffer, pos: number): BatchProblem {
  const h = readBatchHeader(buf, pos);
  if (h === null) return 'incomplete';
  if (h.magic !== BATCH_MAGIC || h.sizeBytes < BATCH_HEADER_BYTES || h.sizeBytes > MAX_BATCH_BYTES) return 'bad-header';
  if (!Number.isSafeInteger(h.baseOffset) || h.baseOffset < 0 || (h.attributes & ~KNOWN_ATTRIBUTES) !== 0) return 'bad-header';
  if (pos + h.sizeBytes > buf.length) return 'incomplete';
  if (crc32cRange(buf, pos + CRC_START, pos + h.sizeBytes) !== h.crc) return 'bad-crc';
  return null;
}

/**
 * Decode the records of the (already checked) batch at `pos`, pushing those
 * with offset ≥ `minOffset` onto `out` until `out.length` reaches `max`.
 * Keys, values and header values are views into `buf` (no copy). O(records).
 * Throws CorruptionError (naming `where`) if the records do not fit the batch.
 */
export function decodeRecords(buf: Buffer, pos: number, minOffset: number, out: StoredRecord[], max: number, where: () => string, topic = '', partition = 0): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const base = dv.getFloat64(pos, true);
  const end = pos + dv.getUint32(pos + 8, true) + 12;
  const count = dv.getUint32(pos + 31, true);
  let p = pos + BATCH_HEADER_BYTES;
  for (let i = 0; i < count && out.length < max; i++) {
    if (p + 4 > end) throw new CorruptionError(`record ${i} of the batch at base offset ${base} overruns the batch in ${where()}`);
    const len = dv.getUint32(p, true);
    const recEnd = p + 4 + len;
    if (recEnd > end || len < 24) throw new CorruptionError(`record ${i} of the batch at base offset ${base} has a bad length in ${where()}`);
    const offset = base + dv.getUint32(p + 4, true);
    if (offset < minOffset) {
      p = recEnd;
      continue;
    }
    const timestampMs = dv.getFloat64(p + 8, true);
    let q = p + 16;
    const kl = dv.getInt32(q, true);
    q += 4;
    const key = kl < 0 ? null : buf.subarray(q, q + kl);
    if (kl > 0) q += kl;
    const vl = dv.getInt32(q, true);
    q += 4;
    const value = vl < 0 ? null : buf.subarray(q, q + vl);
    if (vl > 0) q += vl;
    const hc = dv.getUint32(q, true);
    q += 4;
    let headers = EMPTY_HEADERS;
    if (hc > 0) {
      const h: Record<string, Buffer> = Object.create(null) as Record<string, Buffer>;
      for (let j = 0; j < hc; j++) {
        const nl = dv.getUint32(q, true);
        const name = buf.toString('utf8', q + 4, q + 4 + nl);
        q += 4 + nl;
        const hl = dv.getUint32(q, true);
        h[name] = buf.subarray(q + 4, q + 4 + hl);
        q += 4 + hl;
      }
      headers = h;
    }
    if (q !== recEnd) throw new CorruptionError(`record at offset ${offset} does not match its length in ${where()}`);
    out.push({ topic, partition, offset, timestampMs, key, value, headers });
    p = recEnd;
  }
}

/** Turn a stored record back into an encodable one (for compaction rewrites). O(headers). */
export function toInput(r: StoredRecord): RecordInput {
  return { key: r.key, value: r.value, timestampMs: r.timestampMs, headers: Object.entries(r.headers) };
}
