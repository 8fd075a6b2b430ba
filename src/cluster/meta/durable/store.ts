/**
 * The durable metadata store of `shardkit meta`: the in-memory store over a
 * data directory that holds
 *
 * - `meta.log`: an append-only log of committed calls (./codec.ts records in
 *   ./frame.ts frames, CRC-32C each). A call is written and fsync'ed before it
 *   is applied, so nothing a client was told, and nothing a reader saw, is
 *   lost on kill -9. Writes are synchronous: while one is on its way to disk
 *   no other call runs, which keeps the order of the log the order of the
 *   store (metadata writes are few; the cost is one fsync per write).
 * - `meta.snapshot`: the state after some record, written atomically (temp
 *   file, fsync, rename, fsync of the directory) once the log passes
 *   `snapshotLogBytes`; then the log starts again empty.
 * - `shardkit-log.lock.*`: one owner per directory, the log's lock
 *   (src/log/storage/dir-lock.ts: O_EXCL owner files and link()ed
 *   generations, so a takeover is decided by one atomic step).
 *
 * Recovery reads the snapshot, then replays the log records after it. A torn
 * last record (a write cut short by the crash) is cut off, and said so;
 * damage anywhere else is a CorruptionError and the directory is left as it
 * is, never silently shortened. Leases come back with a full TTL from the
 * restart (MetaCore.restore says why); renewals are not logged.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CorruptionError, InvariantError, StateError } from '../../../errors.js';
import { type Clock, systemClock } from '../../../util/clock.js';
import { MetaCore, type MetaEffect, type MetaLimits } from '../core.js';
import { MemoryMetaStore } from '../memory.js';
import { decodeRecord, decodeSnapshot, encodeRecord, encodeSnapshot } from './codec.js';
import { frame, scanFrames } from './frame.js';
import { DirectoryLock } from '../../../log/storage/dir-lock.js';

export const META_LOG_FILE = 'meta.log';
export const META_SNAPSHOT_FILE = 'meta.snapshot';

export interface DurableMetaOptions {
  readonly clock?: Clock;
  readonly limits?: Partial<MetaLimits>;
  /** Write a snapshot and start the log again once it is this long. Default 4 MiB. */
  readonly snapshotLogBytes?: number;
  /** See MemoryMetaStoreOptions.tickIntervalMs. */
  readonly tickIntervalMs?: number;
}

/** What recovery found. */
export interface RecoveryReport {
  readonly snapshotRevision: number;
  readonly recordsReplayed: number;
  /** Bytes of a torn last record cut off the log (0: none). */
  readonly tornBytesCut: number;
  readonly revision: number;
}

/** An open durable store: the store, what recovery found, and close (which releases the directory). */
export interface DurableMetaStore {
  readonly store: MemoryMetaStore;
  readonly recovery: RecoveryReport;
  close(): Promise<void>;
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write `bytes` to `dir/name` atomically: temp file, fsync, rename, fsync of the directory. */
function writeAtomic(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, join(dir, name));
  syncDir(dir);
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The append side of the log. Any failed write breaks it for good: the service must stop. */
class MetaLog {
  private fd: number;
  private broken: unknown;
  bytes: number;
  seq: number;

  constructor(
    private readonly dir: string,
    bytes: number,
    seq: number,
  ) {
    this.fd = fs.openSync(join(dir, META_LOG_FILE), 'r+');
    this.bytes = bytes;
    this.seq = seq;
  }

  append(effects: readonly MetaEffect[]): void {
    if (this.broken !== undefined) throw new StateError('the metadata log failed earlier; restart the service', { code: 'STORAGE_FAILED', cause: this.broken });
    const buf = frame(encodeRecord({ seq: this.seq + 1, effects }));
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off, this.bytes + off);
      fs.fsyncSync(this.fd);
    } catch (e) {
      // After a failed write or fsync the page cache may not match the disk: stop writing.
      this.broken = e;
      throw new StateError(`writing the metadata log failed: ${(e as Error).message}`, { code: 'STORAGE_FAILED', cause: e });
    }
    this.bytes += buf.length;
    this.seq++;
  }

  /** Start again with an empty log (after a snapshot that holds everything up to `seq`). */
  restart(): void {
    try {
      writeAtomic(this.dir, META_LOG_FILE, new Uint8Array(0));
      const fresh = fs.openSync(join(this.dir, META_LOG_FILE), 'r+');
      fs.closeSync(this.fd);
      this.fd = fresh;
      this.bytes = 0;
    } catch (e) {
      this.broken = e;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Rebuild the core from the snapshot and log of `dir`; cuts a torn log tail. */
function recover(dir: string, core: MetaCore): { report: RecoveryReport; logBytes: number; seq: number } {
  let lastSeq = 0;
  const snapBytes = readIfExists(join(dir, META_SNAPSHOT_FILE));
  if (snapBytes !== undefined) {
    const scan = scanFrames(snapBytes, META_SNAPSHOT_FILE);
    if (scan.tornTail || scan.payloads.length !== 1) throw new CorruptionError(`${META_SNAPSHOT_FILE}: expected one whole record, found ${scan.payloads.length}${scan.tornTail ? ' and a torn one' : ''}`);
    const snap = decodeSnapshot(scan.payloads[0] as Buffer, META_SNAPSHOT_FILE);
    core.restore(snap.state);
    lastSeq = snap.lastSeq;
  }
  const snapshotRevision = core.revision;
  const logFile = join(dir, META_LOG_FILE);
  let log = readIfExists(logFile);
  if (log === undefined) {
    writeAtomic(dir, META_LOG_FILE, new Uint8Array(0));
    log = Buffer.alloc(0);
  }
  const scan = scanFrames(log, META_LOG_FILE);
  let replayed = 0;
  let offset = 0;
  for (const payload of scan.payloads) {
    const what = `${META_LOG_FILE} record at offset ${offset}`;
    offset += payload.length + 12;
    const rec = decodeRecord(payload, what);
    if (rec.seq <= lastSeq) continue; // already in the snapshot (a crash between snapshot and log restart)
    if (rec.seq !== lastSeq + 1) throw new CorruptionError(`${what}: sequence ${rec.seq} follows ${lastSeq}; records are missing`);
    try {
      core.apply(rec.effects);
    } catch (e) {
      if (e instanceof InvariantError) throw new CorruptionError(`${what}: does not apply to the recovered state: ${e.message}`, { cause: e });
      throw e;
    }
    lastSeq = rec.seq;
    replayed++;
  }
  const torn = log.length - scan.validBytes;
  if (scan.tornTail) {
    const fd = fs.openSync(logFile, 'r+');
    try {
      fs.ftruncateSync(fd, scan.validBytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  core.checkInvariants();
  return { report: { snapshotRevision, recordsReplayed: replayed, tornBytesCut: torn, revision: core.revision }, logBytes: scan.validBytes, seq: lastSeq };
}

/**
 * Open (or create) the metadata store in `dir`: lock, recover, and return the
 * store. StateError DIRECTORY_LOCKED when another live process owns `dir`;
 * CorruptionError when the files are damaged (nothing is changed then).
 */
export function openDurableMetaStore(dir: string, options: DurableMetaOptions = {}): DurableMetaStore {
  fs.mkdirSync(dir, { recursive: true });
  const lock = DirectoryLock.acquire(dir);
  try {
    for (const f of fs.readdirSync(dir)) if (f === `${META_LOG_FILE}.tmp` || f === `${META_SNAPSHOT_FILE}.tmp`) fs.rmSync(join(dir, f));
    const clock = options.clock ?? systemClock;
    const core = new MetaCore(clock, options.limits);
    const { report, logBytes, seq } = recover(dir, core);
    const log = new MetaLog(dir, logBytes, seq);
    const snapshotLogBytes = options.snapshotLogBytes ?? 4 * 1024 * 1024;
    const store = new MemoryMetaStore({
      clock,
      core,
      tickIntervalMs: options.tickIntervalMs,
      durable: {
        persist: (effects) => log.append(effects),
        applied: () => {
          if (log.bytes < snapshotLogBytes) return;
          try {
            writeAtomic(dir, META_SNAPSHOT_FILE, frame(encodeSnapshot({ lastSeq: log.seq, state: core.state() })));
          } catch {
            return; // the log still holds everything; the next write tries again
          }
          log.restart();
        },
      },
    });
    let closed = false;
    return {
      store,
      recovery: report,
      close: async () => {
        if (closed) return;
        closed = true;
        await store.close();
        log.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
