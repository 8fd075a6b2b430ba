import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { kafkaMurmur2, kafkaPartition, kafkaToPositive, kafkaMurmur2Positive } from './kafka.js';
import { mulberry32, randomInt } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const require = createRequire(import.meta.url);
const { Partitioners } = require('kafkajs') as {
  Partitioners: { DefaultPartitioner: () => (args: { topic: string; partitionMetadata: { partitionId: number; leader: number }[]; message: { key: string | Buffer } }) => number };
};

/** Random keys: ASCII, Latin-1, CJK, emoji (surrogate pairs) and lone surrogates, 0–40 units. */
function randomKeys(seed: number, count: number): string[] {
  const random = mulberry32(seed);
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz0123456789:-_{}',
    'éüñßøåçÀ',
    '日本語中文한국어',
    '😀🚀👍🏽',
    '\ud800\udfff\udbff',
  ];
  const keys: string[] = [];
  for (let n = 0; n < count; n++) {
    const len = randomInt(random, 41);
    let s = '';
    const mixed = random() < 0.5;
    for (let i = 0; i < len; i++) {
      const alphabet = alphabets[mixed ? randomInt(random, alphabets.length) : 0] as string;
      const units = [...alphabet];
      s += units[randomInt(random, units.length)];
    }
    keys.push(s);
  }
  return keys;
}

describe('Kafka murmur2 (Utils.murmur2)', () => {
  // Kafka's own vectors: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('matches UtilsTest.testMurmur2 for %j (a signed Java int)', (key, expected) => {
    expect(kafkaMurmur2(key)).toBe(expected);
    expect(kafkaMurmur2(enc.encode(key))).toBe(expected);
  });

  it('toPositive clears the sign bit rather than taking abs (Utils.toPositive)', () => {
    expect(kafkaToPositive(-1)).toBe(0x7fffffff);
    expect(kafkaToPositive(-2147483648)).toBe(0);
    expect(kafkaToPositive(5)).toBe(5);
    expect(kafkaMurmur2Positive('21')).toBe(-973932308 & 0x7fffffff);
  });

  it('places keyed records exactly where KafkaJS DefaultPartitioner does (10,000 seeded keys incl. non-ASCII; 1, 3, 7, 16, 100 partitions)', () => {
    const keys = randomKeys(2024, 10_000);
    const partitioner = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 7, 16, 100]) {
      const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
      let mismatches = 0;
      for (const key of keys) {
        const theirs = partitioner({ topic: 't', partitionMetadata, message: { key } });
        if (kafkaPartition(key, n) !== theirs) mismatches++;
        if (kafkaPartition(enc.encode(key), n) !== theirs) mismatches++;
      }
      expect(mismatches, `partition count ${n}`).toBe(0);
    }
    // The keys really exercise the non-ASCII path.
    expect(keys.filter((k) => [...k].some((c) => c.charCodeAt(0) > 0x7f)).length).toBeGreaterThan(3000);
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(kafkaMurmur2(s)).toBe(kafkaMurmur2(enc.encode(s)));
      }),
      { seed: 7, numRuns: 1000 },
    );
  });

  it('rejects partition counts outside 1…2^31−1 and keys that are neither string nor bytes', () => {
    for (const bad of [0, -1, 1.5, NaN, 2 ** 31]) {
      expect(() => kafkaPartition('k', bad)).toThrow(InvalidArgumentError);
    }
    expect(() => kafkaPartition('k', 0)).toThrow(/numPartitions.*got 0/);
    expect(() => kafkaMurmur2(42 as unknown as string)).toThrow(InvalidArgumentError);
  });
});
