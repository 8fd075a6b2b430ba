import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { JumpPlacement, jumpHash } from './jump.js';
import { placementSuite } from './placement.suite.js';

// loadShares are the expected 1/n each; the sampled balance test below holds real lookups to a bound.
placementSuite('jump', {
  create: (nodes) => new JumpPlacement(nodes),
  listEqualsJoins: true,
  minimalMovement: true,
  balanceBound: () => 1.0000001,
  weighted: false,
  removable: (p) => p.nodeIds.slice(-1),
});

/** The paper's C++ in BigInt, line for line: the model the limb arithmetic must equal. */
function referenceJump(key: bigint, buckets: number): number {
  let k = BigInt.asUintN(64, key);
  let b = -1n;
  let j = 0n;
  while (j < BigInt(buckets)) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = BigInt(Math.trunc(Number(b + 1n) * (Number(1n << 31n) / Number((k >> 33n) + 1n))));
  }
  return Number(b);
}
const split = (key: bigint): [number, number] => [Number(BigInt.asUintN(64, key) >> 32n), Number(BigInt.asUintN(32, key))];
const jump64 = (key: bigint, buckets: number): number => jumpHash(...split(key), buckets);

describe('jump consistent hash', () => {
  it('matches the reference C++ outputs (vectors of the Go package dgryski/go-jump)', () => {
    const vectors: [bigint, number[]][] = [
      [0n, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
      [1n, [0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]],
      [0xdeadbeefn, [0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]],
      [0x0ddc0ffeebadf00dn, [0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]],
    ];
    for (const [key, buckets] of vectors) buckets.forEach((want, i) => expect(jump64(key, i + 1), `key ${key}, ${i + 1} buckets`).toBe(want));
  });

  it("matches Guava's golden values (Hashing.consistentHash, \"implementations across languages are equivalent\")", () => {
    const golden100 = [0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83];
    golden100.forEach((want, i) => expect(jump64(BigInt(i), 100)).toBe(want));
    expect(jump64(10863919174838991n, 11)).toBe(6);
    expect(jump64(2016238256797177309n, 11)).toBe(3);
    expect(jump64(1673758223894951030n, 11)).toBe(5);
    expect(jump64(2n, 100001)).toBe(80343);
    expect(jump64(2201n, 100001)).toBe(22152);
    expect(jump64(2202n, 100001)).toBe(15018);
  });

  it('property: the 32-bit-limb arithmetic equals the BigInt reference on random 64-bit keys and bucket counts (seeded)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 1, max: 2147483647 }), (key, buckets) => {
        expect(jump64(key, buckets)).toBe(referenceJump(key, buckets));
      }),
      { seed: 1406, numRuns: 3000 },
    );
  });

  it('property: growing from n to n+1 buckets keeps a key or moves it to bucket n (the paper, section 2)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 1, max: 5000 }), (key, n) => {
        const a = jump64(key, n);
        const b = jump64(key, n + 1);
        expect(b === a || b === n).toBe(true);
      }),
      { seed: 2294, numRuns: 3000 },
    );
  });

  it('balances keys: 200,000 keys over 10 nodes within 3.5% of the mean (5σ), and a join moves about 1/(n+1)', () => {
    const p = new JumpPlacement(Array.from({ length: 10 }, (_, i) => `n${i}`));
    const counts = new Map<string, number>();
    for (let i = 0; i < 200_000; i++) {
      const id = p.locate(`k:${i}`);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    for (const c of counts.values()) expect(Math.abs(c / 20_000 - 1)).toBeLessThan(0.035);
    const { plan } = p.withNode('n10');
    expect(plan.method).toBe('sampled');
    expect(plan.movedFraction).toBeGreaterThan(1 / 11 - 0.015);
    expect(plan.movedFraction).toBeLessThan(1 / 11 + 0.015);
    for (const m of plan.moves) expect(m.to).toBe('n10');
  });

  it('maps bucket i to node i, stably: joins append a bucket, only the last bucket can leave', () => {
    const p = new JumpPlacement(['a', 'b', 'c']);
    expect([0, 1, 2].map((b) => p.ownerOf(b))).toEqual(['a', 'b', 'c']);
    const { placement: q } = p.withNode('d');
    expect(q.ownerOf(3)).toBe('d');
    expect(() => q.withoutNode('b')).toThrow(InvalidArgumentError);
    expect(() => q.withoutNode('b')).toThrow(/only the node of the last bucket \("d"\)/);
    expect(() => q.withoutNode('zz')).toThrow(NotFoundError);
    const { placement: r, plan } = q.withoutNode('d');
    r.checkInvariants();
    expect(r.nodeIds).toEqual(['a', 'b', 'c']);
    for (const m of plan.moves) expect(m.from).toBe('d');
    expect(() => p.ownerOf(3)).toThrow(NotFoundError);
    expect(() => p.ownerOf(0.5)).toThrow(InvalidArgumentError);
  });

  it('rejects weights, bad hashes and bad keys with typed errors; an empty placement throws StateError', () => {
    expect(() => new JumpPlacement([{ id: 'a', weight: 2 }])).toThrow(/no weights/);
    expect(() => new JumpPlacement(['a']).withNode({ id: 'b', weight: 3 })).toThrow(InvalidArgumentError);
    expect(() => new JumpPlacement(['a'], { hash: 5 as unknown as () => number })).toThrow(InvalidArgumentError);
    const empty = new JumpPlacement([]);
    expect(() => empty.locate('k')).toThrow(StateError);
    expect(() => empty.locate(3 as unknown as string)).toThrow(InvalidArgumentError);
    expect(empty.describe()).toMatch(/no buckets/);
    const one = empty.withNode('x').placement;
    expect(one.locate('k')).toBe('x');
  });

  it('preference lists: primary first, then distinct replicas, deterministic', () => {
    const p = new JumpPlacement(Array.from({ length: 8 }, (_, i) => `n${i}`));
    const q = new JumpPlacement(Array.from({ length: 8 }, (_, i) => `n${i}`));
    for (let i = 0; i < 500; i++) {
      const list = p.preferenceList(`k${i}`, 8);
      expect(list[0]).toBe(p.locate(`k${i}`));
      expect(new Set(list).size).toBe(8);
      expect(q.preferenceList(`k${i}`, 3)).toEqual(list.slice(0, 3));
    }
    expect(p.describe()).toMatch(/8 buckets/);
  });
});
