/**
 * Kafka's murmur2 and its default partition for keyed records, bit-exact with
 * the Java client (`org.apache.kafka.common.utils.Utils.murmur2`,
 * `Utils.toPositive`, and the key branch of `DefaultPartitioner` /
 * `BuiltInPartitioner.partitionForKey`): partition = `(murmur2(key) & 0x7fffffff) % n`.
 * Matching it bit for bit lets a user predict which partition a real Kafka
 * producer (Java, librdkafka with `murmur2_random`, KafkaJS's DefaultPartitioner)
 * writes a key to (ARCHITECTURE.md, principle 7).
 *
 * O(n) in the key's bytes; no allocation for any string key (ASCII read in
 * place, other strings via the shared scratch buffer) or byte key.
 */
import { type Key, assertKey, isAscii, scratchBytes } from './key.js';
import { stringToScratch } from './scratch.js';
import { requireInt } from '../errors.js';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function finish(h: number): number {
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, M);
  k ^= k >>> 24;
  k = Math.imul(k, M);
  return Math.imul(h, M) ^ k;
}

/** Kafka murmur2 over the first `len` bytes of `bytes` (signed 32-bit result, as Java's `int`). */
export function kafkaMurmur2Bytes(bytes: Uint8Array, len: number): number {
  let h = SEED ^ len;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    h = mixBlock(h, (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
  }
  switch (len & 3) {
    case 3:
      h ^= (bytes[i + 2] as number) << 16;
    // falls through
    case 2:
      h ^= (bytes[i + 1] as number) << 8;
    // falls through
    case 1:
      h ^= bytes[i] as number;
      h = Math.imul(h, M);
  }
  return finish(h);
}

function kafkaMurmur2Ascii(s: string): number {
  const len = s.length;
  let h = SEED ^ len;
  const blocks = len & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  }
  switch (len & 3) {
    case 3:
      h ^= s.charCodeAt(i + 2) << 16;
    // falls through
    case 2:
      h ^= s.charCodeAt(i + 1) << 8;
    // falls through
    case 1:
      h ^= s.charCodeAt(i);
      h = Math.imul(h, M);
  }
  return finish(h);
}

/**
 * Kafka's `Utils.murmur2` of a key (UTF-8 for strings), seed 0x9747b28c.
 * Returns a **signed** 32-bit integer (−2^31 … 2^31−1), exactly the Java `int`
 * Kafka returns, so values can be compared with Kafka's own tests and logs.
 * Use `kafkaToPositive` or `kafkaPartition` for placement. O(n), allocation-free.
 */
export function kafkaMurmur2(key: Key): number {
  if (typeof key === 'string') {
    if (isAscii(key)) return kafkaMurmur2Ascii(key);
    const n = stringToScratch(key);
    return kafkaMurmur2Bytes(scratchBytes(), n);
  }
  assertKey(key);
  return kafkaMurmur2Bytes(key, key.length);
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit (`h & 0x7fffffff`), which is
 * not `Math.abs` (−1 → 2147483647). O(1). Kafka uses this rather than `abs`
 * because `abs(Integer.MIN_VALUE)` is still negative in Java.
 */
export function kafkaToPositive(h: number): number {
  return h & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioner picks for a keyed record with
 * `numPartitions` partitions: `toPositive(murmur2(key)) % numPartitions`.
 * O(n) in the key's bytes, allocation-free. `numPartitions` must be an integer
 * from 1 to 2^31−1 (an InvalidArgumentError otherwise). Records without a key
 * are spread by Kafka's sticky/round-robin logic, which is not a function of
 * the key and is not modelled here.
 */
export function kafkaPartition(key: Key, numPartitions: number): number {
  requireInt('numPartitions', numPartitions, 1, 0x7fffffff);
  return (kafkaMurmur2(key) & 0x7fffffff) % numPartitions;
}

/**
 * `kafkaToPositive(kafkaMurmur2(key))` as an unsigned-compatible 31-bit hash
 * (0 … 2^31−1), usable wherever a `Hash32` is expected. O(n), allocation-free.
 */
export function kafkaMurmur2Positive(key: Key): number {
  return kafkaMurmur2(key) & 0x7fffffff;
}
