import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { murmur3x64_128, murmur3x64_128Digest, murmur3x64_128Hex, murmur3x64_128Into, murmur3x64_128Core } from './murmur3-x64-128.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();

/**
 * MurmurHash3_x64_128 transcribed from the reference C with bigint
 * arithmetic: slow and obviously faithful, the oracle for the 32-bit-pair code.
 * `signExtend` reads tail bytes as signed (Cassandra).
 */
function referenceX64_128(data: Uint8Array, seed: number, signExtend = false): [bigint, bigint] {
  const M = (1n << 64n) - 1n;
  const c1 = 0x87c37b91114253d5n;
  const c2 = 0x4cf5ad432745937fn;
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
  const fmix = (k: bigint): bigint => {
    k ^= k >> 33n;
    k = (k * 0xff51afd7ed558ccdn) & M;
    k ^= k >> 33n;
    k = (k * 0xc4ceb9fe1a85ec53n) & M;
    return k ^ (k >> 33n);
  };
  const byte = (i: number): bigint => {
    const b = data[i] as number;
    return signExtend && b >= 0x80 ? BigInt(b - 256) & M : BigInt(b);
  };
  const block = (i: number): bigint => {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j] as number);
    return k;
  };
  let h1 = BigInt(seed >>> 0);
  let h2 = h1;
  const n = data.length;
  const nblocks = Math.floor(n / 16);
  for (let b = 0; b < nblocks; b++) {
    let k1 = block(b * 16);
    let k2 = block(b * 16 + 8);
    k1 = (rotl((k1 * c1) & M, 31n) * c2) & M;
    h1 ^= k1;
    h1 = (((rotl(h1, 27n) + h2) & M) * 5n + 0x52dce729n) & M;
    k2 = (rotl((k2 * c2) & M, 33n) * c1) & M;
    h2 ^= k2;
    h2 = (((rotl(h2, 31n) + h1) & M) * 5n + 0x38495ab5n) & M;
  }
  const t = nblocks * 16;
  let k1 = 0n;
  let k2 = 0n;
  for (let j = (n & 15) - 1; j >= 8; j--) k2 ^= (byte(t + j) << BigInt(8 * (j - 8))) & M;
  if ((n & 15) > 8) h2 ^= (rotl((k2 * c2) & M, 33n) * c1) & M;
  for (let j = Math.min(n & 15, 8) - 1; j >= 0; j--) k1 ^= (byte(t + j) << BigInt(8 * j)) & M;
  if ((n & 15) > 0) h1 ^= (rotl((k1 * c1) & M, 31n) * c2) & M;
  h1 ^= BigInt(n);
  h2 ^= BigInt(n);
  h1 = (h1 + h2) & M;
  h2 = (h2 + h1) & M;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & M;
  h2 = (h2 + h1) & M;
  return [h1, h2];
}

describe('MurmurHash3 x64_128', () => {
  it('passes the SMHasher verification test (0x6384BA69)', () => {
    // SMHasher VerificationTest: hash keys {0}, {0,1}, … {0…254} with seed 256−i, then hash the concatenated digests with seed 0.
    const key = new Uint8Array(256);
    const digests = new Uint8Array(16 * 256);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      digests.set(murmur3x64_128Digest(key.subarray(0, i), 256 - i), i * 16);
    }
    const final = murmur3x64_128Digest(digests, 0);
    const verification = ((final[0] as number) | ((final[1] as number) << 8) | ((final[2] as number) << 16) | ((final[3] as number) << 24)) >>> 0;
    expect(verification).toBe(0x6384ba69);
  });

  // Known outputs as the reference's 16 digest bytes (NHasher's MurmurHash128X64V3 test table).
  it.each([
    [0x9747b28c, '', 'B3BBAA1D8A202B397A9502E38F60B093'],
    [0x9747b28c, 'The quick brown fox jumps over the lazy dog', '213163D23B7F8A73E516C07E727345F9'],
    [0x9747b28c, 'THE QUICK BROWN FOX JUMPS OVER THE LAZY COG', 'DD904D9A52D2FB5E71EAD0546624BEA0'],
    [0, '', '00000000000000000000000000000000'],
    [0, 'The quick brown fox jumps over the lazy dog', '6C1B07BC7BBC4BE347939AC4A93C437A'],
    [0, 'the quick brown fox jumps over the lazy cog', '3222507256FE092F24D124BB1E8D7586'],
    [0, 'aaaaaaa', '6544D6CA1C953EC79A1A796064A35DA7'],
    [0, 'aaaaaaaaaaaaaaa', 'BC7F2EFDDBA8077D59F95FA84A04A88F'],
    [3314489979, 'The quick brown fox jumps over the lazy dog', 'FF9D0CD2EE401FAC26F5EFDE525C9338'],
    [3314489979, 'the quick brown fox jumps over the lazy cog', '48517672B6B419924084009F9F6D7381'],
  ])('seed %i, %j → digest %s', (seed, input, expected) => {
    expect(hex(murmur3x64_128Digest(input, seed))).toBe(expected);
    expect(hex(murmur3x64_128Digest(enc.encode(input), seed))).toBe(expected);
  });

  it('returns h1, h2 as unsigned 64-bit bigints and hex as h1‖h2 big-endian', () => {
    const [h1, h2] = murmur3x64_128('The quick brown fox jumps over the lazy dog');
    // Digest bytes 6C1B07BC7BBC4BE3 are h1 little-endian.
    expect(h1).toBe(0xe34bbc7bbc071b6cn);
    expect(h2).toBe(0x7a433ca9c49a9347n);
    expect(murmur3x64_128Hex('The quick brown fox jumps over the lazy dog')).toBe('e34bbc7bbc071b6c7a433ca9c49a9347');
    const out = murmur3x64_128Into('The quick brown fox jumps over the lazy dog', new Uint32Array(4));
    expect(Array.from(out)).toEqual([0xe34bbc7b, 0xbc071b6c, 0x7a433ca9, 0xc49a9347]);
  });

  it('equals a bigint transcription of the reference for any bytes and seed, both tail modes (property, seeded)', () => {
    const out = new Uint32Array(4);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), (bytes, seed, signed) => {
        const [h1, h2] = referenceX64_128(bytes, seed, signed);
        murmur3x64_128Core(bytes, bytes.length, seed, signed, out);
        expect(((BigInt(out[0] as number) << 32n) | BigInt(out[1] as number)).toString(16)).toBe(h1.toString(16));
        expect(((BigInt(out[2] as number) << 32n) | BigInt(out[3] as number)).toString(16)).toBe(h2.toString(16));
      }),
      { seed: 128, numRuns: 800 },
    );
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(murmur3x64_128Hex(s, 3)).toBe(murmur3x64_128Hex(enc.encode(s), 3));
      }),
      { seed: 129, numRuns: 1000 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => murmur3x64_128(undefined as unknown as string)).toThrow(InvalidArgumentError);
  });
});
