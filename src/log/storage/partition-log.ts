/**
 * The log of one partition: an ordered list of segments, the newest of which
 * (the active segment) takes appends. Offsets start at 0 and grow by one per
 * record; the log start offset advances with retention; compaction leaves
 * gaps (DDIA ch. 11, "Log compaction"; Kafka's `UnifiedLog`).
 *
 * Durability: each append is one batch written with one write call; with
 * fsync `always` it is fdatasync'ed before `append` returns, so a caller that
 * acknowledges after `append` never acknowledges a record a crash can lose.
 * `partition.json` (written atomically, checksummed) holds the log start
 * offset, the recovery point (everything below it is sealed and synced), a
 * clean-shutdown flag and, after a clean shutdown, the end offset. It is
 * marked not-clean at the first change, so a log that is only read is never
 * written. Opening (partition-open.ts) checks every segment against what was
 * recorded and validates the newest after an unclean shutdown, truncating a
 * torn tail; anything else that does not fit is reported as damage. Every
 * read checks each batch's base offset (outside the CRC) against its
 * predecessor; `verify` checks every byte. A full disk is a DiskFullError.
 */
import { CorruptionError, InvalidArgumentError, invariant, isInstance, readArray, readOptions, requireInt, requireNumber } from '../../errors.js';
import { checkTopicName, readRecordInputs, requireMethods } from '../message.js';
import { checkFilePath } from './directory.js';
import type { Clock } from '../../util/clock.js';
import type { RecordInput, StoredRecord } from '../types.js';
import { encodeMeta, parseMeta, partitionConfig, type PartitionLogConfig, type PartitionMeta } from './partition-config.js';

/** The methods a StorageDirectory must have (checked where one is passed in). */
export const STORAGE_METHODS = ['list', 'exists', 'mkdir', 'size', 'read', 'readInto', 'append', 'sync', 'truncate', 'remove', 'removeDir', 'writeAtomic', 'rename', 'lock', 'close'];
import type { StorageDirectory } from './directory.js';
import { readSegmentBatches } from './batch-read.js';
import type { RecordBatchView } from './batch-view.js';
import { FetchBuffer } from './fetch-buffer.js';
import { DiskFullError, isDiskFull } from './disk-full.js';
import { CLEANED, commitSwap, loadSegments, writeSwap } from './partition-open.js';
import { verifySegments, type PartitionVerifyResult } from './partition-verify.js';
import { checkBatch, encodeRecords, readBatchHeader } from './record-batch.js';

import { readSegmentRecords } from './record-read.js';
import { Segment } from './segment.js';

/** A partition's log over a `StorageDirectory`. */
export class PartitionLog {
  readonly path: string;
  /** The topic and partition this log holds (stamped on every record read). */
  readonly topic: string;
  readonly partition: number;
  private readonly dir: StorageDirectory;
  private readonly config: PartitionLogConfig;
  private readonly clock: Clock;
  /** Segments by increasing base offset; the last is active. Never empty. */
  private segments: Segment[] = [];
  private startOffset = 0;
  private recoveryPoint = 0;
  private lastSyncMs: number;
  /** Bytes of the active segment known synced (for `syncIfDue`). */
  private syncedBytes = 0;
  private closed = false;
  /** partition.json says "not clean" (set by the first change after a clean open). */
  private dirty = false;
  /** Sealed segments whose indexes were rebuilt at open, rewritten by `markDirty`. */
  private rebuiltIndexes: Segment[] = [];
  /** Bytes truncated from a torn tail when this log was opened. */
  readonly recoveredTruncatedBytes: number;

  private constructor(dir: StorageDirectory, path: string, config: PartitionLogConfig, clock: Clock, truncated: number, tp: { topic: string; partition: number }) {
    this.dir = dir;
    this.topic = tp.topic;
    this.partition = tp.partition;
    this.path = path;
    this.config = config;
    this.clock = clock;
    this.lastSyncMs = clock.now();
    this.recoveredTruncatedBytes = truncated;
  }

  /**
   * Open (or create) the log under `path`, recovering after an unclean
   * shutdown. O(bytes of the active segment after an unclean shutdown, and of
   * segments whose indexes must be rebuilt) + O(index entries). Throws
   * SegmentCorruptionError / CorruptionError on damage that is not a torn
   * tail; with `mustExist` (a partition topics.json lists), also when
   * partition.json is missing.
   */
  static open(dir: StorageDirectory, path: string, config: PartitionLogConfig, clock: Clock, tp?: { topic: string; partition: number }, options: { mustExist?: boolean } = {}): PartitionLog {
    // Every argument checked (each option read once) before anything is written.
    requireMethods('dir', dir, STORAGE_METHODS, 'a StorageDirectory (FsDirectory, MemoryDirectory or your own)');
    checkFilePath(path);
    config = partitionConfig(config);
    requireMethods('clock', clock, ['now'], 'a Clock ({ now(): number })');
    const now = requireNumber('clock.now()', clock.now(), -Number.MAX_VALUE);
    const t = readOptions('tp', tp, ['topic', 'partition'], 'a topic-partition { topic, partition }');
    if (tp !== undefined) {
      checkTopicName(t.topic);
      requireInt('partition', t.partition, 0, 2 ** 31 - 1);
    }
    tp = tp === undefined ? { topic: path, partition: 0 } : { topic: t.topic as string, partition: t.partition as number };
    const o = readOptions('options', options, ['mustExist'], 'an options object { mustExist? }');
    if (o.mustExist !== undefined && typeof o.mustExist !== 'boolean') throw new InvalidArgumentError('mustExist', o.mustExist, 'true or false');
    options = o;
    const metaPath = `${path}/partition.json`;
    const existed = dir.exists(metaPath);
    if (!existed && options.mustExist === true) throw new CorruptionError(`partition ${path} is recorded in topics.json but ${metaPath} is missing (its directory was deleted or moved)`);
    dir.mkdir(path);
    let meta: PartitionMeta = { format: 'shardkit-partition', logStartOffset: 0, recoveryPoint: 0, clean: false };
    if (existed) meta = parseMeta(dir.read(metaPath, 0, dir.size(metaPath)), metaPath);
    const { segments, truncatedBytes, rebuilt } = loadSegments(dir, path, meta, existed, config.indexIntervalBytes, now);
    const log = new PartitionLog(dir, path, config, clock, truncatedBytes, tp);
    log.segments = segments;
    log.rebuiltIndexes = rebuilt;
    log.startOffset = Math.max(meta.logStartOffset, (segments[0] as Segment).baseOffset);
    log.recoveryPoint = Math.min(meta.recoveryPoint, log.active.baseOffset);
    // After an unclean shutdown the tail may sit only in the page cache: treat it as unsynced.
    log.syncedBytes = meta.clean ? log.active.sizeBytes : 0;
    // partition.json says "not clean" from the first change on; a log only read is left as it was.
    log.dirty = !meta.clean;
    if (!existed) log.writeMeta(false);
    return log;
  }

  /** Before the first change: record in partition.json that the log is open for writing (so a crash is recognised). */
  private markDirty(): void {
    if (!this.dirty) {
      this.io(this.path + '/partition.json', 'recording the log as open', () => this.writeMeta(false));
      this.dirty = true;
    }
    if (this.rebuiltIndexes.length === 0) return;
    // Index files rebuilt in memory at open are written back now that the log is being written anyway.
    for (const seg of this.rebuiltIndexes.splice(0)) {
      if (this.segments.includes(seg) && seg !== this.active) this.io(seg.indexPath, 'rewriting rebuilt indexes', () => seg.persistIndexes(this.dir));
    }
  }

  /** Run a write, turning a full disk into DiskFullError naming this partition. */
  private io<T>(file: string, what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (isDiskFull(e)) throw new DiskFullError(this.topic, this.partition, file, what, e);
      throw e;
    }
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /** First offset that can be read (advanced by retention). */
  get logStartOffset(): number {
    return this.startOffset;
  }

  /** Offset the next appended record gets (the log end offset). */
  get nextOffset(): number {
    return this.active.nextOffset;
  }

  /** Bytes in all segments. O(segments). */
  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.sizeBytes;
    return n;
  }

  /** Number of segments, including the active one. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** The segments' base offsets, oldest first (for tests and tools). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** Path of the segment file holding `offset` (for tools and corruption tests). */
  segmentPathFor(offset: number): string {
    requireInt('offset', offset, 0);
    return (this.segments[this.segmentIndexFor(offset)] as Segment).logPath;
  }

  private writeMeta(clean: boolean): void {
    const meta: PartitionMeta = { format: 'shardkit-partition', logStartOffset: this.startOffset, recoveryPoint: this.recoveryPoint, clean, ...(clean ? { endOffset: this.nextOffset } : {}) };
    this.dir.writeAtomic(`${this.path}/partition.json`, encodeMeta(meta));
  }

  private ensureOpen(): void {
    if (this.closed) throw new CorruptionError(`partition log ${this.path} is closed`);
  }

  /**
   * Append `records` as one batch; returns the offset of the first. Rolls the
   * active segment first if it is full or old. With fsync `always` the batch
   * is durable when this returns. O(batch bytes). On a write failure the
   * segment is cut back, so the log is unchanged; a full disk is a
   * DiskFullError (retriable) naming the topic and partition.
   *
   * `records` is checked before anything is written, each record and field
   * read once (what is checked is what is stored): a non-empty array of
   * { key: Uint8Array | null, value: Uint8Array | null, timestampMs: integer
   * ≥ 0, headers: [well-formed name, Uint8Array][] }; anything else is an
   * InvalidArgumentError naming the field, and the log is unchanged. The check
   * copies each record's fields once: O(records + headers), beside the
   * O(bytes) encoding and CRC.
   */
  append(records: readonly RecordInput[]): number {
    this.ensureOpen();
    return this.appendChecked(readRecordInputs(records));
  }

  /**
   * `append` for records already checked, each field read once, by
   * `readRecordInputs` or `toRecord` (the producer): the hot path does not
   * check and copy every record a second time. Not for outside callers.
   */
  appendChecked(recs: readonly RecordInput[]): number {
    this.ensureOpen();
    const base = this.active.nextOffset;
    const batch = encodeRecords(base, recs);
    const now = this.clock.now();
    this.markDirty();
    const act = this.active;
    if (act.sizeBytes > 0 && (act.sizeBytes + batch.length > this.config.segmentBytes || now - act.createdAtMs >= this.config.segmentMs)) this.roll();
    const seg = this.active;
    const position = seg.sizeBytes;
    try {
      this.dir.append(seg.logPath, batch);
      if (this.config.fsync === 'always' || (this.config.fsync === 'interval' && now - this.lastSyncMs >= this.config.fsyncIntervalMs)) {
        this.dir.sync(seg.logPath);
        this.lastSyncMs = now;
        this.syncedBytes = position + batch.length;
      }
    } catch (e) {
      this.dir.truncate(seg.logPath, position);
      if (isDiskFull(e)) throw new DiskFullError(this.topic, this.partition, seg.logPath, `appending ${recs.length} record(s)`, e);
      throw e;
    }
    seg.onAppend(readBatchHeader(batch, 0)!, position, this.config.indexIntervalBytes);
    return base;
  }

  /** fdatasync the active segment now (for fsync `interval`/`never`). */
  flush(): void {
    this.ensureOpen();
    this.dir.sync(this.active.logPath);
    this.lastSyncMs = this.clock.now();
    this.syncedBytes = this.active.sizeBytes;
  }

  /**
   * With fsync `interval`: fdatasync now if appends arrived since the last
   * sync and `fsyncIntervalMs` has passed (what a timer calls while producers
   * are idle). Returns whether it synced. O(1).
   */
  syncIfDue(): boolean {
    this.ensureOpen();
    if (this.config.fsync !== 'interval' || this.active.sizeBytes === this.syncedBytes) return false;
    if (this.clock.now() - this.lastSyncMs < this.config.fsyncIntervalMs) return false;
    this.flush();
    return true;
  }

  /**
   * Seal the active segment (sync it, write its indexes, advance the recovery
   * point) and start a new one at the log end offset. No-op when the active
   * segment is empty. O(index entries).
   */
  roll(): void {
    this.ensureOpen();
    const act = this.active;
    if (act.sizeBytes === 0) return;
    this.markDirty();
    const seg = new Segment(this.path, act.nextOffset, this.clock.now());
    this.io(act.logPath, 'sealing a segment', () => {
      this.dir.sync(act.logPath);
      act.persistIndexes(this.dir);
      this.dir.append(seg.logPath, new Uint8Array(0));
    });
    this.segments.push(seg);
    this.syncedBytes = 0;
    this.recoveryPoint = seg.baseOffset;
    this.io(`${this.path}/partition.json`, 'recording a sealed segment', () => this.writeMeta(false));
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /**
   * Up to `maxRecords` records with offset ≥ `offset`, in offset order; an
   * offset below the log start reads from the log start, one in a compaction
   * gap continues at the next retained record. Every batch read is checked
   * against its CRC (SegmentCorruptionError otherwise). Keys and values are
   * views into a fresh read buffer. O(log segments + bytes read).
   */
  read(offset: number, maxRecords: number): StoredRecord[] {
    this.ensureOpen();
    requireInt('offset', offset, 0);
    requireInt('maxRecords', maxRecords, 1);
    const from = Math.max(offset, this.startOffset);
    if (from >= this.nextOffset) return [];
    return readSegmentRecords(this.dir, this.segments, this.segmentIndexFor(from), from, maxRecords, this.topic, this.partition);
  }

  /**
   * CRC-checked batches holding the records with offset ≥ `offset` (clamped
   * to the log start; compaction gaps skipped), at most `maxRecords` records
   * in all, read through `fetch`: one read call fills it with up to its
   * capacity of the segment, and batches already in it are not read again.
   * Returns only batches from one fill of `fetch` (so every view returned is
   * valid together); the views stay readable until `fetch` is refilled by the
   * next call. Every batch returned has passed its CRC-32C check
   * (SegmentCorruptionError otherwise, naming segment, byte and offset).
   * O(log segments + bytes read).
   */
  readBatches(offset: number, maxRecords: number, fetch: FetchBuffer): RecordBatchView[] {
    this.ensureOpen();
    requireInt('offset', offset, 0);
    requireInt('maxRecords', maxRecords, 1);
    if (!isInstance(fetch, FetchBuffer)) throw new InvalidArgumentError('fetch', fetch, 'a FetchBuffer (new FetchBuffer())');
    const from = Math.max(offset, this.startOffset);
    return readSegmentBatches(this.dir, this.segments, this.segmentIndexFor(from), from, maxRecords, fetch, this.topic, this.partition);
  }

  /**
   * The earliest offset whose batch has a timestamp ≥ `timestampMs`
   * (Kafka's ListOffsets by time), or the log end offset if none.
   * InvalidArgumentError unless `timestampMs` is a finite number. O(log n).
   */
  offsetForTime(timestampMs: number): number {
    this.ensureOpen();
    requireNumber('timestampMs', timestampMs, -Number.MAX_VALUE);
    for (const seg of this.segments) {
      if (seg.maxTimestampMs >= timestampMs) {
        const last = seg.offsetReachingTime(timestampMs);
        if (last !== null) {
          const recs = this.read(Math.max(seg.baseOffset, this.startOffset), Math.max(1, last - seg.baseOffset + 1));
          for (const r of recs) if (r.timestampMs >= timestampMs) return r.offset;
        }
      }
    }
    return this.nextOffset;
  }

  /**
   * Advance the log start offset to `offset` (never backwards, never past the
   * end) and delete the segments wholly below it. O(segments).
   */
  advanceStartOffset(offset: number): void {
    this.ensureOpen();
    requireInt('offset', offset, 0);
    const target = Math.min(offset, this.nextOffset);
    if (target <= this.startOffset) return;
    this.markDirty();
    let n = 0;
    while (n < this.segments.length - 1 && (this.segments[n] as Segment).nextOffset <= target) n++;
    this.dropOldest(n, target);
  }

  /**
   * Delete closed segments from the oldest while `shouldDelete` says so;
   * never the active one. Advances the log start offset past them. Returns the
   * number deleted. O(segments).
   */
  deleteOldSegments(shouldDelete: (seg: { baseOffset: number; nextOffset: number; sizeBytes: number; maxTimestampMs: number }, index: number) => boolean): number {
    this.ensureOpen();
    if (typeof shouldDelete !== 'function') throw new InvalidArgumentError('shouldDelete', shouldDelete, 'a function (segment, index) => boolean');
    // Every answer is had (and checked) before anything is deleted.
    let n = 0;
    for (;;) {
      if (n >= this.segments.length - 1) break;
      const answer: unknown = shouldDelete(this.segments[n] as Segment, n);
      if (typeof answer !== 'boolean') throw new InvalidArgumentError('shouldDelete(segment)', answer, 'true or false');
      if (!answer) break;
      n++;
    }
    if (n === 0) return 0;
    this.markDirty();
    this.dropOldest(n, (this.segments[n] as Segment).baseOffset);
    return n;
  }

  /**
   * Move the log start to `start` (at least the base of segment `n`) and
   * delete the `n` oldest segments: partition.json first, the files after, so
   * a crash in between leaves segments wholly below the recorded start (removed
   * at the next open), never a log start below its first segment. O(n).
   */
  private dropOldest(n: number, start: number): void {
    const keep = this.segments[n] as Segment;
    const before = this.startOffset;
    this.startOffset = Math.max(this.startOffset, start, keep.baseOffset);
    try {
      this.io(`${this.path}/partition.json`, 'advancing the log start', () => this.writeMeta(false));
    } catch (e) {
      this.startOffset = before;
      throw e;
    }
    for (const seg of this.segments.splice(0, n)) seg.remove(this.dir);
  }

  /** Internal access for compaction: the closed segments and a way to replace one. */
  closedSegments(): readonly Segment[] {
    return this.segments.slice(0, -1);
  }

  /** Read a whole segment's bytes (compaction). */
  readSegment(seg: Segment): Buffer {
    this.ensureOpen();
    if (!this.segments.includes(seg)) throw new InvalidArgumentError('segment', seg, "one of this log's segments (closedSegments())");
    return this.dir.read(seg.logPath, 0, seg.sizeBytes);
  }

  /**
   * Replace closed segment `seg` with `batches` (compaction output, in
   * offset order, each keeping its base offset): a batch after removed
   * records is marked `GAP_BEFORE`. The output and its indexes are written
   * beside the segment (`.cleaned`), synced, and swapped in by renaming the
   * log file (the commit point; `loadSegments` undoes or finishes a swap a
   * crash interrupted). An empty result leaves an empty segment that keeps
   * the offset range, so offsets stay contiguous across segments. On a full
   * disk the side files are removed and the segment is unchanged
   * (DiskFullError). O(bytes).
   */
  replaceSegment(seg: Segment, batches: readonly Buffer[]): void {
    this.ensureOpen();
    const i = this.segments.indexOf(seg);
    if (i < 0 || i >= this.segments.length - 1) throw new InvalidArgumentError('segment', seg, "one of this log's closed segments (closedSegments())");
    const list = readArray('batches', batches, 'an array of encoded batches (Buffers), in offset order, within the segment');
    let floor = seg.baseOffset;
    list.forEach((b, j) => {
      const where = `batches[${j}]`;
      if (!isInstance(b, Buffer)) throw new InvalidArgumentError(where, b, 'a Buffer holding one encoded batch');
      const problem = checkBatch(b, 0);
      const h = problem === null ? readBatchHeader(b, 0) : null;
      if (h === null || h.sizeBytes !== b.length) throw new InvalidArgumentError(where, b, `exactly one valid batch (${problem ?? 'trailing bytes after the batch'})`);
      if (h.baseOffset < floor || h.baseOffset + h.lastOffsetDelta >= seg.nextOffset) throw new InvalidArgumentError(`${where} base offset`, h.baseOffset, `offsets in [${floor}, ${seg.nextOffset}), increasing across batches`);
      floor = h.baseOffset + h.lastOffsetDelta + 1;
    });
    batches = list as Buffer[];
    this.markDirty();
    const side = `${seg.logPath}${CLEANED}`;
    const fresh = this.io(side, 'writing a compacted segment', () => writeSwap(this.dir, seg, batches, this.config.indexIntervalBytes));
    commitSwap(this.dir, seg);
    seg.adopt(fresh);
  }

  /**
   * Sync, write the active segment's indexes and mark the shutdown clean
   * (nothing is written when nothing changed since a clean open). The log is
   * unusable afterwards, also when this throws (a full disk: the next open
   * recovers as after a crash).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.dirty) return;
    const act = this.active;
    this.io(act.logPath, 'closing the log', () => {
      this.dir.sync(act.logPath);
      act.persistIndexes(this.dir);
      this.recoveryPoint = act.baseOffset;
      this.writeMeta(true);
    });
  }

  /**
   * Read every byte of the log and report every problem found (structure,
   * CRC-32C, base offsets, record framing, indexes, contiguity; see
   * partition-verify.ts) without stopping at the first. Writes nothing.
   * O(bytes of the log).
   */
  verify(): PartitionVerifyResult {
    this.ensureOpen();
    return verifySegments(this.dir, this.segments, this.startOffset);
  }

  /** Throws InvariantError unless segments are ordered and disjoint and offsets are consistent. O(segments + index entries). */
  checkInvariants(): void {
    invariant(this.segments.length > 0, `${this.path}: no segments`);
    invariant(this.startOffset <= this.nextOffset, `${this.path}: log start ${this.startOffset} past the end ${this.nextOffset}`);
    for (let i = 0; i < this.segments.length; i++) {
      const s = this.segments[i] as Segment;
      s.checkInvariants();
      invariant(this.dir.size(s.logPath) === s.sizeBytes, () => `${s.logPath}: file is ${this.dir.size(s.logPath)} bytes, index says ${s.sizeBytes}`);
      const next = this.segments[i + 1];
      if (next !== undefined) invariant(s.nextOffset <= next.baseOffset, `${s.logPath}: overlaps the next segment`);
    }
  }
}
