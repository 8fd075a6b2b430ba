import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Hash32, Key } from '../hash/key.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, InvariantError, NotFoundError, StateError } from '../errors.js';
import { ConsistentHashRing } from './ring.js';
import { placementSuite } from './placement.suite.js';
import type { HashRange, NodeSpec, Plan } from './placement.js';

// Measured max/mean share with 150 vnodes: 1.08 (2 nodes), 1.05 (5), 1.16 (16), 1.19 (100).
// A node's share has a relative spread of about 1/√150 ≈ 8%, so 1.25 leaves room for
// chance but not for a regression (1 point per node gives 2 to 4; correlated points much worse).
placementSuite('ring', {
  create: (nodes) => new ConsistentHashRing(nodes),
  listEqualsJoins: true,
  minimalMovement: true,
  balanceBound: () => 1.25,
  weighted: true,
});

const SAMPLE = Array.from({ length: 5000 }, (_, i) => `key:${i}`);
const KEYS = SAMPLE.slice(0, 400);
const ids = (n: number, prefix = 'n'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const inRange = (h: number, r: HashRange): boolean => (r.start < r.end ? h > r.start && h <= r.end : h > r.start || h <= r.end);

/** The trivial model: every point as {pos, id} in a plain array, sorted by (pos, id); lookups scan linearly. */
class ModelRing {
  readonly points: { pos: number; id: string }[] = [];
  constructor(
    readonly hash: Hash32,
    readonly vnodes: number,
    readonly nodes: Map<string, number> = new Map(),
  ) {
    for (const [id, w] of nodes) this.addPoints(id, w);
  }
  private addPoints(id: string, weight: number): void {
    for (let i = 0; i < Math.round(this.vnodes * weight); i++) this.points.push({ pos: this.hash(`${id}#${i}`) >>> 0, id });
    this.points.sort((a, b) => a.pos - b.pos || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  add(id: string, weight: number): void {
    this.nodes.set(id, weight);
    this.addPoints(id, weight);
  }
  remove(id: string): void {
    this.nodes.delete(id);
    for (let i = this.points.length - 1; i >= 0; i--) if (this.points[i]?.id === id) this.points.splice(i, 1);
  }
  locate(key: Key): string {
    const h = this.hash(key) >>> 0;
    const p = this.points.find((x) => x.pos >= h) ?? this.points[0];
    return (p as { id: string }).id;
  }
  walk(key: Key, n: number): string[] {
    const h = this.hash(key) >>> 0;
    let i = this.points.findIndex((x) => x.pos >= h);
    if (i < 0) i = 0;
    const out: string[] = [];
    for (let s = 0; s < this.points.length && out.length < n; s++) {
      const id = (this.points[(i + s) % this.points.length] as { id: string }).id;
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }
}

/** Keys of the sample whose owner changes, checked against the transfer map. */
function expectTransfersExplainMoves(before: ConsistentHashRing, after: ConsistentHashRing, plan: Plan, keys: readonly string[] = SAMPLE): void {
  const transfers = plan.transfers ?? [];
  const seen: string[] = [];
  const told: string[] = [];
  for (const k of keys) {
    const h = before.positionOf(k);
    const x = before.locate(k);
    const y = after.locate(k);
    const t = transfers.find((r) => inRange(h, r));
    seen.push(x === y ? `${k}: stays` : `${k}: ${x}→${y}`);
    told.push(t ? `${k}: ${t.from}→${t.to}` : `${k}: stays`);
  }
  expect(told).toEqual(seen);
  const total = transfers.reduce((s, r) => s + ((r.end - r.start + 4294967296) % 4294967296 || 4294967296), 0) / 4294967296;
  expect(total).toBeCloseTo(plan.movedFraction, 12);
}

describe('consistent hash ring', () => {
  it('adding a node returns transfer ranges all from existing nodes to it, covering exactly the keys that move', () => {
    let ring = new ConsistentHashRing(ids(4));
    for (const id of ['a', 'b', 'c']) {
      const { placement, plan } = ring.withNode(id);
      placement.checkInvariants();
      expect(plan.method).toBe('exact');
      expect(plan.transfers?.length).toBeGreaterThan(0);
      for (const t of plan.transfers ?? []) {
        expect(t.to).toBe(id);
        expect(ring.nodeIds).toContain(t.from);
      }
      // A joiner takes exactly the arcs it owns afterwards.
      expect(plan.movedFraction).toBeCloseTo(placement.loadShares().get(id) as number, 12);
      expectTransfersExplainMoves(ring, placement, plan);
      ring = placement;
    }
  });

  it('removing a node returns transfer ranges all from it, covering exactly its arcs', () => {
    const ring = new ConsistentHashRing(ids(6));
    const share = ring.loadShares().get('n3') as number;
    const { placement, plan } = ring.withoutNode('n3');
    placement.checkInvariants();
    for (const t of plan.transfers ?? []) expect(t.from).toBe('n3');
    expect(plan.movedFraction).toBeCloseTo(share, 12);
    expectTransfersExplainMoves(ring, placement, plan);
  });

  it('gives each node round(vnodes × weight) points, so a weighted join moves a weight-proportional share', () => {
    const ring = new ConsistentHashRing([{ id: 'a', weight: 1 }, { id: 'b', weight: 2.5 }, { id: 'c', weight: 0.5 }], { vnodes: 100 });
    expect(ring.pointsOfNode('a')).toBe(100);
    expect(ring.pointsOfNode('b')).toBe(250);
    expect(ring.pointsOfNode('c')).toBe(50);
    expect(ring.pointCountTotal).toBe(400);
    expect(ring.weightOf('b')).toBe(2.5);
    const { placement } = ring.withNode({ id: 'd', weight: 2 });
    expect(placement.pointsOfNode('d')).toBe(200);
    const share = placement.loadShares().get('d') as number;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.45);
    expect(() => ring.weightOf('zz')).toThrow(NotFoundError);
  });

  it('property: lookups, preference lists and shares equal a naive sorted-array model over random joins and leaves (seeded)', () => {
    const hashes: [string, Hash32][] = [
      ['murmur3', (k) => murmur3x86_32(k)],
      // 64 possible positions: points collide constantly, exercising the tie-break by node id.
      ['6-bit', (k) => (murmur3x86_32(k, 7) & 63) * 67108864],
    ];
    for (const [, hash] of hashes) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.boolean(), fc.nat(20), fc.constantFrom(0.5, 1, 2)), { minLength: 1, maxLength: 15 }),
          (ops) => {
            let ring = new ConsistentHashRing([], { vnodes: 8, hash });
            const model = new ModelRing(hash, 8);
            for (const [join, pick, weight] of ops) {
              const id = `m${pick}`;
              if (join) {
                const { placement, plan } = ring.withNode({ id, weight });
                if (!model.nodes.has(id)) model.add(id, weight);
                else expect(plan.moves).toHaveLength(0);
                if (ring.nodeIds.length > 0) expectTransfersExplainMoves(ring, placement, plan, KEYS);
                ring = placement;
              } else if (model.nodes.has(id)) {
                const { placement, plan } = ring.withoutNode(id);
                model.remove(id);
                if (placement.nodeIds.length > 0) expectTransfersExplainMoves(ring, placement, plan, KEYS);
                ring = placement;
              } else {
                expect(() => ring.withoutNode(id)).toThrow(NotFoundError);
              }
              ring.checkInvariants();
              expect([...ring.nodeIds].sort()).toEqual([...model.nodes.keys()].sort());
              if (model.points.length === 0) {
                expect(() => ring.locate('k')).toThrow(StateError);
                continue;
              }
              expect(KEYS.map((k) => ring.locate(k))).toEqual(KEYS.map((k) => model.locate(k)));
              const n = model.nodes.size;
              const few = KEYS.slice(0, 40);
              expect(few.map((k) => ring.preferenceList(k, n))).toEqual(few.map((k) => model.walk(k, n)));
              // Shares: arcs of the model, computed independently.
              const arcs = new Map<string, number>([...model.nodes.keys()].map((x) => [x, 0]));
              let prev = (model.points[model.points.length - 1] as { pos: number }).pos;
              model.points.forEach((p, i) => {
                if (i > 0 && model.points[i - 1]?.pos === p.pos) return;
                const len = prev < p.pos ? p.pos - prev : 4294967296 - prev + p.pos;
                arcs.set(p.id, (arcs.get(p.id) as number) + len);
                prev = p.pos;
              });
              const shares = ring.loadShares();
              for (const [x, a] of arcs) expect(shares.get(x)).toBeCloseTo(a / 4294967296, 12);
            }
          },
        ),
        { seed: 20261122, numRuns: 40 },
      );
    }
  });

  it('does not depend on the order nodes were added in (even when points collide)', () => {
    const hash: Hash32 = (k) => (murmur3x86_32(k) & 15) * 268435456;
    const specs: NodeSpec[] = ids(7).map((id, i) => ({ id, weight: 1 + (i % 3) }));
    const a = new ConsistentHashRing(specs, { vnodes: 5, hash });
    const b = new ConsistentHashRing([...specs].reverse(), { vnodes: 5, hash });
    let c = new ConsistentHashRing([], { vnodes: 5, hash });
    for (const s of [specs[3], specs[0], specs[6], specs[1], specs[5], specs[2], specs[4]]) c = c.withNode(s as NodeSpec).placement;
    for (const r of [a, b, c]) r.checkInvariants();
    for (const k of SAMPLE.slice(0, 1000)) {
      expect(b.locate(k)).toBe(a.locate(k));
      expect(c.locate(k)).toBe(a.locate(k));
      expect(c.preferenceList(k, 4)).toEqual(a.preferenceList(k, 4));
    }
    expect(a.planTo(c).moves).toHaveLength(0);
  });

  it('incremental joins build the same ring as a fresh build', () => {
    let inc = new ConsistentHashRing([]);
    for (let i = 0; i < 30; i++) inc = inc.withNode(`s${i}`).placement;
    const fresh = new ConsistentHashRing(ids(30, 's'));
    inc.checkInvariants();
    expect(inc.planTo(fresh).movedFraction).toBe(0);
    expect(inc.pointPositions()).toEqual(fresh.pointPositions());
    expect(inc.pointOwners()).toEqual(fresh.pointOwners());
    // Copies: changing them cannot change the ring.
    inc.pointPositions().fill(0);
    inc.checkInvariants();
    for (const k of SAMPLE) expect(inc.locate(k)).toBe(fresh.locate(k));
  });

  it('preference lists are the first n distinct nodes clockwise; n > node count is an error (Dynamo, DDIA ch. 5)', () => {
    const ring = new ConsistentHashRing(ids(5));
    const all = ring.preferenceList('user:1', 5);
    expect(new Set(all).size).toBe(5);
    // Removing the primary promotes the next node of the list: the ring's fallback order.
    const { placement } = ring.withoutNode(all[0] as string);
    expect(placement.locate('user:1')).toBe(all[1]);
    expect(() => ring.preferenceList('user:1', 6)).toThrow(InvalidArgumentError);
    expect(() => ring.preferenceList('user:1', 1.5)).toThrow(InvalidArgumentError);
  });

  it('an empty ring throws StateError on lookup; a ring can empty out and fill again', () => {
    const empty = new ConsistentHashRing([]);
    expect(() => empty.locate('k')).toThrow(StateError);
    expect(() => empty.locate(7 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => empty.preferenceList('k', 1)).toThrow(InvalidArgumentError);
    expect(empty.describe()).toMatch(/no nodes/);
    const { placement: one, plan } = empty.withNode('solo');
    expect(plan.moves).toHaveLength(0);
    one.checkInvariants();
    expect(one.locate('k')).toBe('solo');
    expect(one.loadShares().get('solo')).toBe(1);
    const { placement: none } = one.withoutNode('solo');
    none.checkInvariants();
    expect(() => none.locate('k')).toThrow(StateError);
  });

  it('a single-node ring hands the whole circle to a second node only on its arcs', () => {
    const one = new ConsistentHashRing(['a'], { vnodes: 1 });
    const { placement, plan } = one.withNode({ id: 'b' });
    expect(plan.transfers).toHaveLength(1);
    expectTransfersExplainMoves(one, placement, plan);
  });

  it('rejects bad options and weights with typed errors and leaves the ring unchanged', () => {
    for (const vnodes of [0, -1, 1.5, 100_001, Number.NaN, '150']) {
      expect(() => new ConsistentHashRing(['a'], { vnodes: vnodes as number })).toThrow(InvalidArgumentError);
    }
    expect(() => new ConsistentHashRing(['a'], { hash: 'md5' as unknown as Hash32 })).toThrow(InvalidArgumentError);
    // round(150 × 0.001) = 0 points: the node could own nothing.
    expect(() => new ConsistentHashRing([{ id: 'a', weight: 0.001 }])).toThrow(/weight of node "a"/);
    expect(() => new ConsistentHashRing([{ id: 'a', weight: 10_000 }])).toThrow(InvalidArgumentError);
    const ring = new ConsistentHashRing(ids(3));
    const before = SAMPLE.slice(0, 200).map((k) => ring.locate(k));
    expect(() => ring.withNode({ id: 'x', weight: 0.001 })).toThrow(InvalidArgumentError);
    expect(() => ring.withNode({ id: 'x', weight: Number.POSITIVE_INFINITY })).toThrow(InvalidArgumentError);
    expect(() => ring.planTo(new ConsistentHashRing(ids(3), { vnodes: 10 }))).toThrow(InvalidArgumentError);
    expect(SAMPLE.slice(0, 200).map((k) => ring.locate(k))).toEqual(before);
    ring.checkInvariants();
  });

  it('describes nodes, points, min/max share and imbalance', () => {
    const text = new ConsistentHashRing(ids(10)).describe();
    expect(text).toMatch(/10 nodes, 1500 points \(150 vnodes per unit weight\)/);
    expect(text).toMatch(/share min \d+\.\d+%, max \d+\.\d+%/);
    expect(text).toMatch(/imbalance .* 1\.\d{3}/);
  });

  it('keeps max/mean share ≤ 1.25 at 100 nodes with 150 vnodes (the benchmark checks the same on keys)', () => {
    const ring = new ConsistentHashRing(ids(100, 'node-'));
    const shares = [...ring.loadShares().values()];
    expect(Math.max(...shares) * 100).toBeLessThanOrEqual(1.25);
  });
  it('checkInvariants catches unsorted points, owners out of range and point counts that do not match the weights', () => {
    const good = new ConsistentHashRing(['a', 'b'], { vnodes: 3 });
    const positions = good.pointPositions();
    const owners = Uint16Array.from(good.pointOwners(), (id) => (id === 'a' ? 0 : 1));
    const state = { ids: ['a', 'b'], weights: [1, 1], counts: [3, 3], positions, owners };
    expect(() => new ConsistentHashRing([], { vnodes: 3 }, state).checkInvariants()).not.toThrow();
    const unsorted = positions.slice().reverse();
    expect(() => new ConsistentHashRing([], { vnodes: 3 }, { ...state, positions: unsorted }).checkInvariants()).toThrow(InvariantError);
    const badOwner = owners.slice();
    badOwner[0] = 7;
    expect(() => new ConsistentHashRing([], { vnodes: 3 }, { ...state, owners: badOwner }).checkInvariants()).toThrow(/owned by node index 7/);
    expect(() => new ConsistentHashRing([], { vnodes: 3 }, { ...state, weights: [2, 1] }).checkInvariants()).toThrow(InvariantError);
  });
});
