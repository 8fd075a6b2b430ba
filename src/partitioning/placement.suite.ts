/**
 * The shared suite every placement strategy runs (ARCHITECTURE.md, principle 2:
 * one interface, many strategies; the way Hono runs one router suite over
 * every router). A strategy's own test file calls `placementSuite(...)` with a
 * factory and the promises it makes; a promise it does not make is declared
 * (with the reason) instead of silently skipped.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Key } from '../hash/key.js';
import { InvalidArgumentError, NotFoundError, ShardkitError } from '../errors.js';
import { type NodeSpec, type Placement, isPartitioned, keyDistribution } from './placement.js';

export interface SuiteOptions<P extends Placement> {
  /** Build a placement over these nodes. */
  create(nodes: readonly NodeSpec[]): P;
  /**
   * Adding a node moves keys only to it, removing one only from it (and,
   * through the plan, the moved fraction stays near the optimum). `false`
   * must come with `minimalMovementWhyNot`.
   */
  minimalMovement: boolean;
  minimalMovementWhyNot?: string;
  /** Max/mean key share a placement of `nodes` equal-weight nodes promises (measured on `loadShares()`). */
  balanceBound(nodes: number): number;
  /** Whether `weight` scales a node's share. */
  weighted: boolean;
  /** Which node ids may be removed from a placement (jump: only the last). Default: any. */
  removable?(p: P): readonly string[];
  /**
   * Exceptions to `minimalMovement`, stated by the strategy: true when the
   * promise holds for this change of `p` (e.g. weighted slots, where ±1
   * quotas can force a move between staying nodes). Default: always.
   */
  minimalMovementHolds?(p: P, change: { join: NodeSpec } | { leave: string }): boolean;
  /**
   * Building from `list + [n]` gives the placement `create(list).withNode(n)`
   * gives (every key on the same node, the same preference lists and shares),
   * so a client that rebuilds from its configured node list agrees with one
   * that applied the joins. `false` must come with `listEqualsJoinsWhyNot`.
   */
  listEqualsJoins: boolean;
  listEqualsJoinsWhyNot?: string;
  /** Node counts to test with (default [1, 2, 5, 16]). */
  nodeCounts?: readonly number[];
  /** The seed of the property tests (printed on failure by fast-check). */
  seed?: number;
}

const SAMPLE: readonly string[] = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
const names = (n: number, prefix = 'node'): NodeSpec[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}` }));

/** Keys moved between two placements, by (from → to). */
function movedKeys(a: Placement, b: Placement, sample: readonly Key[]): Map<string, number> {
  const moved = new Map<string, number>();
  for (const k of sample) {
    const x = a.locate(k);
    const y = b.locate(k);
    if (x !== y) moved.set(`${x}→${y}`, (moved.get(`${x}→${y}`) ?? 0) + 1);
  }
  return moved;
}

/** The plan must agree with what lookups before and after say, on the sample. */
function expectPlanMatchesLookups(before: Placement, after: Placement, plan: { movedFraction: number; moves: readonly { from: string; to: string; fraction: number }[]; method: string }): void {
  const moved = movedKeys(before, after, SAMPLE);
  const pairs = new Set(plan.moves.map((m) => `${m.from}→${m.to}`));
  for (const pair of moved.keys()) expect(pairs, `key moved ${pair} but the plan has no such move`).toContain(pair);
  const sampled = [...moved.values()].reduce((s, c) => s + c, 0) / SAMPLE.length;
  // Exact plans: the sample estimates the exact fraction (binomial, 5σ). Sampled plans use their own sample.
  const sigma = Math.sqrt(Math.max(plan.movedFraction * (1 - plan.movedFraction), 1e-4) / SAMPLE.length);
  expect(Math.abs(sampled - plan.movedFraction), `sampled moved fraction ${sampled} vs plan ${plan.movedFraction}`).toBeLessThan(5 * sigma + 0.005);
  const sum = plan.moves.reduce((s, m) => s + m.fraction, 0);
  expect(sum).toBeCloseTo(plan.movedFraction, 9);
}

/** Two placements agree: same node ids, every sample key on the same node, the same preference lists and shares. */
function expectSamePlacement(a: Placement, b: Placement): void {
  expect(a.nodeIds).toEqual(b.nodeIds);
  for (const k of SAMPLE) if (a.locate(k) !== b.locate(k)) expect(a.locate(k), `key ${k}`).toBe(b.locate(k));
  const r = Math.min(3, a.nodeIds.length);
  for (const k of SAMPLE.slice(0, 300)) expect(a.preferenceList(k, r)).toEqual(b.preferenceList(k, r));
  const sa = a.loadShares();
  for (const [id, share] of b.loadShares()) expect(sa.get(id), `share of ${id}`).toBeCloseTo(share, 12);
}

export function placementSuite<P extends Placement>(strategy: string, o: SuiteOptions<P>): void {
  const counts = o.nodeCounts ?? [1, 2, 5, 16];
  const removable = (p: P): readonly string[] => (o.removable ? o.removable(p) : p.nodeIds);

  describe(`placement suite: ${strategy}`, () => {
    it('is deterministic: two placements built alike put every key on the same node', () => {
      const a = o.create(names(7));
      const b = o.create(names(7));
      for (const k of SAMPLE.slice(0, 2000)) expect(a.locate(k)).toBe(b.locate(k));
    });

    it.each(counts)('is total: every key maps to a live node (%i nodes)', (n) => {
      const p = o.create(names(n));
      p.checkInvariants();
      const live = new Set(p.nodeIds);
      for (const k of SAMPLE) expect(live.has(p.locate(k))).toBe(true);
      const shares = p.loadShares();
      expect([...shares.values()].reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
    });

    it('hashes strings as UTF-8: a string key and its bytes land on the same node', () => {
      const p = o.create(names(9));
      const enc = new TextEncoder();
      for (const k of ['a', 'héllo', '日本語', '😀', 'x\ud800y', ...SAMPLE.slice(0, 200)]) expect(p.locate(enc.encode(k))).toBe(p.locate(k));
    });

    it('returns preference lists of distinct nodes, primary first', () => {
      const p = o.create(names(6));
      for (const k of SAMPLE.slice(0, 500)) {
        const list = p.preferenceList(k, 3);
        expect(list).toHaveLength(3);
        expect(new Set(list).size).toBe(3);
        expect(list[0]).toBe(p.locate(k));
        const all = p.preferenceList(k, 6);
        expect(all.slice(0, 3)).toEqual(list);
        expect(new Set(all).size).toBe(6);
      }
      expect(() => p.preferenceList('k', 7)).toThrow(InvalidArgumentError);
      expect(() => p.preferenceList('k', 0)).toThrow(InvalidArgumentError);
    });

    it('the plan of a node joining equals what lookups before and after say (10,000 keys)', () => {
      for (const n of [1, 4, 10]) {
        const before = o.create(names(n));
        const { placement: after, plan } = before.withNode({ id: 'joiner' });
        after.checkInvariants();
        expect(after.nodeIds).toContain('joiner');
        expectPlanMatchesLookups(before, after, plan);
      }
    });

    it('the plan of a node leaving equals what lookups before and after say (10,000 keys)', () => {
      for (const n of [2, 5, 10]) {
        const before = o.create(names(n));
        const victim = removable(before)[0] as string;
        const { placement: after, plan } = before.withoutNode(victim);
        after.checkInvariants();
        expect(after.nodeIds).not.toContain(victim);
        expectPlanMatchesLookups(before, after, plan);
      }
    });

    it('property: the plan of any random membership change equals what lookups before and after say (seeded, 10,000 keys)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 6 }),
          fc.array(fc.tuple(fc.boolean(), fc.nat(1000), fc.constantFrom(0.5, 1, 2)), { minLength: 1, maxLength: 4 }),
          (start, ops) => {
            let p = o.create(names(start));
            p.checkInvariants();
            let fresh = 0;
            for (const [join, pick, weight] of ops) {
              let change;
              if (join || p.nodeIds.length <= 1) {
                change = p.withNode(o.weighted ? { id: `p${fresh++}`, weight } : { id: `p${fresh++}` });
              } else {
                const ids = removable(p);
                change = p.withoutNode(ids[pick % ids.length] as string);
              }
              change.placement.checkInvariants();
              expectPlanMatchesLookups(p, change.placement, change.plan);
              p = change.placement;
            }
          },
        ),
        { seed: o.seed ?? 1234, numRuns: 12 },
      );
    });

    it('leaves the old placement unchanged by a membership change (placements are values)', () => {
      const before = o.create(names(5));
      const owners = SAMPLE.slice(0, 1000).map((k) => before.locate(k));
      before.withNode('extra');
      before.withoutNode(removable(before)[0] as string);
      expect(SAMPLE.slice(0, 1000).map((k) => before.locate(k))).toEqual(owners);
      before.checkInvariants();
    });

    it('adding a node that exists is a no-op with an empty plan', () => {
      const p = o.create(names(4));
      const { placement, plan } = p.withNode('node-2');
      placement.checkInvariants();
      expect(plan.moves).toHaveLength(0);
      expect(plan.movedFraction).toBe(0);
      expect(placement.nodeIds).toEqual(p.nodeIds);
    });

    if (o.minimalMovement) {
      it('adding a node moves keys only to that node; removing one moves keys only from it (DDIA ch. 6, rebalancing)', () => {
        for (const n of [1, 3, 8]) {
          const before = o.create(names(n));
          const { placement: after } = before.withNode('new');
          after.checkInvariants();
          for (const pair of movedKeys(before, after, SAMPLE).keys()) expect(pair.endsWith('→new')).toBe(true);
          const victim = removable(after).includes('new') ? 'new' : (removable(after)[0] as string);
          const { placement: back } = after.withoutNode(victim);
          back.checkInvariants();
          for (const pair of movedKeys(after, back, SAMPLE).keys()) expect(pair.startsWith(`${victim}→`)).toBe(true);
        }
      });

      it(`property: over random join/leave histories${o.weighted ? ' of weighted nodes' : ''} keys move only to joiners and from leavers (seeded)`, () => {
        let checked = 0;
        fc.assert(
          fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(1000), fc.constantFrom(0.5, 1, 2, 3)), { minLength: 1, maxLength: 12 }), fc.constantFrom(0.5, 1, 2), (ops, w0) => {
            let p = o.create(o.weighted ? [{ id: 'node-0', weight: w0 }, { id: 'node-1' }, { id: 'node-2', weight: 2 }] : names(3));
            let fresh = 0;
            for (const [join, pick, weight] of ops) {
              if (join || p.nodeIds.length <= 1) {
                const spec = o.weighted ? { id: `j${fresh++}`, weight } : { id: `j${fresh++}` };
                const { placement } = p.withNode(spec);
                if (o.minimalMovementHolds?.(p, { join: spec }) ?? true) {
                  checked++;
                  for (const pair of movedKeys(p, placement, SAMPLE.slice(0, 1500)).keys()) expect(pair.endsWith(`→${spec.id}`)).toBe(true);
                }
                p = placement;
              } else {
                const ids = removable(p);
                const victim = ids[pick % ids.length] as string;
                const { placement } = p.withoutNode(victim);
                if (o.minimalMovementHolds?.(p, { leave: victim }) ?? true) {
                  checked++;
                  for (const pair of movedKeys(p, placement, SAMPLE.slice(0, 1500)).keys()) expect(pair.startsWith(`${victim}→`)).toBe(true);
                }
                p = placement;
              }
              p.checkInvariants();
            }
          }),
          { seed: o.seed ?? 1234, numRuns: 25 },
        );
        expect(checked).toBeGreaterThan(50);
      });
    } else {
      it(`declares why it does not promise minimal movement: ${o.minimalMovementWhyNot ?? '(no reason given)'}`, () => {
        expect(o.minimalMovementWhyNot ?? '', 'a strategy without minimal movement must say why').toMatch(/\S{3}/);
        // Even without the promise, a joining node must receive keys.
        const before = o.create(names(4));
        const { placement: after } = before.withNode('joiner');
        after.checkInvariants();
        expect(SAMPLE.slice(0, 2000).some((k) => after.locate(k) === 'joiner')).toBe(true);
      });
    }

    if (o.listEqualsJoins) {
      it('building from list + [n] gives the placement of building from list and then withNode(n) (issue 11 §5)', () => {
        for (const n of [1, 2, 4, 9]) {
          const list: NodeSpec[] = names(n).map((s, i) => (o.weighted && i % 3 === 1 ? { id: s.id, weight: 2 } : s));
          const joiner: NodeSpec = o.weighted ? { id: 'joiner', weight: 0.5 } : { id: 'joiner' };
          expectSamePlacement(o.create([...list, joiner]), o.create(list).withNode(joiner).placement);
        }
      });

      it('property: a placement built from a list equals the one grown from its first node by joins in list order (seeded)', () => {
        fc.assert(
          fc.property(fc.array(fc.constantFrom(0.5, 1, 2, 3), { minLength: 1, maxLength: 12 }), (ws) => {
            const list: NodeSpec[] = ws.map((weight, i) => (o.weighted ? { id: `g${i}`, weight } : { id: `g${i}` }));
            let grown = o.create(list.slice(0, 1));
            for (const spec of list.slice(1)) grown = grown.withNode(spec).placement;
            expectSamePlacement(o.create(list), grown);
          }),
          { seed: o.seed ?? 1234, numRuns: 15 },
        );
      });
    } else {
      it(`declares why a placement built from a list may differ from the same list reached by joins: ${o.listEqualsJoinsWhyNot ?? '(no reason given)'}`, () => {
        expect(o.listEqualsJoinsWhyNot ?? '', 'a strategy that does not promise it must say why').toMatch(/\S{3}/);
      });
    }

    it.each(counts.filter((c) => c > 1))('stays within its promised balance bound (%i nodes)', (n) => {
      const p = o.create(names(n));
      const shares = [...p.loadShares().values()];
      const mean = 1 / n;
      expect(Math.max(...shares) / mean).toBeLessThanOrEqual(o.balanceBound(n));
    });

    if (o.weighted) {
      it('gives a node of weight 3 about three times the share of a node of weight 1', () => {
        const p = o.create([{ id: 'big', weight: 3 }, { id: 'a' }, { id: 'b' }, { id: 'c' }]);
        const dist = keyDistribution(p, SAMPLE);
        const big = dist.get('big') as number;
        const small = ((dist.get('a') as number) + (dist.get('b') as number) + (dist.get('c') as number)) / 3;
        expect(big / small).toBeGreaterThan(2.2);
        expect(big / small).toBeLessThan(3.8);
      });
    }

    it('rejects bad input with a typed error and stays unchanged', () => {
      const p = o.create(names(3));
      const owners = SAMPLE.slice(0, 100).map((k) => p.locate(k));
      expect(() => p.locate(42 as unknown as string)).toThrow(InvalidArgumentError);
      expect(() => p.locate(null as unknown as string)).toThrow(InvalidArgumentError);
      expect(() => p.withNode('')).toThrow(InvalidArgumentError);
      expect(() => p.withNode({ id: 'w', weight: -1 })).toThrow(InvalidArgumentError);
      expect(() => p.withNode({ id: 'w', weight: Number.NaN })).toThrow(InvalidArgumentError);
      expect(() => p.withNode({ id: 'w', weight: Number.POSITIVE_INFINITY })).toThrow(InvalidArgumentError);
      expect(() => p.withNode(42 as unknown as string)).toThrow(InvalidArgumentError);
      expect(() => p.locate(undefined as unknown as string)).toThrow(InvalidArgumentError);
      expect(() => p.locate({} as unknown as string)).toThrow(InvalidArgumentError);
      expect(() => p.preferenceList('k', 1.5)).toThrow(InvalidArgumentError);
      expect(() => p.preferenceList(7 as unknown as string, 1)).toThrow(InvalidArgumentError);
      expect(() => p.withoutNode('no-such-node')).toThrow(NotFoundError);
      expect(() => o.create([{ id: 'a' }, { id: 'a' }])).toThrow(InvalidArgumentError);
      try {
        p.locate(42 as unknown as string);
      } catch (e) {
        expect(e).toBeInstanceOf(ShardkitError);
        expect((e as Error).message).toMatch(/42/);
      }
      expect(SAMPLE.slice(0, 100).map((k) => p.locate(k))).toEqual(owners);
      p.checkInvariants();
    });

    it('describes itself in a readable summary', () => {
      const text = o.create(names(3)).describe();
      expect(text.length).toBeGreaterThan(10);
    });

    if (isPartitioned(o.create(names(2)))) {
      it('maps each key through its partition to the partition owner', () => {
        const p = o.create(names(5));
        if (!isPartitioned(p)) throw new Error('unreachable');
        for (const k of SAMPLE.slice(0, 2000)) {
          const part = p.partitionOf(k);
          expect(part).toBeGreaterThanOrEqual(0);
          expect(part).toBeLessThan(p.partitionCount);
          expect(p.ownerOf(part)).toBe(p.locate(k));
        }
      });
    }
  });
}
