import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { redisKeySlot } from '../hash/redis-slot.js';
import { RedisSlotPlacement, SlotPlacement } from './slots.js';
import { placementSuite } from './placement.suite.js';

const within = (P: number) => (n: number) => Math.ceil(P / n) / (P / n) + 1e-9;

placementSuite('slots (hash mod P, P = 1024)', {
  create: (nodes) => new SlotPlacement(nodes, { partitions: 1024 }),
  listEqualsJoins: true,
  minimalMovement: true,
  minimalMovementHolds: (p, change) => p.minimalMovementHolds(change),
  balanceBound: within(1024),
  weighted: true,
  seed: 101,
});

placementSuite('slots (P = 1000, not a divisor of 2^32)', {
  create: (nodes) => new SlotPlacement(nodes, { partitions: 1000 }),
  listEqualsJoins: true,
  minimalMovement: true,
  minimalMovementHolds: (p, change) => p.minimalMovementHolds(change),
  balanceBound: (n) => within(1000)(n) + 1e-6,
  weighted: true,
  seed: 102,
});

placementSuite('redis-slots', {
  create: (nodes) => SlotPlacement.redis(nodes),
  listEqualsJoins: false,
  listEqualsJoinsWhyNot:
    'its initial layout is redis-cli --cluster create\'s contiguous ranges (3 masters: 0-5460, 5461-10922, 10923-16383), which later joins do not reproduce; as in Redis, the slot map is state to keep, not a function of the node list',
  minimalMovement: true,
  minimalMovementHolds: (p, change) => p.minimalMovementHolds(change),
  balanceBound: within(16384),
  weighted: true,
  seed: 103,
});

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);

describe('slots', () => {
  it('going from 4 to 5 nodes over 64 partitions leaves 13,13,13,13,12 and moves only the 12 partitions the joiner takes', () => {
    const four = new SlotPlacement(ids(4), { partitions: 64 });
    const { placement: five, plan } = four.withNode('n4');
    five.checkInvariants();
    expect(five.partitionCounts()).toEqual([13, 13, 13, 13, 12]);
    expect(plan.moves.every((m) => m.to === 'n4')).toBe(true);
    expect(plan.moves.reduce((s, m) => s + (m.partitions?.length ?? 0), 0)).toBe(12);
    expect(plan.movedFraction).toBeCloseTo(12 / 64, 12);
    // The joiner took 3 partitions from each of the four nodes (the most loaded ones).
    expect(plan.moves.map((m) => m.partitions?.length)).toEqual([3, 3, 3, 3]);
  });

  it('maps key → hash mod P → owner; partitions are numbered 0…P−1', () => {
    const p = new SlotPlacement(ids(3), { partitions: 10, hash: (k) => (typeof k === 'string' ? k.length : k.length) });
    expect(p.partitionOf('abc')).toBe(3);
    expect(p.partitionOf('abcdefghijkl')).toBe(2);
    // Grown in list order: n0 {0…9}; n1 joins and takes n0's top half {5…9};
    // n2 joins and takes n0's 4 and n1's 8, 9 → n0 {0…3}, n1 {5, 6, 7}, n2 {4, 8, 9}.
    expect(p.ownerOf(3)).toBe('n0');
    expect(p.ownerOf(4)).toBe('n2');
    expect(p.ownerOf(5)).toBe('n1');
    expect(p.locate('abcdefgh')).toBe('n2');
    expect(() => p.ownerOf(10)).toThrow(InvalidArgumentError);
  });

  it('load shares are exact: partition p of P holds ⌊(2^32−1−p)/P⌋+1 of the 2^32 hashes', () => {
    const p = new SlotPlacement(ids(1), { partitions: 3 });
    // 2^32 = 3·1431655765 + 1: partition 0 holds one hash more.
    expect(p.partitionShare(0) * 2 ** 32).toBe(1431655766);
    expect(p.partitionShare(1) * 2 ** 32).toBe(1431655765);
    expect(p.partitionShare(2) * 2 ** 32).toBe(1431655765);
    const two = new SlotPlacement(ids(2), { partitions: 3 });
    expect(two.loadShares().get('n0')! * 2 ** 32).toBe(1431655766 + 1431655765);
  });

  it('preference list: the key partition owner, then the owners of the following partitions, wrapping', () => {
    const p = new SlotPlacement(ids(4), { partitions: 8, hash: () => 7 });
    // Grown in list order: n0 {0,1}, n1 {4,5}, n2 {3,7}, n3 {2,6}; key in partition 7 → n2, then wrap: 0 n0, 2 n3, 4 n1.
    expect(p.preferenceList('k', 4)).toEqual(['n2', 'n0', 'n3', 'n1']);
    // More nodes than partitions: nodes without partitions come last, in node order.
    const sparse = new SlotPlacement(ids(5), { partitions: 2, hash: () => 1 });
    sparse.checkInvariants();
    expect(sparse.preferenceList('k', 5)).toEqual(['n1', 'n0', 'n2', 'n3', 'n4']);
  });

  it('removing the last node is a StateError; an unknown one NotFoundError; the placement is unchanged', () => {
    const p = new SlotPlacement(['only'], { partitions: 4 });
    expect(() => p.withoutNode('only')).toThrow(StateError);
    expect(() => p.withoutNode('nope')).toThrow(NotFoundError);
    expect(p.nodeIds).toEqual(['only']);
    p.checkInvariants();
  });

  it('rejects bad partition counts, modes and assignments with a typed error', () => {
    expect(() => new SlotPlacement(ids(2), { partitions: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SlotPlacement(ids(2), { partitions: 2.5 })).toThrow(/partitions/);
    expect(() => new SlotPlacement(ids(2), { partitions: 2 ** 25 })).toThrow(InvalidArgumentError);
    expect(() => new SlotPlacement(ids(2), { mode: 'redis', partitions: 1024 })).toThrow(/16384/);
    expect(() => new SlotPlacement(ids(2), { mode: 'weird' as 'hash' })).toThrow(InvalidArgumentError);
    expect(() => new SlotPlacement(ids(2), { partitions: 4 }, Int32Array.from([0, 0, 0, 1]))).toThrow(/owners/);
    expect(() => new SlotPlacement(ids(2), { partitions: 4 }, Int32Array.from([0, 1]))).toThrow(/owners/);
    const restored = new SlotPlacement(ids(2), { partitions: 4 }, Int32Array.from([1, 0, 1, 0]));
    restored.checkInvariants();
    expect(restored.ownerOf(0)).toBe('n1');
  });

  it('plans only between placements of the same mode, partition count and hash', () => {
    const a = new SlotPlacement(ids(3), { partitions: 64 });
    expect(() => a.planTo(new SlotPlacement(ids(3), { partitions: 32 }))).toThrow(InvalidArgumentError);
    expect(() => a.planTo(SlotPlacement.redis(ids(3)) as SlotPlacement)).toThrow(InvalidArgumentError);
    expect(a.planTo(new SlotPlacement(ids(3), { partitions: 64 })).moves).toHaveLength(0);
  });

  it('property: the exact plan lists precisely the partitions whose owner changed (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.tuple(fc.boolean(), fc.nat(50), fc.integer({ min: 1, max: 3 })), { maxLength: 8 }), (P, ops) => {
        let p = new SlotPlacement(ids(2), { partitions: P });
        let fresh = 0;
        for (const [join, pick, w] of ops) {
          const change = join || p.nodeIds.length === 1 ? p.withNode({ id: `j${fresh++}`, weight: w }) : p.withoutNode(p.nodeIds[pick % p.nodeIds.length] as string);
          const next = change.placement;
          next.checkInvariants();
          const listed = new Map<number, string>();
          for (const m of change.plan.moves) for (const part of m.partitions ?? []) listed.set(part, `${m.from}→${m.to}`);
          for (let q = 0; q < P; q++) {
            const from = p.ownerOf(q);
            const to = next.ownerOf(q);
            expect(listed.get(q)).toBe(from === to ? undefined : `${from}→${to}`);
          }
          p = next;
        }
      }),
      { seed: 7, numRuns: 100 },
    );
  });
});

describe('redis-slots (Redis Cluster spec: keys distribution model, hash tags)', () => {
  it('puts a key in its Redis Cluster slot: somekey → 11058, foo{hash_tag} → 2515', () => {
    const p = SlotPlacement.redis(ids(3));
    expect(p.partitionCount).toBe(16384);
    expect(p.partitionOf('somekey')).toBe(11058);
    expect(p.partitionOf('foo{hash_tag}')).toBe(2515);
    expect(p.partitionOf('{user1000}.following')).toBe(p.partitionOf('{user1000}.followers'));
    for (let i = 0; i < 500; i++) expect(p.partitionOf(`user:${i}`)).toBe(redisKeySlot(`user:${i}`));
  });

  it('assigns the slot ranges redis-cli --cluster create gives equal masters (recorded from redis-cli 7.0.15)', () => {
    const ranges = (p: SlotPlacement): string[] => p.nodeIds.map((id) => {
      const s = p.partitionsOf(id);
      return `${s[0]}-${s[s.length - 1]}`;
    });
    expect(ranges(SlotPlacement.redis(ids(3)))).toEqual(['0-5460', '5461-10922', '10923-16383']);
    expect(ranges(SlotPlacement.redis(ids(5)))).toEqual(['0-3276', '3277-6553', '6554-9829', '9830-13106', '13107-16383']);
    expect(ranges(SlotPlacement.redis(ids(6)))).toEqual(['0-2730', '2731-5460', '5461-8191', '8192-10922', '10923-13652', '13653-16383']);
    expect(ranges(SlotPlacement.redis(ids(7)))).toEqual(['0-2340', '2341-4680', '4681-7021', '7022-9361', '9362-11702', '11703-14042', '14043-16383']);
    // Weighted masters: contiguous blocks proportional to weight.
    const w = SlotPlacement.redis([{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }]);
    expect(ranges(w)).toEqual(['0-4095', '4096-16383']);
  });

  it('SlotPlacement.redis() and new SlotPlacement(nodes, { mode: "redis" }) are the same placement', () => {
    const a = SlotPlacement.redis(ids(4));
    const b = new SlotPlacement(ids(4), { mode: 'redis' });
    expect(a).toBeInstanceOf(RedisSlotPlacement);
    expect(a.withNode('n4').placement).toBeInstanceOf(RedisSlotPlacement);
    for (let i = 0; i < 2000; i++) {
      const k = `k{${i % 97}}:${i}`;
      expect(a.partitionOf(k)).toBe(b.partitionOf(k));
      expect(a.locate(k)).toBe(b.locate(k));
    }
    expect(a.planTo(b as RedisSlotPlacement).moves).toHaveLength(0);
    expect(b.withNode('n4').placement.assignment()).toEqual(a.withNode('n4').placement.assignment());
    expect(() => a.locate(5 as unknown as string)).toThrow(InvalidArgumentError);
  });

  it('a node joining a 3-master cluster takes 4096 slots, from every master, and nothing else moves', () => {
    const three = SlotPlacement.redis(ids(3));
    const { placement: four, plan } = three.withNode('n3');
    four.checkInvariants();
    expect(four.partitionCounts()).toEqual([4096, 4096, 4096, 4096]);
    expect(plan.moves.map((m) => m.from).sort()).toEqual(['n0', 'n1', 'n2']);
    expect(plan.movedFraction).toBeCloseTo(0.25, 12);
  });
});
