/**
 * The values the partitioned log speaks in: what a producer sends, what a
 * consumer receives, and the names of topics and partitions (Kafka's words,
 * ARCHITECTURE.md vocabulary).
 */

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

/** `topic/partition`, the canonical string form of a TopicPartition. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Order topic-partitions by topic name, then partition number. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
