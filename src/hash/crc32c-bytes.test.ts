import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { crc32cTable } from './crc32.js';
import { CRC32C_BACKEND, crc32cBytes, crc32cRange, crc32cRangeIsal, crc32cRangeNodeRs } from './crc32c-bytes.js';

describe('crc32cBytes / crc32cRange (storage CRC-32C)', () => {
  it('gives the CRC-32C check value 0xE3069283 for "123456789" and the RFC 3720 vectors', () => {
    expect(crc32cBytes(Buffer.from('123456789'))).toBe(0xe3069283);
    // RFC 3720 B.4: 32 bytes of zeros, of 0xFF, ascending and descending.
    expect(crc32cBytes(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32cBytes(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32cBytes(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32cBytes(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32cBytes(new Uint8Array(0))).toBe(0);
  });

  it('every backend equals the JavaScript table on any bytes and any range (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        const want = crc32cTable(bytes.subarray(start, end));
        expect(crc32cRange(bytes, start, end)).toBe(want);
        expect(crc32cRangeNodeRs(bytes, start, end)).toBe(want);
        const isal = crc32cRangeIsal(bytes, start, end);
        if (isal !== null) expect(isal).toBe(want);
        expect(crc32cBytes(bytes.subarray(start, end))).toBe(want);
      }),
      { seed: 3720, numRuns: 500 },
    );
  });

  it('continues a running CRC: crc(b, crc(a)) = crc(a ‖ b) (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(crc32cBytes(b, crc32cBytes(a))).toBe(crc32cTable(ab));
      }),
      { seed: 3721, numRuns: 300 },
    );
  });

  it('agrees with the table on a large buffer (the kernels for long input)', () => {
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24);
    const want = crc32cTable(big);
    expect(crc32cRange(big, 0, big.length)).toBe(want);
    expect(crc32cRangeNodeRs(big, 0, big.length)).toBe(want);
    expect(crc32cRange(big, 17, big.length - 3)).toBe(crc32cTable(big.subarray(17, big.length - 3)));
  });

  it('rejects a range outside the bytes, a non-integer bound or a bad previous CRC with InvalidArgumentError', () => {
    const b = new Uint8Array(10);
    expect(() => crc32cRange(b, -1, 5)).toThrow(InvalidArgumentError);
    expect(() => crc32cRange(b, 6, 5)).toThrow(InvalidArgumentError);
    expect(() => crc32cRange(b, 0, 11)).toThrow(/0 ≤ start ≤ end ≤ 10/);
    expect(() => crc32cRange(b, 0.5, 5)).toThrow(InvalidArgumentError);
    expect(() => crc32cBytes(b, -1)).toThrow(InvalidArgumentError);
    expect(() => crc32cBytes(b, 2 ** 32)).toThrow(InvalidArgumentError);
    expect(() => crc32cBytes('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });

  it('uses the ISA-L addon when the install was asked to build it (SHARDKIT_EXPECT_NATIVE=1, set by CI) and not ruled out (SHARDKIT_NATIVE=0)', () => {
    // CI installs libisal-dev before `npm ci`; if the addon then failed to
    // build, storage would silently fall back to the 9× slower backend.
    if (process.env.SHARDKIT_EXPECT_NATIVE !== '1' || process.env.SHARDKIT_NATIVE === '0') {
      expect(['isa-l', '@node-rs/crc32']).toContain(CRC32C_BACKEND);
      return;
    }
    expect(CRC32C_BACKEND).toBe('isa-l');
    expect(crc32cRangeIsal(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283);
  });
});
