import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fnv1a32, fnv1a64, fnv1a64Into } from './fnv.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();

/** FNV-1a 64 straight from its definition, in bigint: the oracle for the limb arithmetic. */
function reference64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

describe('FNV-1a 32 and 64 (Go hash/fnv New32a, New64a)', () => {
  // Go's src/hash/fnv/fnv_test.go golden32a and golden64a tables.
  it.each([
    ['', 0x811c9dc5, 0xcbf29ce484222325n],
    ['a', 0xe40c292c, 0xaf63dc4c8601ec8cn],
    ['ab', 0x4d2505ca, 0x089c4407b545986an],
    ['abc', 0x1a47e90b, 0xe71fa2190541574bn],
  ])('matches Go golden tables for %j', (input, h32, h64) => {
    expect(fnv1a32(input)).toBe(h32);
    expect(fnv1a32(enc.encode(input))).toBe(h32);
    expect(fnv1a64(input)).toBe(h64);
    expect(fnv1a64(enc.encode(input))).toBe(h64);
  });

  it('matches the FNV reference test suite value for "foobar"', () => {
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });

  it('64-bit limb arithmetic equals the bigint definition for any bytes (property, seeded)', () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const expected = reference64(bytes);
        expect(fnv1a64(bytes)).toBe(expected);
        fnv1a64Into(bytes, out);
        expect(out[0]).toBe(Number(expected >> 32n));
        expect(out[1]).toBe(Number(expected & 0xffffffffn));
      }),
      { seed: 64, numRuns: 1000 },
    );
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const bytes = enc.encode(s);
        expect(fnv1a32(s)).toBe(fnv1a32(bytes));
        expect(fnv1a64(s)).toBe(fnv1a64(bytes));
      }),
      { seed: 65, numRuns: 800 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => fnv1a32(null as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => fnv1a64(new ArrayBuffer(2) as unknown as string)).toThrow(InvalidArgumentError);
  });
});
