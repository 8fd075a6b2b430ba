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
import { requireInt } from '../../errors.js';
import type { StoredRecord } from '../types.js';
import type { PartitionLog } from './partition-log.js';
import { checkBatch, decodeRecords, encodeBatch, readBatchHeader, toInput } from './record-batch.js';
import { SegmentCorruptionError } from './segment.js';

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

/** Apply `policy` at time `nowMs`. O(segments). */
export function applyRetention(log: PartitionLog, policy: RetentionPolicy, nowMs: number): RetentionResult {
  let deleted = 0;
  if (policy.retentionMessages !== null) {
    requireInt('retentionMessages', policy.retentionMessages, 0);
    const before = log.segmentCount;
    log.advanceStartOffset(Math.max(0, log.nextOffset - policy.retentionMessages));
    deleted += before - log.segmentCount;
  }
  if (policy.retentionMs !== null) {
    const limit = nowMs - requireInt('retentionMs', policy.retentionMs, 0);
    deleted += log.deleteOldSegments((s) => s.maxTimestampMs < limit);
  }
  if (policy.retentionBytes !== null) {
    let excess = log.sizeBytes - requireInt('retentionBytes', policy.retentionBytes, 0);
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

/** Every record of a segment buffer, by batch, CRC-checked. */
function batchesOf(log: PartitionLog, segIndex: number): { base: number; lastDelta: number; records: StoredRecord[] }[] {
  const seg = log.closedSegments()[segIndex]!;
  const buf = log.readSegment(seg);
  const out: { base: number; lastDelta: number; records: StoredRecord[] }[] = [];
  let p = 0;
  while (p < buf.length) {
    const problem = checkBatch(buf, p);
    const h = readBatchHeader(buf, p);
    if (problem !== null || h === null) throw new SegmentCorruptionError(seg, p, out.length ? out[out.length - 1]!.base : seg.baseOffset, 'bad batch found by compaction');
    const records: StoredRecord[] = [];
    decodeRecords(buf, p, 0, records, Number.MAX_SAFE_INTEGER, () => seg.logPath);
    out.push({ base: h.baseOffset, lastDelta: h.lastOffsetDelta, records });
    p += h.sizeBytes;
  }
  return out;
}

/**
 * Compact the closed segments of `log`. With `rollActive` (default) the
 * active segment is sealed first, so everything written so far is
 * compactable and the new active segment is empty. O(bytes of closed segments
 * + distinct keys) time, O(distinct keys) memory.
 */
export function compact(log: PartitionLog, options: { nowMs: number; deleteRetentionMs: number; rollActive?: boolean }): CompactionResult {
  requireInt('deleteRetentionMs', options.deleteRetentionMs, 0);
  if (options.rollActive ?? true) log.roll();
  const closed = log.closedSegments();
  const latest = new Map<string, number>();
  const all = closed.map((_, i) => batchesOf(log, i));
  for (const batches of all) for (const b of batches) for (const r of b.records) if (r.key !== null) latest.set(keyId(r.key), r.offset);
  const result: CompactionResult = { segmentsRewritten: 0, recordsRemoved: 0, tombstonesRemoved: 0, bytesBefore: 0, bytesAfter: 0 };
  for (let i = 0; i < closed.length; i++) {
    const seg = closed[i]!;
    result.bytesBefore += seg.sizeBytes;
    const out: Buffer[] = [];
    let removed = 0;
    for (const b of all[i]!) {
      const keep = b.records.filter((r) => {
        if (r.key === null) return true;
        if (latest.get(keyId(r.key)) !== r.offset) return false;
        if (r.value === null && options.nowMs - r.timestampMs >= options.deleteRetentionMs) {
          result.tombstonesRemoved++;
          return false;
        }
        return true;
      });
      removed += b.records.length - keep.length;
      if (keep.length > 0) {
        out.push(encodeBatch(b.base, keep.map(toInput), keep.map((r) => r.offset - b.base), b.lastDelta));
      }
    }
    if (removed > 0) {
      log.replaceSegment(seg, out);
      result.segmentsRewritten++;
      result.recordsRemoved += removed;
    }
    for (const b of out) result.bytesAfter += removed > 0 ? b.length : 0;
    if (removed === 0) result.bytesAfter += seg.sizeBytes;
  }
  return result;
}
