/**
 * Zero-copy access to record batches that have passed their CRC-32C check:
 * a `RecordBatchView` per batch and a `RecordCursor` that walks its records
 * in offset order, decoding each record's framing in place (layout in
 * record-batch.ts). Nothing is allocated per record unless asked for: the
 * cursor is one object reused for every record, and keys, values and headers
 * become `Buffer` views only when `key()`, `value()` or `headers()` is called.
 * This is the consumer's fast path (Kafka's consumer also hands out batches
 * and decodes records lazily, `RecordBatch.iterator()`).
 *
 * Rule of use: a view reads a `FetchBuffer` that the next poll refills; a
 * view or cursor used after that throws StateError (STALE_BATCH). Copy what
 * must outlive the poll (`toMessages()` copies).
 */
import { CorruptionError, InvalidArgumentError, StateError, isInstance, readOptions, requireInt } from '../../errors.js';
import type { StoredRecord } from '../types.js';
import { BATCH_HEADER_BYTES } from './record-batch.js';
import { SCAN_STRIDE, scanRecords } from './record-scan.js';
import { FetchBuffer } from './fetch-buffer.js';

const EMPTY_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze(Object.create(null) as Record<string, Buffer>);

/**
 * Where a batch lies on disk, named in corruption errors. An object rather
 * than a closure: one is made per batch served, and a closure per batch costs
 * more than the batch's CRC check.
 */
export class BatchLocation {
  constructor(
    readonly segmentPath: string,
    readonly bytePosition: number,
  ) {}

  toString(): string {
    return `segment ${this.segmentPath} at byte ${this.bytePosition}`;
  }
}

const NOWHERE = new BatchLocation('(no batch)', -1);
/** Passed by RecordBatchView.open to RecordCursor.attach: nothing else can attach a cursor. */
const ATTACH: unique symbol = Symbol('RecordCursor.attach');
/** Smallest bytes a record takes (record-scan.ts): bounds the record count a batch of some size can hold. */
const MIN_RECORD_BYTES = 28;
const EXTENT_KEYS = ['batchStart', 'recordsStart', 'count', 'nextOffset', 'firstOffset'] as const;
const EXTENT_ALLOWED = 'a batch extent { batchStart, recordsStart, count, nextOffset, firstOffset } of a batch in the fetch buffer';

/**
 * A copy of `extent` (each field read once), checked against the batch it
 * points at in `fetch`'s buffer: integers, the batch header and the whole
 * batch inside the buffer, the first record after the header and inside the
 * batch, 1 ≤ count ≤ the header's record count and what the bytes from the
 * first record can hold, offsets
 * 0 ≤ firstOffset < nextOffset. InvalidArgumentError otherwise. O(1).
 */
function checkExtent(fetch: FetchBuffer, extent: unknown): BatchExtent {
  if (extent === null || typeof extent !== 'object') throw new InvalidArgumentError('extent', extent, EXTENT_ALLOWED);
  const e = readOptions('extent', extent as BatchExtent, EXTENT_KEYS, EXTENT_ALLOWED);
  const buf = fetch.buffer;
  const batchStart = requireInt('extent.batchStart', e.batchStart, 0, Math.max(0, buf.length - BATCH_HEADER_BYTES));
  if (buf.length < BATCH_HEADER_BYTES) throw new InvalidArgumentError('extent.batchStart', batchStart, 'a position in a fetch buffer holding a batch (this one holds none)');
  const size = buf.readUInt32LE(batchStart + 8) + 12;
  if (size < BATCH_HEADER_BYTES || batchStart + size > buf.length) throw new InvalidArgumentError('extent.batchStart', batchStart, 'the start of a whole batch in the fetch buffer');
  const recordsStart = requireInt('extent.recordsStart', e.recordsStart, batchStart + BATCH_HEADER_BYTES, batchStart + size);
  // At most the records the batch header counts (as batchExtent shows), and no more than its bytes can hold.
  const total = buf.readUInt32LE(batchStart + 31);
  const count = requireInt('extent.count', e.count, 1, Math.max(1, Math.min(total, Math.floor((batchStart + size - recordsStart) / MIN_RECORD_BYTES))));
  const firstOffset = requireInt('extent.firstOffset', e.firstOffset, 0);
  const nextOffset = requireInt('extent.nextOffset', e.nextOffset, firstOffset + 1);
  return { batchStart, recordsStart, count, nextOffset, firstOffset };
}
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
const EMPTY_INDEX = new Int32Array(0);

/** Where a view's records lie in its fetch buffer, and which of them are visible. */
export interface BatchExtent {
  /** Index of the batch's first byte in the buffer. */
  batchStart: number;
  /** Index of the first visible record. */
  recordsStart: number;
  /** Number of visible records (≥ 1). */
  count: number;
  /** Offset after the last visible record (the consumer's next position). */
  nextOffset: number;
  /** Offset of the first visible record. */
  firstOffset: number;
}

/**
 * Walk the records of the checked batch at `batchStart` (its end at
 * `batchEnd`) and find the visible ones: offset ≥ `minOffset`, at most
 * `max` of them. Returns null when none is visible. O(records in the batch)
 * when it has to skip or cut, O(1) otherwise. CorruptionError (naming
 * `where`) if a record does not fit the batch.
 */
export function batchExtent(dv: DataView, batchStart: number, batchEnd: number, minOffset: number, max: number, where: BatchLocation): BatchExtent | null {
  const base = dv.getFloat64(batchStart, true);
  const total = dv.getUint32(batchStart + 31, true);
  const last = base + dv.getUint32(batchStart + 19, true);
  if (total === 0 || last < minOffset) return null;
  const first = batchStart + BATCH_HEADER_BYTES;
  if (minOffset <= base && total <= max) {
    // The common case: the whole batch, no walk. Its first record's offset is read from its framing.
    if (first + 8 > batchEnd) throw new CorruptionError(`record 0 of the batch at base offset ${base} overruns the batch in ${where}`);
    return { batchStart, recordsStart: first, count: total, nextOffset: last + 1, firstOffset: base + dv.getUint32(first + 4, true) };
  }
  let p = first;
  let start = -1;
  let firstOffset = -1;
  let count = 0;
  let lastSeen = -1;
  for (let i = 0; i < total && count < max; i++) {
    if (p + 8 > batchEnd) throw new CorruptionError(`record ${i} of the batch at base offset ${base} overruns the batch in ${where}`);
    const len = dv.getUint32(p, true);
    if (len < 24 || p + 4 + len > batchEnd) throw new CorruptionError(`record ${i} of the batch at base offset ${base} has a bad length in ${where}`);
    const offset = base + dv.getUint32(p + 4, true);
    if (offset >= minOffset) {
      if (start < 0) {
        start = p;
        firstOffset = offset;
      }
      count++;
      lastSeen = offset;
    }
    p += 4 + len;
  }
  if (count === 0) return null;
  // Cut short by `max`: resume right after the last record given; else after the batch.
  return { batchStart, recordsStart: start, count, nextOffset: count === max && lastSeen < last ? lastSeen + 1 : last + 1, firstOffset };
}

/** One CRC-checked record batch of a partition, read in place. */
export class RecordBatchView {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the first record this view shows (≥ the offset asked for). */
  readonly firstOffset: number;
  /** Records this view shows. */
  readonly count: number;
  /** Where reading continues after this view. */
  readonly nextOffset: number;
  /** Bytes of the whole batch on disk. */
  readonly sizeBytes: number;
  private readonly fetch: FetchBuffer;
  private readonly generation: number;
  private readonly extent: BatchExtent;
  private readonly where: BatchLocation;
  /** The record index, made by the first cursor opened on this view (`scan`). */
  private index: Int32Array | null = null;
  private indexAt = 0;
  /** Records whose framing the scan accepted (< count: the next one is damaged). */
  private scanned = 0;

  /**
   * A view of the batch `extent` locates in `fetch`'s current window (what
   * the batch read path makes for each batch it hands out). Every argument
   * checked, InvalidArgumentError otherwise: `fetch` a FetchBuffer, `extent`
   * inside its buffer (see checkExtent), `topic` a string, `partition` an
   * integer ≥ 0, `where` a BatchLocation. O(1).
   */
  constructor(fetch: FetchBuffer, extent: BatchExtent, topic: string, partition: number, where: BatchLocation) {
    if (!isInstance(fetch, FetchBuffer)) throw new InvalidArgumentError('fetch', fetch, 'a FetchBuffer');
    extent = checkExtent(fetch, extent);
    if (typeof topic !== 'string') throw new InvalidArgumentError('topic', topic, 'a topic name (a string)');
    requireInt('partition', partition, 0);
    if (!isInstance(where, BatchLocation)) throw new InvalidArgumentError('where', where, 'a BatchLocation');
    this.fetch = fetch;
    this.generation = fetch.generation;
    this.extent = extent;
    this.topic = topic;
    this.partition = partition;
    this.firstOffset = extent.firstOffset;
    this.count = extent.count;
    this.nextOffset = extent.nextOffset;
    this.sizeBytes = fetch.dataView.getUint32(extent.batchStart + 8, true) + 12;
    this.where = where;
  }

  /** Largest timestamp in the batch (from its header). */
  get maxTimestampMs(): number {
    this.checkFresh();
    return this.fetch.dataView.getFloat64(this.extent.batchStart + 23, true);
  }

  /** False once the fetch buffer was refilled (the next poll): reading then throws. O(1). */
  get fresh(): boolean {
    return this.fetch.generation === this.generation;
  }

  private checkFresh(): void {
    if (this.fetch.generation !== this.generation) {
      throw new StateError(`the batch at offset ${this.firstOffset} of ${this.topic}/${this.partition} was read before a later poll reused its buffer; copy records (toMessages) to keep them`, { code: 'STALE_BATCH' });
    }
  }

  /**
   * A cursor before the first visible record; `next()` moves it. Reuse one
   * cursor for many batches with `cursor.reset(view)`. O(1).
   */
  records(): RecordCursor {
    const c = new RecordCursor();
    c.reset(this);
    return c;
  }

  /** @internal Cursor set-up: the buffer, the record index (scanned on first use), the generation. `c` a RecordCursor (InvalidArgumentError otherwise). */
  open(c: RecordCursor): void {
    if (!isInstance(c, RecordCursor)) throw new InvalidArgumentError('cursor', c, 'a RecordCursor');
    this.checkFresh();
    if (this.index === null) {
      const { index, at } = this.fetch.reserveIndex(this.count * SCAN_STRIDE);
      const batchEnd = this.extent.batchStart + this.sizeBytes;
      this.scanned = scanRecords(this.fetch.buffer, this.fetch.dataView, this.extent.recordsStart, batchEnd, this.count, index, at);
      this.index = index;
      this.indexAt = at;
    }
    c.attach(ATTACH, this.fetch, this.generation, this.fetch.dataView, this.fetch.dataView.getFloat64(this.extent.batchStart, true), this.index, this.indexAt, this.scanned, this.count, this.where);
  }

  /**
   * The visible records as message objects that own a copy of the batch's
   * bytes (one copy per batch), so they stay valid after later polls.
   * O(batch bytes + records).
   */
  toMessages(): StoredRecord[] {
    this.checkFresh();
    const copy = Buffer.from(this.fetch.buffer.subarray(this.extent.batchStart, this.extent.batchStart + this.sizeBytes));
    const out: StoredRecord[] = [];
    const c = this.records();
    while (c.next()) {
      const s = this.extent.batchStart;
      const key = c.keyLength < 0 ? null : copy.subarray(c.keyStart - s, c.keyStart - s + c.keyLength);
      const value = c.valueLength < 0 ? null : copy.subarray(c.valueStart - s, c.valueStart - s + c.valueLength);
      const headers = c.headerCount === 0 ? EMPTY_HEADERS : headersOf(copy, c.headersStart - s, c.headerCount);
      out.push({ topic: this.topic, partition: this.partition, offset: c.offset, timestampMs: c.timestampMs, key, value, headers });
    }
    return out;
  }
}

function headersOf(buf: Buffer, start: number, count: number): Record<string, Buffer> {
  const h: Record<string, Buffer> = Object.create(null) as Record<string, Buffer>;
  let q = start;
  for (let j = 0; j < count; j++) {
    const nl = buf.readUInt32LE(q);
    const name = buf.toString('utf8', q + 4, q + 4 + nl);
    q += 4 + nl;
    const hl = buf.readUInt32LE(q);
    h[name] = buf.subarray(q + 4, q + 4 + hl);
    q += 4 + hl;
  }
  return h;
}

/**
 * A position on one record of a batch view. `next()` moves to the next
 * record; the fields describe the current record; `key()`, `value()`,
 * `headers()` make views on demand, and `buffer` with
 * `valueStart`/`valueLength` gives the bytes without any. The view's records
 * were scanned once, when its first cursor was opened (record-scan.ts: every
 * record's framing checked against the batch, its start, offset delta, key
 * and value lengths indexed), so moving reads that index, not the bytes.
 */
export class RecordCursor {
  /**
   * Offset of the current record (−1 before the first `next()`), decoded by
   * `next()`: a number, so it stays readable after a later poll.
   */
  offset = -1;
  /** Length of the current value (−1: tombstone, or before the first `next()`); it starts at `valueStart`. */
  valueLength = -1;
  private fetch: FetchBuffer | null = null;
  private generation = -1;
  private dv: DataView = EMPTY_VIEW;
  private base = 0;
  private index: Int32Array = EMPTY_INDEX;
  /** Slot of the current record in `index` (−1 before the first). */
  private current = -1;
  /** Slot of the next record. */
  private slot = 0;
  /** Slot after the last record the scan accepted. */
  private scannedEnd = 0;
  /** Slot after the last visible record (beyond `scannedEnd`: the record there is damaged). */
  private end = 0;
  private where: BatchLocation = NOWHERE;

  /**
   * Point this cursor before the first record of `view` (a RecordBatchView:
   * InvalidArgumentError otherwise, and the cursor is unchanged). O(1) (the
   * view's first cursor: O(records)).
   */
  reset(view: RecordBatchView): void {
    if (!isInstance(view, RecordBatchView)) throw new InvalidArgumentError('view', view, 'a RecordBatchView');
    view.open(this);
  }

  /** @internal Called by `RecordBatchView.open` (with its token; anything else is a StateError and changes nothing). */
  attach(token: typeof ATTACH, fetch: FetchBuffer, generation: number, dv: DataView, base: number, index: Int32Array, at: number, scanned: number, count: number, where: BatchLocation): void {
    if (token !== ATTACH) throw new StateError('RecordCursor.attach is called by RecordBatchView.open only: use cursor.reset(view)', { code: 'INTERNAL_CALL' });
    this.fetch = fetch;
    this.generation = generation;
    this.dv = dv;
    this.base = base;
    this.index = index;
    this.current = -1;
    this.slot = at;
    this.scannedEnd = at + scanned * SCAN_STRIDE;
    this.end = at + count * SCAN_STRIDE;
    this.offset = -1;
    this.valueLength = -1;
    this.where = where;
  }

  /**
   * Move to the next record; false after the last. O(1).
   * CorruptionError on a record whose framing does not fit the batch;
   * StateError (STALE_BATCH) if a later poll reused the buffer.
   */
  next(): boolean {
    const s = this.slot;
    if (s === this.scannedEnd) return this.pastScanned();
    if ((this.fetch as FetchBuffer).generation !== this.generation) this.checkFresh();
    const index = this.index;
    this.offset = this.base + ((index[s + 1] as number) >>> 0);
    this.valueLength = index[s + 3] as number;
    this.current = s;
    this.slot = s + SCAN_STRIDE;
    return true;
  }

  /** `next()` past the scanned records: the end, or a damaged record. */
  private pastScanned(): false {
    if (this.slot === this.end) return false;
    this.checkFresh();
    throw new CorruptionError(`the record after offset ${this.offset} of the batch at base offset ${this.base} does not fit the batch (its lengths overrun the record or the batch) in ${this.where}`);
  }

  /** Index in `buffer` where the current record starts (its length field; −1 before the first). O(1). */
  get recordStart(): number {
    if (this.current < 0) return -1;
    this.checkFresh();
    return this.index[this.current] as number;
  }

  /** Length of the current key (−1: null key, or before the first `next()`); it starts at `keyStart`. O(1). */
  get keyLength(): number {
    if (this.current < 0) return -1;
    this.checkFresh();
    return this.index[this.current + 2] as number;
  }

  /** The bytes the indexes refer to (the fetch buffer; valid until the next poll). StateError (NO_RECORD) on a cursor not reset to a view. */
  get buffer(): Buffer {
    if (this.fetch === null) throw noRecord();
    return this.fetch.buffer;
  }

  /** StateError (STALE_BATCH) once a later poll refilled the buffer this cursor reads. O(1). */
  private checkFresh(): void {
    if ((this.fetch as FetchBuffer).generation !== this.generation) throw new StateError('a record cursor was used after a later poll reused its buffer', { code: 'STALE_BATCH' });
  }

  /** checkFresh, and StateError (NO_RECORD) unless the cursor is on a record (a `next()` returned true). O(1). */
  private checkRecord(): void {
    if (this.current < 0) throw noRecord();
    this.checkFresh();
  }

  /** How many headers the current record has; they start at `headersStart`. O(1). */
  get headerCount(): number {
    this.checkRecord();
    return this.dv.getUint32(this.headersStart - 4, true);
  }

  /** Index in `buffer` of the current key. O(1). */
  get keyStart(): number {
    return this.recordStart + 20;
  }

  /** Index in `buffer` of the current value. O(1). */
  get valueStart(): number {
    return this.recordStart + 24 + (this.keyLength > 0 ? this.keyLength : 0);
  }

  /** Index in `buffer` of the current record's first header. O(1). */
  get headersStart(): number {
    return this.valueStart + 4 + (this.valueLength > 0 ? this.valueLength : 0);
  }

  /** Timestamp of the current record (CreateTime, ms). O(1). */
  get timestampMs(): number {
    this.checkRecord();
    return this.dv.getFloat64(this.recordStart + 8, true);
  }

  /** The key as a view into the fetch buffer, or null. Allocates one Buffer view. StateError (NO_RECORD) before the first record. */
  key(): Buffer | null {
    this.checkRecord();
    return this.keyLength < 0 ? null : this.buffer.subarray(this.keyStart, this.keyStart + this.keyLength);
  }

  /** The value as a view into the fetch buffer, or null (tombstone). Allocates one Buffer view. StateError (NO_RECORD) before the first record. */
  value(): Buffer | null {
    this.checkRecord();
    return this.valueLength < 0 ? null : this.buffer.subarray(this.valueStart, this.valueStart + this.valueLength);
  }

  /** Header name → value view. O(headers). StateError (NO_RECORD) before the first record. */
  headers(): Readonly<Record<string, Buffer>> {
    this.checkRecord();
    return this.headerCount === 0 ? EMPTY_HEADERS : headersOf(this.buffer, this.headersStart, this.headerCount);
  }
}

/** The error of a reader called on a cursor that is not on a record. */
function noRecord(): StateError {
  return new StateError('the record cursor is not on a record: reset it to a batch view and call next() first', { code: 'NO_RECORD' });
}
