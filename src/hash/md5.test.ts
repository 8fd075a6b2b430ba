import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { md5Bytes, md5Hex, md5Word0, md5Words } from './md5.js';
import { InvalidArgumentError } from '../errors.js';

const nodeMd5 = (data: string | Uint8Array): string => createHash('md5').update(data).digest('hex');

describe('md5', () => {
  it('matches the RFC 1321 appendix A.5 test suite', () => {
    const vectors: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, hex] of vectors) {
      expect(md5Hex(input)).toBe(hex);
      expect(md5Hex(new TextEncoder().encode(input))).toBe(hex);
    }
  });

  it('handles every padding boundary (lengths 0 … 200: one or two tail blocks)', () => {
    for (let n = 0; n <= 200; n++) {
      const s = 'x'.repeat(n);
      expect(md5Hex(s), `length ${n}`).toBe(nodeMd5(s));
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(md5Hex(bytes), `bytes length ${n}`).toBe(nodeMd5(bytes));
    }
  });

  it('property: equals node:crypto on random strings (UTF-8, lone surrogates) and bytes (seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(md5Hex(s)).toBe(nodeMd5(s));
      }),
      { seed: 1321, numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(md5Hex(b)).toBe(nodeMd5(b));
      }),
      { seed: 1322, numRuns: 1000 },
    );
  });

  it('hashes non-ASCII strings as UTF-8, lone surrogates as U+FFFD (as Node hashes strings)', () => {
    for (const s of ['héllo', '日本語', '😀', 'x\ud800y', '\udfff', 'a'.repeat(60) + 'é']) expect(md5Hex(s)).toBe(nodeMd5(s));
  });

  it('returns the digest as four little-endian words, into a caller buffer at an offset', () => {
    const digest = createHash('md5').update('ketama').digest();
    const out = new Uint32Array(6);
    md5Words('ketama', out, 2);
    for (let j = 0; j < 4; j++) expect(out[2 + j]).toBe(digest.readUInt32LE(4 * j));
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(md5Word0('ketama')).toBe(digest.readUInt32LE(0));
    expect([...md5Bytes('ketama')]).toEqual([...digest]);
  });

  it('rejects a key that is neither a string nor bytes', () => {
    expect(() => md5Word0(42 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => md5Words({} as unknown as string)).toThrow(InvalidArgumentError);
  });
});
