import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32c, crc32Table, crc32cTable, CRC32_NATIVE_MIN_BYTES } from './crc32.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const fill = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i));

describe('CRC32 (IEEE) and CRC32C (Castagnoli)', () => {
  it('match the catalogued check values for "123456789"', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32c('123456789')).toBe(0xe3069283);
    expect(crc32('')).toBe(0);
    expect(crc32c('')).toBe(0);
  });

  // RFC 3720 (iSCSI), appendix B.4: CRC32C examples.
  it.each([
    ['32 bytes of zeros', fill(32, () => 0), 0x8a9136aa],
    ['32 bytes of 0xff', fill(32, () => 0xff), 0x62a8ab43],
    ['32 ascending bytes 0…31', fill(32, (i) => i), 0x46dd794e],
    ['32 descending bytes 31…0', fill(32, (i) => 31 - i), 0x113fdb5c],
    [
      'an iSCSI read command PDU',
      Uint8Array.from([
        0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0,
        0x02, 0, 0, 0, 0, 0, 0, 0,
      ]),
      0xd9963a56,
    ],
  ])('CRC32C of %s matches RFC 3720 B.4', (_name, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
    expect(crc32cTable(bytes)).toBe(expected);
  });

  it('CRC32 equals node:zlib crc32 for any bytes, on both sides of the native threshold (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: CRC32_NATIVE_MIN_BYTES * 3 }), (bytes) => {
        const expected = zlibCrc32(bytes);
        expect(crc32(bytes)).toBe(expected);
        expect(crc32Table(bytes)).toBe(expected);
      }),
      { seed: 32, numRuns: 1000 },
    );
  });

  it('CRC32C: the native path for long input equals the table path (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: CRC32_NATIVE_MIN_BYTES - 4, maxLength: CRC32_NATIVE_MIN_BYTES * 4 }), (bytes) => {
        expect(crc32c(bytes)).toBe(crc32cTable(bytes));
      }),
      { seed: 33, numRuns: 300 },
    );
  });

  it('continues a running CRC: crc(b, crc(a)) = crc(a ‖ b), for short and long parts', () => {
    const a = enc.encode('hello, ');
    const b = enc.encode('world'.repeat(40));
    const ab = new Uint8Array([...a, ...b]);
    expect(crc32(b, crc32(a))).toBe(crc32(ab));
    expect(crc32c(b, crc32c(a))).toBe(crc32c(ab));
    expect(crc32(a, crc32(b))).toBe(zlibCrc32(a, zlibCrc32(b)));
  });

  it('string and byte forms agree for any string, short or long, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', minLength: CRC32_NATIVE_MIN_BYTES, maxLength: 400 })), (s) => {
        const bytes = enc.encode(s);
        expect(crc32(s)).toBe(crc32(bytes));
        expect(crc32c(s)).toBe(crc32c(bytes));
        expect(crc32(s)).toBe(zlibCrc32(bytes));
      }),
      { seed: 34, numRuns: 800 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => crc32([1, 2] as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => crc32c(3 as unknown as string)).toThrow(InvalidArgumentError);
  });
});
