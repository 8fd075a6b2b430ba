/**
 * Cassandra's Murmur3Partitioner token, bit-exact with
 * `org.apache.cassandra.dht.Murmur3Partitioner.getToken`: h1 of
 * `MurmurHash.hash3_x64_128(key, 0)` read as a signed 64-bit integer, with
 * Long.MIN_VALUE mapped to Long.MAX_VALUE (`normalize`, so the minimum token
 * stays reserved). Cassandra's x64_128 differs from the reference in one place:
 * tail bytes are read as signed Java bytes (`(long) key.get(i) << s`), so a
 * key whose length is not a multiple of 16 and whose tail holds a byte ≥ 0x80
 * hashes differently from SMHasher's. Matching it lets a user predict which
 * token range (and so which replicas) a real cluster gives a partition key
 * (ARCHITECTURE.md, principle 7).
 *
 * The key is the serialized partition key: for a text/varchar column that is
 * its UTF-8 bytes, which is what a string key here means. O(n) in the key's
 * bytes.
 */
import type { Key } from './key.js';
import { murmur3x64_128Key } from './murmur3-x64-128.js';
import { bigInt64 } from './u64.js';

/** The smallest token (Long.MIN_VALUE); Cassandra never assigns it to a key. */
export const CASSANDRA_MIN_TOKEN = -(2n ** 63n);
/** The largest token (Long.MAX_VALUE). */
export const CASSANDRA_MAX_TOKEN = 2n ** 63n - 1n;

/** A 64-bit token as halves: `hi` signed int32, `lo` unsigned uint32 (compare `hi`, then `lo`). */
export interface TokenParts {
  hi: number;
  lo: number;
}

const scratch4 = new Uint32Array(4);

/**
 * The token of a partition key written into `out` as 32-bit halves (pass a
 * reused `{ hi: 0, lo: 0 }`), so tokens order as `(hi, lo)` with `hi` signed.
 * O(n), allocation-free: the form for hot paths (token rings).
 */
export function cassandraTokenParts(key: Key, out: TokenParts): TokenParts {
  murmur3x64_128Key(key, 0, true, scratch4);
  return normalizeToken((scratch4[0] as number) | 0, scratch4[1] as number, out);
}

/**
 * Murmur3Partitioner.normalize on halves: Long.MIN_VALUE (hi −2^31, lo 0)
 * becomes Long.MAX_VALUE; every other value is kept. Writes into `out`. O(1).
 */
export function normalizeToken(hi: number, lo: number, out: TokenParts): TokenParts {
  if (hi === -0x80000000 && lo === 0) {
    out.hi = 0x7fffffff;
    out.lo = 0xffffffff;
  } else {
    out.hi = hi;
    out.lo = lo;
  }
  return out;
}

const parts: TokenParts = { hi: 0, lo: 0 };

/**
 * Cassandra's Murmur3Partitioner token of a partition key, as a signed 64-bit
 * bigint (−2^63+1 … 2^63−1). O(n); allocates the bigint: use
 * `cassandraTokenParts` on hot paths.
 */
export function cassandraToken(key: Key): bigint {
  cassandraTokenParts(key, parts);
  return bigInt64(parts.hi, parts.lo);
}
