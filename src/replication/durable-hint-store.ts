/**
 * Hints that survive a restart of the node holding them (the seed keeps them
 * in memory, so a restart silently loses them).
 *
 * Every change is one appended record (hint-log.ts: length, CRC-32C, JSON)
 * followed by one fsync before the call returns, so an acknowledged hint is
 * on disk. On open the log is replayed; a torn last record (a crash in the
 * middle of an append, never acknowledged) is cut off; damage (hint-log.ts
 * tells the two apart) is a HintLogCorruptionError naming the byte offset,
 * and the file is left as it was. With the `repair` option, damage is
 * skipped instead: a copy of the damaged file is kept beside it first, then
 * the log is rewritten with every valid record from before and after each
 * damaged range, and `lastRepair` says what was skipped (a skipped `remove`
 * record can bring a delivered hint back: handing it off again is harmless,
 * since replicas keep the newest version).
 *
 * When removed hints dominate the log it is compacted: rewritten with only
 * the live hints, atomically. A compaction that fails (a full disk) does not
 * fail the removal that triggered it, which is already durable: the log stays
 * as it was, the temporary file is removed, and compaction is tried again at
 * the next removal (`compactionError` holds the last failure).
 *
 * Cost: add and remove are O(record) plus one fsync; open is O(log size).
 */
import { InvalidArgumentError, StateError, invariant, readOptions, requireInt } from '../errors.js';
import { type Hint, type NewHint, HintIndex, readNewHint } from './hint.js';
import { type HintStore, type RestartReport, assertTarget, readHintIds } from './hint-store.js';
import { type DamagedRange, type DecodedLog, type HintLogRecord, HintLogCorruptionError, decodeLog, encodeRecord, encodeRecords, headerRecord } from './hint-log.js';
import { type LogFile, NodeLogFile } from './log-file.js';

/** Options of a durable hint store. */
export interface DurableHintStoreOptions {
  /** Compact when the log holds more than this many dead records and more dead than twice the live hints (default 1024). */
  compactMinDeadRecords?: number;
  /** On damage, keep a copy of the file and rewrite it with every valid record, instead of throwing (default false). */
  repair?: boolean;
}

/** What a repairing open skipped, and where the copy of the damaged file is. */
export interface HintLogRepair {
  readonly damage: readonly DamagedRange[];
  /** Name of the copy kept before the rewrite (LogFile.keepCopy). */
  readonly copy: string;
}

/** A hint store over an append-only LogFile (see the module comment). */
export class DurableHintStore implements HintStore {
  readonly durable = true;
  private index = new HintIndex();
  private nextId = 1;
  private dead = 0;
  private length = 0;
  private broken: Error | undefined;
  private readonly compactMin: number;
  private readonly repair: boolean;
  /** Compactions performed since this store was created. */
  compactions = 0;
  /** Bytes cut off as a torn tail when the log was last opened. */
  lastTornBytes = 0;
  /** What the last open repaired, if it found damage (only with the `repair` option). */
  lastRepair: HintLogRepair | undefined;
  /** Why the last compaction failed, until one succeeds (it is retried at the next removal). */
  compactionError: Error | undefined;

  constructor(
    readonly file: LogFile,
    given: DurableHintStoreOptions = {},
  ) {
    const allowed = 'a LogFile (read, append, sync, truncate, replace, keepCopy, reopen, close), e.g. a NodeLogFile';
    if (file === null || typeof file !== 'object') throw new InvalidArgumentError('file', file, allowed);
    const names = ['read', 'append', 'sync', 'truncate', 'replace', 'keepCopy', 'reopen', 'close'] as const;
    const methods = readOptions('file', file, names, allowed);
    const missing = names.find((m) => typeof methods[m] !== 'function');
    if (missing !== undefined) throw new InvalidArgumentError('file', file, `${allowed} (${missing} is not a function)`);
    const options = readOptions('options', given, ['compactMinDeadRecords', 'repair']);
    this.compactMin = requireInt('compactMinDeadRecords', options.compactMinDeadRecords ?? 1024, 0);
    const repair = options.repair ?? false;
    if (typeof repair !== 'boolean') throw new InvalidArgumentError('repair', repair, 'true or false');
    this.repair = repair;
    this.load();
  }

  /** Decode the file; on damage throw with the file's name, or (with `repair`) decode around it. */
  private decode(bytes: Uint8Array): DecodedLog {
    try {
      return decodeLog(bytes);
    } catch (e) {
      if (!(e instanceof HintLogCorruptionError)) throw e;
      if (!this.repair) throw new HintLogCorruptionError(e.offset, e.reason, this.file.name);
      return decodeLog(bytes, { resync: true });
    }
  }

  private load(): void {
    const bytes = this.file.read();
    const decoded = this.decode(bytes);
    this.lastRepair = undefined;
    if (decoded.damage.length > 0) {
      // Keep the damaged file before changing anything; the rewrite below drops only the damaged ranges.
      this.lastRepair = { damage: decoded.damage, copy: this.file.keepCopy(bytes) };
    } else if (decoded.tornBytes > 0) {
      this.file.truncate(decoded.validLength);
    }
    this.lastTornBytes = decoded.tornBytes;
    this.index = new HintIndex();
    this.dead = 0;
    let maxId = 0;
    for (const r of decoded.records) {
      if (r.type === 'add') {
        this.index.add(r.hint);
        maxId = Math.max(maxId, r.hint.id);
      } else if (r.type === 'remove') {
        for (const id of r.ids) if (this.index.remove(id)) this.dead++;
        this.dead++;
      }
    }
    this.nextId = Math.max(maxId + 1, decoded.headerNextId ?? 1);
    this.length = decoded.validLength;
    if (this.lastRepair !== undefined) {
      this.rewrite();
    } else if (this.length === 0) {
      const header = encodeRecord(headerRecord());
      this.file.append(header);
      this.file.sync();
      this.length = header.length;
    }
    this.broken = undefined;
  }

  private usable(): void {
    if (this.broken) throw new StateError(`hint store is unusable after a failed write (${this.broken.message}); restart it`, { cause: this.broken });
  }

  /** Append and fsync; on failure cut the partial record off so the log stays valid, or mark the store broken. */
  private commit(bytes: Uint8Array): void {
    try {
      this.file.append(bytes);
      this.file.sync();
      this.length += bytes.length;
    } catch (e) {
      try {
        this.file.truncate(this.length);
      } catch {
        this.broken = e as Error;
      }
      throw e;
    }
  }

  get count(): number {
    return this.index.count;
  }

  add(hint: NewHint): Hint {
    const checked = readNewHint(hint);
    this.usable();
    const h: Hint = { ...checked, id: this.nextId };
    this.commit(encodeRecord({ type: 'add', hint: h }));
    this.nextId++;
    this.index.add(h);
    return h;
  }

  remove(ids: readonly number[]): number {
    const list = readHintIds(ids);
    this.usable();
    const present = [...new Set(list)].filter((id) => this.index.has(id));
    if (present.length === 0) return 0;
    this.commit(encodeRecord({ type: 'remove', ids: present }));
    for (const id of present) this.index.remove(id);
    this.dead += present.length + 1;
    if (this.dead > this.compactMin && this.dead > 2 * this.index.count) this.compactQuietly();
    return present.length;
  }

  /** Compact after a removal that is already durable: a failure is kept for later, not thrown. */
  private compactQuietly(): void {
    try {
      this.compact();
    } catch (e) {
      this.compactionError = e as Error;
    }
  }

  /**
   * Rewrite the log with only the live hints (atomic replace). O(live hints).
   * Throws what the file throws (e.g. DiskFullError); the log is then unchanged.
   */
  compact(): void {
    this.usable();
    this.rewrite();
    this.compactions++;
    this.compactionError = undefined;
  }

  private rewrite(): void {
    const records: HintLogRecord[] = [headerRecord(this.nextId)];
    const live = [...this.index.all()].sort((a, b) => a.id - b.id);
    for (const h of live) records.push({ type: 'add', hint: h });
    const bytes = encodeRecords(records);
    this.file.replace(bytes);
    this.length = bytes.length;
    this.dead = 0;
  }

  forTarget(target: string): IterableIterator<Hint> {
    assertTarget(target);
    return this.index.forTarget(target);
  }

  countFor(target: string): number {
    assertTarget(target);
    return this.index.countFor(target);
  }

  targets(): IterableIterator<string> {
    return this.index.targets();
  }

  all(): IterableIterator<Hint> {
    return this.index.all();
  }

  restart(): RestartReport {
    const before = new Set<number>();
    for (const h of this.index.all()) before.add(h.id);
    this.file.reopen();
    this.load();
    let lost = 0;
    for (const id of before) if (!this.index.has(id)) lost++;
    return { recovered: this.index.count, lost, tornBytes: this.lastTornBytes };
  }

  close(): void {
    this.file.close();
  }

  checkInvariants(): void {
    this.index.checkInvariants();
    invariant(this.nextId > this.index.maxId, 'durable hint store: next id is not above every stored id');
  }
}

/** A durable hint store in the file at `path` (created when missing). */
export function openFileHintStore(path: string, options: DurableHintStoreOptions = {}): DurableHintStore {
  return new DurableHintStore(new NodeLogFile(path), options);
}
