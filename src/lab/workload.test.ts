import { describe, expect, it } from 'vitest';
import { ZipfSampler, integerSteps, maxOverMean, quantile, round, syntheticKeys } from './workload.js';
import { mulberry32 } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';

describe('ZipfSampler', () => {
  it('draws rank i with probability ∝ 1/(i+1)^s (measured over 200,000 draws)', () => {
    const z = new ZipfSampler(1000, 1, mulberry32(11));
    const counts = new Array<number>(1000).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const r = z.next();
      counts[r] = (counts[r] as number) + 1;
    }
    for (const rank of [0, 1, 9]) {
      const expected = z.probability(rank) * draws;
      expect(Math.abs((counts[rank] as number) - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    // P(0) / P(1) = 2 for s = 1.
    expect(z.probability(0) / z.probability(1)).toBeCloseTo(2, 10);
  });

  it('is uniform with exponent 0 and rejects bad parameters', () => {
    const z = new ZipfSampler(4, 0, mulberry32(1));
    for (let i = 0; i < 4; i++) expect(z.probability(i)).toBeCloseTo(0.25, 12);
    expect(() => new ZipfSampler(0, 1, mulberry32(1))).toThrow(InvalidArgumentError);
    expect(() => new ZipfSampler(10, -1, mulberry32(1))).toThrow(InvalidArgumentError);
  });

  it('gives the same draws for the same seed', () => {
    const a = new ZipfSampler(100, 1.1, mulberry32(5));
    const b = new ZipfSampler(100, 1.1, mulberry32(5));
    expect(Array.from({ length: 50 }, () => a.next())).toEqual(Array.from({ length: 50 }, () => b.next()));
  });
});

describe('statistics helpers', () => {
  it('quantile is the nearest rank', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(quantile(xs, 0.5)).toBe(3);
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 1)).toBe(5);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99);
    expect(() => quantile([], 0.5)).toThrow(InvalidArgumentError);
  });

  it('maxOverMean is 1 for even loads and max/mean otherwise', () => {
    expect(maxOverMean([2, 2, 2])).toBe(1);
    expect(maxOverMean([1, 1, 4])).toBe(2);
    expect(maxOverMean([])).toBe(1);
    expect(maxOverMean([0, 0])).toBe(1);
  });

  it('integerSteps, round and syntheticKeys', () => {
    expect(integerSteps(2, 10, 5)).toEqual([2, 4, 6, 8, 10]);
    expect(integerSteps(1, 3, 10)).toEqual([1, 2, 3]);
    expect(round(1.23456, 2)).toBe(1.23);
    expect(syntheticKeys(3)).toEqual(['user:0', 'user:1', 'user:2']);
    expect(() => syntheticKeys(0)).toThrow(InvalidArgumentError);
  });
});
