/**
 * The on-disk format of a durable hint store: a sequence of records, each
 *
 *   [u32 LE payload length][u32 LE CRC-32C of the payload][payload: UTF-8 JSON]
 *
 * The first record is a header naming the format and version; then `add`
 * records (one hint each) and `remove` records (ids whose hints were handed
 * off or expired). Replaying the records in order rebuilds the store.
 *
 * Reading tolerates a torn tail: a last record that is incomplete, or complete
 * but failing its checksum, is a write that never finished (it was never
 * acknowledged, because acknowledgement waits for fsync) and is cut off. A
 * bad record *followed by more data*, a foreign header, or a checksummed
 * record that does not parse is corruption (CorruptionError), never skipped.
 */
import { CorruptionError } from '../errors.js';
import { crc32cBytes as crc32c } from '../hash/crc32c-bytes.js';
import { type Hint, assertHint } from './hint.js';

/** Name written in the header record. */
export const HINT_LOG_FORMAT = 'shardkit-hints';
/** Format version written in the header record. */
export const HINT_LOG_VERSION = 1;
/** Largest payload a record may declare; larger lengths are treated as torn or corrupt. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

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

/** Encode one record with its length and checksum. O(record size). */
export function encodeRecord(r: HintLogRecord): Uint8Array {
  const payload = encoder.encode(JSON.stringify(toJson(r)));
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

/** What `decodeLog` found. */
export interface DecodedLog {
  /** The records after the header, in order. */
  readonly records: HintLogRecord[];
  /** The next id recorded in the header (after a compaction), if any. */
  readonly headerNextId: number | undefined;
  /** Bytes of whole, valid records (including the header): where the next append goes. */
  readonly validLength: number;
  /** Bytes after `validLength`: a torn last write, to be cut off. */
  readonly tornBytes: number;
}

/**
 * Decode a whole hint log. An empty file, or one holding only a torn header,
 * decodes as empty. O(file size). Throws CorruptionError as described above.
 */
export function decodeLog(bytes: Uint8Array): DecodedLog {
  const records: HintLogRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  let sawHeader = false;
  let headerNextId: number | undefined;
  while (off < bytes.length) {
    const remaining = bytes.length - off;
    if (remaining < 8) break; // torn frame header
    const len = view.getUint32(off, true);
    const crc = view.getUint32(off + 4, true);
    if (len > MAX_RECORD_BYTES || 8 + len > remaining) {
      // The declared record runs past the end: a torn tail.
      break;
    }
    const payload = bytes.subarray(off + 8, off + 8 + len);
    if (crc32c(payload) !== crc) {
      if (off + 8 + len === bytes.length) break; // a torn last record
      throw new CorruptionError(`hint log record at byte ${off}: checksum mismatch with ${bytes.length - off - 8 - len} bytes after it`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(payload));
    } catch (e) {
      throw new CorruptionError(`hint log record at byte ${off}: checksum matches but the payload is not JSON`, { cause: e });
    }
    const rec = fromJson(parsed, off);
    if (!sawHeader) {
      if (rec.type !== 'header' || rec.format !== HINT_LOG_FORMAT) throw new CorruptionError(`not a hint log: the first record is not a ${HINT_LOG_FORMAT} header`);
      if (rec.version !== HINT_LOG_VERSION) throw new CorruptionError(`hint log format version ${rec.version}; this build reads version ${HINT_LOG_VERSION}`);
      sawHeader = true;
      headerNextId = rec.nextId;
    } else {
      if (rec.type === 'header') throw new CorruptionError(`hint log record at byte ${off}: a second header`);
      records.push(rec);
    }
    off += 8 + len;
  }
  return { records, headerNextId, validLength: off, tornBytes: bytes.length - off };
}
