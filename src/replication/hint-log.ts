/**
 * The on-disk format of a durable hint store: a sequence of records, each
 *
 *   [u32 LE payload length][u32 LE CRC-32C of the payload][payload: UTF-8 JSON]
 *
 * The first record is a header naming the format and version; then `add`
 * records (one hint each) and `remove` records (ids whose hints were handed
 * off or expired). Replaying the records in order rebuilds the store.
 *
 * Reading tells a torn tail from damage. A torn tail is the last record,
 * incomplete: its frame header is cut, or its declared length runs past the
 * end of the file and the bytes that are there do not check out as a whole
 * record; or it is complete in length but its payload is not a record (a
 * write whose data never reached the disk). It was never acknowledged
 * (acknowledgement waits for fsync) and is cut off. Everything else that
 * fails validation is damage (HintLogCorruptionError, naming the byte
 * offset), never skipped and never cut off: a bad record followed by more
 * bytes, a bad record followed by valid records (found by scanning forward
 * for the next frame whose length, checksum and payload are valid), a last
 * record that is whole but whose length or checksum field was altered, a
 * foreign header, a checksummed record that does not parse. With `resync`
 * the decoder skips each damaged range instead and reports it, so a repair
 * keeps every valid record before and after the damage.
 */
import { CorruptionError, InvalidArgumentError, isInstance, readOptions } from '../errors.js';
import { crc32cBytes as crc32c } from '../hash/crc32c-bytes.js';
import { type Hint, assertHint, readHint } from './hint.js';
import { readHintIds } from './hint-store.js';

/** Name written in the header record. */
export const HINT_LOG_FORMAT = 'shardkit-hints';
/** Format version written in the header record. */
export const HINT_LOG_VERSION = 1;
/** Largest payload a record may declare; larger lengths are treated as torn or corrupt. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** A header record is shorter than this: a longer file without a valid first record is not a torn header. */
const MAX_HEADER_BYTES = 128;

/** One record of the hint log. */
export type HintLogRecord =
  | { readonly type: 'header'; readonly format: string; readonly version: number; readonly nextId?: number }
  | { readonly type: 'add'; readonly hint: Hint }
  | { readonly type: 'remove'; readonly ids: readonly number[] };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function toJson(r: HintLogRecord): unknown {
  switch (r.type) {
    case 'header':
      return r.nextId === undefined ? { t: 'h', f: r.format, v: r.version } : { t: 'h', f: r.format, v: r.version, n: r.nextId };
    case 'add': {
      const h = r.hint;
      return { t: 'a', id: h.id, tg: h.target, k: h.key, val: h.value, c: h.version.counter, co: h.version.coordinator, at: h.createdAtMs, ttl: h.ttlMs };
    }
    case 'remove':
      return { t: 'r', ids: r.ids };
  }
}

function fromJson(o: unknown, offset: number): HintLogRecord {
  const bad = (why: string): CorruptionError => new CorruptionError(`hint log record at byte ${offset}: ${why}`);
  if (o === null || typeof o !== 'object') throw bad('not an object');
  const j = o as Record<string, unknown>;
  if (j.t === 'h') {
    if (typeof j.f !== 'string' || typeof j.v !== 'number') throw bad('malformed header');
    if (j.n !== undefined && !(Number.isSafeInteger(j.n) && (j.n as number) >= 1)) throw bad('malformed next id');
    return j.n === undefined ? { type: 'header', format: j.f, version: j.v } : { type: 'header', format: j.f, version: j.v, nextId: j.n as number };
  }
  if (j.t === 'a') {
    const hint = { id: j.id, target: j.tg, key: j.k, value: j.val, version: { counter: j.c, coordinator: j.co }, createdAtMs: j.at, ttlMs: j.ttl };
    try {
      assertHint(hint);
    } catch (e) {
      throw new CorruptionError(`hint log record at byte ${offset}: invalid hint (${(e as Error).message})`, { cause: e });
    }
    return { type: 'add', hint };
  }
  if (j.t === 'r') {
    if (!Array.isArray(j.ids) || !j.ids.every((x) => Number.isSafeInteger(x) && (x as number) >= 1)) throw bad('malformed id list');
    return { type: 'remove', ids: j.ids as number[] };
  }
  throw bad(`unknown record type ${JSON.stringify(j.t)}`);
}

/**
 * A validated copy of a record from outside, each field read once: a header
 * (format string, version number, optional next id ≥ 1), an add (a whole
 * hint, id included) or a remove (hint ids). Throws InvalidArgumentError. O(record).
 */
function readRecord(r: unknown): HintLogRecord {
  const allowed = "a hint log record: { type: 'header', format, version, nextId? }, { type: 'add', hint } or { type: 'remove', ids }";
  if (r === null || typeof r !== 'object') throw new InvalidArgumentError('record', r, allowed);
  const o = readOptions('record', r as { type?: unknown; format?: unknown; version?: unknown; nextId?: unknown; hint?: unknown; ids?: unknown }, ['type', 'format', 'version', 'nextId', 'hint', 'ids'], allowed);
  switch (o.type) {
    case 'header':
      if (typeof o.format !== 'string' || typeof o.version !== 'number' || !Number.isSafeInteger(o.version)) throw new InvalidArgumentError('header record', r, 'a format string and an integer version');
      if (o.nextId !== undefined && !(typeof o.nextId === 'number' && Number.isSafeInteger(o.nextId) && o.nextId >= 1)) throw new InvalidArgumentError('header nextId', o.nextId, 'an integer ≥ 1 or undefined');
      return o.nextId === undefined ? { type: 'header', format: o.format, version: o.version } : { type: 'header', format: o.format, version: o.version, nextId: o.nextId };
    case 'add': {
      return { type: 'add', hint: readHint(o.hint) };
    }
    case 'remove':
      return { type: 'remove', ids: readHintIds(o.ids) };
    default:
      throw new InvalidArgumentError('record type', o.type, '"header", "add" or "remove"');
  }
}

/** Encode one record with its length and checksum. O(record size). */
export function encodeRecord(r: HintLogRecord): Uint8Array {
  const payload = encoder.encode(JSON.stringify(toJson(readRecord(r))));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32c(payload), true);
  out.set(payload, 8);
  return out;
}

/** Encode several records into one buffer (one write, one fsync). */
export function encodeRecords(records: readonly HintLogRecord[]): Uint8Array {
  const parts = records.map(encodeRecord);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The header record every hint log starts with; `nextId` (after a compaction) keeps ids from being reused. */
export function headerRecord(nextId?: number): HintLogRecord {
  return nextId === undefined ? { type: 'header', format: HINT_LOG_FORMAT, version: HINT_LOG_VERSION } : { type: 'header', format: HINT_LOG_FORMAT, version: HINT_LOG_VERSION, nextId };
}

/** A damaged byte range of a hint log: from a bad record to the next valid one (or the end). */
export interface DamagedRange {
  /** Byte offset of the first bad byte (the start of the bad frame). */
  readonly offset: number;
  /** Bytes skipped: up to the next valid record, or to the end of the file. */
  readonly bytes: number;
  /** What was wrong at `offset`. */
  readonly reason: string;
}

/** A hint log that fails validation in a way a crash cannot explain; `offset` is the bad frame's byte offset. */
export class HintLogCorruptionError extends CorruptionError {
  constructor(
    readonly offset: number,
    readonly reason: string,
    readonly file?: string,
  ) {
    super(`${file === undefined ? 'hint log' : `hint log ${file}`}: damaged record at byte ${offset}: ${reason}`);
  }
}

/** What `decodeLog` found. */
export interface DecodedLog {
  /** The valid records after the header, in order. */
  readonly records: HintLogRecord[];
  /** The next id recorded in the header (after a compaction), if any. */
  readonly headerNextId: number | undefined;
  /** Bytes up to the end of the last whole record (including the header): where the next append goes. */
  readonly validLength: number;
  /** Bytes after `validLength`: a torn last write, to be cut off. */
  readonly tornBytes: number;
  /** Damaged ranges skipped (only with `resync`; otherwise the first one throws). */
  readonly damage: DamagedRange[];
  /** False when the header itself was damaged and skipped (only with `resync`). */
  readonly sawHeader: boolean;
}

type Frame = { ok: true; len: number; rec: HintLogRecord } | { ok: false; reason: string };

/** Validate the frame at `off`: length within the file, checksum, payload a well-formed record. */
function frameAt(bytes: Uint8Array, view: DataView, off: number): Frame {
  const remaining = bytes.length - off;
  if (remaining < 8) return { ok: false, reason: `a frame header cut after ${remaining} bytes` };
  const len = view.getUint32(off, true);
  if (len > MAX_RECORD_BYTES) return { ok: false, reason: `declared length ${len} exceeds ${MAX_RECORD_BYTES}` };
  if (8 + len > remaining) return { ok: false, reason: `declared length ${len} runs past the end (${remaining - 8} bytes follow)` };
  const payload = bytes.subarray(off + 8, off + 8 + len);
  if (crc32c(payload) !== view.getUint32(off + 4, true)) return { ok: false, reason: `checksum mismatch with ${remaining - 8 - len} bytes after the record` };
  return parsePayload(payload, off);
}

function parsePayload(payload: Uint8Array, off: number): Frame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(payload));
  } catch {
    return { ok: false, reason: 'the payload is not JSON' };
  }
  try {
    return { ok: true, len: payload.length, rec: fromJson(parsed, off) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** The first offset after `from` where a valid record frame starts, or undefined. O(bytes) with cheap filters before each checksum. */
function nextValidFrame(bytes: Uint8Array, view: DataView, from: number): number | undefined {
  for (let p = from; p + 8 <= bytes.length; p++) {
    const len = view.getUint32(p, true);
    if (len < 2 || 8 + len > bytes.length - p) continue;
    // Every payload is a JSON object: cheap filters before the checksum.
    if (bytes[p + 8] !== 0x7b || bytes[p + 7 + len] !== 0x7d) continue;
    if (frameAt(bytes, view, p).ok) return p;
  }
  return undefined;
}

/**
 * With no valid record after the bad frame at `off`: is it a torn last write
 * (true) or a damaged last record (false)? A whole record whose length field
 * was altered still checks out over the bytes that remain; a whole record
 * whose checksum field or payload was altered still parses as a record.
 */
function isTornTail(bytes: Uint8Array, view: DataView, off: number): boolean {
  const remaining = bytes.length - off;
  if (remaining < 8) return true;
  // A tail of zeros: blocks allocated by an append whose data never reached the disk.
  if (bytes.subarray(off).every((b) => b === 0)) return true;
  const len = view.getUint32(off, true);
  const rest = bytes.subarray(off + 8);
  if (8 + len > remaining || len > MAX_RECORD_BYTES) {
    // Runs past the end: torn, unless what remains is a whole record under its checksum.
    return !(crc32c(rest) === view.getUint32(off + 4, true) && parsePayload(rest, off).ok);
  }
  if (8 + len < remaining) return false; // more bytes after a bad record
  if (crc32c(rest) === view.getUint32(off + 4, true)) return false; // checksummed, yet not a record
  return !parsePayload(rest, off).ok;
}

/**
 * Decode a whole hint log. An empty file, or one holding only a torn header,
 * decodes as empty. O(file size); a damaged range costs a forward scan.
 * Throws HintLogCorruptionError at the first damage (or, with `resync`,
 * skips and reports every damaged range), CorruptionError for a foreign file
 * or a future format version.
 */
export function decodeLog(bytes: Uint8Array, given: { resync?: boolean } = {}): DecodedLog {
  if (!isInstance(bytes, Uint8Array)) throw new InvalidArgumentError('bytes', bytes, 'a Uint8Array (the whole file)');
  const options = readOptions('options', given, ['resync']);
  if (options.resync !== undefined && options.resync !== null && typeof options.resync !== 'boolean') throw new InvalidArgumentError('resync', options.resync, 'true or false');
  const records: HintLogRecord[] = [];
  const damage: DamagedRange[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let first = true;
  let sawHeader = false;
  let headerNextId: number | undefined;
  let tornBytes = 0;
  while (off < bytes.length) {
    const f = frameAt(bytes, view, off);
    if (f.ok) {
      const rec = f.rec;
      if (first) {
        if (rec.type !== 'header' || rec.format !== HINT_LOG_FORMAT) throw new CorruptionError(`not a hint log: the first record is not a ${HINT_LOG_FORMAT} header`);
        if (rec.version !== HINT_LOG_VERSION) throw new CorruptionError(`hint log format version ${rec.version}; this build reads version ${HINT_LOG_VERSION}`);
        sawHeader = true;
        headerNextId = rec.nextId;
      } else if (rec.type === 'header') {
        throw new HintLogCorruptionError(off, 'a second header');
      } else {
        records.push(rec);
      }
      first = false;
      off += 8 + f.len;
      continue;
    }
    const next = nextValidFrame(bytes, view, off + 1);
    if (next === undefined && isTornTail(bytes, view, off)) {
      if (off === 0 && bytes.length > MAX_HEADER_BYTES) throw new CorruptionError(`not a hint log: ${bytes.length} bytes without a valid header`);
      tornBytes = bytes.length - off;
      break;
    }
    const end = next ?? bytes.length;
    const reason = next === undefined ? f.reason : `${f.reason}; the next valid record starts at byte ${next}`;
    if (!options.resync) throw new HintLogCorruptionError(off, reason);
    damage.push({ offset: off, bytes: end - off, reason });
    first = false;
    off = end;
  }
  return { records, headerNextId, validLength: bytes.length - tornBytes, tornBytes, damage, sawHeader };
}
