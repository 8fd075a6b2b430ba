import { describe, it, expect } from 'vitest';
import { CapacityError } from '../errors.js';
import { ManualClock } from '../util/clock.js';
import { IndexUpdateQueue } from './update-queue.js';
import { IndexShard } from './index-shard.js';

const u = (partition: number, pk: string, value: string | number = 'v', op: 'add' | 'remove' = 'add') => ({ partition, op, field: 'f', value, pk });

describe('IndexUpdateQueue: bounded, grouped per index partition, never drops', () => {
  it('drains one batch per partition with pending updates, in partition order, keeping each partition\'s order', () => {
    const q = new IndexUpdateQueue(4, 100, new ManualClock());
    q.enqueue([u(2, 'a'), u(0, 'b'), u(2, 'c')]);
    q.enqueue([u(2, 'd', 'v', 'remove')]);
    q.checkInvariants();
    const batches = q.drainAll();
    expect(batches.map((b) => b.partition)).toEqual([0, 2]);
    expect(batches[1]?.updates.map((x) => `${x.op}:${x.pk}`)).toEqual(['add:a', 'add:c', 'remove:d']);
    expect(q.pending).toBe(0);
    q.checkInvariants();
  });

  it('is all or nothing at the bound: a batch that does not fit is refused whole with a retriable CapacityError', () => {
    const q = new IndexUpdateQueue(2, 3, new ManualClock());
    q.enqueue([u(0, 'a'), u(1, 'b')]);
    expect(() => q.enqueue([u(0, 'c'), u(1, 'd')])).toThrow(CapacityError);
    expect(q.pending).toBe(2);
    expect(q.pendingByPartition()).toEqual([1, 1]);
    q.enqueue([u(0, 'c')]);
    expect(q.canAccept(1)).toBe(false);
    q.checkInvariants();
  });

  it('drainMatching takes only matching updates of one partition, in order', () => {
    const clock = new ManualClock();
    const q = new IndexUpdateQueue(1, 10, clock);
    q.enqueue([u(0, 'a', 1)]);
    clock.advance(5);
    q.enqueue([u(0, 'b', 2), u(0, 'c', 1, 'remove')]);
    clock.advance(5);
    expect(q.oldestPendingAgeMs()).toBe(10);
    const taken = q.drainMatching(0, (x) => x.value === 1);
    expect(taken.map((x) => x.pk)).toEqual(['a', 'c']);
    expect(q.pending).toBe(1);
    expect(q.oldestPendingAgeMs()).toBe(5);
    q.checkInvariants();
  });
});

describe('IndexShard', () => {
  it('adds and removes entries, dropping emptied terms, and answers equality and range lookups', () => {
    const s = new IndexShard(['f']);
    s.add('f', 3, 'a');
    s.add('f', 3, 'a');
    s.add('f', 3, 'b');
    s.add('f', 'x', 'c');
    expect(s.entryCount).toBe(3);
    expect([...(s.lookup('f', 3) ?? [])]).toEqual(['a', 'b']);
    expect(s.lookup('f', '3')).toBeUndefined();
    expect(s.range('f', 0, 10).map((p) => p.value)).toEqual([3]);
    expect(s.remove('f', 3, 'zz')).toBe(false);
    expect(s.remove('f', 'x', 'c')).toBe(true);
    expect([...s.postings('f')].length).toBe(1);
    s.checkInvariants();
  });
});
