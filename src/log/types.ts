/**
 * The values the partitioned log speaks in: what a producer sends, what a
 * consumer receives, and the names of topics and partitions (Kafka's words,
 * ARCHITECTURE.md vocabulary).
 */
import { InvalidArgumentError, isArraySafe, readOptions, requireInt } from '../errors.js';

/** Bytes or text (stored as UTF-8). */
export type Bytes = string | Uint8Array;

/** One message as a producer gives it. */
export interface Message {
  /** Routing key (UTF-8 if a string); `null`/absent: unkeyed. */
  key?: Bytes | null;
  /** The payload; `null` is a tombstone (deletes the key under compaction). */
  value: Bytes | null;
  /** Explicit partition: wins over the key. */
  partition?: number;
  /** Record timestamp in ms (CreateTime); default: the broker clock at append. */
  timestampMs?: number;
  /** Header name → value. */
  headers?: Readonly<Record<string, Bytes>>;
}

/** A record ready to be encoded: every field already bytes. */
export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestampMs: number;
  headers: ReadonlyArray<readonly [string, Uint8Array]>;
}

/** A record as stored and read back: the bytes are views into a read buffer. */
export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Readonly<Record<string, Buffer>>;
}

/** A record as a consumer receives it. */
export type ConsumedMessage = StoredRecord;

/** What `produce` returns for each message: where it landed. */
export interface ProduceResult {
  topic: string;
  partition: number;
  offset: number;
  timestampMs: number;
}

/** A partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** When appended batches are made durable. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** `topic/partition`, the canonical string form of a TopicPartition. `topic` a string, `partition` an integer ≥ 0; InvalidArgumentError otherwise. O(1). */
export function tpKey(topic: string, partition: number): string {
  if (typeof topic !== 'string') throw new InvalidArgumentError('topic', topic, 'a topic name (a string)');
  requireInt('partition', partition, 0);
  return `${topic}/${partition}`;
}

const TP_ALLOWED = 'a topic-partition { topic: a string, partition: an integer ≥ 0 }';

/** The fields of a topic-partition from outside, each read once (InvalidArgumentError naming `parameter` otherwise). */
function tpFields(parameter: string, v: unknown): [string, number] {
  if (v === null || typeof v !== 'object' || isArraySafe(v)) throw new InvalidArgumentError(parameter, v, TP_ALLOWED);
  const o = readOptions(parameter, v as TopicPartition, ['topic', 'partition'], TP_ALLOWED);
  if (typeof o.topic !== 'string') throw new InvalidArgumentError(`${parameter}.topic`, o.topic, 'a topic name (a string)');
  return [o.topic, requireInt(`${parameter}.partition`, o.partition, 0)];
}

/**
 * Order topic-partitions by topic name, then partition number. Each a
 * { topic: string, partition: integer ≥ 0 } (fields read once);
 * InvalidArgumentError otherwise. O(1).
 */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  const [at, ap] = tpFields('a', a);
  const [bt, bp] = tpFields('b', b);
  return at < bt ? -1 : at > bt ? 1 : ap - bp;
}
