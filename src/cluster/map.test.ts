import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../errors.js';
import { isPartitioned } from '../partitioning/placement.js';
import { decodeMap, encodeMap, initialMap, nextMap, placementOf } from './map.js';

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
});
