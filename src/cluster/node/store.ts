/**
 * The node's store: an LMDB environment (npm `lmdb`) under the node's data
 * directory, with group commit and acknowledgement only after durability.
 *
 * Key layout: a 4-byte big-endian partition number, then the key's bytes, so
 * the keys of one partition are contiguous and a partition is scanned,
 * counted, copied or deleted as one range (the rebalancing issue's moves).
 * Under range placement partition numbers follow key order, so the whole
 * store is in UTF-8 byte order of keys too.
 *
 * Writes are applied at once to an in-memory overlay (reads see them, in
 * command order) and queued; one batch is committed at a time as one LMDB
 * transaction, and every write queued while a batch commits joins the next
 * one (group commit: concurrent writers share one fsync). A write's sequence
 * number becomes durable when its batch is committed and, with fsync
 * `always`, flushed to disk (LMDB's overlapping sync resolves the commit
 * before the flush; we wait for `flushed`). Replies wait for `durableSeq`.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { InvalidArgumentError, StateError } from '../../errors.js';

/** When a write is acknowledged. */
export type FsyncMode = 'always' | 'interval' | 'never';

/** The modes, for validation at the edge. */
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'interval', 'never'];

/** Options of a NodeStore. */
export interface NodeStoreOptions {
  readonly path: string;
  /**
   * `always` (default): acknowledge after the batch is flushed to disk.
   * `interval`: acknowledge at commit; LMDB flushes right after in the
   * background (a process kill loses nothing, a power loss may lose the last
   * commits). `never`: no flushes (LMDB noSync); the OS writes back.
   */
  readonly fsync?: FsyncMode;
  /** Largest LMDB map (file) size in bytes; default 64 GiB (sparse). */
  readonly mapSizeBytes?: number;
  /**
   * Called once if a commit fails. Writes queued then are never acknowledged
   * (their replies would claim a durability they do not have), so the owner
   * should stop serving: the node process exits.
   */
  readonly onFailure?: (error: Error) => void;
}

/** Largest key LMDB takes (lmdb-js builds with 1978-byte keys), minus our 4-byte prefix. */
export const MAX_KEY_BYTES = 1978 - 4;

/** Group-commit statistics (INFO shardkit). */
export interface CommitStats {
  readonly batches: number;
  readonly writes: number;
  readonly maxBatch: number;
  /** Batches by size: [1], [2-3], [4-15], [16-63], [64-255], [256+]. */
  readonly histogram: readonly number[];
}

const BUCKET_FLOORS = [2, 4, 16, 64, 256];

interface Pending {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly seq: number;
}

/** The store of one node. Single-threaded use from the node's event loop. */
export class NodeStore {
  private readonly overlay = new Map<string, Pending>();
  private queue: Pending[] = [];
  private committing = false;
  private closed = false;
  private failure: Error | undefined;
  private lastSeqValue = 0;
  private durableSeqValue = 0;
  private readonly waiters: Array<{ seq: number; cb: () => void }> = [];
  private idleWaiters: Array<() => void> = [];
  private stats = { batches: 0, writes: 0, maxBatch: 0, histogram: [0, 0, 0, 0, 0, 0] };

  private constructor(
    private readonly db: RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>,
    readonly fsync: FsyncMode,
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** Open (or create) the store at `path`. */
  static open(options: NodeStoreOptions): NodeStore {
    const fsync = options.fsync ?? 'always';
    if (!FSYNC_MODES.includes(fsync)) throw new InvalidArgumentError('fsync', fsync, FSYNC_MODES.join(', '));
    const db = open<Buffer, Buffer>({
      path: options.path,
      keyEncoding: 'binary',
      encoding: 'binary',
      mapSize: options.mapSizeBytes ?? 64 * 1024 ** 3,
      noSync: fsync === 'never',
      compression: false,
    });
    const onFailure = options.onFailure ?? ((e: Error) => process.stderr.write(`store commit failed: ${e.message}\n`));
    return new NodeStore(db as RootDatabase<Buffer, Buffer> & Database<Buffer, Buffer>, fsync, onFailure);
  }

  /** Sequence number of the last write accepted. */
  get lastSeq(): number {
    return this.lastSeqValue;
  }

  /** Every write up to this sequence number is durable (per the fsync mode). */
  get durableSeq(): number {
    return this.durableSeqValue;
  }

  /** The stored record of `key` (overlay first), or undefined. O(log n). */
  get(key: Buffer): Buffer | undefined {
    const p = this.overlay.get(key.toString('latin1'));
    if (p !== undefined) return p.value ?? undefined;
    return this.db.get(key);
  }

  /** Queue a write (`null` deletes); visible at once, durable at the returned sequence number. */
  write(key: Buffer, value: Buffer | null): number {
    if (this.closed) throw new StateError('store is closed');
    if (this.failure !== undefined) throw new StateError(`store failed: ${this.failure.message}`);
    const seq = ++this.lastSeqValue;
    const p: Pending = { key: Buffer.from(key), value: value === null ? null : Buffer.from(value), seq };
    this.overlay.set(p.key.toString('latin1'), p);
    this.queue.push(p);
    if (!this.committing) {
      this.committing = true;
      setImmediate(() => void this.commitLoop());
    }
    return seq;
  }

  /** Call `cb` once `durableSeq` ≥ seq (at once if it already is). Callbacks run in seq order. */
  whenDurable(seq: number, cb: () => void): void {
    if (seq <= this.durableSeqValue) return cb();
    this.waiters.push({ seq, cb });
  }

  private async commitLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.db.transaction(() => {
          for (const p of batch) {
            if (p.value === null) this.db.removeSync(p.key);
            else this.db.putSync(p.key, p.value);
          }
        });
        if (this.fsync === 'always') await this.db.flushed;
      } catch (e) {
        this.failure = e as Error;
        this.onFailure(e as Error);
        break;
      }
      this.record(batch.length);
      const last = (batch[batch.length - 1] as Pending).seq;
      for (const p of batch) {
        const k = p.key.toString('latin1');
        if (this.overlay.get(k) === p) this.overlay.delete(k);
      }
      this.durableSeqValue = last;
      let i = 0;
      while (i < this.waiters.length && (this.waiters[i] as { seq: number }).seq <= last) i++;
      const ready = this.waiters.splice(0, i);
      for (const w of ready) w.cb();
    }
    this.committing = false;
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
    let n = start === undefined ? (this.db.getStats() as { entryCount: number }).entryCount : this.db.getKeysCount({ start, end });
    for (const p of this.overlay.values()) {
      if (start !== undefined && (Buffer.compare(p.key, start) < 0 || Buffer.compare(p.key, end as Buffer) >= 0)) continue;
      const inDb = this.db.doesExist(p.key);
      if (inDb && p.value === null) n--;
      else if (!inDb && p.value !== null) n++;
    }
    return n;
  }

  /** Resolves when every queued write is durable. */
  drain(): Promise<void> {
    if (!this.committing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flush every queued write and close. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    await this.db.flushed;
    await this.db.close();
  }
}
