/**
 * Seeded randomness for strategies, protocol cores, simulations and tests.
 * Nothing in a core calls `Math.random()`: it takes a `Random` (ARCHITECTURE.md, principle 3).
 */

/** A source of uniform doubles in [0, 1). */
export type Random = () => number;

/**
 * sfc32-free, tiny and fast: mulberry32 seeded PRNG. Period 2^32, good enough
 * for placement tokens and simulations; deterministic across processes.
 * O(1) per call, no allocation.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** Uniform unsigned 32-bit integer. */
export function randomUint32(random: Random): number {
  return Math.floor(random() * 4294967296) >>> 0;
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
