import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc16, crc16Range } from './crc16.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();

/** Bit-by-bit CRC16/XMODEM straight from its definition (poly 0x1021, init 0): the reference the table is checked against. */
function crc16BitByBit(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('CRC16/XMODEM (Redis src/crc16.c)', () => {
  // Check value of CRC-16/XMODEM (Redis crc16.c header: Output for "123456789" : 31C3; reveng catalogue check=0x31c3).
  it.each([
    ['123456789', 0x31c3],
    ['', 0x0000],
    ['A', 0x58e5],
  ])('matches the published value for %j', (input, expected) => {
    expect(crc16(input)).toBe(expected);
    expect(crc16(enc.encode(input))).toBe(expected);
  });

  it('equals the bit-by-bit definition for any bytes (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc16(bytes)).toBe(crc16BitByBit(bytes));
      }),
      { seed: 16, numRuns: 1000 },
    );
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(crc16(s)).toBe(crc16(enc.encode(s)));
      }),
      { seed: 17, numRuns: 1000 },
    );
  });

  it('crc16Range hashes only the given sub-range', () => {
    const bytes = enc.encode('xx123456789yy');
    expect(crc16Range(bytes, 2, 11)).toBe(0x31c3);
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => crc16(null as unknown as string)).toThrow(InvalidArgumentError);
  });
});
