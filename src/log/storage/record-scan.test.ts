import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { native } from '../../native.js';
import type { RecordInput } from '../types.js';
import { BATCH_HEADER_BYTES, encodeBatch } from './record-batch.js';
import { NATIVE_SCAN_MIN_RECORDS, SCAN_STRIDE, scanRecords, scanRecordsJs } from './record-scan.js';

const recordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 12 })),
  value: fc.option(fc.uint8Array({ maxLength: 200 })),
  timestampMs: fc.integer({ min: 0, max: 2 ** 40 }),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.uint8Array({ maxLength: 8 })), { maxLength: 3 }),
});

function toInput(r: { key: Uint8Array | null; value: Uint8Array | null; timestampMs: number; headers: Array<[string, Uint8Array]> }): RecordInput {
  return { key: r.key, value: r.value, timestampMs: r.timestampMs, headers: r.headers };
}

/** Both scanners over the same bytes; the native one only when the addon is installed. */
function scanBoth(buf: Buffer, start: number, end: number, count: number) {
  const js = new Int32Array(count * SCAN_STRIDE + 8).fill(-7);
  const nJs = scanRecordsJs(new DataView(buf.buffer, buf.byteOffset, buf.length), start, end, count, js, 4);
  let nNative: number | null = null;
  let nat: Int32Array | null = null;
  if (native !== null) {
    nat = new Int32Array(count * SCAN_STRIDE + 8).fill(-7);
    nNative = native.scanRecords(buf, start, end, count, nat, 4);
  }
  return { nJs, js, nNative, nat };
}

function expectSame(r: ReturnType<typeof scanBoth>): void {
  if (r.nNative === null || r.nat === null) return;
  expect(r.nNative).toBe(r.nJs);
  expect(Array.from(r.nat.subarray(0, 4 + r.nJs * SCAN_STRIDE))).toEqual(Array.from(r.js.subarray(0, 4 + r.nJs * SCAN_STRIDE)));
}

describe('record scan (the batch cursor index)', () => {
  it('indexes every record of a valid batch: start, offset delta, key and value lengths; both scanners agree (property, seeded)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 2 ** 40 }), (recs, base) => {
        const buf = encodeBatch(base, recs.map(toInput));
        const r = scanBoth(buf, BATCH_HEADER_BYTES, buf.length, recs.length);
        expect(r.nJs).toBe(recs.length);
        let p = BATCH_HEADER_BYTES;
        for (let i = 0; i < recs.length; i++) {
          const o = 4 + i * SCAN_STRIDE;
          const rec = recs[i] as (typeof recs)[number];
          expect(r.js[o]).toBe(p);
          expect(r.js[o + 1]).toBe(i);
          expect(r.js[o + 2]).toBe(rec.key === null ? -1 : rec.key.length);
          expect(r.js[o + 3]).toBe(rec.value === null ? -1 : rec.value.length);
          p += 4 + buf.readUInt32LE(p);
        }
        expect(p).toBe(buf.length);
        expect(r.js[3]).toBe(-7); // nothing written before outAt
        expectSame(r);
      }),
      { seed: 4201, numRuns: 300 },
    );
  });

  it('stops at the first record whose framing does not fit, never reading past the end; both scanners agree (property, seeded)', () => {
    // Damage one framing field of one record: its length, key length, value
    // length, header count, or a header's name or value length.
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 0, max: 5 }),
        fc.oneof(fc.constantFrom(0, 1, 23, 24, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
        (recs, which, field, value) => {
          const buf = encodeBatch(0, recs.map(toInput));
          const i = which % recs.length;
          let p = BATCH_HEADER_BYTES;
          for (let k = 0; k < i; k++) p += 4 + buf.readUInt32LE(p);
          const kl = buf.readInt32LE(p + 16);
          const vAt = p + 20 + Math.max(kl, 0);
          const vl = buf.readInt32LE(vAt);
          const hAt = vAt + 4 + Math.max(vl, 0);
          const hc = buf.readUInt32LE(hAt);
          const at = [p, p + 16, vAt, hAt, hc > 0 ? hAt + 4 : hAt, hc > 0 ? hAt + 8 + buf.readUInt32LE(hAt + 4) : hAt][field] as number;
          const before = buf.readUInt32LE(at);
          buf.writeUInt32LE(value, at);
          // The scan sees a tail of the batch that ends where the batch ends, inside a larger buffer (as in a fetch buffer).
          const big = Buffer.concat([buf, Buffer.alloc(64, 0xee)]);
          const r = scanBoth(big, BATCH_HEADER_BYTES, buf.length, recs.length);
          expect(r.nJs).toBeGreaterThanOrEqual(i);
          if (value === before) expect(r.nJs).toBe(recs.length);
          for (let k = 0; k < r.nJs; k++) {
            const o = 4 + k * SCAN_STRIDE;
            const start = r.js[o] as number;
            const len = big.readUInt32LE(start);
            expect(start + 4 + len).toBeLessThanOrEqual(buf.length);
            expect(r.js[o + 2] as number).toBeGreaterThanOrEqual(-1);
            expect(r.js[o + 3] as number).toBeGreaterThanOrEqual(-1);
          }
          expectSame(r);
        },
      ),
      { seed: 4202, numRuns: 600 },
    );
  });

  it('a record count larger than the records present stops at the end of the batch', () => {
    const recs = Array.from({ length: 20 }, (_, i) => toInput({ key: null, value: Buffer.from([i]), timestampMs: 0, headers: [] }));
    const buf = Buffer.concat([encodeBatch(0, recs), Buffer.alloc(100, 0x01)]);
    const end = buf.length - 100;
    const r = scanBoth(buf, BATCH_HEADER_BYTES, end, 25);
    expect(r.nJs).toBe(20);
    expectSame(r);
  });

  it('random bytes: both scanners agree and neither throws (property, seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.integer({ min: 0, max: 50 }), (bytes, count) => {
        const buf = Buffer.from(bytes);
        const r = scanBoth(buf, 0, buf.length, count);
        expect(r.nJs).toBeLessThanOrEqual(count);
        expectSame(r);
      }),
      { seed: 4203, numRuns: 500 },
    );
  });

  it('scanRecords takes the native path for large batches only, with the same result', () => {
    const recs = Array.from({ length: NATIVE_SCAN_MIN_RECORDS * 3 }, (_, i) => toInput({ key: Buffer.from('k'), value: Buffer.alloc(i), timestampMs: i, headers: [] }));
    const buf = encodeBatch(7, recs);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (const count of [1, NATIVE_SCAN_MIN_RECORDS - 1, NATIVE_SCAN_MIN_RECORDS, recs.length]) {
      const a = new Int32Array(count * SCAN_STRIDE);
      const b = new Int32Array(count * SCAN_STRIDE);
      expect(scanRecords(buf, dv, BATCH_HEADER_BYTES, buf.length, count, a, 0)).toBe(count);
      expect(scanRecordsJs(dv, BATCH_HEADER_BYTES, buf.length, count, b, 0)).toBe(count);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it('the native scanner rejects out-of-range arguments with a RangeError instead of reading outside its buffers', () => {
    if (native === null) return;
    const buf = Buffer.alloc(100);
    const out = new Int32Array(8);
    expect(() => native?.scanRecords(buf, 0, 101, 1, out, 0)).toThrow(RangeError);
    expect(() => native?.scanRecords(buf, 50, 40, 1, out, 0)).toThrow(RangeError);
    expect(() => native?.scanRecords(buf, 0, 100, 3, out, 0)).toThrow(RangeError);
    expect(() => native?.scanRecords(buf, 0, 100, 1, out, 5)).toThrow(RangeError);
    expect(() => native?.scanRecords(buf, 0, 100, 1, new Uint32Array(8) as unknown as Int32Array, 0)).toThrow(TypeError);
  });

  it('the native addon is installed when the install was asked to build it (SHARDKIT_EXPECT_NATIVE=1, set by CI)', () => {
    if (process.env.SHARDKIT_EXPECT_NATIVE !== '1' || process.env.SHARDKIT_NATIVE === '0') return;
    expect(native).not.toBeNull();
  });
});
