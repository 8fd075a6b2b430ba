import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError, NotFoundError, StateError } from '../../errors.js';
import { mulberry32 } from '../../util/random.js';
import { type ClusterMap, type MapNode, initialMap, placementOf } from '../map.js';
import {
  BALANCE_THRESHOLD,
  MAX_BYTES_PER_MOVE,
  MAX_PARTITIONS_PER_MOVE,
  MOVE_OVERHEAD_MS,
  type PartitionStat,
  type PlanRequest,
  applyMoves,
  computePlan,
  estimatePlanMs,
  mergePartitionStats,
  ownerTable,
} from './plan.js';
import type { PlanMove } from './types.js';

const node = (i: number, weight = 1): MapNode => ({ id: `n${i}`, weight, host: '127.0.0.1', port: 7000 + i });
const nodes = (n: number): MapNode[] => Array.from({ length: n }, (_, i) => node(i));
const random = mulberry32(1);
const plan = (map: ClusterMap, request: PlanRequest, stats: Map<number, PartitionStat> = new Map()) => computePlan({ map, stats, request, nowMs: 1000, random });

/** Table of ids after the plan, from its target ranges over plan.nodes. */
function targetIds(out: ReturnType<typeof computePlan>): string[] {
  const ids: string[] = [];
  for (const r of out.target) for (let p = r.first; p <= r.last; p++) ids[p] = out.plan.nodes[r.node]?.id as string;
  return ids;
}

/** Random stats: some partitions empty, some large. */
const statsArb = (P: number) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: P - 1 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 40 * 1024 * 1024 })), { maxLength: 200 }).map((rows) => {
    const m = new Map<number, PartitionStat>();
    for (const [p, keys, bytes] of rows) m.set(p, { keys, bytes: bytes + keys });
    return m;
  });

/** Checks every plan must pass against `map` and `stats`. */
function checkPlan(map: ClusterMap, stats: Map<number, PartitionStat>, out: ReturnType<typeof computePlan>): void {
  const before = ownerTable(map);
  const seen = new Set<number>();
  let keys = 0;
  let bytes = 0;
  for (const m of out.plan.moves) {
    expect(m.from).not.toBe(m.to);
    expect(m.last - m.first + 1).toBeLessThanOrEqual(MAX_PARTITIONS_PER_MOVE);
    let k = 0;
    let b = 0;
    for (let p = m.first; p <= m.last; p++) {
      expect(seen.has(p), `partition ${p} in two moves`).toBe(false);
      seen.add(p);
      expect(before[p]).toBe(m.from);
      k += stats.get(p)?.keys ?? 0;
      b += stats.get(p)?.bytes ?? 0;
    }
    if (m.first !== m.last) expect(m.bytes).toBeLessThanOrEqual(MAX_BYTES_PER_MOVE);
    expect([m.keys, m.bytes]).toEqual([k, b]);
    keys += k;
    bytes += b;
  }
  const after = targetIds(out);
  expect(applyMoves(before, out.plan.moves)).toEqual(after);
  // Every partition that changes owner is in a move, and the moved sums are the stats of exactly those.
  let wantKeys = 0;
  let wantBytes = 0;
  for (let p = 0; p < before.length; p++) {
    if (before[p] !== after[p]) {
      expect(seen.has(p)).toBe(true);
      wantKeys += stats.get(p)?.keys ?? 0;
      wantBytes += stats.get(p)?.bytes ?? 0;
    }
  }
  expect([keys, bytes]).toEqual([wantKeys, wantBytes]);
  // The target is a table the strategy accepts.
  expect(() => placementOf({ ...map, nodes: out.plan.nodes, owners: out.target })).not.toThrow();
}

describe('computePlan: add and remove (the placement’s minimal movement, from the current table)', () => {
  it('property (seeded): adding a node moves P/(n+1) ± 1 partitions, all to it; moves apply exactly to the target', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom(64, 1000, 1024), statsArb(64), (n, P, stats0) => {
        const stats = new Map([...stats0].filter(([p]) => p < P));
        const map = initialMap('slots', { partitions: P }, nodes(n));
        const out = plan(map, { kind: 'add', node: node(n) }, stats);
        checkPlan(map, stats, out);
        expect(out.plan.moves.every((m) => m.to === `n${n}`)).toBe(true);
        const moved = out.plan.moves.reduce((s, m) => s + m.last - m.first + 1, 0);
        expect(Math.abs(moved - P / (n + 1))).toBeLessThanOrEqual(1);
        expect(out.plan.nodes.map((x) => x.id)).toEqual([...map.nodes.map((x) => x.id), `n${n}`]);
      }),
      { seed: 4101, numRuns: 60, verbose: true },
    );
  });

  it('property (seeded): removing a node moves exactly its partitions, only from it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 7 }), statsArb(1024), (n, k, stats) => {
        const map = initialMap('slots', {}, nodes(n));
        const gone = `n${k % n}`;
        const out = plan(map, { kind: 'remove', node: gone }, stats);
        checkPlan(map, stats, out);
        expect(out.plan.moves.every((m) => m.from === gone)).toBe(true);
        const moved = out.plan.moves.reduce((s, m) => s + m.last - m.first + 1, 0);
        expect(moved).toBe(ownerTable(map).filter((id) => id === gone).length);
        expect(out.plan.nodes.some((x) => x.id === gone)).toBe(false);
      }),
      { seed: 4102, numRuns: 60, verbose: true },
    );
  });

  it('redis-slots: adding a 4th node to 3 takes 4096 slots in moves of at most 256 slots, each from one node', () => {
    const map = initialMap('redis-slots', {}, nodes(3));
    const out = plan(map, { kind: 'add', node: node(3) });
    checkPlan(map, new Map(), out);
    expect(out.plan.moves.reduce((s, m) => s + m.last - m.first + 1, 0)).toBe(4096);
    expect(out.plan.moves.length).toBeGreaterThanOrEqual(16);
    expect(out.plan).toMatchObject({ kind: 'add', node: 'n3', fromEpoch: 1, state: 'proposed', createdAtMs: 1000 });
    expect(out.plan.id).toMatch(/^add-e1-[0-9a-z]{6}$/);
  });

  it('a move is cut at 64 MiB; a single partition larger than that is a move of its own', () => {
    const map = initialMap('slots', { partitions: 16 }, nodes(1));
    const big = new Map<number, PartitionStat>([
      [8, { keys: 1, bytes: 40 * 1024 * 1024 }],
      [9, { keys: 1, bytes: 40 * 1024 * 1024 }],
      [10, { keys: 1, bytes: 100 * 1024 * 1024 }],
    ]);
    const out = plan(map, { kind: 'add', node: node(1) }, big);
    checkPlan(map, big, out);
    expect(out.plan.moves.map((m) => [m.first, m.last])).toEqual([[8, 8], [9, 9], [10, 10], [11, 15]]);
  });

  it('builds from the table as it is, even when it is off balance (in the middle of another plan)', () => {
    const map = initialMap('slots', { partitions: 8 }, nodes(2));
    // n1 owns only partition 7 of 8.
    const skewed: ClusterMap = { ...map, owners: [{ first: 0, last: 6, node: 0 }, { first: 7, last: 7, node: 1 }] };
    const out = plan(skewed, { kind: 'add', node: node(2) });
    const after = targetIds(out);
    expect(applyMoves(ownerTable(skewed), out.plan.moves)).toEqual(after);
    expect(after.filter((id) => id === 'n0').length).toBeLessThanOrEqual(3);
    expect(out.plan.moves.every((m) => m.from === 'n0')).toBe(true);
  });

  it('refuses, with typed errors, a node already in the map, an address in use, an unknown or last node, and strategies without partitions', () => {
    const map = initialMap('slots', { partitions: 64 }, nodes(2));
    expect(() => plan(map, { kind: 'add', node: node(1) })).toThrow(InvalidArgumentError);
    expect(() => plan(map, { kind: 'add', node: node(1) })).toThrow(/not in the map already/);
    expect(() => plan(map, { kind: 'add', node: { ...node(5), port: 7001 } })).toThrow(/no node of the map uses \(n1 has it\)/);
    expect(() => plan(map, { kind: 'add', node: { ...node(5), weight: 0 } })).toThrow(InvalidArgumentError);
    expect(() => plan(map, { kind: 'remove', node: 'nx' })).toThrow(NotFoundError);
    const one = initialMap('slots', { partitions: 64 }, nodes(1));
    expect(() => plan(one, { kind: 'remove', node: 'n0' })).toThrow(StateError);
    expect(() => plan(one, { kind: 'remove', node: 'n0' })).toThrow(/last node/);
    const ring = initialMap('ring', {}, nodes(2));
    let err: unknown;
    try {
      plan(ring, { kind: 'add', node: node(2) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('REBALANCE_NEEDS_PARTITIONS');
    expect((err as Error).message).toMatch(/needs a partitioned strategy \(slots or redis-slots\).*"ring"/);
    expect(() => plan(map, { kind: 'add', node: node(2) }, new Map([[64, { keys: 1, bytes: 1 }]]))).toThrow(/stats partition/);
    expect(() => computePlan({ map, stats: new Map(), request: { kind: 'add', node: node(2) }, nowMs: 0, random: () => 1 })).toThrow(/random/);
  });
});

describe('computePlan: balance', () => {
  it('property (seeded): balance by bytes never raises the imbalance, keeps the table one the strategy accepts, and moves apply exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), statsArb(256), fc.constantFrom<'keys' | 'bytes'>('keys', 'bytes'), (n, stats, by) => {
        const map = initialMap('slots', { partitions: 256 }, nodes(n));
        const out = plan(map, { kind: 'balance', by }, stats);
        checkPlan(map, stats, out);
        const b = out.balance;
        expect(b?.by).toBe(by);
        expect(b!.after).toBeLessThanOrEqual(b!.before + 1e-9);
        if (b!.before <= BALANCE_THRESHOLD) expect(out.plan.moves).toEqual([]);
      }),
      { seed: 4103, numRuns: 60, verbose: true },
    );
  });

  it('evens out a node holding every key to within the threshold by swapping partitions', () => {
    const map = initialMap('slots', { partitions: 64 }, nodes(2));
    const stats = new Map<number, PartitionStat>();
    for (let p = 0; p < 32; p++) stats.set(p, { keys: 100, bytes: 1000 }); // all on n0
    const out = plan(map, { kind: 'balance', by: 'keys' }, stats);
    checkPlan(map, stats, out);
    expect(out.balance?.before).toBe(2);
    expect(out.balance?.after).toBeLessThanOrEqual(BALANCE_THRESHOLD);
    // Swaps: n0 gives 16 loaded partitions, n1 gives 16 empty ones back.
    const moved = out.plan.moves.reduce((s, m) => s + m.last - m.first + 1, 0);
    expect(moved).toBe(32);
    expect(out.plan.kind).toBe('balance');
    expect(out.plan.by).toBe('keys');
  });

  it('a balanced cluster gets an empty plan (no move that a later one would undo)', () => {
    const map = initialMap('slots', { partitions: 64 }, nodes(4));
    const stats = new Map<number, PartitionStat>(Array.from({ length: 64 }, (_, p) => [p, { keys: 10, bytes: 10 }]));
    const out = plan(map, { kind: 'balance', by: 'bytes' }, stats);
    expect(out.plan.moves).toEqual([]);
    expect(out.balance).toMatchObject({ before: 1, after: 1 });
    expect(plan(map, { kind: 'balance', by: 'keys' }).plan.moves).toEqual([]);
  });

  it('one hot partition: stops when no step helps, and says how uneven it stays', () => {
    const map = initialMap('slots', { partitions: 8 }, nodes(2));
    const stats = new Map<number, PartitionStat>([[0, { keys: 1000, bytes: 1000 }], [5, { keys: 1, bytes: 1 }]]);
    const out = plan(map, { kind: 'balance', by: 'keys' }, stats);
    checkPlan(map, stats, out);
    expect(out.balance!.after).toBeGreaterThan(1.9);
    expect(out.plan.moves).toEqual([]);
  });

  it('refuses balance by load: nodes keep no per-partition load counter', () => {
    const map = initialMap('slots', { partitions: 64 }, nodes(2));
    expect(() => plan(map, { kind: 'balance', by: 'load' })).toThrow(/keys or bytes: nodes keep no per-partition load/);
  });

  it('redis-slots with stats on many slots finishes fast', () => {
    const map = initialMap('redis-slots', {}, nodes(3));
    const r = mulberry32(9);
    const stats = new Map<number, PartitionStat>();
    for (let p = 0; p < 16384; p++) if (r() < 0.5) stats.set(p, { keys: 1 + Math.floor(r() * (p < 5000 ? 400 : 100)), bytes: 1 });
    const t0 = performance.now();
    const out = plan(map, { kind: 'balance', by: 'keys' }, stats);
    expect(performance.now() - t0).toBeLessThan(5000);
    checkPlan(map, stats, out);
    expect(out.balance!.after).toBeLessThanOrEqual(BALANCE_THRESHOLD);
  });
});

describe('estimatePlanMs and mergePartitionStats', () => {
  const mv = (from: string, to: string, bytes: number): PlanMove => ({ first: 0, last: 0, from, to, keys: 1, bytes });
  it('the busiest node’s bytes over the throttle plus an overhead per round of movesPerNode moves', () => {
    const t = { bytesPerSecPerNode: 1000, movesPerNode: 2 };
    expect(estimatePlanMs([], t)).toBe(0);
    expect(estimatePlanMs([mv('a', 'b', 1000)], t)).toBe(1000 + MOVE_OVERHEAD_MS);
    // a sends 3000 bytes in 3 moves: 3 s + 2 rounds.
    expect(estimatePlanMs([mv('a', 'b', 1000), mv('a', 'c', 1000), mv('a', 'd', 1000)], t)).toBe(3000 + 2 * MOVE_OVERHEAD_MS);
    // Sending and receiving have separate budgets.
    expect(estimatePlanMs([mv('a', 'b', 1000), mv('b', 'a', 1000)], t)).toBe(1000 + MOVE_OVERHEAD_MS);
    expect(() => estimatePlanMs([], { bytesPerSecPerNode: 0, movesPerNode: 1 })).toThrow(InvalidArgumentError);
  });
  it('merges rows of several nodes by the larger count', () => {
    const m = mergePartitionStats([[[1, 10, 100], [2, 1, 1]], [[1, 4, 400]]]);
    expect([...m.entries()].sort()).toEqual([[1, { keys: 10, bytes: 400 }], [2, { keys: 1, bytes: 1 }]]);
  });
});
