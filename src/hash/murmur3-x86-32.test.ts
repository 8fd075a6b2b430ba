import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { murmur3x86_32 } from './murmur3-x86-32.js';

const enc = new TextEncoder();

describe('murmur3 x86_32', () => {
  // Published vectors (SMHasher reference implementation; widely reproduced test table).
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\0\0\0\0', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ab', 0x9747b28c, 0x74875592],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
    ['abc', 0, 0xb3dd93fa],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', 0, 0xee925b90],
    ['\0\0\0', 0, 0x85f0b427],
    ['\0\0', 0, 0x30f4c306],
  ])('matches the published vector for %j with seed %i', (input, seed, expected) => {
    expect(murmur3x86_32(input, seed)).toBe(expected);
    expect(murmur3x86_32(enc.encode(input), seed)).toBe(expected);
  });

  it('hashes a non-ASCII string as its UTF-8 bytes (π, emoji, lone surrogate → U+FFFD)', () => {
    expect(murmur3x86_32('\u03c0'.repeat(8), 0x9747b28c)).toBe(0xd58063c1);
    for (const s of ['héllo', '日本語', '😀x', 'a\ud800b', '\udc00']) {
      expect(murmur3x86_32(s, 7)).toBe(murmur3x86_32(enc.encode(s), 7));
    }
  });

  it('string and byte forms agree for any string (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
        expect(murmur3x86_32(s, seed)).toBe(murmur3x86_32(enc.encode(s), seed));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
