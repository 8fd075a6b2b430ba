/**
 * Every key-taking hash in `shardkit/hash` against the hostile-value
 * generator (src/testing/hostile.ts): a string or a Uint8Array is a key,
 * anything else gets an InvalidArgumentError, never a plain TypeError and
 * never a hash of nothing (murmur3x86_32 hashed a number, an object or a
 * bigint as the empty key and threw a TypeError on null).
 */
import { describe, it, expect } from 'vitest';
import * as hash from './index.js';
import { expectTypedOrAccepted, hostileValues } from '../testing/hostile.js';

const keyed: ReadonlyArray<readonly [string, (key: never) => unknown]> = [
  ['murmur3x86_32', hash.murmur3x86_32],
  ['murmur3x64_128Hex', hash.murmur3x64_128Hex],
  ['cassandraToken', hash.cassandraToken],
  ['kafkaMurmur2', hash.kafkaMurmur2],
  ['kafkaPartition(key, 12)', (k) => hash.kafkaPartition(k, 12)],
  ['crc16', hash.crc16],
  ['redisKeySlot', hash.redisKeySlot],
  ['crc32', hash.crc32],
  ['crc32c', hash.crc32c],
  ['fnv1a32', hash.fnv1a32],
  ['fnv1a64', hash.fnv1a64],
  ['xxh32', hash.xxh32],
  ['xxh64', hash.xxh64],
  ['md5Hex', hash.md5Hex],
  ...hash.HASH32_ALGORITHMS.map((name) => [`hash32ByName(${name})`, hash.hash32ByName(name)] as const),
];

describe('hash: hostile keys (issue 12 §4)', () => {
  it('every key-taking hash: a string or Uint8Array is hashed, anything else is an InvalidArgumentError', () => {
    for (const [name, fn] of keyed) {
      for (const h of hostileValues()) {
        const isKey = h.kind === 'string' || h.name === 'Uint8Array';
        const out = expectTypedOrAccepted(`${name} with ${h.name}`, () => fn(h.make() as never), isKey);
        if (isKey) expect(out.ok, `${name} with ${h.name}`).toBe(true);
      }
    }
  });

  it('a hostile count or name: kafkaPartition and hash32ByName give typed errors', () => {
    for (const h of hostileValues()) {
      expectTypedOrAccepted(`kafkaPartition numPartitions ${h.name}`, () => hash.kafkaPartition('k', h.make() as number), false);
      expectTypedOrAccepted(`hash32ByName ${h.name}`, () => hash.hash32ByName(h.make() as string), false);
    }
  });
});
