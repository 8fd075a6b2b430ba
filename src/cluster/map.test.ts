import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptionError, InvalidArgumentError } from '../errors.js';
import { redisKeySlot } from '../hash/redis-slot.js';
import { isPartitioned } from '../partitioning/placement.js';
import { decodeMap, encodeMap, initialMap, nextMap, placementOf, withPartitionsMoved } from './map.js';

const nodes = [1, 2, 3].map((i) => ({ id: `n${i}`, weight: 1, host: '127.0.0.1', port: 7000 + i }));

describe('cluster map', () => {
  it('redis-slots starts with redis-cli ranges, and survives encode/decode', () => {
    const m = initialMap('redis-slots', {}, nodes);
    expect(m.epoch).toBe(1);
    expect(m.owners).toEqual([
      { first: 0, last: 5460, node: 0 },
      { first: 5461, last: 10922, node: 1 },
      { first: 10923, last: 16383, node: 2 },
    ]);
    const back = decodeMap(encodeMap(m));
    expect(back).toEqual(m);
    expect(placementOf(back).locate('foo')).toBe('n3'); // slot 12182
  });

  it('a partition table that was changed is kept as state, not recomputed from the node list', () => {
    const m = initialMap('slots', { partitions: 12 }, nodes);
    const p = placementOf(m);
    const joined = p.withNode('n4').placement;
    const m2 = nextMap(m, [...nodes, { id: 'n4', weight: 1, host: '127.0.0.1', port: 7004 }], joined);
    expect(m2.epoch).toBe(2);
    const q = placementOf(decodeMap(encodeMap(m2)));
    if (!isPartitioned(q) || !isPartitioned(joined)) throw new Error('expected partitioned placements');
    for (let i = 0; i < 12; i++) expect(q.ownerOf(i)).toBe(joined.ownerOf(i));
  });

  it('every strategy round-trips', () => {
    for (const s of ['ring', 'ketama', 'jump', 'rendezvous', 'range', 'tokens', 'mod-n']) {
      const m = initialMap(s, s === 'range' ? { boundaries: ['h', 'p'] } : {}, nodes);
      const a = placementOf(m);
      const b = placementOf(decodeMap(encodeMap(m)));
      for (const k of ['a', 'k', 'z', 'user:1']) expect(b.locate(k)).toBe(a.locate(k));
    }
  });

  it('damaged maps are reported, not half-read', () => {
    const m = initialMap('redis-slots', {}, nodes);
    const bad = [
      new TextEncoder().encode('{"format":1'),
      encodeMap({ ...m, epoch: 0 }),
      encodeMap({ ...m, owners: m.owners?.slice(1) }),
      encodeMap({ ...m, nodes: [] }),
      encodeMap({ ...m, strategy: 'nope' }),
      new Uint8Array([0xff, 0xfe]),
    ];
    for (const b of bad) expect(() => decodeMap(b)).toThrow(CorruptionError);
  });

  it('withPartitionsMoved gives exactly the moved partitions to their new nodes, in the next epoch, and leaves the old map as it was', () => {
    const m = initialMap('redis-slots', {}, nodes);
    const before = JSON.stringify(m);
    const a = placementOf(m);
    const ownerIndex = (slot: number): number => ((m.owners ?? []).find((r) => r.first <= slot && slot <= r.last) as { node: number }).node;
    // Swaps of two partitions' owners keep every node's share, as a slot table must.
    const swap = fc.tuple(fc.integer({ min: 0, max: 16383 }), fc.integer({ min: 0, max: 16383 }));
    fc.assert(
      fc.property(fc.array(swap, { maxLength: 40 }), fc.array(fc.string(), { minLength: 1, maxLength: 20 }), (swaps, keys) => {
        const owner = new Map<number, number>();
        const get = (p: number): number => owner.get(p) ?? ownerIndex(p);
        for (const [x, y] of swaps) {
          const ox = get(x);
          owner.set(x, get(y));
          owner.set(y, ox);
        }
        const moves = [...owner].map(([p, node]) => ({ first: p, last: p, node }));
        const next = withPartitionsMoved(m, moves);
        expect(next.epoch).toBe(m.epoch + 1);
        const b = placementOf(decodeMap(encodeMap(next)));
        for (const k of keys) {
          const slot = redisKeySlot(k);
          expect(b.locate(k)).toBe(owner.has(slot) ? (nodes[get(slot)] as { id: string }).id : a.locate(k));
        }
        if (!isPartitioned(b)) throw new Error('expected a partitioned placement');
        for (const [p, node] of owner) expect(b.ownerOf(p)).toBe((nodes[node] as { id: string }).id);
        // Adjacent ranges of one node are merged, as the map keeps them.
        const o = next.owners ?? [];
        for (let i = 1; i < o.length; i++) expect((o[i - 1] as { node: number }).node === (o[i] as { node: number }).node).toBe(false);
      }),
    );
    expect(JSON.stringify(m)).toBe(before);
  });

  it('withPartitionsMoved accepts a table off quota: a plan executes move by move, so a node may hold more or fewer partitions than its share in between', () => {
    const m = initialMap('redis-slots', {}, nodes);
    const next = withPartitionsMoved(m, [{ first: 0, last: 99, node: 1 }]);
    expect(next.epoch).toBe(m.epoch + 1);
    const placement = placementOf(next);
    const low = Array.from({ length: 2000 }, (_, i) => `k${i}`).find((k) => redisKeySlot(k) <= 99) as string;
    expect(placement.locate(low)).toBe(nodes[1]?.id);
    expect(decodeMap(encodeMap(next))).toEqual(next);
  });

  it('withPartitionsMoved refuses a move outside the partitions or the nodes, and an unpartitioned map', () => {
    const m = initialMap('redis-slots', {}, nodes);
    for (const bad of [{ first: -1, last: 3, node: 0 }, { first: 5, last: 4, node: 0 }, { first: 0, last: 16384, node: 0 }, { first: 0, last: 1, node: 3 }, { first: 0.5, last: 1, node: 0 }, null]) {
      expect(() => withPartitionsMoved(m, [bad as never])).toThrow(InvalidArgumentError);
    }
    expect(() => withPartitionsMoved(m, 'x' as never)).toThrow(InvalidArgumentError);
    expect(() => withPartitionsMoved(initialMap('ring', {}, nodes), [])).toThrow(InvalidArgumentError);
  });
});
