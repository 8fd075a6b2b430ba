/**
 * Rebuilding a segment's indexes from its file, and recovery after an
 * unclean shutdown (Kafka's `LogLoader.recoverSegment`): every batch is
 * checked (structure and CRC-32C); a damaged or incomplete batch at the end of
 * the newest segment is a torn write and is truncated; anything damaged with
 * valid data after it is corruption and is reported, never skipped.
 */
import type { StorageDirectory } from './directory.js';
import { checkBatch, offsetProblem, readBatchHeader } from './record-batch.js';
import { SegmentCorruptionError, type Segment } from './segment.js';

/** What a scan found. */
export interface ScanResult {
  /** Bytes cut off the end of the file (a torn tail), 0 if none. */
  truncatedBytes: number;
  /** Batches read. */
  batches: number;
}

/**
 * True when a valid batch (structure, CRC, offset ≥ `minOffset`) starts
 * anywhere in `buf` after `from`. O(bytes) on damaged data.
 */
function validBatchAfter(buf: Buffer, from: number, minOffset: number): boolean {
  for (let p = from + 1; p + 12 < buf.length; p++) {
    if (buf[p + 12] !== 2) continue;
    if (checkBatch(buf, p) === null) {
      const h = readBatchHeader(buf, p);
      if (h !== null && h.baseOffset >= minOffset) return true;
    }
  }
  return false;
}

/** Options of `scanSegment`. */
export interface ScanOptions {
  /** The newest segment after an unclean shutdown: a damaged batch with nothing valid after it is a torn write and is cut off. */
  tornTailAllowed: boolean;
  indexIntervalBytes: number;
  nowMs: number;
  /** Read this file instead of the segment's own (compaction output not yet in place). */
  file?: string;
}

/**
 * Rebuild `seg`'s indexes by reading its whole file, checking every batch:
 * structure, CRC-32C, and base offset (the segment's base offset for the
 * first batch, the previous batch's last offset + 1 for each next one, or
 * more after a compaction gap: see `offsetProblem`). With `tornTailAllowed`
 * a bad batch with no valid batch after it is truncated away; any other
 * problem throws SegmentCorruptionError naming the file, byte position and
 * offset. O(segment bytes).
 */
export function scanSegment(dir: StorageDirectory, seg: Segment, options: ScanOptions): ScanResult {
  const file = options.file ?? seg.logPath;
  const size = dir.size(file);
  seg.reset(options.nowMs);
  const buf = dir.read(file, 0, size);
  let pos = 0;
  let batches = 0;
  while (pos < size) {
    const problem = checkBatch(buf, pos);
    const h = readBatchHeader(buf, pos);
    if (problem !== null || h === null) {
      const tail = options.tornTailAllowed && !validBatchAfter(buf, pos, seg.nextOffset);
      if (!tail) {
        const what = problem === 'bad-crc' ? 'CRC-32C mismatch' : problem === 'incomplete' ? 'incomplete batch' : 'malformed batch header';
        throw new SegmentCorruptionError(seg, pos, seg.nextOffset, what);
      }
      dir.truncate(file, pos);
      return { truncatedBytes: size - pos, batches };
    }
    const bad = offsetProblem(h.baseOffset, h.lastOffsetDelta, h.attributes, seg.nextOffset, Number.MAX_SAFE_INTEGER);
    if (bad !== null) throw new SegmentCorruptionError(seg, pos, seg.nextOffset, bad);
    seg.onAppend(h, pos, options.indexIntervalBytes);
    pos += h.sizeBytes;
    batches++;
  }
  return { truncatedBytes: 0, batches };
}
