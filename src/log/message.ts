/**
 * Validation at the edge of the log: topic names, group ids and messages are
 * checked, and messages turned into encodable records, before anything is
 * stored (ARCHITECTURE.md, principle 8). A send with one bad message stores
 * none of them.
 */
import { InvalidArgumentError, ShardkitError, describeThrown, describeValue, isArraySafe, isInstance, readArray, readOptions } from '../errors.js';
import type { Bytes, Message, RecordInput, TopicPartition } from './types.js';

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
  if (isInstance(v, Uint8Array)) return v;
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
  return readMessage(m, index, nowMs).record;
}

/**
 * Like toRecord, and also the message's `partition` field as given (the
 * producer checks it against the topic): every field of the message is read
 * exactly once, so what is checked is what is stored. O(message bytes).
 */
export function readMessage(m: unknown, index: number, nowMs: number): { record: RecordInput; partition: unknown } {
  try {
    return readRecord(m, index, nowMs);
  } catch (e) {
    // A field that throws when read (a trapping proxy, a throwing getter) is bad input too.
    if (e instanceof ShardkitError) throw e;
    throw new InvalidArgumentError(`messages[${index}]`, m, `a message whose fields can be read (reading one threw: ${describeThrown(e)})`);
  }
}

function readRecord(m: unknown, index: number, nowMs: number): { record: RecordInput; partition: unknown } {
  const allowed = 'an object { key?, value, partition?, timestampMs?, headers? }';
  if (m === null || typeof m !== 'object' || isArraySafe(m) || isInstance(m, Uint8Array)) throw new InvalidArgumentError(`messages[${index}]`, m, allowed);
  const msg = readOptions(`messages[${index}]`, m as Message, ['key', 'value', 'partition', 'timestampMs', 'headers'], allowed) as Message;
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
    if (msg.headers === null || typeof msg.headers !== 'object' || isArraySafe(msg.headers)) {
      throw new InvalidArgumentError(`messages[${index}].headers`, msg.headers, 'an object of header name → string or Uint8Array');
    }
    for (const [name, v] of Object.entries(msg.headers)) {
      // A lone surrogate would be stored as U+FFFD: a different name than the one given.
      if (!(name as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new InvalidArgumentError(`messages[${index}].headers`, name, 'header names of well-formed UTF-16 (no lone surrogates)');
      headers.push([name, toBytes(`messages[${index}].headers[${describeValue(name)}]`, v, false)!]);
    }
  }
  return { record: { key, value, timestampMs, headers }, partition: msg.partition };
}

/**
 * Check records given to `Broker.append` from outside (the producer's are
 * made by `toRecord`): a non-empty array of { key: Uint8Array | null, value:
 * Uint8Array | null, timestampMs: integer ≥ 0, headers: [name, Uint8Array][] },
 * each field read once. Returns the copies; throws InvalidArgumentError naming
 * the record and field. O(records + headers).
 */
export function readRecordInputs(records: unknown): RecordInput[] {
  const list = readArray('records', records, 'a non-empty array of records { key, value, timestampMs, headers }');
  return list.map((r, i): RecordInput => {
    const at = `records[${i}]`;
    const allowed = 'a record { key: Uint8Array | null, value: Uint8Array | null, timestampMs: integer ≥ 0, headers: [name, Uint8Array][] }';
    if (r === null || typeof r !== 'object' || isArraySafe(r)) throw new InvalidArgumentError(at, r, allowed);
    const o = readOptions(at, r as RecordInput, ['key', 'value', 'timestampMs', 'headers'], allowed);
    const bytesOrNull = (field: string, v: unknown): Uint8Array | null => {
      if (v === null || isInstance(v, Uint8Array)) return v;
      throw new InvalidArgumentError(`${at}.${field}`, v, 'a Uint8Array or null');
    };
    const key = bytesOrNull('key', o.key ?? null);
    // No default for value: a missing value must not become a tombstone.
    const value = bytesOrNull('value', o.value);
    const ts = o.timestampMs;
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) throw new InvalidArgumentError(`${at}.timestampMs`, ts, 'an integer ≥ 0 (ms since the epoch)');
    const headers = readArray(`${at}.headers`, o.headers, 'an array of [name, Uint8Array] pairs').map((hd, j) => {
      const pair = readArray(`${at}.headers[${j}]`, hd, 'a [name, Uint8Array] pair');
      if (pair.length !== 2 || typeof pair[0] !== 'string' || !isInstance(pair[1], Uint8Array)) throw new InvalidArgumentError(`${at}.headers[${j}]`, hd, 'a [name, Uint8Array] pair');
      // A lone surrogate would be stored as U+FFFD: a different name than the one given.
      if (!(pair[0] as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new InvalidArgumentError(`${at}.headers[${j}][0]`, pair[0], 'a header name of well-formed UTF-16 (no lone surrogates)');
      return [pair[0], pair[1]] as const;
    });
    return { key, value, timestampMs: ts, headers };
  });
}

/** An offset to commit, as read from outside. */
export interface OffsetCommitInput extends TopicPartition {
  offset: number;
}

/**
 * Offsets to commit from outside, each entry and field read once: an array of
 * { topic, partition, offset }. Types only (the broker checks that the topic
 * and partition exist and that the offset is an integer ≥ 0). O(offsets).
 */
export function readOffsetCommits(offsets: unknown): OffsetCommitInput[] {
  const list = readArray('offsets', offsets, 'an array of { topic, partition, offset }');
  return list.map((c, i) => {
    const allowed = 'an offset commit { topic, partition, offset }';
    if (c === null || typeof c !== 'object' || isArraySafe(c)) throw new InvalidArgumentError(`offsets[${i}]`, c, allowed);
    const o = readOptions(`offsets[${i}]`, c as OffsetCommitInput, ['topic', 'partition', 'offset'], allowed);
    return { topic: o.topic as string, partition: o.partition as number, offset: o.offset as number };
  });
}

/**
 * Topic-partitions from outside (an assignment), each entry and field read
 * once: an array of { topic, partition }. Types only; the broker checks that
 * each exists. O(partitions).
 */
export function readTopicPartitions(partitions: unknown): TopicPartition[] {
  const list = readArray('partitions', partitions, 'an array of { topic, partition }');
  return list.map((tp, i) => {
    const allowed = 'a topic-partition { topic, partition }';
    if (tp === null || typeof tp !== 'object' || isArraySafe(tp)) throw new InvalidArgumentError(`partitions[${i}]`, tp, allowed);
    const o = readOptions(`partitions[${i}]`, tp as TopicPartition, ['topic', 'partition'], allowed);
    return { topic: o.topic as string, partition: o.partition as number };
  });
}

/**
 * Check that an object-valued option (a clock, a storage adapter, a
 * partitioner) has `methods`, each read once; a non-object, a missing method
 * or a read that throws is an InvalidArgumentError saying what is allowed.
 * O(methods).
 */
export function requireMethods(parameter: string, value: unknown, methods: readonly string[], allowed: string): void {
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError(parameter, value, allowed);
  const found = readOptions(parameter, value as Record<string, unknown>, methods, allowed);
  for (const m of methods) if (typeof found[m] !== 'function') throw new InvalidArgumentError(parameter, value, `${allowed} (${m} is not a function)`);
}
