/**
 * `verify` of a partition log: read every byte of every segment and check
 * everything a read or an open relies on, reporting each problem instead of
 * stopping at the first. Per segment: the file has the size the log holds
 * for it; every batch has a valid structure and CRC-32C, a base offset that
 * follows its predecessor (`offsetProblem`) and records whose framing fits
 * the batch; every offset-index entry points at a batch with that base
 * offset; a sealed segment's index files on disk are intact and agree with
 * the file; consecutive segments are contiguous. O(bytes of the log).
 */
import { CorruptionError } from '../../errors.js';
import type { StoredRecord } from '../types.js';
import type { StorageDirectory } from './directory.js';
import { checkBatch, decodeRecords, offsetProblem, readBatchHeader } from './record-batch.js';
import { Segment } from './segment.js';

/** One problem `verify` found. */
export interface VerifyProblem {
  /** The file (relative to the data directory). */
  file: string;
  /** Byte position in the file, when known. */
  position: number;
  /** The first offset affected. */
  offset: number;
  what: string;
}

/** What `verify` found in one partition. */
export interface PartitionVerifyResult {
  /** Records readable (at or after the log start). */
  records: number;
  batches: number;
  problems: VerifyProblem[];
}

/** Check one segment's batches; returns records and batches seen, pushing problems. */
function verifySegment(dir: StorageDirectory, seg: Segment, startOffset: number, problems: VerifyProblem[]): { records: number; batches: number } {
  const size = dir.size(seg.logPath);
  if (size !== seg.sizeBytes) problems.push({ file: seg.logPath, position: Math.min(size, seg.sizeBytes), offset: seg.baseOffset, what: `file is ${size} bytes, the log holds ${seg.sizeBytes}` });
  const buf = dir.read(seg.logPath, 0, Math.min(size, seg.sizeBytes));
  const starts = new Map<number, number>();
  const scratch: StoredRecord[] = [];
  let records = 0;
  let batches = 0;
  let expected = seg.baseOffset;
  for (let p = 0; p < buf.length; ) {
    const problem = checkBatch(buf, p);
    const h = readBatchHeader(buf, p);
    let what = problem === null || h === null ? null : problem === 'bad-crc' ? 'CRC-32C mismatch' : problem === 'incomplete' ? 'incomplete batch' : 'malformed batch header';
    if (h === null) what = 'incomplete batch header';
    else if (what === null) what = offsetProblem(h.baseOffset, h.lastOffsetDelta, h.attributes, expected, seg.nextOffset);
    if (what === null && h !== null) {
      scratch.length = 0;
      try {
        decodeRecords(buf, p, 0, scratch, Number.MAX_SAFE_INTEGER, () => `${seg.logPath} at byte ${p}`);
      } catch (e) {
        if (!(e instanceof CorruptionError)) throw e;
        what = e.message;
      }
    }
    if (what !== null || h === null) {
      problems.push({ file: seg.logPath, position: p, offset: expected, what: `${what}; the segment cannot be read past it` });
      return { records, batches };
    }
    starts.set(p, h.baseOffset);
    for (const r of scratch) if (r.offset >= startOffset) records++;
    batches++;
    expected = h.baseOffset + h.lastOffsetDelta + 1;
    p += h.sizeBytes;
  }
  for (const [offset, position] of seg.indexEntries()) {
    if (starts.get(position) !== offset) problems.push({ file: seg.indexPath, position, offset, what: `index entry points at byte ${position} for offset ${offset}, where no batch with that base offset starts` });
  }
  return { records, batches };
}

/** Check the index files on disk of a sealed segment against the segment as loaded. */
function verifyIndexFiles(dir: StorageDirectory, seg: Segment, problems: VerifyProblem[]): void {
  const copy = new Segment(seg.logPath.slice(0, seg.logPath.lastIndexOf('/')), seg.baseOffset, seg.createdAtMs);
  const r = copy.loadIndexes(dir);
  if (r.status === 'missing') problems.push({ file: seg.indexPath, position: 0, offset: seg.baseOffset, what: 'index files of a sealed segment are missing (rebuilt in memory at open)' });
  else if (r.status === 'bad') problems.push({ file: seg.indexPath, position: 0, offset: seg.baseOffset, what: `${r.why} (rebuilt in memory at open)` });
  else if (r.sizeBytes !== seg.sizeBytes || r.nextOffset !== seg.nextOffset) problems.push({ file: seg.timeIndexPath, position: 0, offset: seg.baseOffset, what: `records ${r.sizeBytes} bytes up to offset ${r.nextOffset}, the segment holds ${seg.sizeBytes} bytes up to ${seg.nextOffset}` });
}

/** Verify `segments` (oldest first, the last active); `records` counts those at or after `startOffset`. O(bytes). */
export function verifySegments(dir: StorageDirectory, segments: readonly Segment[], startOffset: number): PartitionVerifyResult {
  const problems: VerifyProblem[] = [];
  let records = 0;
  let batches = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    const prev = segments[i - 1];
    if (prev !== undefined && prev.nextOffset !== seg.baseOffset) problems.push({ file: seg.logPath, position: 0, offset: prev.nextOffset, what: `segment starts at offset ${seg.baseOffset}, the previous one ends at ${prev.nextOffset}` });
    const r = verifySegment(dir, seg, startOffset, problems);
    records += r.records;
    batches += r.batches;
    if (i < segments.length - 1) verifyIndexFiles(dir, seg, problems);
  }
  return { records, batches, problems };
}
