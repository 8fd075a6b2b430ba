/**
 * Workload generators for the lab's experiments: synthetic key samples, a
 * seeded Zipf sampler (a few keys get most requests: DDIA's "celebrity"), and
 * small statistics helpers. All randomness comes from a seeded `Random`.
 */
import { InvalidArgumentError, requireInt, requireNumber } from '../errors.js';
import type { Random } from '../util/random.js';

/** `count` synthetic keys `user:0` … `user:<count−1>`. O(count). */
export function syntheticKeys(count: number, prefix = 'user:'): string[] {
  requireInt('key count', count, 1);
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/**
 * Draws ranks 0 … n−1 with P(rank i) ∝ 1/(i+1)^s (Zipf). Build: O(n) time
 * and memory (the cumulative distribution); draw: O(log n), allocation-free.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;
  constructor(
    readonly n: number,
    readonly exponent: number,
    private readonly random: Random,
  ) {
    requireInt('zipf item count', n, 1);
    requireNumber('zipf exponent', exponent, 0, 10);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      this.cdf[i] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] = (this.cdf[i] as number) / sum;
  }

  /** Probability of rank i. O(1). */
  probability(i: number): number {
    return (this.cdf[i] as number) - (i === 0 ? 0 : (this.cdf[i - 1] as number));
  }

  /** A random rank. O(log n). */
  next(): number {
    const u = this.random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** The q-quantile (0 ≤ q ≤ 1) of `values` (nearest rank on a sorted copy). O(n log n). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new InvalidArgumentError('values', values, 'a non-empty array');
  const s = Float64Array.from(values).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i] as number;
}

/** max / mean of `values` (1 is perfectly even). O(n). */
export function maxOverMean(values: Iterable<number>): number {
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (const v of values) {
    sum += v;
    n++;
    if (v > max) max = v;
  }
  return n === 0 || sum === 0 ? 1 : max / (sum / n);
}

/** The `n` values from `from` to `to` (inclusive) spread evenly, rounded to integers, distinct. */
export function integerSteps(from: number, to: number, n: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round(from + ((to - from) * i) / Math.max(1, n - 1)));
  return [...out];
}

/** Round to `digits` decimals, so JSON numbers stay short and stable. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
