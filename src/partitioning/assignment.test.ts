import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors.js';
import { checkAssignment, initialAssignment, movedPartitions, ownedCounts, quotas, rebalance } from './assignment.js';

/** Brute force (the model): the fewest moves any assignment within ⌊⌋/⌈⌉ quotas allows. */
function minimumMoves(owners: Int32Array, weights: readonly number[]): number {
  const n = weights.length;
  const P = owners.length;
  const total = weights.reduce((s, w) => s + w, 0);
  const counts = ownedCounts(owners, n);
  const orphans = [...owners].filter((o) => o < 0).length;
  const lo = weights.map((w) => Math.floor((P * w) / total));
  const hi = weights.map((w) => Math.ceil((P * w) / total));
  const extras = P - lo.reduce((s, x) => s + x, 0);
  let best = Infinity;
  for (let mask = 0; mask < 1 << n; mask++) {
    let k = 0;
    let cost = orphans;
    let ok = true;
    for (let i = 0; i < n; i++) {
      const ceil = (mask >> i) & 1;
      if (ceil && hi[i] === lo[i]) ok = false;
      k += ceil;
      cost += Math.max(0, (counts[i] as number) - ((ceil ? hi[i] : lo[i]) as number));
    }
    if (ok && k === extras && cost < best) best = cost;
  }
  return best;
}

describe('partition assignment (DDIA ch. 6: fixed number of partitions)', () => {
  it('going from 4 to 5 nodes over 64 partitions gives 13,13,13,13,12 and moves 12 partitions (Riak claim gave 12,12,12,12,16)', () => {
    const four = initialAssignment(64, [1, 1, 1, 1]);
    expect([...ownedCounts(four, 4)]).toEqual([16, 16, 16, 16]);
    const five = rebalance(four, [1, 1, 1, 1, 1]);
    checkAssignment(five, [1, 1, 1, 1, 1]);
    expect([...ownedCounts(five, 5)]).toEqual([13, 13, 13, 13, 12]);
    expect(movedPartitions(four, five)).toBe(12);
    // Only partitions that now belong to the joiner changed owner.
    for (let p = 0; p < 64; p++) if (four[p] !== five[p]) expect(five[p]).toBe(4);
  });

  it('the initial assignment is contiguous blocks in node order', () => {
    const a = initialAssignment(10, [1, 1, 1]);
    expect([...a]).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const w = initialAssignment(8, [1, 3]);
    expect([...w]).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('quotas are ⌊P·w/W⌋ or ⌈P·w/W⌉, sum to P, and give extras by largest remainder with ties to the lower index', () => {
    expect([...quotas(10, [1, 1, 1])]).toEqual([4, 3, 3]);
    expect([...quotas(10, [1, 2, 2])]).toEqual([2, 4, 4]);
    expect([...quotas(7, [1, 1, 1, 1])]).toEqual([2, 2, 2, 1]);
    // Nodes 2 and 3 already hold more than their floor (1): each extra they keep saves a move; the third extra goes to node 0 (tie).
    expect([...quotas(7, [1, 1, 1, 1], Int32Array.from([1, 1, 2, 3]))]).toEqual([2, 1, 2, 2]);
  });

  it('a removed node\'s partitions (−1) go to the nodes below quota, and nothing else moves', () => {
    const three = initialAssignment(12, [1, 1, 1]);
    const orphaned = three.map((o) => (o === 1 ? -1 : o > 1 ? o - 1 : o));
    const two = rebalance(orphaned, [1, 1]);
    checkAssignment(two, [1, 1]);
    for (let p = 0; p < 12; p++) if (orphaned[p] !== -1) expect(two[p]).toBe(orphaned[p]);
  });

  it('property: any history of joins, leaves and weights stays within ±1 of every share and moves the minimum (seeded, brute-force model)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 97 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.nat(100)), { minLength: 1, maxLength: 10 }),
        (P, ops) => {
          let weights = [1];
          let owners = initialAssignment(P, weights);
          checkAssignment(owners, weights);
          for (const [join, w, pick] of ops) {
            let input: Int32Array;
            if (join || weights.length === 1) {
              if (weights.length >= 8) continue;
              weights = [...weights, w];
              input = owners;
            } else {
              const gone = pick % weights.length;
              weights = weights.filter((_, i) => i !== gone);
              input = owners.map((o) => (o === gone ? -1 : o > gone ? o - 1 : o));
            }
            const before = Int32Array.from(input);
            const next = rebalance(input, weights);
            expect(input).toEqual(before); // pure: the input is untouched
            checkAssignment(next, weights);
            expect(movedPartitions(input, next)).toBe(minimumMoves(input, weights));
            owners = next;
          }
        },
      ),
      { seed: 20261122, numRuns: 300 },
    );
  });

  it('rejects bad input with a typed error', () => {
    expect(() => initialAssignment(0, [1])).toThrow(InvalidArgumentError);
    expect(() => initialAssignment(1.5, [1])).toThrow(InvalidArgumentError);
    expect(() => initialAssignment(8, [])).toThrow(InvalidArgumentError);
    expect(() => initialAssignment(8, [1, -2])).toThrow(/weight/);
    expect(() => rebalance(Int32Array.from([0, 5]), [1, 1])).toThrow(InvalidArgumentError);
  });

  it('checkAssignment catches an unowned partition and a node over quota', () => {
    expect(() => checkAssignment(Int32Array.from([0, -1]), [1, 1])).toThrow(/partition 1/);
    expect(() => checkAssignment(Int32Array.from([0, 0, 0, 1]), [1, 1])).toThrow(/owns 3/);
  });
});
