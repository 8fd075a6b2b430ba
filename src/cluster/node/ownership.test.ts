/**
 * Ownership decisions in Redis Cluster's order (cluster.c getNodeByQuery):
 * a key owned here is served; owned elsewhere gets MOVED with the CRC16 slot
 * and the owner's address; a migrating partition whose key is gone answers
 * ASK to the target; an importing partition serves only after ASKING.
 * Storage partitions: the placement's own under partitioned placements, the
 * CRC16 slot otherwise.
 */
import { describe, it, expect } from 'vitest';
import { initialMap } from '../map.js';
import { Ownership, redirectText } from './ownership.js';
import { redisKeySlot } from '../../hash/redis-slot.js';

const nodes = [1, 2, 3].map((i) => ({ id: `n${i}`, weight: 1, host: '127.0.0.1', port: 7000 + i }));
const b = (s: string) => Buffer.from(s);

describe('Ownership', () => {
  const map = initialMap('redis-slots', {}, nodes);
  const own = new Ownership(map, 'n1');

  it('serves its own keys and answers MOVED <slot> <host>:<port> for others', () => {
    expect(own.route(b('b'), false, () => true)).toEqual({ kind: 'local' }); // slot 3300 ∈ 0-5460
    const r = own.route(b('a'), false, () => true); // slot 15495 ∈ 10923-16383 → n3
    expect(r.kind).toBe('moved');
    if (r.kind !== 'local') expect(redirectText(r)).toBe('MOVED 15495 127.0.0.1:7003');
  });

  it('migrating: a key still here is served, a key already gone gets ASK to the target', () => {
    const o = new Ownership(map, 'n1');
    o.migrating.set(3300, nodes[1] as (typeof nodes)[number]);
    expect(o.route(b('b'), false, () => true)).toEqual({ kind: 'local' });
    const r = o.route(b('b'), false, () => false);
    if (r.kind === 'local') throw new Error('expected ASK');
    expect(redirectText(r)).toBe('ASK 3300 127.0.0.1:7002');
  });

  it('importing: served only after ASKING, else MOVED to the current owner', () => {
    const o = new Ownership(map, 'n3');
    o.importing.add(3300);
    expect(o.route(b('b'), true, () => false)).toEqual({ kind: 'local' });
    expect(o.route(b('b'), false, () => false).kind).toBe('moved');
  });

  it('storage partition: the placement partition when partitioned, the CRC16 slot otherwise', () => {
    const slots = new Ownership(initialMap('slots', { partitions: 64 }, nodes), 'n1');
    expect(slots.partitionIsSlot).toBe(false);
    expect(slots.partitionOf(b('key'))).toBeLessThan(64);
    const ring = new Ownership(initialMap('ring', {}, nodes), 'n1');
    expect(ring.partitionIsSlot).toBe(true);
    expect(ring.partitionOf(b('key'))).toBe(redisKeySlot('key'));
  });

  it('refuses a map that does not name the node', () => {
    expect(() => new Ownership(map, 'n9')).toThrow(/n9 is not in the cluster map/);
  });
});
