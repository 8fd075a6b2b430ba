/**
 * Producer partitioners: which partition a message goes to. An explicit
 * partition always wins (the producer handles that); a keyed message goes to
 * Kafka's default partition for its key — `toPositive(murmur2(key)) % n`, the
 * same partition a Kafka cluster (Java client or KafkaJS) would pick — so the
 * same key lands on the same partition every time, in every process. Unkeyed
 * messages go round-robin (the seed's behaviour) or, with `uniform-sticky`,
 * stick to one partition until a batch's worth of bytes has been sent, then
 * switch to a random other one (KIP-794, Kafka ≥ 3.3).
 */
import { InvalidArgumentError, NotFoundError, isInstance, requireInt } from '../errors.js';
import { kafkaPartition } from '../hash/kafka.js';
import { randomInt, type Random } from '../util/random.js';

/** A routing strategy for messages without an explicit partition. */
export interface Partitioner {
  readonly name: string;
  /**
   * The partition in [0, partitionCount) for a message with `key` (its bytes,
   * or null) and `messageBytes` encoded bytes. May keep state (round-robin
   * counters, the sticky partition). O(key bytes).
   */
  partition(topic: string, key: Uint8Array | null, messageBytes: number, partitionCount: number): number;
}

/** Kafka's keyed routing: `toPositive(murmur2(keyBytes)) % partitionCount`. O(key bytes). */
export function keyedPartition(key: Uint8Array, partitionCount: number): number {
  return kafkaPartition(key, partitionCount);
}

/** Keyed: Kafka's murmur2; unkeyed: round-robin per topic (9 unkeyed over 3 partitions: 3 each). */
/** Check the arguments of a built-in partitioner's `partition` (the producer passes valid ones; a caller from outside may not). O(1). */
function checkPartitionArgs(topic: unknown, key: unknown, bytes: unknown, n: unknown): void {
  if (typeof topic !== 'string') throw new InvalidArgumentError('topic', topic, 'a topic name (a string)');
  if (key !== null && !isInstance(key, Uint8Array)) throw new InvalidArgumentError('key', key, 'the key bytes (a Uint8Array) or null');
  requireInt('messageBytes', bytes, 0);
  requireInt('partitionCount', n, 1, 10_000);
}

export function roundRobinPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return {
    name: 'default',
    partition(topic, key, bytes, n) {
      checkPartitionArgs(topic, key, bytes, n);
      if (key !== null) return keyedPartition(key, n);
      const c = counters.get(topic) ?? 0;
      counters.set(topic, c + 1);
      return c % n;
    },
  };
}

/**
 * Keyed: Kafka's murmur2; unkeyed: KIP-794's uniform sticky partitioner —
 * stay on one partition until `batchBytes` have gone to it, then pick another
 * uniformly at random from `random`.
 */
export function uniformStickyPartitioner(random: Random, batchBytes = 16384): Partitioner {
  if (typeof random !== 'function') throw new InvalidArgumentError('random', random, 'a Random (() => number in [0, 1))');
  requireInt('batchBytes', batchBytes, 1);
  const sticky = new Map<string, { partition: number; bytes: number }>();
  return {
    name: 'uniform-sticky',
    partition(topic, key, bytes, n) {
      checkPartitionArgs(topic, key, bytes, n);
      if (key !== null) return keyedPartition(key, n);
      let s = sticky.get(topic);
      if (s === undefined || s.partition >= n || s.bytes >= batchBytes) {
        let p = randomInt(random, n);
        if (s !== undefined && n > 1 && p === s.partition) p = (p + 1 + randomInt(random, n - 1)) % n;
        s = { partition: p, bytes: 0 };
        sticky.set(topic, s);
      }
      s.bytes += bytes;
      return s.partition;
    },
  };
}

/** Built-in partitioner names. */
export const partitionerNames: readonly string[] = ['default', 'round-robin', 'uniform-sticky'];

/** A fresh partitioner by name ('round-robin' is an alias of 'default'). NotFoundError otherwise. */
export function partitionerByName(name: string, random: Random): Partitioner {
  if (name === 'default' || name === 'round-robin') return roundRobinPartitioner();
  if (name === 'uniform-sticky') return uniformStickyPartitioner(random);
  if (typeof name !== 'string') throw new InvalidArgumentError('partitioner', name, `a partitioner name: ${partitionerNames.join(', ')}`);
  throw new NotFoundError('partitioner', name, partitionerNames);
}
