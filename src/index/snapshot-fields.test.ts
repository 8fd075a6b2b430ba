import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import type { IndexedDB } from './indexed-db.js';
import type { IndexedDBOptions } from './options.js';

const strategies: Array<[string, (o: IndexedDBOptions) => IndexedDB]> = [
  ['document-partitioned', (o) => new DocumentPartitionedDB(o)],
  ['term-partitioned', (o) => new TermPartitionedDB(o)],
];

for (const [name, create] of strategies) {
  describe(`${name}: documents are read once; a database may have no secondary index (issues 11 §6, 12 §4)`, () => {
    it('a getter field is read once: the index entry matches the stored document (red then blue left red → blue)', () => {
      for (const indexMode of ['sync', 'async'] as const) {
        const db = create({ partitions: 4, fields: ['color'], indexMode });
        const colors = ['red', 'blue', 'green'];
        let reads = 0;
        const doc = {
          get color(): string {
            return colors[reads++ % colors.length] as string;
          },
        };
        db.put('k', doc);
        if (indexMode === 'async') db.flushIndex();
        expect(reads).toBe(1);
        const stored = db.get('k').document as { color: string };
        const hits = db.queryByField('color', stored.color, { consistency: 'strong' }).hits.map((h) => h[0]);
        expect(hits).toEqual(['k']);
        for (const other of colors.filter((c) => c !== stored.color)) expect(db.queryByField('color', other, { consistency: 'strong' }).hits).toHaveLength(0);
        db.checkInvariants();
      }
    });

    it('a document whose properties cannot be read is an InvalidArgumentError and changes nothing', () => {
      const db = create({ partitions: 2, fields: ['color'] });
      db.put('a', { color: 'red' });
      const trap = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
      expect(() => db.put('b', trap)).toThrow(InvalidArgumentError);
      const getter = { get color(): string { throw new Error('boom'); } };
      expect(() => db.put('b', getter)).toThrow(InvalidArgumentError);
      expect(db.size).toBe(1);
      db.checkInvariants();
    });

    it('fields: [] is a database with no secondary index: put, get and delete work; a field query is NotFound', () => {
      const db = create({ partitions: 4, fields: [] });
      db.put('a', { color: 'red' });
      db.put('b', { color: 'blue' });
      expect(db.get('a').document).toEqual({ color: 'red' });
      expect(db.size).toBe(2);
      expect(db.delete('a').existed).toBe(true);
      expect(db.size).toBe(1);
      expect(() => db.queryByField('color', 'red')).toThrow();
      db.checkInvariants();
      const asyncDb = create({ partitions: 2, fields: [], indexMode: 'async' });
      asyncDb.put('x', { v: 1 });
      asyncDb.flushIndex();
      asyncDb.checkInvariants();
      expect(asyncDb.size).toBe(1);
    });
  });
}
