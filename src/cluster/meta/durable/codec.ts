/**
 * What the metadata log and snapshot hold, as JSON payloads inside CRC-checked
 * frames (./frame.ts): a log record is `{seq, e: [effects]}`, one committed
 * call; the snapshot is the core's state and the last record it includes.
 * Values are base64. Decoding validates the shape: a payload that passes its
 * CRC but is not a record this version wrote is a CorruptionError.
 */
import { CorruptionError } from '../../../errors.js';
import type { MetaEffect, MetaState } from '../core.js';
import type { KeyValue } from '../types.js';

/** One log record: the effects of one call, numbered from 1 without gaps. */
export interface LogRecord {
  readonly seq: number;
  readonly effects: readonly MetaEffect[];
}

/** The snapshot: the state after record `lastSeq`. */
export interface Snapshot {
  readonly lastSeq: number;
  readonly state: MetaState;
}

const b64 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64');
const unb64 = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== 'string') throw new CorruptionError(`${what}: value is not base64 text`);
  return new Uint8Array(Buffer.from(s, 'base64'));
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw new CorruptionError(`${what}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
};
const int = (v: unknown, what: string, min: number): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new CorruptionError(`${what}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
};

function effectToJson(e: MetaEffect): object {
  switch (e.type) {
    case 'put':
      return e.lease === undefined ? { t: 'put', k: e.key, v: b64(e.value) } : { t: 'put', k: e.key, v: b64(e.value), l: e.lease };
    case 'delete':
      return { t: 'del', k: e.key };
    case 'grant':
      return { t: 'grant', l: e.lease, ttl: e.ttlMs };
    case 'end':
      return { t: 'end', l: e.lease };
  }
}

function effectFromJson(j: unknown, what: string): MetaEffect {
  const o = (j ?? {}) as Record<string, unknown>;
  switch (o.t) {
    case 'put':
      return o.l === undefined ? { type: 'put', key: str(o.k, what), value: unb64(o.v, what) } : { type: 'put', key: str(o.k, what), value: unb64(o.v, what), lease: str(o.l, what) };
    case 'del':
      return { type: 'delete', key: str(o.k, what) };
    case 'grant':
      return { type: 'grant', lease: str(o.l, what), ttlMs: int(o.ttl, what, 1) };
    case 'end':
      return { type: 'end', lease: str(o.l, what) };
    default:
      throw new CorruptionError(`${what}: unknown effect ${JSON.stringify(j)?.slice(0, 80)}`);
  }
}

function parse(payload: Uint8Array, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch (e) {
    throw new CorruptionError(`${what}: payload is not JSON`, { cause: e });
  }
  throw new CorruptionError(`${what}: payload is not an object`);
}

/** A log record as bytes. O(size). */
export function encodeRecord(r: LogRecord): Uint8Array {
  return Buffer.from(JSON.stringify({ seq: r.seq, e: r.effects.map(effectToJson) }), 'utf8');
}

/** A log record from bytes (CorruptionError naming `what` when malformed). */
export function decodeRecord(payload: Uint8Array, what: string): LogRecord {
  const o = parse(payload, what);
  if (!Array.isArray(o.e)) throw new CorruptionError(`${what}: record has no effects list`);
  return { seq: int(o.seq, what, 1), effects: o.e.map((e) => effectFromJson(e, what)) };
}

/** The snapshot as bytes. O(state). */
export function encodeSnapshot(s: Snapshot): Uint8Array {
  const kvs = s.state.kvs.map((kv) => ({ k: kv.key, v: b64(kv.value), c: kv.createRevision, m: kv.modRevision, ...(kv.lease === undefined ? {} : { l: kv.lease }) }));
  const leases = s.state.leases.map((l) => ({ id: l.id, ttl: l.ttlMs }));
  return Buffer.from(JSON.stringify({ format: 1, lastSeq: s.lastSeq, revision: s.state.revision, nextLease: s.state.nextLease, kvs, leases }), 'utf8');
}

/** The snapshot from bytes (CorruptionError when malformed). */
export function decodeSnapshot(payload: Uint8Array, what: string): Snapshot {
  const o = parse(payload, what);
  if (o.format !== 1) throw new CorruptionError(`${what}: format ${JSON.stringify(o.format)}; this version reads format 1`);
  if (!Array.isArray(o.kvs) || !Array.isArray(o.leases)) throw new CorruptionError(`${what}: kvs and leases must be lists`);
  const kvs = o.kvs.map((j): KeyValue => {
    const x = (j ?? {}) as Record<string, unknown>;
    const base = { key: str(x.k, what), value: unb64(x.v, what), createRevision: int(x.c, what, 1), modRevision: int(x.m, what, 1) };
    return x.l === undefined ? base : { ...base, lease: str(x.l, what) };
  });
  const leases = o.leases.map((j) => {
    const x = (j ?? {}) as Record<string, unknown>;
    return { id: str(x.id, what), ttlMs: int(x.ttl, what, 1) };
  });
  return { lastSeq: int(o.lastSeq, what, 0), state: { revision: int(o.revision, what, 0), nextLease: int(o.nextLease, what, 1), kvs, leases } };
}
