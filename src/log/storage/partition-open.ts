/**
 * Opening a partition's segments (split from partition-log.ts): finish or
 * undo a compaction a crash interrupted, load each segment's indexes or
 * rebuild them by a validating scan, and check that nothing is missing. A
 * sealed segment (every one but the newest, and the newest after a clean
 * shutdown) must have the size and next offset its seal recorded, segments
 * must follow each other without a gap or an overlap, the first must start at
 * or below the log start offset and the last must end at or after the
 * recovery point (and exactly at the recorded end after a clean shutdown).
 * Any other outcome is damage, reported as CorruptionError naming the file,
 * never a silently shorter or relabelled log. Only the newest segment after
 * an unclean shutdown may lose bytes: its torn tail.
 *
 * It also holds both halves of compaction's segment swap (`writeSwap`,
 * `commitSwap`), beside the part of opening that undoes or finishes one.
 *
 * Writes only what recovery needs (a torn tail cut, leftovers of an
 * interrupted compaction or retention removed): a cleanly closed log is
 * opened without writing anything.
 */
import { CorruptionError, invariant } from '../../errors.js';
import { markGapBefore, readBatchHeader, type BatchHeader } from './record-batch.js';
import type { StorageDirectory } from './directory.js';
import type { PartitionMeta } from './partition-config.js';
import { scanSegment } from './recovery.js';
import { parseSegmentName, Segment, SegmentCorruptionError } from './segment.js';

/** Suffix of compaction output written beside a segment before the swap. */
export const CLEANED = '.cleaned';

/**
 * First half of a compaction's segment swap: mark each batch that follows
 * removed records `GAP_BEFORE`, write the batches to `<seg>.log.cleaned` and
 * their indexes to `.index.cleaned` / `.timeindex.cleaned`, all synced.
 * Nothing is committed yet; on failure every side file is removed and the
 * error rethrown. Returns the segment as it will be. O(bytes).
 */
export function writeSwap(dir: StorageDirectory, seg: Segment, batches: readonly Buffer[], indexIntervalBytes: number): Segment {
  let expected = seg.baseOffset;
  for (const b of batches) {
    const h = readBatchHeader(b, 0) as BatchHeader;
    invariant(h.baseOffset >= expected && h.baseOffset + h.lastOffsetDelta < seg.nextOffset, 'compaction output must keep offsets in order and within the segment');
    expected = h.baseOffset + h.lastOffsetDelta + 1;
  }
  expected = seg.baseOffset;
  for (const b of batches) {
    const h = readBatchHeader(b, 0) as BatchHeader;
    if (h.baseOffset !== expected) markGapBefore(b);
    expected = h.baseOffset + h.lastOffsetDelta + 1;
  }
  const side = `${seg.logPath}${CLEANED}`;
  const fresh = new Segment(seg.logPath.slice(0, seg.logPath.lastIndexOf('/')), seg.baseOffset, seg.createdAtMs);
  try {
    dir.remove(side);
    dir.append(side, new Uint8Array(0));
    for (const b of batches) dir.append(side, b);
    dir.sync(side);
    scanSegment(dir, fresh, { tornTailAllowed: false, indexIntervalBytes, nowMs: seg.createdAtMs, file: side });
    fresh.nextOffset = seg.nextOffset;
    fresh.persistIndexes(dir, CLEANED);
  } catch (e) {
    for (const f of [side, `${seg.indexPath}${CLEANED}`, `${seg.timeIndexPath}${CLEANED}`, `${seg.indexPath}${CLEANED}.tmp`, `${seg.timeIndexPath}${CLEANED}.tmp`]) dir.remove(f);
    throw e;
  }
  return fresh;
}

/** Second half: rename the log file into place (the commit point), then the indexes. */
export function commitSwap(dir: StorageDirectory, seg: Segment): void {
  dir.rename(`${seg.logPath}${CLEANED}`, seg.logPath);
  dir.rename(`${seg.indexPath}${CLEANED}`, seg.indexPath);
  dir.rename(`${seg.timeIndexPath}${CLEANED}`, seg.timeIndexPath);
}

/** What `loadSegments` found. */
export interface LoadedSegments {
  segments: Segment[];
  truncatedBytes: number;
  /** Sealed segments whose index files were missing, damaged or of an older format and were rebuilt in memory (to be rewritten at the first change). */
  rebuilt: Segment[];
}

/**
 * Undo an uncommitted compaction (its `.log.cleaned` still exists: the old
 * files are whole) or finish a committed one (the log was swapped, an index
 * was not). Removes temporary files. O(files).
 */
function settleLeftovers(dir: StorageDirectory, path: string): void {
  const names = dir.list(path);
  const uncommitted = new Set(names.filter((f) => f.endsWith(`.log${CLEANED}`)).map((f) => f.slice(0, -`.log${CLEANED}`.length)));
  for (const f of names) {
    if (f.endsWith('.tmp')) dir.remove(`${path}/${f}`);
    else if (f.endsWith(CLEANED)) {
      const stem = f.slice(0, f.indexOf('.'));
      if (uncommitted.has(stem)) dir.remove(`${path}/${f}`);
      else dir.rename(`${path}/${f}`, `${path}/${f.slice(0, -CLEANED.length)}`);
    }
  }
}

/** Load or rebuild one segment's indexes (pushing it on `rebuilt` if they were unusable); throws when it is not what was recorded. */
function loadOne(dir: StorageDirectory, seg: Segment, sealed: boolean, indexIntervalBytes: number, nowMs: number, rebuilt: Segment[]): number {
  const size = dir.size(seg.logPath);
  if (!sealed) return scanSegment(dir, seg, { tornTailAllowed: true, indexIntervalBytes, nowMs }).truncatedBytes;
  const r = seg.loadIndexes(dir);
  if (r.status === 'ok') {
    if (r.sizeBytes === size) return 0;
    throw new SegmentCorruptionError(seg, Math.min(size, r.sizeBytes), r.nextOffset, `segment file is ${size} bytes where its seal recorded ${r.sizeBytes} (shortened, extended or replaced)`);
  }
  scanSegment(dir, seg, { tornTailAllowed: false, indexIntervalBytes, nowMs });
  if (r.status === 'bad' && r.recorded !== null && (r.recorded.sizeBytes !== seg.sizeBytes || r.recorded.nextOffset !== seg.nextOffset)) {
    throw new SegmentCorruptionError(seg, seg.sizeBytes, seg.nextOffset, `segment holds ${seg.sizeBytes} bytes up to offset ${seg.nextOffset} where its seal recorded ${r.recorded.sizeBytes} bytes up to ${r.recorded.nextOffset}`);
  }
  rebuilt.push(seg);
  return 0;
}

/**
 * The segments under `path`, oldest first, checked as the file comment
 * says. `meta` is partition.json (`existed` false for a new partition).
 * O(index entries + bytes of segments that must be scanned).
 */
export function loadSegments(dir: StorageDirectory, path: string, meta: PartitionMeta, existed: boolean, indexIntervalBytes: number, nowMs: number): LoadedSegments {
  settleLeftovers(dir, path);
  const bases: number[] = [];
  for (const f of dir.list(path)) {
    const b = parseSegmentName(f);
    if (b !== null) bases.push(b);
  }
  bases.sort((a, b) => a - b);
  const recordedEnd = Math.max(meta.recoveryPoint, meta.endOffset ?? 0);
  if (bases.length === 0) {
    if (existed && recordedEnd > meta.logStartOffset) throw new CorruptionError(`partition ${path} has no segment files, but partition.json records offsets up to ${recordedEnd}: its segments were deleted`);
    bases.push(meta.logStartOffset);
    dir.append(new Segment(path, meta.logStartOffset, nowMs).logPath, new Uint8Array(0));
  }
  let truncated = 0;
  const segs: Segment[] = [];
  const rebuilt: Segment[] = [];
  for (let i = 0; i < bases.length; i++) {
    const seg = new Segment(path, bases[i] as number, nowMs);
    const isLast = i === bases.length - 1;
    truncated += loadOne(dir, seg, !isLast || meta.clean, indexIntervalBytes, nowMs, rebuilt);
    if (!isLast && seg.nextOffset <= meta.logStartOffset && segs.length === 0) {
      // Retention recorded the new log start, then a crash came before it deleted this segment.
      seg.remove(dir);
      continue;
    }
    const prev = segs[segs.length - 1];
    if (prev !== undefined && prev.nextOffset !== seg.baseOffset) {
      const what = prev.nextOffset > seg.baseOffset ? `segment starts at offset ${seg.baseOffset}, before the previous one ends` : `offsets ${prev.nextOffset} to ${seg.baseOffset - 1} are missing between segments (a segment was deleted or shortened)`;
      throw new SegmentCorruptionError(seg, 0, prev.nextOffset, what);
    }
    segs.push(seg);
  }
  const first = segs[0] as Segment;
  const last = segs[segs.length - 1] as Segment;
  if (existed && first.baseOffset > meta.logStartOffset) {
    throw new SegmentCorruptionError(first, 0, meta.logStartOffset, `offsets ${meta.logStartOffset} to ${first.baseOffset - 1} are missing at the start of the log (partition.json starts it at ${meta.logStartOffset})`);
  }
  if (last.nextOffset < meta.recoveryPoint || (meta.clean && meta.endOffset !== undefined && last.nextOffset !== meta.endOffset)) {
    const want = meta.clean && meta.endOffset !== undefined ? meta.endOffset : meta.recoveryPoint;
    throw new SegmentCorruptionError(last, last.sizeBytes, last.nextOffset, `the log ends at offset ${last.nextOffset} where partition.json recorded ${want} (segment data is missing at the end)`);
  }
  return { segments: segs, truncatedBytes: truncated, rebuilt: rebuilt.filter((s) => segs.includes(s)) };
}
