/**
 * The node's store: an LMDB environment (npm `lmdb`) under the node's data
 * directory as the view, and a write-ahead log beside it for durability, with
 * group commit and acknowledgement only after durability.
 *
 * Key layout: a 4-byte big-endian partition number, then the key's bytes, so
 * the keys of one partition are contiguous and a partition is scanned,
 * counted, copied or deleted as one range (the rebalancing issue's moves).
 * Under range placement partition numbers follow key order, so the whole
 * store is in UTF-8 byte order of keys too.
 *
 * A write goes at once into an in-memory overlay (reads see it, in command
 * order) and into the log buffer. Once per event-loop turn the buffer is
 * appended to the log as one checksummed frame (group commit: every write of
 * the turn shares one write(2) and, with fsync `always`, one fdatasync; while
 * a sync runs, the next frames queue behind it and share the next one). A
 * write's sequence number is durable once its frame is written (`interval`,
 * `never`: in the OS, so a killed process loses nothing) or synced
 * (`always`). `interval` syncs the log every `syncIntervalMs` (1 s, as
 * Redis's appendfsync everysec).
 *
 * Durable writes are then applied to LMDB in large batches, one at a time
 * (once APPLY_MIN_WRITES wait, or APPLY_DELAY_MS after the first), on
 * LMDB's write thread, which is what makes the store cheap: LMDB rewrites a
 * whole page per key touched in a commit, so a commit per group of 16 writes
 * costs a page write and an fsync per write. An entry leaves the overlay when its
 * batch has committed. Once LMDB has flushed a batch, log files whose writes
 * it covers are deleted. Opening replays every log file left into LMDB, in
 * order (replaying a write LMDB already has is harmless: later ones follow),
 * then deletes them. A torn last frame of the newest file (a frame is written
 * whole before any of its writes is acknowledged) is cut, its bytes kept in a
 * `.torn-at-<offset>` file; any other bad frame is damage and the store
 * refuses to open (CorruptionError with the file and offset), changing
 * nothing.
 *
 * Reads need only wait for the write they observe: `get` records the
 * sequence number of the overlay entry it returned (`observedSeq`), and the
 * connection releases a reply once that and the command's own writes are
 * durable. A value read from LMDB is durable already (applied only after).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { CorruptionError, InvalidArgumentError, StateError } from '../../errors.js';
import { crc32cRange } from '../../hash/crc32c-bytes.js';

/** When a write is acknowledged. */
export type FsyncMode = 'always' | 'interval' | 'never';

/** The modes, for validation at the edge. */
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'interval', 'never'];

/** Options of a NodeStore. */
export interface NodeStoreOptions {
  readonly path: string;
  /**
   * `always` (default): acknowledge after the log frame holding the write is
   * synced to disk. `interval`: acknowledge once the frame is written (a
   * process kill loses nothing); the log is synced every `syncIntervalMs`, so
   * a power loss may lose the writes of the last interval. `never`: the log
   * is never synced (the OS writes back); LMDB runs with noSync.
   */
  readonly fsync?: FsyncMode;
  /** With fsync `interval`: how often the log is synced (default 1000 ms). */
  readonly syncIntervalMs?: number;
  /** Largest LMDB map (file) size in bytes; default 64 GiB (sparse). */
  readonly mapSizeBytes?: number;
  /** A log file is closed and a new one started past this size (default 64 MiB). */
  readonly logFileBytes?: number;
  /**
   * At most this many durable writes wait to be applied to LMDB (they live in
   * memory, in the overlay); past it acknowledgements wait for LMDB, which
   * slows writers down to its pace. Default 262,144.
   */
  readonly maxUnapplied?: number;
  /**
   * Called once if a log write, sync or LMDB commit fails. Writes queued then
   * are never acknowledged (their replies would claim a durability they do not
   * have), so the owner should stop serving: the node process exits.
   */
  readonly onFailure?: (error: Error) => void;
}

/** Largest key LMDB takes (lmdb-js builds with 1978-byte keys), minus our 4-byte prefix. */
export const MAX_KEY_BYTES = 1978 - 4;

/** Group-commit statistics (INFO shardkit): one batch is one log frame. */
export interface CommitStats {
  readonly batches: number;
  readonly writes: number;
  readonly maxBatch: number;
  /** Batches by size: [1], [2-3], [4-15], [16-63], [64-255], [256+]. */
  readonly histogram: readonly number[];
  /** Log syncs (fdatasync) so far. */
  readonly syncs: number;
  /** LMDB transactions that applied durable writes, and the largest. */
  readonly applied: number;
  readonly maxApplied: number;
}

const BUCKET_FLOORS = [2, 4, 16, 64, 256];
const FRAME_HEADER = 8;
const RECORD_HEADER = 7;
const PUT = 1;
const DEL = 0;
const LOG_PREFIX = 'wal-';
const LOG_SUFFIX = '.log';
/**
 * Durable writes are applied to LMDB once this many wait, or this long after
 * the first of them: a commit costs about a page write per key it touches, so
 * larger, rarer commits cost less per write (reads meanwhile hit the overlay).
 */
const APPLY_MIN_WRITES = 16384;
const APPLY_DELAY_MS = 100;

interface Pending {
  /** `key` as a latin1 string: the overlay's key. */
  readonly k: string;
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly seq: number;
}

interface LogFile {
  readonly name: string;
  /** Sequence number of the last write in it (0 when none). */
  lastSeq: number;
}

/** Encoded records of the writes not yet written to the log (grows by doubling). */
class FrameBuffer {
  buf = Buffer.allocUnsafe(64 * 1024);
  len = FRAME_HEADER;

  add(key: Buffer, value: Buffer | null): void {
    const need = RECORD_HEADER + key.length + (value === null ? 0 : value.length);
    if (this.len + need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + need));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    const b = this.buf;
    let o = this.len;
    b[o] = value === null ? DEL : PUT;
    b.writeUInt16BE(key.length, o + 1);
    b.writeUInt32BE(value === null ? 0 : value.length, o + 3);
    o += RECORD_HEADER;
    b.set(key, o);
    o += key.length;
    if (value !== null) {
      b.set(value, o);
      o += value.length;
    }
    this.len = o;
  }

  get empty(): boolean {
    return this.len === FRAME_HEADER;
  }

  /** The frame (header filled in) over what was added; the buffer is then reset. */
  seal(): Buffer {
    const b = this.buf;
    b.writeUInt32BE(this.len - FRAME_HEADER, 0);
    b.writeUInt32BE(crc32cRange(b, FRAME_HEADER, this.len), 4);
    const frame = b.subarray(0, this.len);
    this.buf = b.length > 1024 * 1024 ? Buffer.allocUnsafe(64 * 1024) : Buffer.allocUnsafe(b.length);
    this.len = FRAME_HEADER;
    return frame;
  }
}

interface LogWrite {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** True when a whole, checksummed frame starts at `o`. */
function frameAt(bytes: Buffer, o: number): boolean {
  if (o + FRAME_HEADER > bytes.length) return false;
  const len = bytes.readUInt32BE(o);
  const end = o + FRAME_HEADER + len;
  return len >= RECORD_HEADER && end <= bytes.length && crc32cRange(bytes, o + FRAME_HEADER, end) === bytes.readUInt32BE(o + 4);
}

/**
 * The writes of one log file, in order, checked. A bad frame (a header cut
 * short, a length running past the end, a checksum that does not match) is
 * a **torn tail** only in the newest file and only when no intact frame
 * follows it anywhere: the frame the process was writing when it stopped,
 * never acknowledged with `always`. Anything else — a bad frame followed by
 * an intact one, any bad frame in an older (sealed) file, records that do not
 * fill their frame exactly — is damage: CorruptionError naming the file and
 * the offset, and nothing is replayed or deleted. O(file); the search for an
 * intact frame after a bad one is O(bytes after it × frame size) at worst.
 */
function readLog(file: string, newest: boolean): { writes: LogWrite[]; tornAt?: number } {
  const bytes = fs.readFileSync(file);
  const writes: LogWrite[] = [];
  const name = path.basename(file);
  let o = 0;
  while (o < bytes.length) {
    if (!frameAt(bytes, o)) {
      let next = -1;
      for (let p = o + 1; p + FRAME_HEADER <= bytes.length; p++) {
        if (frameAt(bytes, p)) {
          next = p;
          break;
        }
      }
      if (newest && next < 0) return { writes, tornAt: o };
      const why = o + FRAME_HEADER > bytes.length ? 'a frame header cut short' : bytes.readUInt32BE(o) + FRAME_HEADER + o > bytes.length ? 'a frame length that runs past the end of the file' : 'a frame whose checksum does not match';
      const after = next >= 0 ? `, followed by an intact frame at offset ${next}` : ' in a sealed (not the newest) log file';
      throw new CorruptionError(`node write-ahead log ${name}: ${why} at offset ${o}${after}; acknowledged writes may be behind it, so the store does not open (nothing was changed; the file is left as it is)`);
    }
    const end = o + FRAME_HEADER + bytes.readUInt32BE(o);
    let r = o + FRAME_HEADER;
    while (r < end) {
      const op = bytes[r] as number;
      const keyLen = r + RECORD_HEADER <= end ? bytes.readUInt16BE(r + 1) : -1;
      const valueLen = r + RECORD_HEADER <= end ? bytes.readUInt32BE(r + 3) : -1;
      const valueStart = r + RECORD_HEADER + keyLen;
      if (keyLen < 0 || (op !== PUT && op !== DEL) || valueStart + valueLen > end) {
        throw new CorruptionError(`node write-ahead log ${name}: the frame at offset ${o} has a malformed record at offset ${r} (its checksum matched: written so by a different version?); the store does not open`);
      }
      const key = bytes.subarray(r + RECORD_HEADER, valueStart);
      writes.push({ key, value: op === PUT ? bytes.subarray(valueStart, valueStart + valueLen) : null });
      r = valueStart + valueLen;
    }
    o = end;
  }
  return { writes };
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The store of one node. Single-threaded use from the node's event loop. */
export class NodeStore {
  /**
   * Called with every write as it is queued (before it is durable), in
   * order: the change streams of moves out of this node (./move-sessions.ts).
   * Must not throw or write.
   */
  writeTap: ((key: Buffer, value: Buffer | null) => void) | undefined;
  private readonly overlay = new Map<string, Pending>();
  private frame = new FrameBuffer();
  private flushScheduled = false;
  /** Written to the log, waiting for a sync (always) before they are durable. */
  private unsynced: Pending[] = [];
  private syncing = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private writtenSinceSync = false;
  /** Durable, waiting to be applied to LMDB. */
  private unapplied: Pending[] = [];
  private applying = false;
  private applyTimer: NodeJS.Timeout | undefined;
  /** drain() or close() waits: apply at once, however few writes wait. */
  private draining = false;
  private appliedSeq = 0;
  private closed = false;
  private failure: Error | undefined;
  private lastSeqValue = 0;
  private loggedSeq = 0;
  private logDurableSeq = 0;
  private durableSeqValue = 0;
  private observed = 0;
  private readonly waiters: Array<{ seq: number; cb: () => void }> = [];
  private idleWaiters: Array<() => void> = [];
  private stats = { batches: 0, writes: 0, maxBatch: 0, histogram: [0, 0, 0, 0, 0, 0], syncs: 0, applied: 0, maxApplied: 0 };
  private logFd: number;
  private logBytes = 0;
  private readonly logFiles: LogFile[] = [];
  private nextLogNumber: number;

  private constructor(
    private readonly db: RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>,
    readonly fsync: FsyncMode,
    private readonly dir: string,
    firstLogNumber: number,
    private readonly logFileBytes: number,
    private readonly maxUnapplied: number,
    syncIntervalMs: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.nextLogNumber = firstLogNumber;
    this.logFd = this.startLogFile();
    if (fsync === 'interval') {
      this.syncTimer = setInterval(() => this.intervalSync(), syncIntervalMs);
      this.syncTimer.unref();
    }
  }

  /** Open (or create) the store at `path`, replaying the write-ahead log left by the last run. */
  static open(options: NodeStoreOptions): NodeStore {
    const fsync = options.fsync ?? 'always';
    if (!FSYNC_MODES.includes(fsync)) throw new InvalidArgumentError('fsync', fsync, FSYNC_MODES.join(', '));
    const syncIntervalMs = options.syncIntervalMs ?? 1000;
    if (!Number.isInteger(syncIntervalMs) || syncIntervalMs < 1) throw new InvalidArgumentError('syncIntervalMs', syncIntervalMs, 'an integer ≥ 1 (milliseconds)');
    const db = open<Buffer, Buffer>({
      path: options.path,
      keyEncoding: 'binary',
      encoding: 'binary',
      mapSize: options.mapSizeBytes ?? 64 * 1024 ** 3,
      noSync: fsync === 'never',
      compression: false,
    }) as RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>;
    const logs = fs
      .readdirSync(options.path)
      .filter((f) => f.startsWith(LOG_PREFIX) && f.endsWith(LOG_SUFFIX))
      .map((f) => ({ name: f, n: Number(f.slice(LOG_PREFIX.length, -LOG_SUFFIX.length)) }))
      .filter((f) => Number.isSafeInteger(f.n))
      .sort((a, b) => a.n - b.n);
    if (logs.length > 0) {
      // Every file is read and checked before anything is applied: damage leaves LMDB and the logs as they were.
      let read: { writes: LogWrite[]; tornAt?: number }[];
      try {
        read = logs.map((f, i) => readLog(path.join(options.path, f.name), i === logs.length - 1));
      } catch (e) {
        db.close();
        throw e;
      }
      // One synchronous LMDB commit (flushed before it returns), then the logs are no longer needed.
      db.transactionSync(() => {
        for (const r of read) {
          for (const { key, value } of r.writes) {
            if (value === null) db.removeSync(key);
            else db.putSync(key, value);
          }
        }
      });
      const torn = read.at(-1)?.tornAt;
      const last = logs.at(-1) as { name: string };
      if (torn !== undefined) {
        // Keep the cut bytes beside the data, then say so.
        const file = path.join(options.path, last.name);
        const copy = `${file}.torn-at-${torn}`;
        fs.writeFileSync(copy, fs.readFileSync(file).subarray(torn));
        process.stderr.write(`node store ${options.path}: cut a torn last frame of ${last.name} at offset ${torn} (never acknowledged with fsync always); its bytes are kept in ${path.basename(copy)}\n`);
      }
      for (const f of logs) fs.rmSync(path.join(options.path, f.name));
    }
    const onFailure = options.onFailure ?? ((e: Error) => process.stderr.write(`store failed: ${e.message}\n`));
    const first = logs.length > 0 ? (logs[logs.length - 1] as { n: number }).n + 1 : 1;
    return new NodeStore(db, fsync, options.path, first, options.logFileBytes ?? 64 * 1024 * 1024, options.maxUnapplied ?? 262_144, syncIntervalMs, onFailure);
  }

  /** Sequence number of the last write accepted. */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  /** Every write up to this sequence number is durable (per the fsync mode) and may be acknowledged. */
  get durableSeq(): number {
    return this.durableSeqValue;
  }

  /**
   * The highest sequence number a reply written since the last `resetObserved`
   * depends on: writes made, overlay entries read, and every write so far
   * after a `range` or `count` (which merge the whole overlay).
   */
  get observedSeq(): number {
    return this.observed;
  }

  /** Start a new observation (before a command, or a run of commands replied together). */
  resetObserved(): void {
    this.observed = 0;
  }

  /** The stored record of `key` (overlay first), or undefined. O(log n). */
  get(key: Buffer): Buffer | undefined {
    const p = this.overlay.size === 0 ? undefined : this.overlay.get(key.toString('latin1'));
    if (p !== undefined) {
      if (p.seq > this.observed) this.observed = p.seq;
      return p.value ?? undefined;
    }
    return this.db.get(key);
  }

  /**
   * Queue a write (`null` deletes); visible at once, durable at the returned
   * sequence number. The store keeps `key` and `value`: the caller must not
   * change them afterwards (pass fresh buffers, not views of a socket chunk).
   */
  write(key: Buffer, value: Buffer | null): number {
    if (this.closed) throw new StateError('store is closed');
    if (this.failure !== undefined) throw new StateError(`store failed: ${this.failure.message}`);
    const seq = ++this.lastSeqValue;
    const p: Pending = { k: key.toString('latin1'), key, value, seq };
    this.overlay.set(p.k, p);
    this.frame.add(key, value);
    this.unsynced.push(p);
    this.observed = seq;
    this.writeTap?.(key, value);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushLog());
    }
    return seq;
  }

  /** Call `cb` once `durableSeq` ≥ seq (at once if it already is). Callbacks run in seq order. */
  whenDurable(seq: number, cb: () => void): void {
    if (seq <= this.durableSeqValue) return cb();
    this.waiters.push({ seq, cb });
  }

  private fail(e: Error): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.onFailure(e);
  }

  private startLogFile(): number {
    const name = `${LOG_PREFIX}${String(this.nextLogNumber++).padStart(12, '0')}${LOG_SUFFIX}`;
    const fd = fs.openSync(path.join(this.dir, name), 'a');
    if (this.fsync === 'always') fsyncDir(this.dir);
    this.logFiles.push({ name, lastSeq: 0 });
    this.logBytes = 0;
    return fd;
  }

  /** Append the writes of this turn to the log as one frame. */
  private flushLog(): void {
    this.flushScheduled = false;
    if (this.frame.empty || this.failure !== undefined) return;
    const frame = this.frame.seal();
    const writes = this.lastSeqValue - this.loggedSeq;
    try {
      let off = 0;
      while (off < frame.length) off += fs.writeSync(this.logFd, frame, off);
    } catch (e) {
      return this.fail(e as Error);
    }
    this.record(writes);
    this.loggedSeq = this.lastSeqValue;
    (this.logFiles[this.logFiles.length - 1] as LogFile).lastSeq = this.loggedSeq;
    this.logBytes += frame.length;
    this.writtenSinceSync = true;
    if (this.logBytes >= this.logFileBytes && !this.syncing) return this.rollLog();
    if (this.fsync === 'always') this.startSync();
    else this.logDurable(this.loggedSeq);
  }

  /**
   * Sync and close the current log file and start the next (never while an
   * asynchronous sync runs on its descriptor). Everything logged is then durable.
   */
  private rollLog(): void {
    const fd = this.logFd;
    try {
      if (this.fsync !== 'never') fs.fdatasyncSync(fd);
      fs.closeSync(fd);
      this.logFd = this.startLogFile();
    } catch (e) {
      return this.fail(e as Error);
    }
    this.writtenSinceSync = false;
    this.logDurable(this.loggedSeq);
  }

  private startSync(): void {
    if (this.syncing) return;
    this.syncing = true;
    const upTo = this.loggedSeq;
    this.writtenSinceSync = false;
    fs.fdatasync(this.logFd, (err) => {
      this.syncing = false;
      if (err) return this.fail(err);
      this.stats.syncs++;
      if (this.fsync === 'always') this.logDurable(upTo);
      if (this.logBytes >= this.logFileBytes) this.rollLog();
      else if (this.fsync === 'always' && this.loggedSeq > upTo) this.startSync();
      this.settleIdle();
    });
  }

  private intervalSync(): void {
    if (this.writtenSinceSync && !this.closed) this.startSync();
  }

  /** Writes up to `seq` are durable in the log: move them to LMDB's queue and release what may be acknowledged. */
  private logDurable(seq: number): void {
    this.logDurableSeq = seq;
    let i = 0;
    while (i < this.unsynced.length && (this.unsynced[i] as Pending).seq <= seq) i++;
    if (i === this.unsynced.length) {
      for (const p of this.unsynced) this.unapplied.push(p);
      this.unsynced = [];
    } else {
      for (const p of this.unsynced.splice(0, i)) this.unapplied.push(p);
    }
    this.startApply();
    this.release();
  }

  /** Acknowledge up to the durable log, but at most `maxUnapplied` ahead of LMDB. */
  private release(): void {
    const ack = Math.min(this.logDurableSeq, this.appliedSeq + this.maxUnapplied);
    if (ack <= this.durableSeqValue) return;
    this.durableSeqValue = ack;
    let i = 0;
    while (i < this.waiters.length && (this.waiters[i] as { seq: number }).seq <= ack) i++;
    const ready = this.waiters.splice(0, i);
    for (const w of ready) w.cb();
  }

  private get applyThreshold(): number {
    return this.draining ? 1 : Math.min(APPLY_MIN_WRITES, this.maxUnapplied);
  }

  /** Apply now if enough writes wait (or a drain waits), else once APPLY_DELAY_MS has passed. */
  private startApply(): void {
    if (this.applying || this.unapplied.length === 0 || this.failure !== undefined) return;
    if (this.unapplied.length >= this.applyThreshold) return this.applyNow();
    this.applyTimer ??= setTimeout(() => {
      this.applyTimer = undefined;
      this.applyNow();
    }, APPLY_DELAY_MS);
  }

  private applyNow(): void {
    if (this.applyTimer !== undefined) {
      clearTimeout(this.applyTimer);
      this.applyTimer = undefined;
    }
    if (this.applying || this.unapplied.length === 0 || this.failure !== undefined) return;
    this.applying = true;
    void this.applyLoop();
  }

  private async applyLoop(): Promise<void> {
    do {
      const batch = this.unapplied;
      this.unapplied = [];
      try {
        // Asynchronous puts, applied and committed on LMDB's write thread (lmdb-js makes the puts of one
        // event-loop turn one transaction and gives them one promise), so a large batch does not stall
        // the event loop for the length of its B-tree inserts.
        const commits: Array<Promise<boolean>> = [];
        for (const p of batch) {
          const done = p.value === null ? this.db.remove(p.key) : this.db.put(p.key, p.value);
          if (commits[commits.length - 1] !== done) commits.push(done);
        }
        await Promise.all(commits);
      } catch (e) {
        this.fail(e as Error);
        break;
      }
      this.stats.applied++;
      this.stats.maxApplied = Math.max(this.stats.maxApplied, batch.length);
      for (const p of batch) if (this.overlay.get(p.k) === p) this.overlay.delete(p.k);
      const last = (batch[batch.length - 1] as Pending).seq;
      this.appliedSeq = last;
      this.release();
      void Promise.resolve(this.db.flushed).then(() => this.dropLogsUpTo(last));
    } while (this.unapplied.length > 0 && this.unapplied.length >= this.applyThreshold && this.failure === undefined);
    this.applying = false;
    this.startApply();
    this.settleIdle();
  }

  /** Delete closed log files whose every write LMDB has flushed. */
  private dropLogsUpTo(seq: number): void {
    while (this.logFiles.length > 1 && (this.logFiles[0] as LogFile).lastSeq <= seq) {
      const f = this.logFiles.shift() as LogFile;
      try {
        fs.rmSync(path.join(this.dir, f.name), { force: true });
      } catch (e) {
        this.fail(e as Error);
        return;
      }
    }
  }

  private get busy(): boolean {
    return this.flushScheduled || this.syncing || this.applying || this.unsynced.length > 0 || this.unapplied.length > 0;
  }

  private settleIdle(): void {
    if (this.busy && this.failure === undefined) return;
    this.draining = false;
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const cb of idle) cb();
  }

  private record(size: number): void {
    this.stats.batches++;
    this.stats.writes += size;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, size);
    const bucket = BUCKET_FLOORS.filter((floor) => size >= floor).length;
    this.stats.histogram[bucket] = (this.stats.histogram[bucket] ?? 0) + 1;
  }

  /** Group-commit statistics so far. */
  commitStats(): CommitStats {
    return { ...this.stats, histogram: [...this.stats.histogram] };
  }

  /**
   * Keys (full store keys, prefix included) in [start, end), in order, at most
   * `limit`, skipping `offset` first. Includes overlay writes. O(offset + limit + overlay).
   */
  range(start: Buffer, end: Buffer, limit: number, offset = 0): Array<{ key: Buffer; value: Buffer }> {
    this.observed = this.lastSeqValue;
    const merged = new Map<string, { key: Buffer; value: Buffer | null }>();
    const wanted = offset + limit;
    for (const { key, value } of this.db.getRange({ start, end, limit: wanted + this.overlay.size })) {
      merged.set(key.toString('latin1'), { key, value });
    }
    for (const [k, p] of this.overlay) {
      if (Buffer.compare(p.key, start) >= 0 && Buffer.compare(p.key, end) < 0) merged.set(k, { key: p.key, value: p.value });
    }
    const rows = [...merged.values()].filter((r): r is { key: Buffer; value: Buffer } => r.value !== null);
    rows.sort((a, b) => Buffer.compare(a.key, b.key));
    return rows.slice(offset, wanted);
  }

  /** Number of keys in [start, end) (every key when both are omitted: O(overlay)), overlay included. O(keys in range + overlay). */
  count(start?: Buffer, end?: Buffer): number {
    this.observed = this.lastSeqValue;
    let n = start === undefined ? (this.db.getStats() as { entryCount: number }).entryCount : this.db.getKeysCount({ start, end });
    for (const p of this.overlay.values()) {
      if (start !== undefined && (Buffer.compare(p.key, start) < 0 || Buffer.compare(p.key, end as Buffer) >= 0)) continue;
      const inDb = this.db.doesExist(p.key);
      if (inDb && p.value === null) n--;
      else if (!inDb && p.value !== null) n++;
    }
    return n;
  }

  /** Resolves when every queued write is durable and applied to LMDB. */
  drain(): Promise<void> {
    if (!this.busy || this.failure !== undefined) return Promise.resolve();
    this.draining = true;
    this.applyNow();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flush every queued write and close; the log files LMDB covers are deleted. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushScheduled) this.flushLog();
    if (this.fsync === 'interval' && this.writtenSinceSync) this.startSync();
    await this.drain();
    this.closed = true;
    if (this.syncTimer !== undefined) clearInterval(this.syncTimer);
    await this.db.flushed;
    await this.db.close();
    if (this.failure === undefined) this.dropLogsUpTo(this.appliedSeq);
    try {
      fs.closeSync(this.logFd);
      if (this.failure === undefined && this.appliedSeq === this.loggedSeq) {
        // Every write is in LMDB, flushed: the current log file is not needed either.
        fs.rmSync(path.join(this.dir, (this.logFiles[this.logFiles.length - 1] as LogFile).name), { force: true });
      }
    } catch {
      // Closing: a log file left behind is replayed (harmlessly) at the next open.
    }
  }
}
