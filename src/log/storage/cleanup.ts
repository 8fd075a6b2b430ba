/**
 * Retention and compaction of a partition log (Kafka's `cleanup.policy`
 * `delete` and `compact`; DDIA ch. 11, "Log compaction").
 *
 * Retention deletes whole closed segments (by age of their newest record, by
 * total size) and advances the log start offset; a message-count limit
 * advances the log start offset exactly (Kafka's DeleteRecords) and deletes
 * the segments wholly below it. Compaction rewrites closed segments, never the
 * active one: it keeps the newest record per key plus every unkeyed record,
 * drops tombstones (null values) older than `deleteRetentionMs`, and keeps
 * offsets unchanged, so the log has gaps and appends continue at the end.
 */
import { InvalidArgumentError, isInstance, readOptions, requireInt } from '../../errors.js';
import type { StoredRecord } from '../types.js';
import { PartitionLog } from './partition-log.js';
import { encodeRecords, toInput } from './record-batch.js';
import type { Segment } from './segment.js';

/** Retention limits; `null` means no limit. */
export interface RetentionPolicy {
  /** Delete closed segments whose newest record is older than this. */
  retentionMs: number | null;
  /** Delete the oldest closed segments while the rest still holds this many bytes (Kafka's rule). */
  retentionBytes: number | null;
  /** Keep at most this many offsets readable: the log start moves to end − N. */
  retentionMessages: number | null;
}

/** What one retention pass did. */
export interface RetentionResult {
  segmentsDeleted: number;
  logStartOffset: number;
}

/**
 * Apply `policy` at time `nowMs`. O(segments). Every limit is checked (and
 * read once) before anything is deleted: `log` a PartitionLog, each limit
 * null/absent (no limit) or an integer ≥ 0, `nowMs` an integer ≥ 0;
 * InvalidArgumentError otherwise, with the log unchanged.
 */
export function applyRetention(log: PartitionLog, policy: RetentionPolicy, nowMs: number): RetentionResult {
  if (!isInstance(log, PartitionLog as unknown as abstract new () => PartitionLog)) throw new InvalidArgumentError('log', log, 'a PartitionLog');
  const p = readOptions('policy', policy, ['retentionMs', 'retentionBytes', 'retentionMessages'], 'a retention policy { retentionMs, retentionBytes, retentionMessages } (each null or an integer ≥ 0)');
  const limit = (name: string, v: unknown): number | null => (v == null ? null : requireInt(name, v, 0));
  const retentionMessages = limit('retentionMessages', p.retentionMessages);
  const retentionMs = limit('retentionMs', p.retentionMs);
  const retentionBytes = limit('retentionBytes', p.retentionBytes);
  requireInt('nowMs', nowMs, 0);
  let deleted = 0;
  if (retentionMessages !== null) {
    const before = log.segmentCount;
    log.advanceStartOffset(Math.max(0, log.nextOffset - retentionMessages));
    deleted += before - log.segmentCount;
  }
  if (retentionMs !== null) {
    const cutoff = nowMs - retentionMs;
    deleted += log.deleteOldSegments((s) => s.maxTimestampMs < cutoff);
  }
  if (retentionBytes !== null) {
    let excess = log.sizeBytes - retentionBytes;
    deleted += log.deleteOldSegments((s) => {
      if (excess - s.sizeBytes < 0) return false;
      excess -= s.sizeBytes;
      return true;
    });
  }
  return { segmentsDeleted: deleted, logStartOffset: log.logStartOffset };
}

/** What one compaction pass did. */
export interface CompactionResult {
  segmentsRewritten: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

function keyId(k: Buffer): string {
  return k.toString('latin1');
}

/** Bytes a compaction pass reads per call (one chunk of records at a time). */
export const COMPACTION_READ_BYTES = 1024 * 1024;

/**
 * Records with offsets in [from, end) in chunks of about `COMPACTION_READ_BYTES`,
 * in offset order (CRC-checked by `PartitionLog.read`). Each chunk's keys and
 * values are views into that chunk's read buffer, which is released once the
 * caller drops the chunk: the whole range is never held at once.
 */
function* chunks(log: PartitionLog, from: number, end: number, avgRecordBytes: number): Generator<StoredRecord[]> {
  const perChunk = Math.max(1, Math.floor(COMPACTION_READ_BYTES / Math.max(1, avgRecordBytes)));
  let next = from;
  while (next < end) {
    const got = log.read(next, perChunk);
    const inRange = got.filter((r) => r.offset < end);
    if (inRange.length === 0) return;
    yield inRange;
    next = inRange[inRange.length - 1]!.offset + 1;
    if (inRange.length < got.length) return;
  }
}

function avgBytes(seg: { sizeBytes: number; baseOffset: number; nextOffset: number }): number {
  return seg.sizeBytes / Math.max(1, seg.nextOffset - seg.baseOffset);
}

/**
 * Compact the closed segments of `log`. With `rollActive` (default) the
 * active segment is sealed first, so everything written so far is
 * compactable and the new active segment is empty.
 *
 * Two streaming passes over the closed segments, a chunk of records at a
 * time: the first builds a key → latest offset map, the second copies each
 * segment's survivors into new batches and replaces the segment if anything
 * was dropped. Offsets are kept; a rewritten segment's last batch still ends
 * at the segment's last offset, so segments stay contiguous. O(bytes of
 * closed segments) time; memory O(distinct keys + one read chunk + one
 * segment's survivors), never the whole log.
 */
export function compact(log: PartitionLog, given: { nowMs: number; deleteRetentionMs: number; rollActive?: boolean }): CompactionResult {
  // Checked (each option read once) before anything is rolled or rewritten.
  if (!isInstance(log, PartitionLog as unknown as abstract new () => PartitionLog)) throw new InvalidArgumentError('log', log, 'a PartitionLog');
  if (given === undefined) throw new InvalidArgumentError('options', given, 'an options object { nowMs, deleteRetentionMs, rollActive? }');
  const options = readOptions('options', given, ['nowMs', 'deleteRetentionMs', 'rollActive'], 'an options object { nowMs, deleteRetentionMs, rollActive? }');
  requireInt('nowMs', options.nowMs, 0);
  requireInt('deleteRetentionMs', options.deleteRetentionMs, 0);
  if (options.rollActive !== undefined && typeof options.rollActive !== 'boolean') throw new InvalidArgumentError('rollActive', options.rollActive, 'true or false');
  const checked = { nowMs: options.nowMs as number, deleteRetentionMs: options.deleteRetentionMs as number };
  if (options.rollActive ?? true) log.roll();
  const closed = [...log.closedSegments()];
  const result: CompactionResult = { segmentsRewritten: 0, recordsRemoved: 0, tombstonesRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  if (closed.length === 0) return result;
  const latest = new Map<string, number>();
  for (const seg of closed) {
    for (const chunk of chunks(log, seg.baseOffset, seg.nextOffset, avgBytes(seg))) for (const r of chunk) if (r.key !== null) latest.set(keyId(r.key), r.offset);
  }
  for (const seg of closed) {
    const before = seg.sizeBytes;
    result.bytesBefore += before;
    const rewritten = compactSegment(log, seg, latest, checked, result);
    result.bytesAfter += rewritten ?? before;
  }
  return result;
}

/** Copy one segment's survivors; replace it when something was dropped. Returns the new size, or undefined if unchanged. */
function compactSegment(log: PartitionLog, seg: Segment, latest: ReadonlyMap<string, number>, options: { nowMs: number; deleteRetentionMs: number }, result: CompactionResult): number | undefined {
  const out: { base: number; records: StoredRecord[] }[] = [];
  const encoded: Buffer[] = [];
  let removed = 0;
  let tombstones = 0;
  for (const chunk of chunks(log, seg.baseOffset, seg.nextOffset, avgBytes(seg))) {
    const keep = chunk.filter((r) => {
      if (r.key === null) return true;
      if (latest.get(keyId(r.key)) !== r.offset) return false;
      if (r.value === null && options.nowMs - r.timestampMs >= options.deleteRetentionMs) {
        tombstones++;
        return false;
      }
      return true;
    });
    removed += chunk.length - keep.length;
    if (keep.length === 0) continue;
    // Encode the previous chunk's survivors now (a copy), so this chunk's read buffer is the only one pinned.
    const prev = out.pop();
    if (prev !== undefined) encoded.push(encodeRecords(prev.base, prev.records.map(toInput), prev.records.map((r) => r.offset - prev.base)));
    out.push({ base: keep[0]!.offset, records: keep });
  }
  if (removed === 0) return undefined;
  const last = out.pop();
  // The last batch keeps the segment's last offset, so the next segment still starts right after it.
  if (last !== undefined) encoded.push(encodeRecords(last.base, last.records.map(toInput), last.records.map((r) => r.offset - last.base), seg.nextOffset - 1 - last.base));
  log.replaceSegment(seg, encoded);
  result.segmentsRewritten++;
  result.recordsRemoved += removed;
  result.tombstonesRemoved += tombstones;
  let bytes = 0;
  for (const b of encoded) bytes += b.length;
  return bytes;
}
