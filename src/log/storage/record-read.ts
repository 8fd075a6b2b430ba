/**
 * The record read path of a partition log (split from partition-log.ts,
 * which owns the segments and calls this): walk the segments from an offset,
 * reading chunks sized from the segment's average record size, check every
 * batch walked over (its base offset against its predecessor's end, and the
 * CRC-32C of every batch decoded) and decode the records wanted.
 */
import type { StoredRecord } from '../types.js';
import type { StorageDirectory } from './directory.js';
import { checkBatch, decodeRecords, offsetProblem, readBatchHeader, type BatchHeader } from './record-batch.js';
import { SegmentCorruptionError, type Segment } from './segment.js';

/** Reads use chunks of at least this size... */
const MIN_READ_CHUNK_BYTES = 64 * 1024;
/** ...and at most this size (a larger batch is read whole). */
const MAX_READ_CHUNK_BYTES = 16 * 1024 * 1024;

/** Read and decode the one batch at `pos` (larger than a read chunk); returns the offset the next batch must start at. */
function readOne(dir: StorageDirectory, seg: Segment, pos: number, size: number, from: number, expected: number, out: StoredRecord[], max: number, topic: string, partition: number): number {
  const buf = dir.read(seg.logPath, pos, size);
  const problem = checkBatch(buf, 0);
  if (problem !== null) throw new SegmentCorruptionError(seg, pos, from, problem === 'bad-crc' ? 'CRC-32C mismatch' : 'malformed batch');
  const h = readBatchHeader(buf, 0) as BatchHeader;
  const bad = offsetProblem(h.baseOffset, h.lastOffsetDelta, h.attributes, expected, seg.nextOffset);
  if (bad !== null) throw new SegmentCorruptionError(seg, pos, from, bad);
  decodeRecords(buf, 0, from, out, max, () => `segment ${seg.logPath} at byte ${pos}`, topic, partition);
  return h.baseOffset + h.lastOffsetDelta + 1;
}

/**
 * Up to `maxRecords` records with offset ≥ `startFrom`, from
 * `segments[firstIndex]` on, in offset order (compaction gaps skipped).
 * SegmentCorruptionError (segment, byte, offset) on a bad batch. Keys and
 * values are views into fresh read buffers. O(segments visited + bytes read).
 */
export function readSegmentRecords(dir: StorageDirectory, segments: readonly Segment[], firstIndex: number, startFrom: number, maxRecords: number, topic: string, partition: number): StoredRecord[] {
  const out: StoredRecord[] = [];
  let from = startFrom;
  for (let si = firstIndex; si < segments.length && out.length < maxRecords; si++) {
    const seg = segments[si] as Segment;
    if (from >= seg.nextOffset) continue;
    let pos = seg.lookup(from);
    // The base offset is outside the CRC: each batch must start where the one before ended.
    let expected = seg.lookedUpOffset;
    while (pos < seg.sizeBytes && out.length < maxRecords) {
      // Size the read to the records wanted, from the segment's average record size.
      const avg = seg.sizeBytes / Math.max(1, seg.nextOffset - seg.baseOffset);
      const want = Math.min(seg.sizeBytes - pos, Math.min(MAX_READ_CHUNK_BYTES, Math.max(MIN_READ_CHUNK_BYTES, Math.ceil((maxRecords - out.length) * avg * 1.25))));
      const buf = dir.read(seg.logPath, pos, want);
      let p = 0;
      while (p < buf.length && out.length < maxRecords) {
        const h = readBatchHeader(buf, p);
        if (h === null || p + h.sizeBytes > buf.length) {
          if (p === 0) {
            // One batch larger than the chunk: read exactly it.
            const size = h === null ? 0 : h.sizeBytes;
            if (size === 0 || pos + size > seg.sizeBytes) throw new SegmentCorruptionError(seg, pos, from, 'incomplete batch');
            expected = readOne(dir, seg, pos, size, from, expected, out, maxRecords, topic, partition);
            p = size;
          }
          break;
        }
        const bad = offsetProblem(h.baseOffset, h.lastOffsetDelta, h.attributes, expected, seg.nextOffset);
        if (bad !== null) throw new SegmentCorruptionError(seg, pos + p, from, bad);
        expected = h.baseOffset + h.lastOffsetDelta + 1;
        if (expected > from) {
          const problem = checkBatch(buf, p);
          if (problem !== null) throw new SegmentCorruptionError(seg, pos + p, from, problem === 'bad-crc' ? 'CRC-32C mismatch' : 'malformed batch');
          decodeRecords(buf, p, from, out, maxRecords, () => `segment ${seg.logPath} at byte ${pos + p}`, topic, partition);
        }
        p += h.sizeBytes;
      }
      if (p === 0) break;
      pos += p;
    }
    if (out.length > 0) from = (out[out.length - 1] as StoredRecord).offset + 1;
  }
  return out;
}
