import { describe, it, expect } from 'vitest';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { indexedDbSuite, cars, checked } from './indexed-db.suite.js';
import { partitionKeyBefore } from './options.js';

indexedDbSuite('document-partitioned', (o) => new DocumentPartitionedDB(o));

const local = (o: ConstructorParameters<typeof DocumentPartitionedDB>[0]): DocumentPartitionedDB => new DocumentPartitionedDB(o);
const pks = (r: { hits: ReadonlyArray<readonly [string, unknown]> }): string[] => r.hits.map((h) => h[0]);

describe('document-partitioned (local) index: costs (DDIA ch. 6, "Partitioning Secondary Indexes by Document")', () => {
  it('a write touches exactly one partition: the document\'s, which also holds its index entries', () => {
    const db = cars(local);
    const w = checked(db, () => db.put('999', { color: 'green', make: 'Kia', year: 2024 }));
    expect(w.partitions).toEqual([db.partitionOfKey('999')]);
    expect(w.indexPartitions).toEqual([db.partitionOfKey('999')]);
    const p = db.partitionContents(db.partitionOfKey('999'));
    expect(p.index.filter((e) => e.pk === '999').map((e) => e.field).sort()).toEqual(['color', 'make', 'year']);
    expect(db.stats().avgPartitionsPerWrite).toBe(1);
  });

  it('each partition indexes only its own documents', () => {
    const db = cars(local);
    for (let p = 0; p < db.partitionCount; p++) {
      const c = db.partitionContents(p);
      const own = new Set(c.documents.map((d) => d[0]));
      for (const e of c.index) expect(own.has(e.pk)).toBe(true);
    }
  });

  it('a query scatters to every partition and gathers, however few the hits', () => {
    const db = local({ partitions: 16, fields: ['color'] });
    for (let i = 0; i < 100; i++) db.put(`car${i}`, { color: i === 7 ? 'gold' : 'grey' });
    const r = db.queryByField('color', 'gold');
    expect(pks(r)).toEqual(['car7']);
    expect(r.partitions).toEqual(Array.from({ length: 16 }, (_, p) => p));
    expect(db.queryByField('color', 'none').partitions.length).toBe(16);
  });

  it('pruning: a query that fixes the primary key touches one partition', () => {
    const db = local({ partitions: 16, fields: ['color'] });
    for (let i = 0; i < 100; i++) db.put(`car${i}`, { color: 'grey' });
    const r = db.queryByField('color', 'grey', { pk: 'car42' });
    expect(pks(r)).toEqual(['car42']);
    expect(r.partitions).toEqual([db.partitionOfKey('car42')]);
  });

  it('pruning: a query that fixes a compound key\'s partition key touches one partition', () => {
    const db = local({ partitions: 16, fields: ['status'], partitionKeyOf: partitionKeyBefore(':') });
    for (let u = 0; u < 20; u++) for (let o = 0; o < 5; o++) db.put(`user${u}:order${o}`, { status: 'open' });
    const r = db.queryByField('status', 'open', { partitionKey: 'user7' });
    expect(r.hits.length).toBe(5);
    expect(r.partitions).toEqual([db.partitionOfKey('user7:order0')]);
  });

  it('a multi-field query intersects posting lists within each partition', () => {
    const db = cars(local);
    const r = db.query({ color: 'silver', make: 'Ford' });
    expect(pks(r)).toEqual(['768', '893']);
    expect(r.partitions.length).toBe(db.partitionCount);
  });

  it('a range query on a local index scatters to every partition', () => {
    const db = cars(local);
    const r = db.queryRange('year', 2019, 2020);
    expect(pks(r)).toEqual(['191', '515', '768', '893']);
    expect(r.partitions.length).toBe(4);
    expect(pks(db.queryRange('year', 2020, 2020, { pk: '768' }))).toEqual(['768']);
  });

  it('async mode: a write still touches one partition, and a flush sends one batch per partition with pending updates', () => {
    const db = local({ partitions: 8, fields: ['a', 'b'], indexMode: 'async' });
    for (let i = 0; i < 40; i++) expect(checked(db, () => db.put(`k${i}`, { a: i % 3, b: 'x' })).partitions.length).toBe(1);
    const busy = db.indexLag().pendingByPartition.filter((n) => n > 0).length;
    expect(db.flushIndex()).toBe(80);
    expect(db.stats().flushMessages).toBe(busy);
    expect(db.stats().flushes).toBe(1);
  });
});
