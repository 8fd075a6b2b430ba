/**
 * The behaviour both secondary-index strategies share (seed 000's
 * DocumentPartitionedDB / TermPartitionedDB contract), run against each
 * (ARCHITECTURE.md, principle 2: one suite, many strategies). Every test calls
 * checkInvariants() after every operation.
 */
import { describe, it, expect } from 'vitest';
import { SlotPlacement } from '../partitioning/slots.js';
import { RangePlacement } from '../partitioning/range.js';
import { ModNPlacement } from '../partitioning/mod-n.js';
import type { IndexedDB } from './indexed-db.js';
import { type IndexedDBOptions, partitionIds, partitionKeyBefore } from './options.js';
import type { Doc } from './values.js';

/** Build a database of the strategy under test. */
export type Factory = (options: IndexedDBOptions) => IndexedDB;

/** Apply `op`, then check every invariant. */
export function checked<T>(db: IndexedDB, op: () => T): T {
  const r = op();
  db.checkInvariants();
  return r;
}

/** Everything observable about a database, to show an operation changed nothing. */
export function snapshot(db: IndexedDB): unknown {
  return {
    contents: Array.from({ length: db.partitionCount }, (_, p) => db.partitionContents(p)),
    stats: db.stats(),
    lag: db.indexLag(),
    size: db.size,
  };
}

const CARS: ReadonlyArray<readonly [string, Doc]> = [
  ['191', { color: 'red', make: 'Honda', year: 2019 }],
  ['306', { color: 'red', make: 'Ford', year: 2021 }],
  ['515', { color: 'silver', make: 'Dodge', year: 2019 }],
  ['768', { color: 'silver', make: 'Ford', year: 2020 }],
  ['893', { color: 'silver', make: 'Ford', year: 2019 }],
  ['235', { color: 'black', year: 2018 }],
];

/** A database of `create` holding the six cars of DDIA's figures 6-4 and 6-5. */
export function cars<D extends IndexedDB>(create: (options: IndexedDBOptions) => D, extra: Partial<IndexedDBOptions> = {}): D {
  const db = create({ partitions: 4, fields: ['color', 'make', 'year'], ...extra });
  for (const [pk, doc] of CARS) checked(db, () => db.put(pk, doc));
  return db;
}

const pks = (hits: ReadonlyArray<readonly [string, Doc]>): string[] => hits.map((h) => h[0]);

export function indexedDbSuite(name: string, create: Factory): void {
  describe(`${name}: shared secondary-index behaviour (DDIA ch. 6)`, () => {
    it('get returns the stored document from the one partition its key maps to, undefined when missing', () => {
      const db = cars(create);
      const r = db.get('306');
      expect(r.document).toEqual({ color: 'red', make: 'Ford', year: 2021 });
      expect(r.partitions).toEqual([db.partitionOfKey('306')]);
      expect(db.get('nope').document).toBeUndefined();
      expect(db.stats().reads).toBe(2);
      expect(db.stats().avgPartitionsPerRead).toBe(1);
    });

    it('places documents with the partitioning placement: the same key lands on the same partition as SlotPlacement says', () => {
      const db = cars(create);
      const slots = new SlotPlacement(partitionIds(4), { partitions: 4 });
      for (const [pk] of CARS) expect(db.partitionOfKey(pk)).toBe(slots.partitionOf(pk));
      for (let p = 0; p < 4; p++) {
        for (const [pk] of db.partitionContents(p).documents) expect(slots.partitionOf(pk)).toBe(p);
      }
    });

    it('accepts any PartitionedPlacement (mod-N, range) for document placement', () => {
      const range = new RangePlacement(['a', 'b', 'c'], { boundaries: ['3', '6', '8'] });
      for (const placement of [new ModNPlacement(['x', 'y', 'z']), range]) {
        const db = cars(create, { partitions: placement });
        expect(db.partitionCount).toBe(placement.partitionCount);
        for (const [pk] of CARS) expect(db.partitionOfKey(pk)).toBe(placement.partitionOf(pk));
        expect(pks(db.queryByField('color', 'silver').hits)).toEqual(['515', '768', '893']);
      }
    });

    it('queryByField returns [primary key, document] pairs sorted by key', () => {
      const db = cars(create);
      const r = db.queryByField('color', 'red');
      expect(r.hits).toEqual([
        ['191', { color: 'red', make: 'Honda', year: 2019 }],
        ['306', { color: 'red', make: 'Ford', year: 2021 }],
      ]);
      expect(pks(db.queryByField('year', 2019).hits)).toEqual(['191', '515', '893']);
      expect(db.queryByField('color', 'green').hits).toEqual([]);
      expect(db.queryByField('year', '2019').hits).toEqual([]); // the string "2019" is not the number 2019
    });

    it('put replaces a document and removes its old index entries', () => {
      const db = cars(create);
      const w = checked(db, () => db.put('306', { color: 'blue', make: 'Ford', year: 2021 }));
      expect(w.existed).toBe(true);
      expect(pks(db.queryByField('color', 'red').hits)).toEqual(['191']);
      expect(pks(db.queryByField('color', 'blue').hits)).toEqual(['306']);
      expect(db.size).toBe(6);
    });

    it('put with a field removed drops that index entry', () => {
      const db = cars(create);
      checked(db, () => db.put('191', { color: 'red' }));
      expect(pks(db.queryByField('make', 'Honda').hits)).toEqual([]);
      checked(db, () => db.put('191', { color: null, make: undefined }));
      expect(pks(db.queryByField('color', 'red').hits)).toEqual(['306']);
    });

    it('delete removes the document and cleans its index entries; deleting a missing key is a no-op', () => {
      const db = cars(create);
      const w = checked(db, () => db.delete('768'));
      expect(w.existed).toBe(true);
      expect(db.get('768').document).toBeUndefined();
      expect(pks(db.queryByField('color', 'silver').hits)).toEqual(['515', '893']);
      expect(pks(db.queryByField('year', 2020).hits)).toEqual([]);
      expect(checked(db, () => db.delete('768')).existed).toBe(false);
      expect(db.size).toBe(5);
    });

    it('stores a copy: changing the caller\'s object after put changes nothing', () => {
      const db = create({ partitions: 3, fields: ['color'] });
      const doc: Record<string, unknown> = { color: 'red' };
      checked(db, () => db.put('a', doc));
      doc.color = 'blue';
      expect(db.get('a').document).toEqual({ color: 'red' });
      expect(pks(db.queryByField('color', 'red').hits)).toEqual(['a']);
      expect(Object.isFrozen(db.get('a').document)).toBe(true);
    });

    it('indexes fields named like Object.prototype members as plain fields', () => {
      const db = create({ partitions: 2, fields: ['__proto__', 'constructor'] });
      checked(db, () => db.put('a', JSON.parse('{"__proto__": "x", "constructor": 3}') as Doc));
      checked(db, () => db.put('b', {}));
      expect(pks(db.queryByField('__proto__', 'x').hits)).toEqual(['a']);
      expect(pks(db.query(JSON.parse('{"__proto__": "x", "constructor": 3}') as Record<string, string>).hits)).toEqual(['a']);
    });

    it('a multi-field query returns the AND of its equalities', () => {
      const db = cars(create);
      expect(pks(db.query({ color: 'silver', make: 'Ford' }).hits)).toEqual(['768', '893']);
      expect(pks(db.query({ color: 'silver', make: 'Ford', year: 2019 }).hits)).toEqual(['893']);
      expect(pks(db.query({ color: 'red', make: 'Dodge' }).hits)).toEqual([]);
    });

    it('a query fixing the primary key returns at most that document', () => {
      const db = cars(create);
      expect(pks(db.queryByField('color', 'silver', { pk: '768' }).hits)).toEqual(['768']);
      expect(pks(db.queryByField('color', 'red', { pk: '768' }).hits)).toEqual([]);
    });

    it('a query fixing a compound key\'s partition key returns only that key\'s documents', () => {
      const db = create({ partitions: 8, fields: ['status'], partitionKeyOf: partitionKeyBefore(':') });
      for (let u = 0; u < 5; u++) for (let o = 0; o < 4; o++) checked(db, () => db.put(`user${u}:order${o}`, { status: o % 2 ? 'open' : 'shipped' }));
      for (let o = 0; o < 4; o++) expect(db.partitionOfKey(`user3:order${o}`)).toBe(db.partitionOfKey('user3:order0'));
      expect(pks(db.queryByField('status', 'open', { partitionKey: 'user3' }).hits)).toEqual(['user3:order1', 'user3:order3']);
    });

    it('stats total the reads, writes, queries and partitions touched, and average them', () => {
      const db = cars(create);
      db.get('191');
      const q1 = db.queryByField('color', 'red');
      const q2 = db.queryByField('make', 'Ford');
      const s = db.stats();
      expect(s.writes).toBe(6);
      expect(s.reads).toBe(1);
      expect(s.queries).toBe(2);
      expect(s.partitionsTouchedByQueries).toBe(q1.partitions.length + q2.partitions.length);
      expect(s.avgPartitionsPerQuery).toBe((q1.partitions.length + q2.partitions.length) / 2);
      expect(s.totalPartitionsTouched).toBe(s.partitionsTouchedByReads + s.partitionsTouchedByWrites + s.partitionsTouchedByQueries);
      expect(s.avgPartitionsPerWrite).toBe(s.partitionsTouchedByWrites / 6);
      expect(s.documents).toBe(6);
    });

    it('partitionContents lists each partition\'s documents and index entries', () => {
      const db = cars(create);
      let docs = 0;
      let entries = 0;
      for (let p = 0; p < db.partitionCount; p++) {
        const c = db.partitionContents(p);
        docs += c.documents.length;
        entries += c.index.length;
      }
      expect(docs).toBe(6);
      expect(entries).toBe(17); // 6 colors + 5 makes + 6 years
    });

    it('async mode: queries miss new documents until flushIndex applies the pending updates and returns how many', () => {
      const db = create({ partitions: 4, fields: ['color', 'make'], indexMode: 'async' });
      checked(db, () => db.put('1', { color: 'red', make: 'Ford' }));
      checked(db, () => db.put('2', { color: 'red' }));
      expect(db.get('1').document).toEqual({ color: 'red', make: 'Ford' });
      expect(db.queryByField('color', 'red').hits).toEqual([]);
      expect(db.indexLag().pending).toBe(3);
      expect(checked(db, () => db.flushIndex())).toBe(3);
      expect(pks(db.queryByField('color', 'red').hits)).toEqual(['1', '2']);
      expect(db.flushIndex()).toBe(0);
    });

    it('async mode: a deleted or changed document is not returned from a stale index entry', () => {
      const db = create({ partitions: 4, fields: ['color'], indexMode: 'async' });
      checked(db, () => db.put('1', { color: 'red' }));
      checked(db, () => db.put('2', { color: 'red' }));
      db.flushIndex();
      checked(db, () => db.delete('1'));
      checked(db, () => db.put('2', { color: 'blue' }));
      const r = db.queryByField('color', 'red');
      expect(r.hits).toEqual([]);
      expect(r.staleHitsDropped).toBe(2);
      expect(db.stats().staleHitsDropped).toBe(2);
      expect(checked(db, () => db.flushIndex())).toBe(3);
      const after = db.queryByField('color', 'red');
      expect(after.staleHitsDropped).toBe(0);
      expect(pks(db.queryByField('color', 'blue').hits)).toEqual(['2']);
      for (let p = 0; p < db.partitionCount; p++) expect(db.partitionContents(p).index.filter((e) => e.value === 'red')).toEqual([]);
    });

    it('async mode: a strong query applies the pending updates for its terms first, and only those', () => {
      const db = create({ partitions: 4, fields: ['color', 'make'], indexMode: 'async' });
      checked(db, () => db.put('1', { color: 'red', make: 'Ford' }));
      checked(db, () => db.put('2', { color: 'blue', make: 'Ford' }));
      const r = checked(db, () => db.queryByField('color', 'red', { consistency: 'strong' }));
      expect(pks(r.hits)).toEqual(['1']);
      expect(r.appliedPendingUpdates).toBe(1);
      expect(db.indexLag().pending).toBe(3);
      expect(db.queryByField('make', 'Ford').hits).toEqual([]);
      expect(pks(checked(db, () => db.query({ color: 'blue', make: 'Ford' }, { consistency: 'strong' })).hits)).toEqual(['2']);
    });

    it('sync mode: flushIndex is a no-op and the lag is zero', () => {
      const db = cars(create);
      expect(db.flushIndex()).toBe(0);
      expect(db.indexLag()).toMatchObject({ pending: 0, oldestPendingAgeMs: 0 });
      expect(db.queryByField('color', 'red', { consistency: 'strong' }).appliedPendingUpdates).toBe(0);
    });
  });
}
