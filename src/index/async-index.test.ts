import { describe, it, expect } from 'vitest';
import { CapacityError, InvalidArgumentError } from '../errors.js';
import { ManualClock } from '../util/clock.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import type { IndexedDB } from './indexed-db.js';
import type { IndexedDBOptions } from './options.js';
import { checked, snapshot } from './indexed-db.suite.js';

const strategies: Array<[string, (o: IndexedDBOptions) => IndexedDB]> = [
  ['document-partitioned', (o) => new DocumentPartitionedDB(o)],
  ['term-partitioned', (o) => new TermPartitionedDB(o)],
];
const pks = (r: { hits: ReadonlyArray<readonly [string, unknown]> }): string[] => r.hits.map((h) => h[0]);

for (const [name, create] of strategies) {
  describe(`${name}: asynchronous index (DDIA ch. 6: global index updates are often asynchronous)`, () => {
    it('the lag is observable: pending count and the age of the oldest pending update on the injected clock', () => {
      const clock = new ManualClock(1_000);
      const db = create({ partitions: 8, fields: ['a'], indexMode: 'async', clock });
      expect(db.indexLag()).toMatchObject({ pending: 0, oldestPendingAgeMs: 0 });
      checked(db, () => db.put('k1', { a: 'x' }));
      clock.advance(250);
      checked(db, () => db.put('k2', { a: 'y' }));
      clock.advance(100);
      expect(db.indexLag()).toMatchObject({ pending: 2, oldestPendingAgeMs: 350 });
      expect(db.indexLag().pendingByPartition.reduce((s, n) => s + n, 0)).toBe(2);
      db.flushIndex();
      expect(db.indexLag()).toMatchObject({ pending: 0, oldestPendingAgeMs: 0 });
    });

    it('a strong query that takes the oldest update leaves the lag at the next oldest', () => {
      const clock = new ManualClock();
      const db = create({ partitions: 1, fields: ['a'], indexMode: 'async', clock });
      db.put('k1', { a: 'x' });
      clock.advance(40);
      db.put('k2', { a: 'y' });
      clock.advance(10);
      expect(db.indexLag().oldestPendingAgeMs).toBe(50);
      expect(pks(checked(db, () => db.queryByField('a', 'x', { consistency: 'strong' })))).toEqual(['k1']);
      expect(db.indexLag()).toMatchObject({ pending: 1, oldestPendingAgeMs: 10 });
    });

    it('whenFull "reject": a write that does not fit fails with a retriable CapacityError and changes nothing; after a flush it succeeds', () => {
      const db = create({ partitions: 4, fields: ['a', 'b'], indexMode: 'async', pendingMax: 5 });
      checked(db, () => db.put('k1', { a: 1, b: 1 }));
      checked(db, () => db.put('k2', { a: 2, b: 2 }));
      const before = snapshot(db);
      let err: unknown;
      try {
        db.put('k3', { a: 3, b: 3 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CapacityError);
      expect((err as CapacityError).retriable).toBe(true);
      expect((err as Error).message).toMatch(/pendingMax 5/);
      expect(db.stats().rejectedWrites).toBe(1);
      expect({ ...(snapshot(db) as object), stats: undefined }).toEqual({ ...(before as object), stats: undefined });
      expect(db.get('k3').document).toBeUndefined();
      db.checkInvariants();
      expect(db.flushIndex()).toBe(4);
      checked(db, () => db.put('k3', { a: 3, b: 3 }));
      expect(db.indexLag().pending).toBe(2);
    });

    it('whenFull "reject": a write that fits exactly is accepted (the bound is inclusive)', () => {
      const db = create({ partitions: 4, fields: ['a'], indexMode: 'async', pendingMax: 3 });
      db.put('k1', { a: 1 });
      db.put('k2', { a: 2 });
      checked(db, () => db.put('k3', { a: 3 }));
      expect(db.indexLag().pending).toBe(3);
      expect(() => db.put('k4', { a: 4 })).toThrow(CapacityError);
      // A write with no index changes needs no room.
      checked(db, () => db.put('k1', { a: 1, other: true }));
    });

    it('whenFull "flush": a write that does not fit flushes every pending update first, one batch per partition; nothing is dropped', () => {
      const db = create({ partitions: 4, fields: ['a'], indexMode: 'async', pendingMax: 10, whenFull: 'flush' });
      for (let i = 0; i < 10; i++) checked(db, () => db.put(`k${i}`, { a: i % 3 }));
      const busy = db.indexLag().pendingByPartition.filter((n) => n > 0).length;
      const w = checked(db, () => db.put('k10', { a: 1 }));
      expect(w.flushedFirst).toBe(10);
      expect(db.stats().flushMessages).toBe(busy);
      expect(db.indexLag().pending).toBe(1);
      db.flushIndex();
      expect(pks(db.queryByField('a', 1))).toEqual(['k1', 'k10', 'k4', 'k7']);
    });

    it('many writes under a small bound with whenFull "flush" lose no update', () => {
      const db = create({ partitions: 8, fields: ['a', 'b'], indexMode: 'async', pendingMax: 7, whenFull: 'flush' });
      for (let i = 0; i < 200; i++) {
        db.put(`k${i % 37}`, { a: i % 5, b: `v${i % 11}` });
        if (i % 13 === 0) db.delete(`k${(i * 7) % 37}`);
        expect(db.indexLag().pending).toBeLessThanOrEqual(7);
      }
      db.checkInvariants();
      db.flushIndex();
      db.checkInvariants();
      let total = 0;
      for (let v = 0; v < 5; v++) total += db.queryByField('a', v).hits.length;
      expect(total).toBe(db.size);
    });

    it('pendingMax below one write\'s worst case (2 × fields) is refused at construction', () => {
      expect(() => create({ partitions: 4, fields: ['a', 'b'], indexMode: 'async', pendingMax: 3 })).toThrow(InvalidArgumentError);
      expect(() => create({ partitions: 4, fields: ['a', 'b'], indexMode: 'async', whenFull: 'drop' as 'flush' })).toThrow(InvalidArgumentError);
      expect(() => create({ partitions: 4, fields: ['a'], indexMode: 'lazy' as 'async' })).toThrow(InvalidArgumentError);
    });

    it('a strong range or multi-field query applies the pending updates of its terms only', () => {
      const db = create({ partitions: 1, fields: ['a', 'b'], indexMode: 'async' });
      db.put('k1', { a: 5, b: 'x' });
      db.put('k2', { a: 50, b: 'y' });
      if (db instanceof TermPartitionedDB) {
        const r = checked(db, () => db.query({ a: 5, b: 'x' }, { consistency: 'strong' }));
        expect(pks(r)).toEqual(['k1']);
        expect(r.appliedPendingUpdates).toBe(2);
      } else {
        const r = checked(db, () => db.queryRange('a', 0, 10, { consistency: 'strong' }));
        expect(pks(r)).toEqual(['k1']);
        expect(r.appliedPendingUpdates).toBe(1);
      }
      expect(db.indexLag().pending).toBeGreaterThan(0);
    });
  });
}
