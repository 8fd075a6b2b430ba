import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { mulberry32 } from '../util/random.js';
import { imbalance } from './placement.js';
import { TokenPlacement } from './tokens.js';
import { placementSuite } from './placement.suite.js';

placementSuite('tokens (balanced allocation, 16 per node)', {
  create: (nodes) => new TokenPlacement(nodes, { allocation: 'balanced' }),
  listEqualsJoins: true,
  minimalMovement: true,
  balanceBound: () => 1.1,
  weighted: true,
  seed: 201,
});

placementSuite('tokens (random allocation, 16 per node)', {
  create: (nodes) => new TokenPlacement(nodes, { allocation: 'random', seed: 5 }),
  listEqualsJoins: true,
  minimalMovement: true,
  // Random tokens promise only what luck gives: with 16 tokens a node's share has a relative spread of about 1/√16.
  balanceBound: (n) => Math.min(n, 2.5),
  weighted: true,
  seed: 202,
});

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);
const SAMPLE = Array.from({ length: 3000 }, (_, i) => `key:${i}`);

/** The model: a sorted array of (token, owner); a key belongs to the first token ≥ its hash, wrapping. */
function model(p: TokenPlacement): (key: string) => string {
  const all = p.nodeIds.flatMap((id) => p.tokensOf(id).map((t) => [t, id] as const)).sort((a, b) => a[0] - b[0]);
  return (key) => {
    const h = murmur3x86_32(key);
    return (all.find(([t]) => t >= h) ?? all[0])?.[1] as string;
  };
}

/** Does the range (start, end] (wrapping) contain h? */
const inRange = (h: number, r: { start: number; end: number }): boolean => (r.start < r.end ? h > r.start && h <= r.end : h > r.start || h <= r.end);

describe('tokens (DDIA ch. 6: partitioning proportional to nodes)', () => {
  it('a key belongs to the first token clockwise from its hash (checked against a sorted-array model)', () => {
    const p = new TokenPlacement(ids(7), { allocation: 'random', seed: 11 });
    p.checkInvariants();
    const owner = model(p);
    for (const k of SAMPLE.slice(0, 500)) expect(p.locate(k)).toBe(owner(k));
  });

  it('each node owns tokensPerNode tokens, scaled by weight', () => {
    const p = new TokenPlacement([{ id: 'a' }, { id: 'b', weight: 2 }, { id: 'c', weight: 0.5 }], { tokensPerNode: 8 });
    expect(p.tokensOf('a')).toHaveLength(8);
    expect(p.tokensOf('b')).toHaveLength(16);
    expect(p.tokensOf('c')).toHaveLength(4);
    expect(p.tokensPerNode).toBe(8);
  });

  it('balanced allocation with 16 tokens per node, grown one node at a time to 100 nodes, stays within max/mean 1.10 (CASSANDRA-7032)', () => {
    const p = new TokenPlacement(ids(100), { allocation: 'balanced', tokensPerNode: 16 });
    p.checkInvariants();
    expect(imbalance(p.loadShares())).toBeLessThanOrEqual(1.1);
  });

  it('balanced allocation beats random tokens at 100 nodes', () => {
    const balanced = imbalance(new TokenPlacement(ids(100), { allocation: 'balanced' }).loadShares());
    const random = imbalance(new TokenPlacement(ids(100), { allocation: 'random', seed: 3 }).loadShares());
    expect(balanced).toBeLessThan(random);
  });

  it('a joining node takes close to its share 1/(n+1), and only from the most loaded nodes', () => {
    const p = new TokenPlacement(ids(20), { allocation: 'balanced' });
    const shares = p.loadShares();
    const { placement, plan } = p.withNode('new');
    expect(plan.movedFraction).toBeGreaterThan(0.9 / 21);
    expect(plan.movedFraction).toBeLessThan(1.1 / 21);
    expect(placement.tokensOf('new')).toHaveLength(16);
    // Donors are the nodes that were most loaded before.
    const donors = new Set(plan.moves.map((m) => m.from));
    const minDonor = Math.min(...[...donors].map((d) => shares.get(d) as number));
    const nonDonors = [...shares].filter(([id]) => !donors.has(id)).map(([, s]) => s);
    expect(Math.max(...nonDonors)).toBeLessThanOrEqual(minDonor + 1e-12);
  });

  it('adding a node: every plan range goes to it, and a key moves exactly when its hash lies in a plan range', () => {
    const p = new TokenPlacement(ids(6), { allocation: 'random', seed: 9 });
    const { placement, plan } = p.withNode('x');
    expect(plan.method).toBe('exact');
    const ranges = plan.moves.flatMap((m) => {
      expect(m.to).toBe('x');
      return m.ranges ?? [];
    });
    const total = ranges.reduce((s, r) => s + ((r.end - r.start + 2 ** 32) % 2 ** 32), 0) / 2 ** 32;
    expect(total).toBeCloseTo(plan.movedFraction, 12);
    for (const k of SAMPLE) {
      const h = murmur3x86_32(k);
      expect(p.locate(k) !== placement.locate(k)).toBe(ranges.some((r) => inRange(h, r)));
    }
  });

  it('removing a node hands each of its ranges to the next token clockwise', () => {
    const p = new TokenPlacement(ids(5), { allocation: 'balanced' });
    const { placement, plan } = p.withoutNode('node-2');
    placement.checkInvariants();
    for (const m of plan.moves) expect(m.from).toBe('node-2');
    expect(plan.movedFraction).toBeCloseTo(p.loadShares().get('node-2') as number, 12);
    const owner = model(placement);
    for (const k of SAMPLE.slice(0, 500)) expect(placement.locate(k)).toBe(owner(k));
  });

  it('random tokens are reproducible from the seed and differ between seeds; never Math.random', () => {
    const a = new TokenPlacement(ids(4), { allocation: 'random', seed: 1 });
    const b = new TokenPlacement(ids(4), { allocation: 'random', seed: 1 });
    const c = new TokenPlacement(ids(4), { allocation: 'random', seed: 2 });
    expect(a.tokensOf('node-3')).toEqual(b.tokensOf('node-3'));
    expect(a.tokensOf('node-3')).not.toEqual(c.tokensOf('node-3'));
    // The same join on the same placement gives the same tokens (placements are values).
    expect(a.withNode('z').placement.tokensOf('z')).toEqual(a.withNode('z').placement.tokensOf('z'));
    // An injected generator is drawn from on every join.
    const shared = new TokenPlacement(ids(2), { allocation: 'random', random: mulberry32(42) });
    expect(shared.withNode('z').placement.tokensOf('z')).not.toEqual(shared.withNode('z').placement.tokensOf('z'));
  });

  it('property: random histories agree with the sorted-array model and exact plans agree with lookups (seeded)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('random' as const, 'balanced' as const),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(100), fc.constantFrom(0.5, 1, 2)), { minLength: 1, maxLength: 8 }),
        (allocation, tokensPerNode, ops) => {
          let p = new TokenPlacement(ids(2), { allocation, tokensPerNode, seed: 3 });
          let fresh = 0;
          for (const [join, pick, weight] of ops) {
            const change = join || p.nodeIds.length === 1 ? p.withNode({ id: `j${fresh++}`, weight }) : p.withoutNode(p.nodeIds[pick % p.nodeIds.length] as string);
            const next = change.placement;
            next.checkInvariants();
            const ranges = change.plan.moves.flatMap((m) => (m.ranges ?? []).map((r) => ({ ...r, from: m.from, to: m.to })));
            const owner = model(next);
            const wrong: string[] = [];
            for (const k of SAMPLE.slice(0, 300)) {
              if (next.locate(k) !== owner(k)) wrong.push(`${k}: located ${next.locate(k)}, model ${owner(k)}`);
              const h = murmur3x86_32(k);
              const r = ranges.find((x) => inRange(h, x));
              const [from, to] = [p.locate(k), next.locate(k)];
              const planned = r ? `${r.from}→${r.to}` : 'stays';
              const looked = from === to ? 'stays' : `${from}→${to}`;
              if (planned !== looked) wrong.push(`${k}: plan says ${planned}, lookups say ${looked}`);
            }
            expect(wrong).toEqual([]);
            p = next;
          }
        },
      ),
      { seed: 31, numRuns: 60 },
    );
  });

  it('rejects bad options and membership changes with a typed error, leaving the placement unchanged', () => {
    expect(() => new TokenPlacement(ids(2), { tokensPerNode: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TokenPlacement(ids(2), { tokensPerNode: 5000 })).toThrow(/tokensPerNode/);
    expect(() => new TokenPlacement(ids(2), { allocation: 'even' as 'random' })).toThrow(/allocation/);
    expect(() => new TokenPlacement(ids(2), { seed: -1 })).toThrow(/seed/);
    expect(() => new TokenPlacement([{ id: 'a', weight: 1000 }])).toThrow(/weight/);
    const p = new TokenPlacement(['only']);
    expect(() => p.withoutNode('only')).toThrow(StateError);
    expect(() => p.withoutNode('nope')).toThrow(NotFoundError);
    p.checkInvariants();
    expect(p.nodeIds).toEqual(['only']);
    expect(p.describe()).toMatch(/balanced/);
  });

  it('plans only between token placements with the same hash', () => {
    const a = new TokenPlacement(ids(3));
    expect(() => a.planTo(new TokenPlacement(ids(3), { hash: (k) => murmur3x86_32(k, 1) }))).toThrow(InvalidArgumentError);
    expect(a.planTo(new TokenPlacement(ids(3))).moves).toHaveLength(0);
  });
});

describe('tokens plan transfers', () => {
  it('lists maximal transfer ranges in ring order, all to a joiner, that cover the moved fraction', () => {
    const p = new TokenPlacement(ids(8), { allocation: 'random', seed: 4 });
    const { placement, plan } = p.withNode('x');
    const transfers = plan.transfers ?? [];
    expect(transfers.length).toBeGreaterThan(0);
    for (let i = 1; i < transfers.length; i++) expect((transfers[i] as { start: number }).start).toBeGreaterThanOrEqual((transfers[i - 1] as { end: number }).end);
    const total = transfers.reduce((s, r) => s + ((r.end - r.start + 2 ** 32) % 2 ** 32), 0) / 2 ** 32;
    expect(total).toBeCloseTo(plan.movedFraction, 12);
    for (const t of transfers) expect(t.to).toBe('x');
    const back = placement.withoutNode('x').plan.transfers ?? [];
    expect(back.map((t) => [t.start, t.end])).toEqual(transfers.map((t) => [t.start, t.end]));
  });
});
