/**
 * The batch read path of a partition log: walk its segments from an offset
 * and hand out CRC-checked `RecordBatchView`s served from a `FetchBuffer`
 * (one read call per fill; batches already in the buffer are not read
 * again). Split from partition-log.ts, which owns the segments and calls this.
 */
import { BatchLocation, RecordBatchView, batchExtent } from './batch-view.js';
import type { StorageDirectory } from './directory.js';
import type { FetchBuffer } from './fetch-buffer.js';
import { BATCH_HEADER_BYTES, BATCH_MAGIC, MAX_BATCH_BYTES, checkBatch, offsetProblem } from './record-batch.js';
import { SegmentCorruptionError, type Segment } from './segment.js';

/**
 * Views of the batches holding records with offset ≥ `startFrom`, from
 * `segments[firstIndex]` on, at most `maxRecords` records in all, all from
 * one fill of `fetch` (so they are valid together). Every batch returned has
 * passed its CRC-32C check in this call, and every batch walked over has the
 * base offset its predecessor's end says (`offsetProblem`); a bad one is a
 * SegmentCorruptionError naming the segment, the byte and the offset. O(segments visited + bytes read).
 */
export function readSegmentBatches(dir: StorageDirectory, segments: readonly Segment[], firstIndex: number, startFrom: number, maxRecords: number, fetch: FetchBuffer, topic: string, partition: number): RecordBatchView[] {
  const out: RecordBatchView[] = [];
  let from = startFrom;
  let left = maxRecords;
  for (let si = firstIndex; si < segments.length && left > 0; si++) {
    const seg = segments[si] as Segment;
    if (from >= seg.nextOffset) continue;
    let pos = seg.lookup(from);
    // The base offset is outside the CRC: each batch must start where the one before ended.
    let expected = seg.lookedUpOffset;
    while (pos < seg.sizeBytes && left > 0) {
      if (seg.sizeBytes - pos < BATCH_HEADER_BYTES) throw new SegmentCorruptionError(seg, pos, from, 'incomplete batch');
      if (!fetch.covers(seg, pos, BATCH_HEADER_BYTES)) {
        if (out.length > 0) return out;
        fetch.fill(dir, seg, pos, BATCH_HEADER_BYTES);
      }
      let at = fetch.indexOf(pos);
      const dv = fetch.dataView;
      const size = dv.getUint32(at + 8, true) + 12;
      if (dv.getUint8(at + 12) !== BATCH_MAGIC || size < BATCH_HEADER_BYTES || size > MAX_BATCH_BYTES || pos + size > seg.sizeBytes) {
        throw new SegmentCorruptionError(seg, pos, from, 'malformed batch');
      }
      if (!fetch.covers(seg, pos, size)) {
        if (out.length > 0) return out;
        fetch.fill(dir, seg, pos, size);
        at = fetch.indexOf(pos);
      }
      const buf = fetch.buffer;
      const base = buf.readDoubleLE(at);
      const lastDelta = buf.readUInt32LE(at + 19);
      const bad = offsetProblem(base, lastDelta, buf.readUInt16LE(at + 17), expected, seg.nextOffset);
      if (bad !== null) throw new SegmentCorruptionError(seg, pos, from, bad);
      expected = base + lastDelta + 1;
      if (expected > from) {
        const problem = checkBatch(buf, at);
        if (problem !== null) throw new SegmentCorruptionError(seg, pos, from, problem === 'bad-crc' ? 'CRC-32C mismatch' : 'malformed batch');
        const where = new BatchLocation(seg.logPath, pos);
        const ext = batchExtent(fetch.dataView, at, at + size, from, left, where);
        if (ext !== null) {
          out.push(new RecordBatchView(fetch, ext, topic, partition, where));
          left -= ext.count;
          from = ext.nextOffset;
        }
      }
      pos += size;
    }
  }
  return out;
}
