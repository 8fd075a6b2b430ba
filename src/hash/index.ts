/**
 * `shardkit/hash`: bit-exact hash functions over the UTF-8 bytes of a string
 * key or over raw bytes, and the registry that names them. One file per
 * algorithm family; see each file for its spec, vectors and cost.
 */
export { type Key, type Hash32, assertKey, isAscii, keyBytes } from './key.js';
export { murmur3x86_32, murmur3x86_32Bytes } from './murmur3-x86-32.js';
export { murmur3x64_128, murmur3x64_128Into, murmur3x64_128Hex, murmur3x64_128Digest } from './murmur3-x64-128.js';
export { cassandraToken, cassandraTokenParts, normalizeToken, type TokenParts, CASSANDRA_MIN_TOKEN, CASSANDRA_MAX_TOKEN } from './cassandra.js';
export { kafkaMurmur2, kafkaMurmur2Bytes, kafkaToPositive, kafkaPartition, kafkaMurmur2Positive } from './kafka.js';
export { crc16, crc16Range } from './crc16.js';
export { redisKeySlot, redisKeySlotBytes, redisHashedPart, REDIS_SLOT_COUNT } from './redis-slot.js';
export { crc32, crc32c, CRC32_NATIVE_MIN_BYTES } from './crc32.js';
export { crc32cBytes, crc32cRange, CRC32C_BACKEND, type Crc32cBackend } from './crc32c-bytes.js';
export { fnv1a32, fnv1a64, fnv1a64Into } from './fnv.js';
export { xxh32, xxh64, xxh64Into } from './xxhash.js';
export { md5Words, md5Word0, md5Bytes, md5Hex } from './md5.js';
export {
  HASH_ALGORITHMS,
  HASH32_ALGORITHMS,
  type HashAlgorithm,
  type Hash32Algorithm,
  type HashAlgorithmInfo,
  isHashAlgorithm,
  hashAlgorithmInfo,
  hashToString,
  hash32ByName,
} from './registry.js';
