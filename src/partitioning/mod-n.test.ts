import { describe, it, expect } from 'vitest';
import { ModNPlacement } from './mod-n.js';
import { placementSuite } from './placement.suite.js';

placementSuite('mod-n', {
  create: (nodes) => new ModNPlacement(nodes),
  listEqualsJoins: true,
  minimalMovement: false,
  minimalMovementWhyNot: 'hash mod N reshuffles almost every key when N changes; it exists to show exactly that',
  balanceBound: () => 1.0001,
  weighted: false,
});

describe('mod-n', () => {
  it('moves about N/(N+1) of the keys when going from N to N+1 nodes (DDIA ch. 6: how not to do it)', () => {
    for (const n of [2, 4, 10, 100]) {
      const p = new ModNPlacement(Array.from({ length: n }, (_, i) => `n${i}`));
      const { plan } = p.withNode('extra');
      expect(plan.movedFraction).toBeCloseTo(n / (n + 1), 3);
    }
  });
});
