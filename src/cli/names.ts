/**
 * The names the CLI's help and option checks need (hash algorithms,
 * strategies, assignors, lab experiments), as plain constants, so that
 * registering every subcommand loads no library module: `shardkit hash
 * redis-slot foo` must not load the lab. Each list is a copy of its
 * registry's; `names.test.ts` fails when a registry changes and a copy does
 * not. O(1) to load.
 */

/** `HASH_ALGORITHMS` of src/hash/registry.ts with each description, in the same order. */
export const HASH_ALGORITHM_HELP: ReadonlyArray<readonly [name: string, description: string]> = [
  ['murmur3-x86-32', 'MurmurHash3 x86_32, seed 0: unsigned 32-bit decimal'],
  ['murmur3-x64-128', 'MurmurHash3 x64_128, seed 0: 32 hex digits, h1 then h2, each big-endian'],
  ['cassandra-token', 'Cassandra Murmur3Partitioner token: signed 64-bit decimal'],
  ['kafka-murmur2', 'Kafka Utils.murmur2: signed 32-bit decimal (Java int); partition = (h & 0x7fffffff) % n'],
  ['redis-slot', 'Redis Cluster key slot with hash tags: 0…16383'],
  ['crc32', 'CRC32 (IEEE, zlib): unsigned 32-bit decimal'],
  ['crc32c', 'CRC32C (Castagnoli): unsigned 32-bit decimal'],
  ['fnv1a-32', 'FNV-1a 32: unsigned 32-bit decimal'],
  ['fnv1a-64', 'FNV-1a 64: unsigned 64-bit decimal'],
  ['xxh32', 'xxHash32, seed 0: unsigned 32-bit decimal'],
  ['xxh64', 'xxHash64, seed 0: unsigned 64-bit decimal'],
  ['md5', 'MD5 digest: 32 hex digits'],
];

/** The algorithm names, in registry order. */
export const HASH_NAMES: readonly string[] = HASH_ALGORITHM_HELP.map(([n]) => n);

/** `HASH32_ALGORITHMS` of src/hash/registry.ts: the hashes a placement can use. */
export const HASH32_NAMES: readonly string[] = ['murmur3-x86-32', 'crc32', 'crc32c', 'fnv1a-32', 'xxh32', 'kafka-murmur2'];

/** `STRATEGIES` of src/partitioning/registry.ts. */
export const STRATEGY_NAMES: readonly string[] = ['mod-n', 'slots', 'redis-slots', 'ring', 'ketama', 'jump', 'rendezvous', 'range', 'tokens'];

/** `assignorNames` of src/log/assignors/index.ts. */
export const ASSIGNOR_NAMES: readonly string[] = ['range', 'round-robin', 'sticky', 'cooperative-sticky'];

/** The ids of src/lab/experiments/index.ts, in report order. */
export const EXPERIMENT_IDS: readonly string[] = ['rebalancing', 'balance', 'range-skew', 'hot-keys', 'secondary-indexes', 'consumer-groups', 'hinted-handoff', 'request-routing'];
