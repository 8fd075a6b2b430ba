import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { cassandraToken, cassandraTokenParts, normalizeToken, CASSANDRA_MAX_TOKEN, type TokenParts } from './cassandra.js';
import { murmur3x64_128 } from './murmur3-x64-128.js';
import { mulberry32, randomInt } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const require = createRequire(import.meta.url);
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer') as {
  Murmur3Tokenizer: new () => { hash(value: Buffer): { toString(): string } };
};

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const seq = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("Cassandra Murmur3Partitioner token (x64_128 h1, signed tail bytes, MIN → MAX)", () => {
  // DataStax driver token tests (Python driver tests/unit/test_metadata.py `_verify_hash`; Ruby driver spec/cassandra/murmur3_spec.rb).
  it.each([
    ['"123"', latin1('123'), -7468325962851647638n],
    ['"\\x00\\xff\\x10\\xfa\\x99" * 10', latin1('\x00\xff\x10\xfa\x99'.repeat(10)), 5837342703291459765n],
    ['"\\xfe" * 8', latin1('\xfe'.repeat(8)), -8927430733708461935n],
    ['"\\x10" * 8', latin1('\x10'.repeat(8)), 1446172840243228796n],
    ['"9223372036854775807"', latin1('9223372036854775807'), 7162290910810015547n],
    ['bytes 1…16', seq(1, 16), -5563837382979743776n],
    ['bytes 2…17', seq(2, 17), -1513403162740402161n],
    ['bytes 3…18', seq(3, 18), -495360443712684655n],
    ['bytes 4…19', seq(4, 19), 1734091135765407943n],
    ['bytes 5…20', seq(5, 20), -3199412112042527988n],
    ['bytes 6…21', seq(6, 21), -6316563938475080831n],
    ['bytes 7…22', seq(7, 22), 8228893370679682632n],
    ['"\\x00" * 16', new Uint8Array(16), 5457549051747178710n],
    ['"\\xff" * 16', latin1('\xff'.repeat(16)), -2824192546314762522n],
    ['"\\xfe" * 16', latin1('\xfe'.repeat(16)), -833317529301936754n],
    ['"\\x00\\x01\\x02\\x03" + "\\xff" * 12', latin1('\x00\x01\x02\x03' + '\xff'.repeat(12)), 6463632673159404390n],
    ['"\\xfe" * 17', latin1('\xfe'.repeat(17)), -1672437813826982685n],
    ['"\\xfe" * 4', latin1('\xfe'.repeat(4)), 4566408979886474012n],
    ['"\\x00" * 4', new Uint8Array(4), -3485513579396041028n],
    ['"\\x00\\x01\\x7f\\x7f"', latin1('\x00\x01\x7f\x7f'), 6573459401642635627n],
    ['"\\x00\\xff\\xff\\xff"', latin1('\x00\xff\xff\xff'), 123573637386978882n],
    ['"\\xff\\x01\\x02\\x03"', latin1('\xff\x01\x02\x03'), -2839127690952877842n],
    ['"\\xe2\\xe7"', latin1('\xe2\xe7'), -8582699461035929883n],
    ['"\\xe2\\xe7\\xe2\\xe7\\xe2\\xe7\\x01"', latin1('\xe2\xe7\xe2\xe7\xe2\xe7\x01'), 2222373981930033306n],
  ])('token of %s is the drivers\' value', (_name, bytes, expected) => {
    expect(cassandraToken(bytes)).toBe(expected);
  });

  it('differs from reference x64_128 h1 exactly when a tail byte is ≥ 0x80 (the sign extension)', () => {
    const asSigned = (x: bigint): bigint => BigInt.asIntN(64, x);
    // All-ASCII tail: identical to the reference.
    expect(cassandraToken('123')).toBe(asSigned(murmur3x64_128('123')[0]));
    // Full 16-byte blocks are read unsigned in both.
    const block = latin1('\xff'.repeat(16));
    expect(cassandraToken(block)).toBe(asSigned(murmur3x64_128(block)[0]));
    // A high byte in the tail: different.
    const tail = latin1('\xe2\xe7');
    expect(cassandraToken(tail)).not.toBe(asSigned(murmur3x64_128(tail)[0]));
  });

  it('maps Long.MIN_VALUE to Long.MAX_VALUE (Murmur3Partitioner.normalize)', () => {
    const out: TokenParts = { hi: 0, lo: 0 };
    expect(normalizeToken(-0x80000000, 0, out)).toEqual({ hi: 0x7fffffff, lo: 0xffffffff });
    expect((BigInt(out.hi) << 32n) | BigInt(out.lo)).toBe(CASSANDRA_MAX_TOKEN);
    expect(normalizeToken(-0x80000000, 1, out)).toEqual({ hi: -0x80000000, lo: 1 });
    expect(normalizeToken(5, 7, out)).toEqual({ hi: 5, lo: 7 });
  });

  it('agrees with the Node.js cassandra-driver Murmur3Tokenizer on 10,000 seeded keys with high bytes in every tail position', () => {
    const tokenizer = new Murmur3Tokenizer();
    const random = mulberry32(3);
    const parts: TokenParts = { hi: 0, lo: 0 };
    let mismatches = 0;
    for (let n = 0; n < 10_000; n++) {
      const bytes = new Uint8Array(randomInt(random, 70));
      for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(random, 256);
      const theirs = BigInt(tokenizer.hash(Buffer.from(bytes)).toString());
      // The driver omits normalize(); MIN never occurs in practice, but compare normalized values to be exact.
      const expected = theirs === -(2n ** 63n) ? CASSANDRA_MAX_TOKEN : theirs;
      if (cassandraToken(bytes) !== expected) mismatches++;
      cassandraTokenParts(bytes, parts);
      if (((BigInt(parts.hi) << 32n) | BigInt(parts.lo)) !== expected) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('hashes a string key as its UTF-8 bytes, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(cassandraToken(s)).toBe(cassandraToken(enc.encode(s)));
      }),
      { seed: 9042, numRuns: 1000 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => cassandraToken(1n as unknown as string)).toThrow(InvalidArgumentError);
  });
});
