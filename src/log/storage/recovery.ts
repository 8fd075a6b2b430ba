/**
 * Rebuilding a segment's indexes from its file, and recovery after an
 * unclean shutdown (Kafka's `LogLoader.recoverSegment`): every batch is
 * checked (structure and CRC-32C); a damaged or incomplete batch at the end of
 * the newest segment is a torn write and is truncated; anything damaged with
 * valid data after it is corruption and is reported, never skipped.
 */
import type { StorageDirectory } from './directory.js';
import { checkBatch, readBatchHeader } from './record-batch.js';
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

/**
 * Rebuild `seg`'s indexes by reading its whole file. With `validate`, check
 * every batch's CRC; a bad batch in the newest segment (`isLast`) with no
 * valid batch after it is truncated away, any other problem throws
 * SegmentCorruptionError naming the file, byte position and offset. Without
 * `validate` (segments below the recovery point), only headers are read.
 * O(segment bytes).
 */
export function scanSegment(dir: StorageDirectory, seg: Segment, options: { validate: boolean; isLast: boolean; indexIntervalBytes: number; nowMs: number }): ScanResult {
  const size = dir.size(seg.logPath);
  seg.reset(options.nowMs);
  const buf = dir.read(seg.logPath, 0, size);
  let pos = 0;
  let batches = 0;
  while (pos < size) {
    const problem = options.validate ? checkBatch(buf, pos) : headerProblem(buf, pos);
    const h = readBatchHeader(buf, pos);
    const outOfOrder = problem === null && h !== null && h.baseOffset < seg.nextOffset;
    if (problem !== null || outOfOrder || h === null) {
      const tail = options.isLast && !outOfOrder && !validBatchAfter(buf, pos, seg.nextOffset);
      if (!tail) {
        const what = outOfOrder ? `batch base offset ${h?.baseOffset} goes backwards` : problem === 'bad-crc' ? 'CRC-32C mismatch' : problem === 'incomplete' ? 'incomplete batch' : 'malformed batch header';
        throw new SegmentCorruptionError(seg, pos, seg.nextOffset, what);
      }
      dir.truncate(seg.logPath, pos);
      return { truncatedBytes: size - pos, batches };
    }
    seg.onAppend(h, pos, options.indexIntervalBytes);
    pos += h.sizeBytes;
    batches++;
  }
  return { truncatedBytes: 0, batches };
}

function headerProblem(buf: Buffer, pos: number): 'incomplete' | 'bad-header' | null {
  const h = readBatchHeader(buf, pos);
  if (h === null || pos + h.sizeBytes > buf.length) return 'incomplete';
  if (h.magic !== 2 || h.sizeBytes < 35 || !Number.isSafeInteger(h.baseOffset)) return 'bad-header';
  return null;
}
