import { describe, it, expect } from 'vitest';
import { StateError, InvalidArgumentError } from '../errors.js';
import { RangePlacement } from '../partitioning/range.js';
import { TermPartitionedDB, type TermPartitionedOptions } from './term-partitioned.js';
import { HashTermPartitioner, RangeTermPartitioner } from './term-partitioner.js';
import { indexedDbSuite, cars, checked } from './indexed-db.suite.js';

indexedDbSuite('term-partitioned (hash)', (o) => new TermPartitionedDB(o));
indexedDbSuite('term-partitioned (range)', (o) => {
  const P = typeof o.partitions === 'number' ? o.partitions : o.partitions.partitionCount;
  // Boundaries for the suite's fields (strings and the years of the cars).
  const b: Record<string, (string | number)[]> = { color: ['green', 'silver'], make: ['Ford'], year: [2019, 2020] };
  const bounds = Object.fromEntries(Object.entries(b).map(([f, list]) => [f, list.slice(0, P - 1)]));
  return new TermPartitionedDB({ ...o, termPartitioner: new RangeTermPartitioner(P, bounds) });
});

const global = (o: TermPartitionedOptions): TermPartitionedDB => new TermPartitionedDB(o);
const pks = (r: { hits: ReadonlyArray<readonly [string, unknown]> }): string[] => r.hits.map((h) => h[0]);
const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

describe('term-partitioned (global) index: costs (DDIA ch. 6, "Partitioning Secondary Indexes by Term")', () => {
  it('a query touches the one index partition holding the term plus the data partitions holding the hits', () => {
    const db = global({ partitions: 16, fields: ['color'] });
    for (let i = 0; i < 200; i++) db.put(`car${i}`, { color: `c${i % 40}` });
    const r = db.queryByField('color', 'c7');
    expect(r.hits.length).toBe(5);
    const term = db.indexPartitionOfTerm('color', 'c7');
    expect(r.indexPartitions).toEqual([term]);
    expect(r.dataPartitions).toEqual(sorted(pks(r).map((pk) => db.partitionOfKey(pk))));
    expect(r.partitions).toEqual(sorted([term, ...r.dataPartitions]));
    expect(r.partitions.length).toBeLessThan(16);
  });

  it('a write touches its data partition plus each index partition whose terms it adds or removes (fan-out)', () => {
    const db = global({ partitions: 16, fields: ['a', 'b', 'c'] });
    const w = checked(db, () => db.put('k', { a: 'x', b: 'y', c: 'z' }));
    const expected = sorted(['a', 'b', 'c'].map((f, i) => db.indexPartitionOfTerm(f, 'xyz'[i] as string)));
    expect(w.indexPartitions).toEqual(expected);
    expect(w.partitions).toEqual(sorted([db.partitionOfKey('k'), ...expected]));
    const u = checked(db, () => db.put('k', { a: 'x', b: 'y', c: 'w' }));
    expect(u.indexUpdates).toBe(2);
    expect(u.indexPartitions).toEqual(sorted([db.indexPartitionOfTerm('c', 'z'), db.indexPartitionOfTerm('c', 'w')]));
    const same = checked(db, () => db.put('k', { a: 'x', b: 'y', c: 'w', other: 1 }));
    expect(same.partitions).toEqual([db.partitionOfKey('k')]);
    expect(same.indexUpdates).toBe(0);
  });

  it('writes touch more partitions on average than with a local index (seed belief: a global write fans out)', () => {
    const db = global({ partitions: 16, fields: ['a', 'b', 'c'] });
    for (let i = 0; i < 300; i++) db.put(`k${i}`, { a: i % 7, b: `b${i % 11}`, c: `c${i}` });
    expect(db.stats().avgPartitionsPerWrite).toBeGreaterThan(2.5);
  });

  it('index entries live in the partition owning the term, whatever the document\'s partition', () => {
    const db = cars(global);
    for (let p = 0; p < db.partitionCount; p++) {
      for (const e of db.partitionContents(p).index) expect(db.indexPartitionOfTerm(e.field, e.value)).toBe(p);
    }
  });

  it('a multi-field query reads at most one index partition per field and intersects the posting lists', () => {
    const db = global({ partitions: 16, fields: ['color', 'make'] });
    for (let i = 0; i < 300; i++) db.put(`car${i}`, { color: `c${i % 10}`, make: `m${i % 7}` });
    const r = db.query({ color: 'c3', make: 'm4' });
    expect(pks(r)).toEqual(Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 10 === 3 && i % 7 === 4).map((i) => `car${i}`).sort());
    expect(r.indexPartitions).toEqual(sorted([db.indexPartitionOfTerm('color', 'c3'), db.indexPartitionOfTerm('make', 'm4')]));
    expect(r.dataPartitions).toEqual(sorted(pks(r).map((pk) => db.partitionOfKey(pk))));
  });

  it('a fixed primary key limits the data partitions fetched to one', () => {
    const db = global({ partitions: 16, fields: ['color'] });
    for (let i = 0; i < 100; i++) db.put(`car${i}`, { color: 'grey' });
    const r = db.queryByField('color', 'grey', { pk: 'car5' });
    expect(pks(r)).toEqual(['car5']);
    expect(r.dataPartitions).toEqual([db.partitionOfKey('car5')]);
  });

  it('pruning: a range query on a range-partitioned term index reads only the overlapping index partitions', () => {
    const ages = Array.from({ length: 1000 }, (_, i) => i % 100);
    const tp = RangeTermPartitioner.fromSample(10, { age: ages });
    const db = global({ partitions: 10, fields: ['age'], termPartitioner: tp });
    ages.forEach((a, i) => db.put(`u${i}`, { age: a }));
    db.checkInvariants();
    const r = db.queryRange('age', 25, 34);
    expect(r.hits.length).toBe(100);
    expect(r.indexPartitions).toEqual(tp.overlapping('age', 25, 34));
    expect(r.indexPartitions.length).toBeLessThanOrEqual(2);
    const narrow = db.queryRange('age', 42, 42);
    expect(narrow.indexPartitions).toEqual([tp.partitionOf('age', 42)]);
    expect(narrow.hits.length).toBe(10);
    expect(db.queryRange('age', 0, 99).indexPartitions.length).toBe(10);
  });

  it('term ranges come from the data: a skewed sample gets narrow ranges where values are dense', () => {
    const values = [...Array.from({ length: 900 }, (_, i) => `a${String(i).padStart(3, '0')}`), ...Array.from({ length: 100 }, (_, i) => `z${i}`)];
    const tp = RangeTermPartitioner.fromSample(4, { name: values });
    const b = tp.boundariesOf('name');
    expect(b.length).toBe(3);
    for (const v of b) expect(String(v).startsWith('a')).toBe(true); // not an a–z split
  });

  it('term ranges can come from a RangePlacement (partitioning/range.ts)', () => {
    const rp = RangePlacement.fromSample(['n1', 'n2'], ['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'kiwi'], 4);
    const tp = RangeTermPartitioner.fromRangePlacements(4, { fruit: rp });
    const db = global({ partitions: 4, fields: ['fruit'], termPartitioner: tp });
    ['apple', 'banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'kiwi'].forEach((f, i) => db.put(`k${i}`, { fruit: f }));
    db.checkInvariants();
    for (const f of ['apple', 'date', 'kiwi']) expect(db.indexPartitionOfTerm('fruit', f)).toBe(rp.partitionOf(f));
    expect(pks(db.queryRange('fruit', 'c', 'e'))).toEqual(['k2', 'k3']);
  });

  it('a range query on a hash-partitioned term index is refused with a StateError, and nothing changes', () => {
    const db = cars(global, { indexMode: 'async' });
    const before = db.indexLag().pending;
    expect(() => db.queryRange('year', 2018, 2020, { consistency: 'strong' })).toThrow(StateError);
    expect(db.indexLag().pending).toBe(before);
    expect(db.stats().queries).toBe(0);
  });

  it('a term partitioner with more partitions than the data is refused', () => {
    expect(() => global({ partitions: 4, fields: ['a'], termPartitioner: new HashTermPartitioner(5) })).toThrow(InvalidArgumentError);
  });

  it('a term partitioner with fewer partitions puts the index on the first partitions only', () => {
    const db = global({ partitions: 8, fields: ['a'], termPartitioner: new HashTermPartitioner(2) });
    for (let i = 0; i < 50; i++) db.put(`k${i}`, { a: `v${i}` });
    db.checkInvariants();
    for (let p = 2; p < 8; p++) expect(db.partitionContents(p).index).toEqual([]);
  });

  it('async mode: a write touches only its data partition; a flush sends one batch per index partition', () => {
    const db = global({ partitions: 16, fields: ['a', 'b', 'c'], indexMode: 'async' });
    for (let i = 0; i < 100; i++) {
      const w = checked(db, () => db.put(`k${i}`, { a: i % 5, b: `b${i % 13}`, c: `c${i}` }));
      expect(w.partitions).toEqual([w.dataPartition]);
      expect(w.deferred).toBe(true);
    }
    const lag = db.indexLag();
    const busy = lag.pendingByPartition.filter((n) => n > 0).length;
    expect(lag.pending).toBe(300);
    expect(checked(db, () => db.flushIndex())).toBe(300);
    expect(db.stats().flushMessages).toBe(busy);
    expect(busy).toBeLessThanOrEqual(16);
  });
});
