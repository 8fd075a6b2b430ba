import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { RendezvousPlacement, rendezvousSeeds, rendezvousUnit } from './rendezvous.js';
import { placementSuite } from './placement.suite.js';
import type { NodeSpec } from './placement.js';

// loadShares are the expected wᵢ/Σw; the sampled tests below hold real lookups to binomial bounds.
placementSuite('rendezvous', {
  create: (nodes) => new RendezvousPlacement(nodes),
  listEqualsJoins: true,
  minimalMovement: true,
  balanceBound: () => 1.0000001,
  weighted: true,
});

/** The model: score every node by the documented formula −w / ln(u) and sort (score, then u, then id). */
function modelOrder(nodes: readonly Required<NodeSpec>[], key: string): string[] {
  const h = murmur3x86_32(key) | 0;
  return nodes
    .map((n) => {
      const [a, b] = rendezvousSeeds(n.id);
      const u = rendezvousUnit(h, a, b);
      return { id: n.id, u, s: -n.weight / Math.log(u) };
    })
    .sort((x, y) => y.s - x.s || y.u - x.u || (x.id < y.id ? -1 : 1))
    .map((x) => x.id);
}

const KEYS = Array.from({ length: 300 }, (_, i) => `key:${i}`);

describe('rendezvous (HRW)', () => {
  it('property: lookups and preference lists equal the naive score-and-sort model, weighted or not (seeded)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 24 }),
        fc.boolean(),
        fc.array(fc.constantFrom(0.5, 1, 1, 2, 3.25), { minLength: 24, maxLength: 24 }),
        (ids, weighted, ws) => {
          const nodes = ids.map((id, i) => ({ id, weight: weighted ? (ws[i] as number) : 1 }));
          const p = new RendezvousPlacement(nodes);
          p.checkInvariants();
          const k = Math.min(3, ids.length);
          for (const key of KEYS.slice(0, 60)) {
            const order = modelOrder(nodes, key);
            expect(p.locate(key)).toBe(order[0]);
            expect(p.preferenceList(key, k)).toEqual(order.slice(0, k));
            expect(p.preferenceList(key, ids.length)).toEqual(order);
          }
        },
      ),
      { seed: 1998, numRuns: 60 },
    );
  });

  it('the equal-weights shortcut (no logarithm) picks the node the −w/ln(u) formula picks, on 100,000 keys', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => ({ id: `n${i}`, weight: 2 }));
    const p = new RendezvousPlacement(nodes);
    const seeds = nodes.map((n) => rendezvousSeeds(n.id));
    let differ = 0;
    for (let i = 0; i < 100_000; i++) {
      const key = `user:${i}`;
      const h = murmur3x86_32(key) | 0;
      let best = 0;
      let bestS = -1;
      seeds.forEach(([a, b], j) => {
        const s = -2 / Math.log(rendezvousUnit(h, a, b));
        if (s > bestS) {
          bestS = s;
          best = j;
        }
      });
      if (p.locate(key) !== nodes[best]?.id) differ++;
    }
    expect(differ).toBe(0);
  });

  it('gives each node wᵢ/Σw of the keys (logarithmic method), within 5σ on 200,000 keys', () => {
    const nodes = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 2 },
      { id: 'c', weight: 3 },
      { id: 'd', weight: 4 },
      { id: 'e', weight: 0.5 },
    ];
    const p = new RendezvousPlacement(nodes);
    const total = 10.5;
    const n = 200_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = p.locate(`k${i}`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const { id, weight } of nodes) {
      const expected = weight / total;
      const sigma = Math.sqrt((expected * (1 - expected)) / n);
      expect(Math.abs((counts.get(id) ?? 0) / n - expected), id).toBeLessThan(5 * sigma);
      expect(p.loadShares().get(id)).toBeCloseTo(expected, 12);
    }
  });

  it('equal weights balance 200,000 keys over 10 nodes within 3.5% of the mean (5σ)', () => {
    const p = new RendezvousPlacement(Array.from({ length: 10 }, (_, i) => `n${i}`));
    const counts = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) {
      const id = p.locate(`k:${i}`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const c of counts.values()) expect(Math.abs(c / 20_000 - 1)).toBeLessThan(0.035);
  });

  it('a joining node of weight w takes about w/Σw of the keys, all to it; a leaver hands keys to their runner-up', () => {
    const p = new RendezvousPlacement([{ id: 'a' }, { id: 'b', weight: 2 }, { id: 'c' }]);
    const { placement: q, plan } = p.withNode({ id: 'd', weight: 4 });
    q.checkInvariants();
    expect(plan.method).toBe('sampled');
    expect(plan.movedFraction).toBeGreaterThan(0.5 - 0.03);
    expect(plan.movedFraction).toBeLessThan(0.5 + 0.03);
    for (const m of plan.moves) expect(m.to).toBe('d');
    const { placement: r } = q.withoutNode('b');
    for (const key of KEYS) {
      const list = q.preferenceList(key, 4);
      expect(r.locate(key)).toBe(list.filter((x) => x !== 'b')[0]);
    }
  });

  it('does not depend on node order', () => {
    const nodes = Array.from({ length: 12 }, (_, i) => ({ id: `s${i}`, weight: 1 + (i % 4) }));
    const a = new RendezvousPlacement(nodes);
    const b = new RendezvousPlacement([...nodes].reverse());
    for (const key of KEYS) {
      expect(b.locate(key)).toBe(a.locate(key));
      expect(b.preferenceList(key, 5)).toEqual(a.preferenceList(key, 5));
    }
  });

  it('rejects bad input with typed errors; an empty placement throws StateError', () => {
    expect(() => new RendezvousPlacement(['a'], { hash: 1 as unknown as () => number })).toThrow(InvalidArgumentError);
    expect(() => new RendezvousPlacement([{ id: 'a', weight: 0 }])).toThrow(InvalidArgumentError);
    const empty = new RendezvousPlacement([]);
    expect(() => empty.locate('k')).toThrow(StateError);
    expect(empty.describe()).toMatch(/no nodes/);
    const p = new RendezvousPlacement(['a', 'b']);
    expect(() => p.withoutNode('c')).toThrow(NotFoundError);
    expect(() => p.preferenceList('k', 3)).toThrow(InvalidArgumentError);
    expect(() => p.weightOf('c')).toThrow(NotFoundError);
    expect(p.withNode('solo').placement.describe()).toMatch(/3 nodes, equal weights/);
    expect(new RendezvousPlacement([{ id: 'a', weight: 2 }, 'b']).describe()).toMatch(/weighted/);
  });
});
