import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compoundKey, compoundRange, compoundRowGroup, decodeCompoundKey } from './compound-key.js';
import { KeySalter } from './salted-key.js';
import { RangeStore } from './store.js';
import { ManualClock } from '../util/clock.js';
import { compareKeys } from '../partitioning/range-keys.js';
import { InvalidArgumentError } from '../errors.js';

const cmpPair = (a: [string, string], b: [string, string]): number => compareKeys(a[0], b[0]) || compareKeys(a[1], b[1]);

describe('compound keys (Cassandra partition key + clustering key, DDIA ch. 6)', () => {
  it('property: encoded keys sort by (partitionKey, clusteringKey), even with prefixes and U+0000 (seeded)', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00ff', '\u0001', '😀'), maxLength: 4 });
    fc.assert(
      fc.property(part, part, part, part, (p1, c1, p2, c2) => {
        const order = Math.sign(compareKeys(compoundKey(p1, c1), compoundKey(p2, c2)));
        expect(order).toBe(Math.sign(cmpPair([p1, c1], [p2, c2])));
        expect(decodeCompoundKey(compoundKey(p1, c1))).toEqual({ partitionKey: p1, clusteringKey: c1 });
        expect(compoundRowGroup(compoundKey(p1, c1))).toBe(compoundKey(p1));
      }),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('keeps a partition key\'s rows together: the store never splits inside one', () => {
    const s = new RangeStore<string>({ clock: new ManualClock(), maxPartitionSize: 10, minPartitionSize: 2, rowGroupOf: compoundRowGroup });
    for (let u = 0; u < 30; u++) for (let e = 0; e < 7; e++) {
      s.put(compoundKey(`user${u}`, `event${e}`), 'x');
      s.checkInvariants();
    }
    expect(s.partitionCount).toBeGreaterThan(5);
    for (const p of s.partitions()) expect(compoundRowGroup(p.start)).toBe(p.start);
    for (let u = 0; u < 30; u++) {
      const { start, end } = compoundRange(`user${u}`);
      const rows = s.rangeScan(start, end);
      expect(rows.map(([k]) => decodeCompoundKey(k).clusteringKey)).toEqual(Array.from({ length: 7 }, (_, e) => `event${e}`));
      expect(s.partitionFor(start).id).toBe(s.partitionFor(compoundKey(`user${u}`, 'event6')).id);
    }
    const { start, end } = compoundRange('user3', 'event2', 'event5');
    expect(s.rangeScan(start, end).map(([k]) => decodeCompoundKey(k).clusteringKey)).toEqual(['event2', 'event3', 'event4']);
    expect(() => s.splitAt(compoundKey('user3', 'event2'))).toThrow(InvalidArgumentError);
  });

  it('lets one huge partition key grow past maxPartitionSize rather than split it (a wide partition)', () => {
    const s = new RangeStore<string>({ clock: new ManualClock(), maxPartitionSize: 5, minPartitionSize: 1, rowGroupOf: compoundRowGroup });
    for (let e = 0; e < 40; e++) s.put(compoundKey('celebrity', String(e).padStart(3, '0')), 'x');
    s.checkInvariants();
    expect(s.partitionCount).toBe(1);
    expect(s.partitions()[0]?.size).toBe(40);
  });

  it('rejects a key that is not a compound key when decoding', () => {
    expect(() => decodeCompoundKey('plain')).toThrow(InvalidArgumentError);
    expect(() => compoundKey(3 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe('salted keys (Bigtable / HBase salting, DDIA ch. 6: relieving hot spots)', () => {
  it('spreads sequential writes over every bucket instead of the last partition', () => {
    const salter = new KeySalter(8);
    const s = new RangeStore<number>({ clock: new ManualClock(), maxPartitionSize: 1_000_000, minPartitionSize: 1, boundaries: salter.boundaries() });
    for (let t = 0; t < 8000; t++) s.put(salter.salt(`t${String(t).padStart(8, '0')}`), t);
    s.checkInvariants();
    const writes = s.partitions().map((p) => p.writes);
    expect(writes).toHaveLength(8);
    for (const w of writes) expect(w).toBeGreaterThan(800);
    expect(s.stats().keysImbalance).toBeLessThan(1.2);
  });

  it('scans a range of original keys by fanning out over every prefix and merging in key order', () => {
    const salter = new KeySalter(5);
    const s = new RangeStore<number>({ clock: new ManualClock(), maxPartitionSize: 7, minPartitionSize: 1 });
    const keys = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    keys.push('😀', '｡', 'é');
    keys.forEach((k, i) => s.put(salter.salt(k), i));
    s.checkInvariants();
    const all = [...keys].sort(compareKeys);
    expect(salter.scan(s, '').map(([k]) => k)).toEqual(all);
    expect(salter.scan(s, 'k0100', 'k0150').map(([k]) => k)).toEqual(all.filter((k) => compareKeys(k, 'k0100') >= 0 && compareKeys(k, 'k0150') < 0));
    expect(salter.scan(s, 'k0100', 'k0150')[0]).toEqual(['k0100', 100]);
    expect(salter.unsalt(salter.salt('abc'))).toBe('abc');
    expect(() => salter.scan(s, 'z', 'a')).toThrow(InvalidArgumentError);
    expect(() => new KeySalter(0)).toThrow(InvalidArgumentError);
    expect(() => salter.unsalt('x')).toThrow(InvalidArgumentError);
  });
});
