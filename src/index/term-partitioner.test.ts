import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { StateError } from '../errors.js';
import { HashTermPartitioner, RangeTermPartitioner } from './term-partitioner.js';
import { type FieldValue, compareValues, termKey } from './values.js';

describe('term keys and the value order', () => {
  it('distinguishes the number 1 from the string "1", and treats 0 and −0 alike (as ===)', () => {
    expect(termKey(1)).not.toBe(termKey('1'));
    expect(termKey(0)).toBe(termKey(-0));
    expect(termKey('n1')).not.toBe(termKey(1));
  });

  it('orders numbers before strings, numbers numerically, strings in code point order (as partitioning/range.ts)', () => {
    expect([10, 'b', 2, 'a', -1, '\u{1F600}', '\uFFFD'].sort(compareValues)).toEqual([-1, 2, 10, 'a', 'b', '\uFFFD', '\u{1F600}']);
  });

  it('is a total order (antisymmetric and transitive)', () => {
    const v = fc.oneof(fc.string({ maxLength: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(v, v, v, (a, b, c) => {
        expect(Math.sign(compareValues(a, b))).toBe(-Math.sign(compareValues(b, a)) || 0);
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) expect(compareValues(a, c)).toBeLessThanOrEqual(0);
      }),
      { seed: 404, numRuns: 500 },
    );
  });
});

describe('HashTermPartitioner', () => {
  it('spreads terms evenly and deterministically, and includes the field in the term', () => {
    const tp = new HashTermPartitioner(8);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[tp.partitionOf('email', `user${i}@example.com`)]! += 1;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(tp.partitionOf('a', 'x')).toBe(new HashTermPartitioner(8).partitionOf('a', 'x'));
    const differs = Array.from({ length: 50 }, (_, i) => tp.partitionOf('a', i) !== tp.partitionOf('b', i)).filter(Boolean).length;
    expect(differs).toBeGreaterThan(25);
    tp.checkInvariants();
  });

  it('cannot prune a range query', () => {
    expect(() => new HashTermPartitioner(4).overlapping('a', 1, 2)).toThrow(StateError);
  });
});

describe('RangeTermPartitioner', () => {
  it('partition i holds boundaries[i−1] ≤ v < boundaries[i]', () => {
    const tp = new RangeTermPartitioner(4, { age: [18, 30, 65] });
    expect([0, 17.9, 18, 29, 30, 64, 65, 120, 'old'].map((v) => tp.partitionOf('age', v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 3]);
    expect(tp.supportsRange('age')).toBe(true);
    tp.checkInvariants();
  });

  it('hashes the terms of a field without boundaries, and refuses range queries on it', () => {
    const tp = new RangeTermPartitioner(8, { age: [18, 30, 65] });
    const used = new Set(Array.from({ length: 200 }, (_, i) => tp.partitionOf('email', `u${i}@x`)));
    expect(used.size).toBe(8);
    expect(tp.partitionOf('email', 'a@x')).toBe(new HashTermPartitioner(8).partitionOf('email', 'a@x'));
    expect(tp.supportsRange('email')).toBe(false);
    expect(() => tp.overlapping('email', 'a', 'b')).toThrow(StateError);
    tp.checkInvariants();
  });

  it('overlapping() returns exactly the partitions whose range meets [min, max]', () => {
    const bounds: FieldValue[] = [10, 20, 30, 'm'];
    const tp = new RangeTermPartitioner(5, { f: bounds });
    const v = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom('a', 'm', 'z'));
    fc.assert(
      fc.property(v, v, (x, y) => {
        const [min, max] = compareValues(x, y) <= 0 ? [x, y] : [y, x];
        const want: number[] = [];
        for (let p = 0; p < 5; p++) {
          const lo = p === 0 ? undefined : bounds[p - 1];
          const hi = bounds[p];
          const startsBeforeMax = lo === undefined || compareValues(lo, max) <= 0;
          const endsAfterMin = hi === undefined || compareValues(min, hi) < 0;
          if (startsBeforeMax && endsAfterMin) want.push(p);
        }
        expect(tp.overlapping('f', min, max)).toEqual(want);
      }),
      { seed: 77, numRuns: 300 },
    );
  });

  it('fromSample cuts at quantiles, so each partition gets about the same number of sample values', () => {
    const sample = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const tp = RangeTermPartitioner.fromSample(5, { x: sample });
    const counts = new Array<number>(5).fill(0);
    for (const v of sample) counts[tp.partitionOf('x', v)]! += 1;
    expect(counts).toEqual([200, 200, 200, 200, 200]);
  });

  it('fromSample with few distinct values uses fewer partitions, never an empty first one', () => {
    const tp = RangeTermPartitioner.fromSample(8, { flag: ['no', 'no', 'no', 'yes', 'yes'] });
    expect(tp.boundariesOf('flag')).toEqual(['yes']);
    expect(tp.partitionOf('flag', 'no')).toBe(0);
    expect(tp.partitionOf('flag', 'yes')).toBe(1);
    expect(RangeTermPartitioner.fromSample(4, { e: [] }).boundariesOf('e')).toEqual([]);
  });
});
