import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildRingTable, checkRingTable, ringIndex, ringIndexTabled } from './ring-core.js';
import { InvariantError } from '../errors.js';

describe('ring core', () => {
  it('property: ringIndex and the bucket-table lookup give the first position ≥ h, wrapping to 0, on sorted arrays with duplicates and crowded buckets (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(40), fc.constantFrom(0, 4294967295), fc.nat(4294967295)), { minLength: 1, maxLength: 70 }),
        fc.array(fc.oneof(fc.nat(45), fc.constantFrom(0, 4294967295), fc.nat(4294967295)), { minLength: 1, maxLength: 30 }),
        (points, probes) => {
          const positions = Uint32Array.from(points).sort();
          const table = buildRingTable(positions);
          checkRingTable('test', positions, table);
          for (const h of [...probes, ...positions]) {
            const linear = positions.findIndex((p) => p >= h);
            expect(ringIndex(positions, h)).toBe(linear < 0 ? 0 : linear);
            expect(ringIndexTabled(positions, table, h)).toBe(linear < 0 ? 0 : linear);
          }
        },
      ),
      { seed: 4242, numRuns: 1000 },
    );
  });

  it('the bucket table has about one entry per 2 points, and a stale table fails checkRingTable', () => {
    const positions = Uint32Array.from({ length: 1000 }, (_, i) => i * 4294967).sort();
    const t = buildRingTable(positions);
    expect(t.table.length).toBe(2 ** 9 + 1);
    expect(t.table[t.table.length - 1]).toBe(1000);
    const stale = { table: t.table.slice(), shift: t.shift };
    (stale.table as Uint32Array)[3] = 0;
    expect(() => checkRingTable('test', positions, stale)).toThrow(InvariantError);
    expect(buildRingTable(new Uint32Array(0)).table).toEqual(new Uint32Array(3));
  });
});
