/**
 * Committed consumer offsets, kept as Kafka keeps `__consumer_offsets`: an
 * append-only log of checksummed records that is compacted.
 *
 * The file `consumer-offsets.log` is a sequence of frames
 *
 *   [u32 LE payload length][u32 LE CRC-32C of the payload][payload: UTF-8 JSON]
 *
 * The first frame is a header (format name and version); then `commit`
 * records (a group, its new offsets as [topic, partition, offset] triples,
 * and the commit time) and `delete` records (a group whose offsets expired:
 * a tombstone). Replaying them in order gives the table; the last commit of a
 * partition wins. A commit is one append and one fsync, O(offsets in it), not
 * a rewrite of the table. When the file is more than `compactFactor` times
 * the size of the live table (and at least `compactMinBytes`), it is
 * rewritten with one commit record per live group (write-temp, fsync,
 * rename): Kafka's log cleaner, with min.cleanable.dirty.ratio 1/factor.
 *
 * Opening tells a torn tail from damage, as the hint log does: only the last
 * record, incomplete (a write that never finished, never acknowledged), or a
 * tail of zeros, is cut off. Any other record that fails its length, checksum
 * or format is damage: a bad frame followed by a valid one (found by scanning
 * forward), followed by more bytes, or a whole last record whose length or
 * checksum field was altered. Damage is an OffsetsCorruptionError naming the
 * file and the byte offset, and the file is left as it was. A directory written before this format holds
 * `consumer-offsets.json`; it is read once, written as a compacted log, and
 * removed.
 *
 * Opening writes nothing unless there is a torn tail to cut, a stale
 * temporary file to remove or an old table to convert. A full disk during a
 * commit is a DiskFullError (retriable): the partial record is cut off and the
 * table is unchanged.
 */
import { CorruptionError, InvalidArgumentError, StateError, asDiskFull, describeName, describeValue, invariant, readArray, readOptions, requireInt } from '../errors.js';
import { checkGroupId, checkTopicName, requireMethods } from './message.js';
import { crc32cBytes as crc32c } from '../hash/crc32c-bytes.js';
import { loadOffsets } from './log-dir.js';
import type { StorageDirectory } from './storage/directory.js';
import { tpKey } from './types.js';

/** The offsets log file in a data directory. */
export const OFFSETS_LOG = 'consumer-offsets.log';
/** The table of the format before this one, read once for upgrade. */
export const OLD_OFFSETS_TABLE = 'consumer-offsets.json';
const FORMAT = 'shardkit-offsets-log';
const VERSION = 1;
/** Largest payload a frame may declare. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * Damage in the offsets log: `file` and the byte `offset` of the bad frame.
 * Never throws, whatever it is given: a file that is not a string is kept as
 * its describeValue rendering, an offset that is not a number as NaN.
 */
export class OffsetsCorruptionError extends CorruptionError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string) {
    super(`${describeName(file)}: damaged record at byte ${describeValue(offset)}: ${describeName(reason)}`);
    this.file = typeof file === 'string' ? file : describeValue(file);
    this.offset = typeof offset === 'number' ? offset : Number.NaN;
  }
}

/** Settings of the offsets log. */
export interface OffsetsLogOptions {
  /** Rewrite when the file exceeds this multiple of the live table's size (default 2). */
  compactFactor?: number;
  /** ...and at least this many bytes (default 1 MiB). */
  compactMinBytes?: number;
}

/** One group's committed offsets ("topic/partition" → offset) and when it last committed. */
interface GroupOffsets {
  readonly offsets: Map<string, { topic: string; partition: number; offset: number }>;
  lastCommitMs: number;
}

type OffsetsRecord =
  | { t: 'h'; f: string; v: number }
  | { t: 'c'; g: string; ms: number; o: [string, number, number][] }
  | { t: 'd'; g: string; ms: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function frame(records: readonly OffsetsRecord[]): Buffer {
  const payloads = records.map((r) => encoder.encode(JSON.stringify(r)));
  const out = Buffer.allocUnsafe(payloads.reduce((s, p) => s + 8 + p.length, 0));
  let off = 0;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, off);
    out.writeUInt32LE(crc32c(p), off + 4);
    out.set(p, off + 8);
    off += 8 + p.length;
  }
  return out;
}

/** Parse and validate one payload, or say what is wrong with it. */
function parse(payload: Uint8Array): OffsetsRecord | string {
  let j: unknown;
  try {
    j = JSON.parse(decoder.decode(payload));
  } catch {
    return 'the payload is not JSON';
  }
  const r = j as Record<string, unknown> | null;
  if (r === null || typeof r !== 'object') return 'not an object';
  if (r.t === 'h') return typeof r.f === 'string' && typeof r.v === 'number' ? (r as OffsetsRecord) : 'malformed header';
  if (typeof r.g !== 'string' || !Number.isFinite(r.ms)) return 'malformed group or time';
  if (r.t === 'd') return r as OffsetsRecord;
  if (r.t !== 'c' || !Array.isArray(r.o)) return `unknown record type ${JSON.stringify(r.t)}`;
  for (const e of r.o as unknown[]) {
    const [topic, partition, offset] = (Array.isArray(e) ? e : []) as unknown[];
    if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || (partition as number) < 0 || !Number.isSafeInteger(offset) || (offset as number) < 0) return 'malformed offset entry';
  }
  return r as OffsetsRecord;
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** The first offset at or after `from` where a valid frame starts, or undefined. O(bytes) with cheap filters before each checksum. */
function nextValidFrame(bytes: Buffer, from: number): number | undefined {
  for (let p = from; p + 8 <= bytes.length; p++) {
    const len = bytes.readUInt32LE(p);
    if (len < 2 || 8 + len > bytes.length - p) continue;
    if (bytes[p + 8] !== 0x7b || bytes[p + 7 + len] !== 0x7d) continue; // every payload is a JSON object
    const payload = bytes.subarray(p + 8, p + 8 + len);
    if (crc32c(payload) === bytes.readUInt32LE(p + 4) && typeof parse(payload) !== 'string') return p;
  }
  return undefined;
}

/** The records of a whole file and where the torn tail (if any) starts. Throws OffsetsCorruptionError on damage. */
function decode(bytes: Buffer, file: string): { records: OffsetsRecord[]; validLength: number } {
  const records: OffsetsRecord[] = [];
  let off = 0;
  while (off < bytes.length) {
    const remaining = bytes.length - off;
    // A torn frame header, or a tail of zeros (blocks allocated, never written).
    if (remaining < 8 || allZero(bytes, off)) return { records, validLength: off };
    const len = bytes.readUInt32LE(off);
    const crc = bytes.readUInt32LE(off + 4);
    const bad = (reason: string): OffsetsCorruptionError => new OffsetsCorruptionError(file, off, reason);
    if (len > MAX_RECORD_BYTES || 8 + len > remaining) {
      // Runs past the end: a torn last write, unless the bytes there are a whole record under its checksum (a damaged length).
      const rest = bytes.subarray(off + 8);
      if (crc32c(rest) === crc && typeof parse(rest) !== 'string') throw bad(`declared length ${len}, but the ${rest.length} bytes after it are a whole record`);
      const next = nextValidFrame(bytes, off + 1);
      if (next !== undefined) throw bad(`declared length ${len} runs past the end, but a valid record starts at byte ${next}`);
      if (off === 0 && remaining > 256) throw bad(`not an offsets log (declared length ${len})`);
      return { records, validLength: off };
    }
    const payload = bytes.subarray(off + 8, off + 8 + len);
    const last = 8 + len === remaining;
    if (crc32c(payload) !== crc) {
      const next = nextValidFrame(bytes, off + 1);
      if (next !== undefined) throw bad(`checksum mismatch; a valid record starts at byte ${next}`);
      // A whole last frame whose payload is no record is a write whose data never arrived; anything else is damage.
      if (last && typeof parse(payload) === 'string') return { records, validLength: off };
      throw bad(`checksum mismatch${last ? ' on a whole last record' : ` with ${remaining - 8 - len} bytes after it`}`);
    }
    const rec = parse(payload);
    if (typeof rec === 'string') throw bad(`checksum matches but ${rec}`);
    if (off === 0 && (rec.t !== 'h' || rec.f !== FORMAT)) throw bad('not an offsets log: the first record is not its header');
    if (rec.t === 'h') {
      if (off !== 0) throw bad('a second header');
      if (rec.v !== VERSION) throw new CorruptionError(`${file}: format version ${rec.v}; this build reads version ${VERSION}`);
    } else {
      records.push(rec);
    }
    off += 8 + len;
  }
  return { records, validLength: off };
}

/**
 * The committed offsets of every group, over one StorageDirectory (see the
 * module comment). Single writer: the broker that holds the directory lock.
 */
export class OffsetsLog {
  private readonly groups = new Map<string, GroupOffsets>();
  private length = 0;
  private liveBytes = 0;
  private broken: Error | undefined;
  private readonly compactFactor: number;
  private readonly compactMinBytes: number;
  /** Rewrites performed since open. */
  compactions = 0;
  private torn = 0;

  private constructor(
    private readonly dir: StorageDirectory,
    options: OffsetsLogOptions,
  ) {
    const o = readOptions('options', options, ['compactFactor', 'compactMinBytes'], 'an object with optional compactFactor and compactMinBytes');
    this.compactFactor = requireInt('compactFactor', o.compactFactor ?? 2, 2, 1000);
    this.compactMinBytes = requireInt('compactMinBytes', o.compactMinBytes ?? 1024 * 1024, 0);
  }

  /**
   * Open the offsets of `dir`: replay `consumer-offsets.log`, or convert an
   * old `consumer-offsets.json` (stamped `nowMs`). O(file size).
   */
  static open(dir: StorageDirectory, nowMs: number, options: OffsetsLogOptions = {}): OffsetsLog {
    requireMethods('dir', dir, ['exists', 'size', 'read', 'append', 'truncate', 'remove', 'writeAtomic', 'sync'], 'a StorageDirectory');
    requireInt('nowMs', nowMs, 0);
    const log = new OffsetsLog(dir, options);
    if (dir.exists(`${OFFSETS_LOG}.tmp`)) dir.remove(`${OFFSETS_LOG}.tmp`);
    if (dir.exists(OFFSETS_LOG) && (dir.size(OFFSETS_LOG) > 0 || !dir.exists(OLD_OFFSETS_TABLE))) {
      const bytes = dir.read(OFFSETS_LOG, 0, dir.size(OFFSETS_LOG));
      const { records, validLength } = decode(bytes, OFFSETS_LOG);
      for (const r of records) log.apply(r);
      if (validLength < bytes.length) {
        dir.truncate(OFFSETS_LOG, validLength);
        log.torn = bytes.length - validLength;
      }
      log.length = validLength;
      // A conversion that crashed after writing the log (atomically) but before removing the old table.
      if (dir.exists(OLD_OFFSETS_TABLE)) dir.remove(OLD_OFFSETS_TABLE);
    } else if (dir.exists(OLD_OFFSETS_TABLE)) {
      for (const [group, m] of loadOffsets(dir)) {
        const o: [string, number, number][] = [];
        for (const [key, offset] of m) {
          const slash = key.lastIndexOf('/');
          const partition = Number(key.slice(slash + 1));
          if (slash < 1 || !Number.isSafeInteger(partition)) throw new CorruptionError(`${OLD_OFFSETS_TABLE}: malformed partition key ${JSON.stringify(key)} in group ${JSON.stringify(group)}`);
          o.push([key.slice(0, slash), partition, offset]);
        }
        log.apply({ t: 'c', g: group, ms: nowMs, o });
      }
      log.rewrite();
      dir.remove(OLD_OFFSETS_TABLE);
    }
    log.liveBytes = log.length;
    return log;
  }

  private apply(r: OffsetsRecord): void {
    if (r.t === 'd') {
      this.groups.delete(r.g);
    } else if (r.t === 'c') {
      let g = this.groups.get(r.g);
      if (g === undefined) {
        g = { offsets: new Map(), lastCommitMs: r.ms };
        this.groups.set(r.g, g);
      }
      g.lastCommitMs = Math.max(g.lastCommitMs, r.ms);
      for (const [topic, partition, offset] of r.o) g.offsets.set(tpKey(topic, partition), { topic, partition, offset });
    }
  }

  /** The committed offset of a partition, or undefined. O(1). */
  get(group: string, topic: string, partition: number): number | undefined {
    if (typeof group !== 'string') throw new InvalidArgumentError('group', group, 'a group id (string)');
    if (typeof topic !== 'string') throw new InvalidArgumentError('topic', topic, 'a topic name (string)');
    requireInt('partition', partition, 0);
    return this.groups.get(group)?.offsets.get(tpKey(topic, partition))?.offset;
  }

  /** Groups with committed offsets (insertion order). */
  groupIds(): IterableIterator<string> {
    return this.groups.keys();
  }

  /** When `group` last committed (ms), or undefined if it has no offsets. */
  lastCommitMs(group: string): number | undefined {
    if (typeof group !== 'string') throw new InvalidArgumentError('group', group, 'a group id (string)');
    return this.groups.get(group)?.lastCommitMs;
  }

  /** Bytes cut off as a torn tail at open. */
  get tornBytes(): number {
    return this.torn;
  }

  /** Bytes of the log file. */
  get sizeBytes(): number {
    return this.length;
  }

  private usable(): void {
    if (this.broken) throw new StateError(`the offsets log is unusable after a failed write (${this.broken.message}); reopen the broker`, { cause: this.broken });
  }

  /** Append records and fsync; on failure cut the partial frame off (or mark the log broken) and rethrow, typed. */
  private append(records: OffsetsRecord[]): void {
    const bytes = frame(this.length === 0 ? [{ t: 'h', f: FORMAT, v: VERSION }, ...records] : records);
    try {
      this.dir.append(OFFSETS_LOG, bytes);
      this.dir.sync(OFFSETS_LOG);
    } catch (e) {
      try {
        if (this.dir.exists(OFFSETS_LOG)) this.dir.truncate(OFFSETS_LOG, this.length);
      } catch {
        this.broken = e as Error;
      }
      throw asDiskFull(e, OFFSETS_LOG, 'appending to');
    }
    this.length += bytes.length;
    for (const r of records) this.apply(r);
  }

  /**
   * Commit offsets of `group` at `nowMs`: one record, one fsync; durable on
   * return. O(entries), plus an occasional rewrite of the live table (see
   * the module comment). On failure the table is unchanged.
   */
  commit(group: string, entries: readonly { topic: string; partition: number; offset: number }[], nowMs: number): void {
    this.usable();
    checkGroupId(group);
    requireInt('nowMs', nowMs, 0);
    // Every entry read once and checked before anything is written: a bad one would be durable and corrupt the table.
    const o = readArray('entries', entries, 'an array of { topic, partition, offset }').map((e, i): [string, number, number] => {
      const f = readOptions(`entries[${i}]`, e as { topic: string; partition: number; offset: number }, ['topic', 'partition', 'offset'], 'an object { topic, partition, offset }');
      if (e === undefined) throw new InvalidArgumentError(`entries[${i}]`, e, 'an object { topic, partition, offset }');
      return [checkTopicName(f.topic), requireInt(`entries[${i}].partition`, f.partition, 0), requireInt(`entries[${i}].offset`, f.offset, 0)];
    });
    if (o.length === 0) return;
    this.append([{ t: 'c', g: group, ms: nowMs, o }]);
    this.compactIfDue();
  }

  /** Forget the offsets of `groups` (a tombstone each, one fsync). O(groups). */
  delete(groups: readonly string[], nowMs: number): void {
    this.usable();
    const list = readArray('groups', groups, 'an array of group ids');
    list.forEach((g, i) => {
      if (typeof g !== 'string') throw new InvalidArgumentError(`groups[${i}]`, g, 'a group id (string)');
    });
    requireInt('nowMs', nowMs, 0);
    const present = (list as string[]).filter((g) => this.groups.has(g));
    if (present.length === 0) return;
    this.append(present.map((g) => ({ t: 'd', g, ms: nowMs })));
    this.compactIfDue();
  }

  /** Rewrite when the file has outgrown the live table; a failure (full disk) leaves the log as it was, to be tried again later. */
  private compactIfDue(): void {
    if (this.length < this.compactMinBytes || this.length <= this.compactFactor * Math.max(1, this.liveBytes)) return;
    try {
      this.rewrite();
    } catch {
      // The commit is durable already; the next commit tries again.
      this.liveBytes = Math.ceil(this.length / this.compactFactor);
    }
  }

  /** Write the live table as a fresh log (atomic replace). O(live offsets). */
  private rewrite(): void {
    const records: OffsetsRecord[] = [{ t: 'h', f: FORMAT, v: VERSION }];
    for (const [g, o] of this.groups) records.push({ t: 'c', g, ms: o.lastCommitMs, o: [...o.offsets.values()].map((e) => [e.topic, e.partition, e.offset]) });
    const bytes = frame(records);
    try {
      this.dir.writeAtomic(OFFSETS_LOG, bytes);
    } catch (e) {
      if (this.dir.exists(`${OFFSETS_LOG}.tmp`)) this.dir.remove(`${OFFSETS_LOG}.tmp`);
      throw asDiskFull(e, OFFSETS_LOG, 'rewriting');
    }
    this.length = bytes.length;
    this.liveBytes = bytes.length;
    this.compactions++;
  }

  /** Throws InvariantError on a broken rule. */
  checkInvariants(): void {
    for (const [g, o] of this.groups) for (const [k, e] of o.offsets) invariant(Number.isSafeInteger(e.offset) && e.offset >= 0 && k === tpKey(e.topic, e.partition), `group ${g}: bad committed offset for ${k}`);
  }
}
