import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RangePlacement } from './range.js';

/** The model: the general fill of range.ts (scan every partition per move), grown one node at a time. */
function modelOwners(weights: readonly number[], P: number): number[] {
  const owners = new Array<number>(P).fill(0);
  for (let j = 1; j < weights.length; j++) {
    const ws = weights.slice(0, j + 1);
    const wsum = ws.reduce((s, x) => s + x, 0);
    const target = ws.map((x) => (P * x) / wsum);
    const have = new Array<number>(j + 1).fill(0);
    for (const o of owners) have[o] = (have[o] as number) + 1;
    for (let budget = P; budget > 0; budget--) {
      const deficit = (target[j] as number) - (have[j] as number);
      let pick = -1;
      let pickDelta = -1e-9;
      for (let p = 0; p < P; p++) {
        const o = owners[p] as number;
        if (o === j) continue;
        const delta = 2 - 2 * ((have[o] as number) - (target[o] as number) + deficit);
        if (delta < pickDelta) {
          pick = p;
          pickDelta = delta;
        }
      }
      if (pick < 0) break;
      have[owners[pick] as number] = (have[owners[pick] as number] as number) - 1;
      have[j] = (have[j] as number) + 1;
      owners[pick] = j;
    }
  }
  return owners;
}

const boundaries = (P: number): string[] => Array.from({ length: P - 1 }, (_, i) => `k${String(i).padStart(6, '0')}`);

describe('range placement built from a list = grown one node at a time (issue 11 §5)', () => {
  it('property: the owners equal the model of joins in list order, weighted nodes included (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.constantFrom(0.5, 1, 1, 2, 3), { minLength: 1, maxLength: 14 }), (P, ws) => {
        const nodes = ws.map((weight, i) => ({ id: `n${i}`, weight }));
        const p = new RangePlacement(nodes, { boundaries: boundaries(P) });
        p.checkInvariants();
        expect(p.ownersArray()).toEqual(modelOwners(ws, P).map((o) => `n${o}`));
      }),
      { seed: 1107, numRuns: 200 },
    );
  });

  it('builds 16,384 partitions over 100 nodes and 4,096 over 1,000 (one pass over the partitions per join, not per move)', () => {
    const a = new RangePlacement(Array.from({ length: 100 }, (_, i) => `n${i}`), { boundaries: boundaries(16_384) });
    a.checkInvariants();
    const counts = new Map<string, number>();
    for (const o of a.ownersArray()) counts.set(o, (counts.get(o) ?? 0) + 1);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    new RangePlacement(Array.from({ length: 1000 }, (_, i) => `n${i}`), { boundaries: boundaries(4096) }).checkInvariants();
  });
});
