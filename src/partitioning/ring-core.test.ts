import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ringIndex } from './ring-core.js';

describe('ring core', () => {
  it('property: ringIndex is the first position ≥ h, wrapping to 0, on sorted arrays with duplicates (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(40), fc.constantFrom(0, 4294967295), fc.nat(4294967295)), { minLength: 1, maxLength: 70 }),
        fc.array(fc.oneof(fc.nat(45), fc.constantFrom(0, 4294967295), fc.nat(4294967295)), { minLength: 1, maxLength: 30 }),
        (points, probes) => {
          const positions = Uint32Array.from(points).sort();
          for (const h of [...probes, ...positions]) {
            const linear = positions.findIndex((p) => p >= h);
            expect(ringIndex(positions, h)).toBe(linear < 0 ? 0 : linear);
          }
        },
      ),
      { seed: 4242, numRuns: 1000 },
    );
  });
});
