/**
 * Validation at the edge of the log: topic names, group ids and messages are
 * checked, and messages turned into encodable records, before anything is
 * stored (ARCHITECTURE.md, principle 8). A send with one bad message stores
 * none of them.
 */
import { InvalidArgumentError, ShardkitError, describeValue } from '../errors.js';
import type { Bytes, Message, RecordInput } from './types.js';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Kafka's rule: 1–249 of [a-zA-Z0-9._-], not "." or "..". Returns the name. O(length). */
export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError('topic', name, '1 to 249 characters of a-z A-Z 0-9 . _ -, not "." or ".."');
  }
  return name;
}

/** A group id: a non-empty string of at most 255 characters. */
export function checkGroupId(groupId: unknown): string {
  if (typeof groupId !== 'string' || groupId.length === 0 || groupId.length > 255) {
    throw new InvalidArgumentError('groupId', groupId, 'a non-empty string of at most 255 characters');
  }
  return groupId;
}

const encoder = new TextEncoder();

function toBytes(parameter: string, v: unknown, nullable: boolean): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return encoder.encode(v);
  if (nullable && (v === null || v === undefined)) return null;
  throw new InvalidArgumentError(parameter, v, nullable ? 'a string, a Uint8Array or null' : 'a string or a Uint8Array');
}

/** Bytes of a string (UTF-8) or the bytes themselves. */
export function bytesOf(b: Bytes): Uint8Array {
  return typeof b === 'string' ? encoder.encode(b) : b;
}

/**
 * Check one message and convert it to a record stamped `nowMs` unless it
 * carries its own timestamp. Throws InvalidArgumentError naming the field.
 * O(message bytes).
 */
export function toRecord(m: unknown, index: number, nowMs: number): RecordInput {
  try {
    return readRecord(m, index, nowMs);
  } catch (e) {
    // A field that throws when read (a trapping proxy, a throwing getter) is bad input too.
    if (e instanceof ShardkitError) throw e;
    throw new InvalidArgumentError(`messages[${index}]`, m, `a message whose fields can be read (reading one threw: ${describeValue(e instanceof Error ? e.message : e)})`);
  }
}

function readRecord(m: unknown, index: number, nowMs: number): RecordInput {
  if (m === null || typeof m !== 'object' || Array.isArray(m) || m instanceof Uint8Array) {
    throw new InvalidArgumentError(`messages[${index}]`, m, 'an object { key?, value, partition?, timestampMs?, headers? }');
  }
  const msg = m as Message;
  if (!('value' in msg)) throw new InvalidArgumentError(`messages[${index}].value`, undefined, 'a string, a Uint8Array or null (a tombstone)');
  const value = msg.value === null ? null : toBytes(`messages[${index}].value`, msg.value, false);
  const key = toBytes(`messages[${index}].key`, msg.key, true);
  let timestampMs = nowMs;
  if (msg.timestampMs !== undefined) {
    if (typeof msg.timestampMs !== 'number' || !Number.isSafeInteger(msg.timestampMs) || msg.timestampMs < 0) {
      throw new InvalidArgumentError(`messages[${index}].timestampMs`, msg.timestampMs, 'an integer ≥ 0 (ms since the epoch)');
    }
    timestampMs = msg.timestampMs;
  }
  const headers: [string, Uint8Array][] = [];
  if (msg.headers !== undefined) {
    if (msg.headers === null || typeof msg.headers !== 'object' || Array.isArray(msg.headers)) {
      throw new InvalidArgumentError(`messages[${index}].headers`, msg.headers, 'an object of header name → string or Uint8Array');
    }
    for (const [name, v] of Object.entries(msg.headers)) headers.push([name, toBytes(`messages[${index}].headers[${describeValue(name)}]`, v, false)!]);
  }
  return { key, value, timestampMs, headers };
}
