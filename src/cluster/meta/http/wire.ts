/**
 * The metadata service's wire format, shared by server and client: HTTP/1.1
 * with JSON bodies. Every call is `POST /v1/<op>` with a JSON object; the
 * answer is `{"result": ...}` or `{"error": {code, message, retriable, ...}}`.
 * A watch is `GET /v1/watch?prefix=&from=`, answered by a stream of
 * newline-delimited JSON lines: `{"events": [...]}`, `{"heartbeat": n}`, or a
 * last `{"error": {...}}`. Values travel as base64.
 */
import { CapacityError, CorruptionError, InvalidArgumentError, ShardkitError, StateError } from '../../../errors.js';
import { CompactedError, LeaseLostError } from '../errors.js';
import type { KeyValue, WatchEvent } from '../types.js';

/** A key-value pair on the wire. */
export interface WireKv {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly lease?: string;
}

export type WireEvent = { readonly type: 'put'; readonly kv: WireKv; readonly revision: number } | { readonly type: 'delete'; readonly key: string; readonly revision: number };

/** An error on the wire. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retriable: boolean;
  readonly parameter?: string;
  readonly allowed?: string;
  readonly leaseId?: string;
  readonly requestedRevision?: number;
  readonly compactRevision?: number;
}

export function kvToWire(kv: KeyValue): WireKv {
  const value = Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.length).toString('base64');
  return { key: kv.key, value, createRevision: kv.createRevision, modRevision: kv.modRevision, ...(kv.lease === undefined ? {} : { lease: kv.lease }) };
}

export function kvFromWire(w: WireKv): KeyValue {
  const value = new Uint8Array(Buffer.from(w.value, 'base64'));
  return { key: w.key, value, createRevision: w.createRevision, modRevision: w.modRevision, ...(w.lease === undefined ? {} : { lease: w.lease }) };
}

export function eventToWire(ev: WatchEvent): WireEvent {
  return ev.type === 'put' ? { type: 'put', kv: kvToWire(ev.kv), revision: ev.revision } : ev;
}

export function eventFromWire(w: WireEvent): WatchEvent {
  return w.type === 'put' ? { type: 'put', kv: kvFromWire(w.kv), revision: w.revision } : { type: 'delete', key: w.key, revision: w.revision };
}

/** An error as the server sends it. */
export function errorToWire(e: unknown): WireError {
  if (!(e instanceof ShardkitError)) return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), retriable: false };
  const base = { code: e.code, message: e.message, retriable: e.retriable };
  if (e instanceof InvalidArgumentError) return { ...base, parameter: e.parameter, allowed: e.allowed };
  if (e instanceof LeaseLostError) return { ...base, leaseId: e.leaseId };
  if (e instanceof CompactedError) return { ...base, requestedRevision: e.requestedRevision, compactRevision: e.compactRevision };
  return base;
}

/** The typed error a wire error stands for, with the server's message. */
export function errorFromWire(w: WireError): ShardkitError {
  let e: ShardkitError;
  switch (w.code) {
    case 'INVALID_ARGUMENT':
      e = new InvalidArgumentError(w.parameter ?? 'argument', undefined, w.allowed ?? '');
      break;
    case 'LEASE_LOST':
      e = new LeaseLostError(w.leaseId ?? '');
      break;
    case 'COMPACTED':
      e = new CompactedError(w.requestedRevision ?? 0, w.compactRevision ?? 0);
      break;
    case 'CAPACITY_EXCEEDED':
      e = new CapacityError(w.message);
      break;
    case 'CORRUPTION':
      e = new CorruptionError(w.message);
      break;
    default:
      e = new StateError(w.message, { code: w.code, retriable: w.retriable });
  }
  e.message = w.message;
  return e;
}

/** HTTP status for an error (the body says the rest). */
export function statusOf(e: WireError): number {
  if (e.code === 'INVALID_ARGUMENT') return 400;
  if (e.code === 'LEASE_LOST' || e.code === 'NOT_FOUND') return 404;
  if (e.code === 'CAPACITY_EXCEEDED') return 429;
  if (e.code === 'INTERNAL' || e.code === 'STORAGE_FAILED' || e.code === 'CORRUPTION') return 500;
  return 409;
}
