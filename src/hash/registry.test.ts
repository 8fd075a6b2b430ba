import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { HASH_ALGORITHMS, HASH32_ALGORITHMS, hashToString, hash32ByName, isHashAlgorithm, hashAlgorithmInfo } from './index.js';
import { NotFoundError, InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();

describe('hash registry', () => {
  it('lists the twelve algorithms the CLI offers, each with a description', () => {
    expect([...HASH_ALGORITHMS]).toEqual([
      'murmur3-x86-32', 'murmur3-x64-128', 'cassandra-token', 'kafka-murmur2', 'redis-slot', 'crc32',
      'crc32c', 'fnv1a-32', 'fnv1a-64', 'xxh32', 'xxh64', 'md5',
    ]);
    for (const name of HASH_ALGORITHMS) {
      expect(isHashAlgorithm(name)).toBe(true);
      expect(hashAlgorithmInfo(name).description.length).toBeGreaterThan(10);
    }
  });

  // One published value per algorithm, through the textual form the CLI prints.
  it.each([
    ['murmur3-x86-32', 'abc', String(0xb3dd93fa)],
    ['murmur3-x64-128', 'The quick brown fox jumps over the lazy dog', 'e34bbc7bbc071b6c7a433ca9c49a9347'],
    ['cassandra-token', '123', '-7468325962851647638'],
    ['kafka-murmur2', '21', '-973932308'],
    ['redis-slot', 'somekey', '11058'],
    ['redis-slot', 'foo{hash_tag}', '2515'],
    ['crc32', '123456789', String(0xcbf43926)],
    ['crc32c', '123456789', String(0xe3069283)],
    ['fnv1a-32', 'a', String(0xe40c292c)],
    ['fnv1a-64', 'a', String(0xaf63dc4c8601ec8cn)],
    ['xxh32', '', String(0x02cc5d05)],
    ['xxh64', '', String(0xef46db3751d8e999n)],
    ['md5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['md5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
  ])('%s of %j prints %s', (name, key, expected) => {
    expect(hashToString(name, key)).toBe(expected);
  });

  it('every algorithm gives a string the same value as its TextEncoder bytes, lone surrogates included (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        const bytes = enc.encode(s);
        for (const name of HASH_ALGORITHMS) expect(hashToString(name, s), name).toBe(hashToString(name, bytes));
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('a long non-ASCII key that makes the scratch buffer grow hashes as its UTF-8 bytes', () => {
    // Each algorithm gets keys longer than any hashed before, so its own call is the one that grows the buffer.
    let units = 1000;
    for (const name of HASH_ALGORITHMS) {
      for (const unit of ['é', '😀', '\ud800']) {
        units += 1000;
        const s = unit.repeat(units / unit.length);
        expect(hashToString(name, s), `${name}, ${s.length} units of ${JSON.stringify(unit)}`).toBe(hashToString(name, enc.encode(s)));
      }
    }
  });

  it('hash32ByName returns allocation-free unsigned 32-bit hashes that agree with the textual form', () => {
    for (const name of HASH32_ALGORITHMS) {
      const h = hash32ByName(name);
      for (const key of ['', 'user:1', 'héllo', '😀']) {
        const v = h(key);
        expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${name}(${key})`).toBe(true);
        const text = BigInt(hashToString(name, key));
        // kafka-murmur2 as a placement hash is Kafka's toPositive(murmur2).
        expect(BigInt(v)).toBe(name === 'kafka-murmur2' ? text & 0x7fffffffn : text);
      }
    }
  });

  it('an unknown name is a NotFoundError that lists the known names', () => {
    expect(() => hashToString('sha1', 'k')).toThrow(NotFoundError);
    expect(() => hashToString('sha1', 'k')).toThrow(/unknown hash algorithm "sha1"; known: murmur3-x86-32, .*md5/);
    expect(() => hash32ByName('md5')).toThrow(/unknown 32-bit hash algorithm "md5"; known: murmur3-x86-32, crc32/);
    expect(() => hash32ByName('__proto__')).toThrow(NotFoundError);
    expect(isHashAlgorithm('constructor')).toBe(false);
  });

  it('a key that is neither string nor bytes is an InvalidArgumentError', () => {
    expect(() => hashToString('crc32', 12 as unknown as string)).toThrow(InvalidArgumentError);
  });
});
