import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { xxh32 as nativeXxh32, xxh64 as nativeXxh64 } from '@node-rs/xxhash';
import { xxh32, xxh64, xxh64Into } from './xxhash.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const PRIME32 = 2654435761;

/** xxHash's sanity buffer (xsum_sanity_check.c fillTestBuffer): byte k is the top byte of PRIME32 × PRIME64^k mod 2^64. */
function sanityBuffer(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let gen = BigInt(PRIME32);
  for (let k = 0; k < length; k++) {
    out[k] = Number(gen >> 56n);
    gen = (gen * 11400714785074694797n) & 0xffffffffffffffffn;
  }
  return out;
}

describe('xxHash32 and xxHash64', () => {
  const buffer = sanityBuffer(222);

  // xxHash cli/xsum_sanity_check.c (XSUM_XXH32_testdata / XSUM_XXH64_testdata): (length, seed, hash).
  it.each([
    [0, 0, 0x02cc5d05],
    [0, PRIME32, 0x36b78ae7],
    [1, 0, 0xcf65b03e],
    [1, PRIME32, 0xb4545aa4],
    [14, 0, 0x1208e7e2],
    [14, PRIME32, 0x6af1d1fe],
    [222, 0, 0x5bd11dbd],
    [222, PRIME32, 0x58803c5f],
  ])('XXH32 of the first %i sanity bytes with seed %i is the reference value', (length, seed, expected) => {
    expect(xxh32(buffer.subarray(0, length), seed)).toBe(expected);
  });

  it.each([
    [0, 0, 0xef46db3751d8e999n],
    [0, PRIME32, 0xac75fda2929b17efn],
    [1, 0, 0xe934a84adb052768n],
    [1, PRIME32, 0x5014607643a9b4c3n],
    [4, 0, 0x9136a0dca57457een],
    [14, 0, 0x8282dcc4994e35c8n],
    [14, PRIME32, 0xc3bd6bf63deb6df0n],
    [222, 0, 0xb641ae8cb691c174n],
    [222, PRIME32, 0x20cb8ab7ae10c14an],
  ])('XXH64 of the first %i sanity bytes with seed %i is the reference value', (length, seed, expected) => {
    expect(xxh64(buffer.subarray(0, length), seed)).toBe(expected);
    expect(xxh64(buffer.subarray(0, length), BigInt(seed))).toBe(expected);
    const out = xxh64Into(buffer.subarray(0, length), new Uint32Array(2), seed);
    expect((BigInt(out[0] as number) << 32n) | BigInt(out[1] as number)).toBe(expected);
  });

  it('agrees with @node-rs/xxhash (the C library) on any bytes and seed (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (bytes, seed32, seed64) => {
        const buf = Buffer.from(bytes);
        expect(xxh32(bytes, seed32)).toBe(nativeXxh32(buf, seed32));
        expect(xxh64(bytes, seed64)).toBe(nativeXxh64(buf, seed64));
      }),
      { seed: 0x5eed, numRuns: 800 },
    );
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const bytes = enc.encode(s);
        expect(xxh32(s, 7)).toBe(xxh32(bytes, 7));
        expect(xxh64(s, 7)).toBe(xxh64(bytes, 7));
      }),
      { seed: 0x5eee, numRuns: 800 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => xxh32(5 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => xxh64(undefined as unknown as string)).toThrow(InvalidArgumentError);
  });
});
