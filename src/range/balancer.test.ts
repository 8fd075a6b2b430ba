import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { type BalanceItem, planBalance } from './balancer.js';
import { RangeStore } from './store.js';
import { ManualClock } from '../util/clock.js';
import { mulberry32, randomInt } from '../util/random.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { MergeEvent } from './types.js';

const item = (id: number, node: string, bytes: number, load = 0): BalanceItem => ({ id, node, bytes, keys: bytes, load });

describe('range balancer (DDIA ch. 6, rebalancing partitions)', () => {
  it('returns an empty plan when every node is already within tolerance', () => {
    const plan = planBalance(['a', 'b'], [item(1, 'a', 10), item(2, 'b', 11)], { tolerance: 0.1 });
    expect(plan.moves).toHaveLength(0);
    expect(plan.withinTolerance).toBe(true);
  });

  it('moves the fewest bytes that fix the imbalance: one small partition rather than a big one', () => {
    // a: 100 + 30 + 5 = 135, b: 65. Mean 100, upper 110: a must shed ≥ 25.
    const items = [item(1, 'a', 100), item(2, 'a', 30), item(3, 'a', 5), item(4, 'b', 65)];
    const plan = planBalance(['a', 'b'], items, { tolerance: 0.1 });
    expect(plan.moves.map((m) => m.partition)).toEqual([2]);
    expect(plan.movedBytes).toBe(30);
    expect(plan.mustMove).toBeCloseTo(25, 6);
    expect(plan.withinTolerance).toBe(true);
  });

  it('balances by load while preferring partitions with few bytes', () => {
    // Node a is hot: two partitions with the same load, one tiny, one huge.
    const items = [item(1, 'a', 1_000_000, 500), item(2, 'a', 10, 500), item(3, 'b', 10, 100), item(4, 'c', 10, 100)];
    const plan = planBalance(['a', 'b', 'c'], items, { by: 'load', tolerance: 0.5 });
    expect(plan.withinTolerance).toBe(true);
    expect(plan.moves.map((m) => m.partition)).not.toContain(1);
    expect(plan.movedBytes).toBeLessThanOrEqual(20);
  });

  it('says so when one partition is too big to balance (split it first)', () => {
    const plan = planBalance(['a', 'b'], [item(1, 'a', 100), item(2, 'b', 1)], { tolerance: 0.1 });
    expect(plan.withinTolerance).toBe(false);
    expect(plan.moves).toHaveLength(0);
  });

  it('property: with partitions no heavier than tolerance × mean, every plan ends within tolerance, moving at least the lower bound (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.nat(7)), { minLength: 40, maxLength: 120 }), fc.constantFrom(0.05, 0.1, 0.25), (n, raw, tolerance) => {
        const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
        // Skewed start: most partitions on the first two nodes.
        const items = raw.map(([w, k], id) => item(id, nodes[k % 2 === 0 ? 0 : k % n] as string, w));
        const mean = items.reduce((s, x) => s + x.bytes, 0) / n;
        fc.pre(items.every((x) => x.bytes <= tolerance * mean));
        const plan = planBalance(nodes, items, { tolerance });
        expect(plan.withinTolerance).toBe(true);
        expect(plan.movedBytes).toBeGreaterThanOrEqual(plan.mustMove - 1e-6);
        // Applying the moves gives the reported loads.
        const owner = new Map(items.map((x) => [x.id, x.node]));
        for (const m of plan.moves) {
          expect(owner.get(m.partition)).toBe(m.from);
          owner.set(m.partition, m.to);
        }
        const after = new Map(nodes.map((x) => [x, 0]));
        for (const x of items) after.set(owner.get(x.id) as string, (after.get(owner.get(x.id) as string) as number) + x.bytes);
        for (const id of nodes) expect(after.get(id)).toBeCloseTo(plan.after.get(id) as number, 6);
      }),
      { seed: 99, numRuns: 200 },
    );
  });

  it('rejects bad options', () => {
    expect(() => planBalance([], [])).toThrow(InvalidArgumentError);
    expect(() => planBalance(['a'], [], { tolerance: -1 })).toThrow(InvalidArgumentError);
    expect(() => planBalance(['a'], [], { by: 'weight' as never })).toThrow(InvalidArgumentError);
    expect(() => planBalance(['a'], [item(1, 'zz', 1)])).toThrow(InvalidArgumentError);
  });
});

describe('range partitions on nodes', () => {
  function filled(): { s: RangeStore<string>; clock: ManualClock } {
    const clock = new ManualClock();
    const s = new RangeStore<string>({ clock, maxPartitionSize: 50, minPartitionSize: 20, nodes: ['n1', 'n2', 'n3'] });
    const rnd = mulberry32(8);
    for (let i = 0; i < 3000; i++) s.put(`k${randomInt(rnd, 1e6)}`, 'v'.repeat(randomInt(rnd, 40)));
    return { s, clock };
  }

  it('keeps every partition on a live node across splits (halves stay on the parent\'s node)', () => {
    const { s } = filled();
    s.checkInvariants();
    // All splits descend from partition 0 on n1: no data moved yet.
    expect(new Set(s.partitions().map((p) => p.node))).toEqual(new Set(['n1']));
  });

  it('a plan brings every node within tolerance of the mean bytes; applying it moves exactly those partitions', () => {
    const { s } = filled();
    const plan = s.nodes.planBalance({ by: 'bytes', tolerance: 0.1 });
    expect(plan.withinTolerance).toBe(true);
    expect(plan.imbalanceBefore).toBeCloseTo(3, 5);
    expect(plan.imbalanceAfter).toBeLessThanOrEqual(1.1 + 1e-9);
    expect(plan.movedBytes).toBeLessThan(plan.mustMove * 1.2 + 2000);
    s.nodes.apply(plan);
    s.checkInvariants();
    const loads = s.nodes.loads('bytes');
    const mean = [...loads.values()].reduce((a, b) => a + b, 0) / 3;
    for (const v of loads.values()) expect(Math.abs(v - mean)).toBeLessThanOrEqual(0.1 * mean + 1e-6);
    expect(() => s.nodes.apply(plan)).toThrow(/stale/);
  });

  it('adding a node and rebalancing moves data only to it; removing a node moves data only from it', () => {
    const { s } = filled();
    s.nodes.apply(s.nodes.planBalance({ tolerance: 0.1 }));
    s.nodes.add('n4');
    const plan = s.nodes.planBalance({ tolerance: 0.1 });
    expect(plan.moves.length).toBeGreaterThan(0);
    expect(plan.moves.every((m) => m.to === 'n4')).toBe(true);
    s.nodes.apply(plan);
    s.checkInvariants();
    const gone = s.nodes.remove('n2');
    expect(gone.moves.every((m) => m.from === 'n2' && m.to !== 'n2')).toBe(true);
    s.checkInvariants();
    expect(s.nodes.nodeIds).toEqual(['n1', 'n3', 'n4']);
    expect(() => s.nodes.remove('n2')).toThrow(NotFoundError);
  });

  it('merging halves that live on different nodes reports the bytes that had to move', () => {
    const { s } = filled();
    s.nodes.apply(s.nodes.planBalance({ tolerance: 0.05 }));
    const merges: MergeEvent[] = [];
    s.subscribe((e) => e.type === 'merge' && merges.push(e));
    const parts = s.partitions();
    const i = parts.findIndex((p, j) => j + 1 < parts.length && p.node !== parts[j + 1]?.node);
    s.mergeWithNext(parts[i]?.id as number);
    s.checkInvariants();
    expect(merges[0]?.movedBytes).toBe(parts[i + 1]?.bytes);
    expect(merges[0]?.merged.node).toBe(parts[i]?.node);
  });

  it('exports its layout as a RangePlacement value whose lookups agree with the store', () => {
    const { s } = filled();
    s.nodes.apply(s.nodes.planBalance({ tolerance: 0.1 }));
    const placement = s.nodes.toPlacement('bytes');
    placement.checkInvariants();
    expect(placement.partitionCount).toBe(s.partitionCount);
    for (const k of ['k1', 'k5', 'k999', 'a', 'z']) expect(placement.locate(k)).toBe(s.partitionFor(k).node);
    const shares = placement.loadShares();
    for (const v of shares.values()) expect(Math.abs(v - 1 / 3)).toBeLessThanOrEqual(0.1 / 3 + 1e-9);
  });
});
