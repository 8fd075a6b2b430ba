/**
 * Hash functions by name: the list the CLI and the lab offer, the textual
 * value of each, and the subset usable as a 32-bit placement hash, so a
 * strategy can take a pluggable hash by name without switching on it
 * (ARCHITECTURE.md, principle 2). Names come from outside (CLI, files), so
 * they are looked up in a Map, never by indexing an object, and an unknown
 * name is a NotFoundError listing the known ones.
 */
import { NotFoundError } from '../errors.js';
import { type Key, type Hash32, assertKey } from './key.js';
import { murmur3x86_32 } from './murmur3-x86-32.js';
import { murmur3x64_128Hex } from './murmur3-x64-128.js';
import { cassandraToken } from './cassandra.js';
import { kafkaMurmur2, kafkaMurmur2Positive } from './kafka.js';
import { redisKeySlot } from './redis-slot.js';
import { crc32, crc32c } from './crc32.js';
import { fnv1a32, fnv1a64 } from './fnv.js';
import { xxh32, xxh64 } from './xxhash.js';
import { md5Hex } from './md5.js';

/** Every algorithm name `hashToString` and `shardkit hash` accept. */
export const HASH_ALGORITHMS = [
  'murmur3-x86-32',
  'murmur3-x64-128',
  'cassandra-token',
  'kafka-murmur2',
  'redis-slot',
  'crc32',
  'crc32c',
  'fnv1a-32',
  'fnv1a-64',
  'xxh32',
  'xxh64',
  'md5',
] as const;

/** A name from `HASH_ALGORITHMS`. */
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** The algorithms `hash32ByName` accepts: those whose value is a 32-bit placement hash. */
export const HASH32_ALGORITHMS = ['murmur3-x86-32', 'crc32', 'crc32c', 'fnv1a-32', 'xxh32', 'kafka-murmur2'] as const;

/** A name from `HASH32_ALGORITHMS`. */
export type Hash32Algorithm = (typeof HASH32_ALGORITHMS)[number];

/** What an algorithm's textual value is, for help texts and reports. */
export interface HashAlgorithmInfo {
  readonly name: HashAlgorithm;
  /** One line: the algorithm and the form of its value. */
  readonly description: string;
  /** The value as text: a decimal integer, or hex for the 128-bit digests. */
  readonly toText: (key: Key) => string;
}

const infos: readonly HashAlgorithmInfo[] = [
  { name: 'murmur3-x86-32', description: 'MurmurHash3 x86_32, seed 0: unsigned 32-bit decimal', toText: (k) => String(murmur3x86_32(k)) },
  { name: 'murmur3-x64-128', description: 'MurmurHash3 x64_128, seed 0: 32 hex digits, h1 then h2, each big-endian', toText: (k) => murmur3x64_128Hex(k) },
  { name: 'cassandra-token', description: "Cassandra Murmur3Partitioner token: signed 64-bit decimal", toText: (k) => cassandraToken(k).toString() },
  { name: 'kafka-murmur2', description: "Kafka Utils.murmur2: signed 32-bit decimal (Java int); partition = (h & 0x7fffffff) % n", toText: (k) => String(kafkaMurmur2(k)) },
  { name: 'redis-slot', description: 'Redis Cluster key slot with hash tags: 0…16383', toText: (k) => String(redisKeySlot(k)) },
  { name: 'crc32', description: 'CRC32 (IEEE, zlib): unsigned 32-bit decimal', toText: (k) => String(crc32(k)) },
  { name: 'crc32c', description: 'CRC32C (Castagnoli): unsigned 32-bit decimal', toText: (k) => String(crc32c(k)) },
  { name: 'fnv1a-32', description: 'FNV-1a 32: unsigned 32-bit decimal', toText: (k) => String(fnv1a32(k)) },
  { name: 'fnv1a-64', description: 'FNV-1a 64: unsigned 64-bit decimal', toText: (k) => fnv1a64(k).toString() },
  { name: 'xxh32', description: 'xxHash32, seed 0: unsigned 32-bit decimal', toText: (k) => String(xxh32(k)) },
  { name: 'xxh64', description: 'xxHash64, seed 0: unsigned 64-bit decimal', toText: (k) => xxh64(k).toString() },
  { name: 'md5', description: 'MD5 digest: 32 hex digits', toText: (k) => md5Hex(k) },
];

const byName = new Map<string, HashAlgorithmInfo>(infos.map((i) => [i.name, i]));

const hash32s = new Map<string, Hash32>([
  ['murmur3-x86-32', (k: Key) => murmur3x86_32(k)],
  ['crc32', (k: Key) => crc32(k)],
  ['crc32c', (k: Key) => crc32c(k)],
  ['fnv1a-32', fnv1a32],
  ['xxh32', (k: Key) => xxh32(k)],
  ['kafka-murmur2', kafkaMurmur2Positive],
]);

/** True when `name` is one of `HASH_ALGORITHMS`. O(1). */
export function isHashAlgorithm(name: string): name is HashAlgorithm {
  return byName.has(name);
}

/**
 * The description and text form of an algorithm. O(1). Unknown name →
 * NotFoundError listing the known names.
 */
export function hashAlgorithmInfo(name: string): HashAlgorithmInfo {
  const info = byName.get(name);
  if (info === undefined) throw new NotFoundError('hash algorithm', name, HASH_ALGORITHMS);
  return info;
}

/**
 * The value of `key` under algorithm `name` as text: a decimal integer
 * (signed for `cassandra-token` and `kafka-murmur2`, as Cassandra and Kafka
 * print them; unsigned otherwise), or lowercase hex for the 128-bit digests
 * (`murmur3-x64-128`, `md5`). O(n) in the key. Unknown name → NotFoundError;
 * a key that is neither string nor bytes → InvalidArgumentError.
 */
export function hashToString(name: string, key: Key): string {
  const info = hashAlgorithmInfo(name);
  assertKey(key);
  return info.toText(key);
}

/**
 * A 32-bit placement hash by name (`HASH32_ALGORITHMS`): key → unsigned
 * 32-bit integer, seed 0. `kafka-murmur2` gives Kafka's `toPositive(murmur2)`
 * (31 bits), the value Kafka takes modulo the partition count. O(1) to look
 * up; the returned function is allocation-free per call. Unknown or non-32-bit
 * name (e.g. `md5`) → NotFoundError listing the accepted names.
 */
export function hash32ByName(name: string): Hash32 {
  const fn = hash32s.get(name);
  if (fn === undefined) throw new NotFoundError('32-bit hash algorithm', name, HASH32_ALGORITHMS);
  return fn;
}
