/**
 * One segment of a partition: a file of record batches (`<base>.log`) plus two
 * sparse indexes kept in memory and written beside it when the segment is
 * sealed (`<base>.index`: batch base offset → byte position, one entry every
 * `indexIntervalBytes`; `<base>.timeindex`: largest timestamp so far → last
 * offset of that batch). The layout and the names are Kafka's (the log
 * section of Kafka's design docs; DDIA ch. 11, "Log-based message brokers").
 */
import { CorruptionError, InvalidArgumentError, describeName, describeValue, invariant, isInstance, requireInt } from '../../errors.js';
import type { StorageDirectory } from './directory.js';
import { crc32cRange } from '../../hash/crc32c-bytes.js';
import type { BatchHeader } from './record-batch.js';

/** What `Segment.loadIndexes` found. */
export type IndexLoad =
  | { status: 'ok'; sizeBytes: number; nextOffset: number }
  | { status: 'missing' }
  | { status: 'bad'; why: string; recorded: { sizeBytes: number; nextOffset: number } | null };

/** Width of the zero-padded base offset in segment file names (as Kafka). */
const NAME_DIGITS = 20;

/** `00000000000000000042` for 42. */
export function segmentName(baseOffset: number): string {
  requireInt('baseOffset', baseOffset, 0);
  return String(baseOffset).padStart(NAME_DIGITS, '0');
}

/** The base offset encoded in a segment file name, or `null` if it is not one. */
export function parseSegmentName(file: string): number | null {
  if (typeof file !== 'string') throw new InvalidArgumentError('file', file, 'a file name (a string)');
  const m = /^(\d{20})\.log$/.exec(file);
  if (m === null) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** A segment: its files, its extent, and its sparse indexes. */
export class Segment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes of valid batches in the file. */
  sizeBytes = 0;
  /** Last offset + 1 (the base offset while empty). */
  nextOffset: number;
  /** Largest record timestamp (−∞ while empty). */
  maxTimestampMs = -Infinity;
  /** When the segment began, for rolling by age: first batch's timestamp, or creation time. */
  createdAtMs: number;
  /** Base offset of the batch at the position the last `lookup` returned. */
  lookedUpOffset: number;
  /** Bumped whenever the file's existing bytes change (rescan, compaction rewrite), so cached reads of it are dropped. */
  version = 0;
  /** Sparse offset index: batch base offsets and their byte positions, both increasing. */
  private idxOffsets: number[] = [];
  private idxPositions: number[] = [];
  private bytesSinceIndex = 0;
  /** Time index: running max timestamp and the last offset of the batch that reached it. */
  private tsValues: number[] = [];
  private tsOffsets: number[] = [];

  constructor(dirPath: string, baseOffset: number, createdAtMs: number) {
    this.baseOffset = baseOffset;
    const stem = `${dirPath}/${segmentName(baseOffset)}`;
    this.logPath = `${stem}.log`;
    this.indexPath = `${stem}.index`;
    this.timeIndexPath = `${stem}.timeindex`;
    this.nextOffset = baseOffset;
    this.lookedUpOffset = baseOffset;
    this.createdAtMs = createdAtMs;
  }

  /** Record that the batch `h` now sits at byte `position`. O(1) amortised. */
  onAppend(h: BatchHeader, position: number, indexIntervalBytes: number): void {
    if (this.idxOffsets.length === 0 || this.bytesSinceIndex >= indexIntervalBytes) {
      this.idxOffsets.push(h.baseOffset);
      this.idxPositions.push(position);
      this.bytesSinceIndex = 0;
    }
    this.bytesSinceIndex += h.sizeBytes;
    if (this.sizeBytes === 0) this.createdAtMs = Number.isFinite(h.maxTimestampMs) ? h.maxTimestampMs : this.createdAtMs;
    const last = h.baseOffset + h.lastOffsetDelta;
    if (h.maxTimestampMs > this.maxTimestampMs) {
      this.maxTimestampMs = h.maxTimestampMs;
      this.tsValues.push(h.maxTimestampMs);
      this.tsOffsets.push(last);
    }
    this.sizeBytes = position + h.sizeBytes;
    this.nextOffset = last + 1;
  }

  /**
   * Byte position of the last indexed batch whose base offset is ≤ `offset`
   * (0 if none); `lookedUpOffset` is then that batch's base offset, which the
   * reader checks against the batch it finds there. O(log entries).
   */
  lookup(offset: number): number {
    let lo = 0;
    let hi = this.idxOffsets.length - 1;
    let ans = 0;
    let at = this.baseOffset;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.idxOffsets[mid] as number) <= offset) {
        ans = this.idxPositions[mid] as number;
        at = this.idxOffsets[mid] as number;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    this.lookedUpOffset = at;
    return ans;
  }

  /**
   * The last offset of the first batch whose max timestamp reached `timestampMs`,
   * or `null` if every record is older. O(log entries).
   */
  offsetReachingTime(timestampMs: number): number | null {
    let lo = 0;
    let hi = this.tsValues.length - 1;
    let ans: number | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.tsValues[mid] as number) >= timestampMs) {
        ans = this.tsOffsets[mid] as number;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return ans;
  }

  /**
   * Write both index files (atomically), each ending in a CRC-32C of what
   * precedes it; with `suffix`, under names ending in it (compaction writes
   * the new indexes beside the old ones before it swaps the segment). Done
   * when the segment is sealed or the log closes. O(entries).
   */
  persistIndexes(dir: StorageDirectory, suffix = ''): void {
    const idx = Buffer.allocUnsafe(this.idxOffsets.length * 12 + 4);
    for (let i = 0; i < this.idxOffsets.length; i++) {
      idx.writeUInt32LE((this.idxOffsets[i] as number) - this.baseOffset, i * 12);
      idx.writeDoubleLE(this.idxPositions[i] as number, i * 12 + 4);
    }
    // The time index ends with a trailer entry for the segment's extent: its
    // size and next offset, so a sealed segment can be opened without a scan
    // and a shortened or replaced file is recognised.
    const ts = Buffer.allocUnsafe((this.tsValues.length + 1) * 16 + 4);
    for (let i = 0; i < this.tsValues.length; i++) {
      ts.writeDoubleLE(this.tsValues[i] as number, i * 16);
      ts.writeDoubleLE((this.tsOffsets[i] as number) - this.baseOffset, i * 16 + 8);
    }
    ts.writeDoubleLE(this.sizeBytes, this.tsValues.length * 16);
    ts.writeDoubleLE(this.nextOffset - this.baseOffset, this.tsValues.length * 16 + 8);
    idx.writeUInt32LE(crc32cRange(idx, 0, idx.length - 4), idx.length - 4);
    ts.writeUInt32LE(crc32cRange(ts, 0, ts.length - 4), ts.length - 4);
    dir.writeAtomic(this.indexPath + suffix, idx);
    dir.writeAtomic(this.timeIndexPath + suffix, ts);
  }

  /**
   * Load both index files written by `persistIndexes`. `ok`: both checksums
   * and orders hold and the segment now has the recorded indexes and extent
   * (the caller still compares the extent with the file); `missing`: neither
   * file exists; `bad`: a file is missing, damaged or of an older format (the
   * segment is unchanged; `recorded` is the extent from the time index when
   * that one is intact), and the caller rebuilds by scanning. O(entries).
   */
  loadIndexes(dir: StorageDirectory): IndexLoad {
    const hasIdx = dir.exists(this.indexPath);
    const hasTs = dir.exists(this.timeIndexPath);
    if (!hasIdx && !hasTs) return { status: 'missing' };
    const ts = hasTs ? dir.read(this.timeIndexPath, 0, dir.size(this.timeIndexPath)) : Buffer.alloc(0);
    const tsOk = ts.length % 16 === 4 && ts.length >= 20 && crc32cRange(ts, 0, ts.length - 4) === ts.readUInt32LE(ts.length - 4);
    if (!tsOk) return { status: 'bad', why: `${this.timeIndexPath} is missing or damaged`, recorded: null };
    const tn = (ts.length - 4) / 16 - 1;
    const size = ts.readDoubleLE(tn * 16);
    const next = this.baseOffset + ts.readDoubleLE(tn * 16 + 8);
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(next) || next < this.baseOffset) return { status: 'bad', why: `${this.timeIndexPath} records an impossible extent`, recorded: null };
    const recorded = { sizeBytes: size, nextOffset: next };
    const idx = hasIdx ? dir.read(this.indexPath, 0, dir.size(this.indexPath)) : Buffer.alloc(0);
    if (idx.length % 12 !== 4 || crc32cRange(idx, 0, idx.length - 4) !== idx.readUInt32LE(idx.length - 4)) return { status: 'bad', why: `${this.indexPath} is missing or damaged`, recorded };
    const offs: number[] = [];
    const poss: number[] = [];
    for (let i = 0; i < (idx.length - 4) / 12; i++) {
      const o = this.baseOffset + idx.readUInt32LE(i * 12);
      const p = idx.readDoubleLE(i * 12 + 4);
      if (!Number.isSafeInteger(p) || !(p < size) || !(o < next) || (i === 0 && p !== 0) || (i > 0 && (o <= (offs[i - 1] as number) || p <= (poss[i - 1] as number)))) {
        return { status: 'bad', why: `${this.indexPath} entry ${i} is out of order or past the segment`, recorded };
      }
      offs.push(o);
      poss.push(p);
    }
    const tv: number[] = [];
    const to: number[] = [];
    for (let i = 0; i < tn; i++) {
      const t = ts.readDoubleLE(i * 16);
      const o = this.baseOffset + ts.readDoubleLE(i * 16 + 8);
      if (!(o < next) || (i > 0 && !(t > (tv[i - 1] as number)))) return { status: 'bad', why: `${this.timeIndexPath} entry ${i} is out of order`, recorded };
      tv.push(t);
      to.push(o);
    }
    if (size > 0 && offs.length === 0) return { status: 'bad', why: `${this.indexPath} has no entry for a non-empty segment`, recorded };
    this.idxOffsets = offs;
    this.idxPositions = poss;
    this.tsValues = tv;
    this.tsOffsets = to;
    this.sizeBytes = size;
    this.nextOffset = next;
    this.maxTimestampMs = tv.length > 0 ? (tv[tv.length - 1] as number) : -Infinity;
    this.bytesSinceIndex = 0;
    return { status: 'ok', ...recorded };
  }

  /** Take over `other`'s indexes and extent (a rescanned or rewritten copy of this segment). Bumps `version`. */
  adopt(other: Segment): void {
    this.version++;
    this.idxOffsets = other.idxOffsets;
    this.idxPositions = other.idxPositions;
    this.tsValues = other.tsValues;
    this.tsOffsets = other.tsOffsets;
    this.bytesSinceIndex = other.bytesSinceIndex;
    this.sizeBytes = other.sizeBytes;
    this.nextOffset = other.nextOffset;
    this.maxTimestampMs = other.maxTimestampMs;
    this.createdAtMs = other.createdAtMs;
  }

  /** The offset index as [batch base offset, byte position] pairs (for verify). O(entries). */
  indexEntries(): [number, number][] {
    return this.idxOffsets.map((o, i) => [o, this.idxPositions[i] as number]);
  }

  /** Forget all content (before a rescan). */
  reset(createdAtMs: number): void {
    this.version++;
    this.idxOffsets = [];
    this.idxPositions = [];
    this.tsValues = [];
    this.tsOffsets = [];
    this.bytesSinceIndex = 0;
    this.sizeBytes = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestampMs = -Infinity;
    this.createdAtMs = createdAtMs;
  }

  /** Remove the segment's files. */
  remove(dir: StorageDirectory): void {
    dir.remove(this.logPath);
    dir.remove(this.indexPath);
    dir.remove(this.timeIndexPath);
  }

  /** Throws InvariantError if the indexes are not increasing or exceed the segment. O(entries). */
  checkInvariants(): void {
    invariant(this.nextOffset >= this.baseOffset, `segment ${this.logPath}: next offset ${this.nextOffset} < base ${this.baseOffset}`);
    for (let i = 0; i < this.idxOffsets.length; i++) {
      invariant((this.idxPositions[i] as number) < this.sizeBytes, `segment ${this.logPath}: index entry ${i} past the end`);
      if (i > 0) {
        invariant((this.idxOffsets[i] as number) > (this.idxOffsets[i - 1] as number), `segment ${this.logPath}: index offsets not increasing`);
        invariant((this.idxPositions[i] as number) > (this.idxPositions[i - 1] as number), `segment ${this.logPath}: index positions not increasing`);
      }
    }
    for (let i = 1; i < this.tsValues.length; i++) {
      invariant((this.tsValues[i] as number) > (this.tsValues[i - 1] as number), `segment ${this.logPath}: time index not increasing`);
    }
  }
}

/**
 * Stored data in a segment failed validation: names the file, the byte
 * position and the offset reached. Never throws, whatever it is given: a
 * segment that is not a Segment is named by its describeValue rendering, a
 * position or offset that is not a number is NaN.
 */
export class SegmentCorruptionError extends CorruptionError {
  /** Path of the segment file (relative to the data directory). */
  readonly segment: string;
  /** Byte position of the bad batch in the file. */
  readonly position: number;
  /** The first offset that cannot be read (the last good offset + 1). */
  readonly offset: number;
  constructor(seg: Segment, position: number, offset: number, what: string) {
    const path = isInstance(seg, Segment) ? seg.logPath : describeValue(seg);
    super(`${describeName(what)} in segment ${path} at byte ${describeValue(position)}, offset ${describeValue(offset)}; the log cannot be read past it`);
    this.segment = path;
    this.position = typeof position === 'number' ? position : Number.NaN;
    this.offset = typeof offset === 'number' ? offset : Number.NaN;
  }
}
