import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { PartitionLatencyModel, percentileSorted, tailLatencyStudy, type TailLatencyRow } from './latency.js';

const row = (rows: TailLatencyRow[], P: number, scenario: TailLatencyRow['scenario'], strategy: TailLatencyRow['strategy']): TailLatencyRow => {
  const r = rows.find((x) => x.partitions === P && x.scenario === scenario && x.strategy === strategy);
  if (!r) throw new Error(`no row ${P} ${scenario} ${strategy}`);
  return r;
};

describe('tail latency model (DDIA ch. 6: scatter/gather tail amplification; Dean & Barroso, The Tail at Scale)', () => {
  const rows = tailLatencyStudy({ partitionCounts: [1, 4, 16, 64], queries: 4_000, seed: 7 });

  it('is deterministic: the same options give the same numbers, another seed different ones', () => {
    expect(tailLatencyStudy({ partitionCounts: [4], queries: 500, seed: 7 })).toEqual(tailLatencyStudy({ partitionCounts: [4], queries: 500, seed: 7 }));
    expect(tailLatencyStudy({ partitionCounts: [4], queries: 500, seed: 8 })).not.toEqual(tailLatencyStudy({ partitionCounts: [4], queries: 500, seed: 7 }));
  });

  it('scatter/gather tail latency grows with the partition count; a term lookup\'s does not', () => {
    const sg1 = row(rows, 1, 'baseline', 'scatter-gather');
    const sg64 = row(rows, 64, 'baseline', 'scatter-gather');
    expect(sg64.p50Ms).toBeGreaterThan(2 * sg1.p50Ms);
    expect(sg64.p99Ms).toBeGreaterThan(1.5 * sg1.p99Ms);
    const t4 = row(rows, 4, 'baseline', 'term lookup');
    const t64 = row(rows, 64, 'baseline', 'term lookup');
    expect(t64.p99Ms / t4.p99Ms).toBeGreaterThan(0.8);
    expect(t64.p99Ms / t4.p99Ms).toBeLessThan(1.25);
    expect(sg64.requestsPerQuery).toBe(64);
    expect(t64.requestsPerQuery).toBe(2);
  });

  it('one slow partition slows every scatter/gather query, but only the term lookups that touch it', () => {
    for (const P of [16, 64]) {
      // Every scatter/gather waits for the slow partition: its median is ≥ 10 × 2 ms × (1 − 0.2 spread).
      expect(row(rows, P, 'slow partition', 'scatter-gather').p50Ms).toBeGreaterThan(16);
      expect(row(rows, P, 'slow partition', 'scatter-gather').p50Ms).toBeGreaterThan(3 * row(rows, P, 'baseline', 'scatter-gather').p50Ms);
      expect(row(rows, P, 'slow partition', 'term lookup').p50Ms).toBeLessThan(1.2 * row(rows, P, 'baseline', 'term lookup').p50Ms);
    }
  });

  it('hedging to a replica after the p95 cuts the scatter/gather tail that a slow partition causes, for a few extra requests', () => {
    const slow = row(rows, 64, 'slow partition', 'scatter-gather');
    const hedged = row(rows, 64, 'slow partition, hedged', 'scatter-gather');
    expect(hedged.p99Ms).toBeLessThan(slow.p99Ms / 3);
    expect(hedged.hedgeAfterMs).toBeGreaterThan(0);
    expect(hedged.hedgesPerQuery).toBeGreaterThan(0);
    expect(hedged.hedgesPerQuery / 64).toBeLessThan(0.1); // about 5% of requests, plus the slow partition's
    expect(hedged.requestsPerQuery).toBeCloseTo(64 + hedged.hedgesPerQuery, 9);
  });

  it('a hedged request takes the primary when it answers before the delay, else the sooner of the two', () => {
    const m = new PartitionLatencyModel({ partitions: 2, seed: 3, slowPartition: { partition: 1, factor: 100 } });
    const twin = new PartitionLatencyModel({ partitions: 2, seed: 3, slowPartition: { partition: 1, factor: 100 } });
    for (let i = 0; i < 200; i++) {
      const primary = twin.sample(1, 0);
      const h = m.hedgedSample(1, 50);
      if (primary <= 50) expect(h).toEqual({ ms: primary, hedged: false });
      else {
        const replica = twin.sample(1, 1);
        expect(h).toEqual({ ms: Math.min(primary, 50 + replica), hedged: true });
      }
    }
  });

  it('each partition draws from its own distribution around the configured median', () => {
    const m = new PartitionLatencyModel({ partitions: 3, seed: 11, medianMs: 4, sigma: 0.3, medianSpread: 0.2 });
    for (let p = 0; p < 3; p++) {
      const xs = Float64Array.from({ length: 4001 }, () => m.sample(p)).sort();
      const med = percentileSorted(xs, 0.5);
      expect(med).toBeGreaterThan(4 * 0.75);
      expect(med).toBeLessThan(4 * 1.25);
    }
  });

  it('a query\'s latency is the sum over its phases of the slowest answer', () => {
    const a = new PartitionLatencyModel({ partitions: 4, seed: 5 });
    const b = new PartitionLatencyModel({ partitions: 4, seed: 5 });
    const r = a.query([[0, 1], [2]]);
    const expected = Math.max(b.sample(0), b.sample(1)) + b.sample(2);
    expect(r.ms).toBeCloseTo(expected, 12);
    expect(r.requests).toBe(3);
  });

  it('nearest-rank percentiles', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentileSorted(xs, 0.5)).toBe(5);
    expect(percentileSorted(xs, 0.95)).toBe(10);
    expect(percentileSorted(xs, 0)).toBe(1);
    expect(percentileSorted([], 0.5)).toBe(0);
  });

  it('refuses bad parameters with typed errors', () => {
    expect(() => new PartitionLatencyModel({ partitions: 0, seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => new PartitionLatencyModel({ partitions: 4, seed: 1, medianMs: 0 })).toThrow(/medianMs/);
    expect(() => new PartitionLatencyModel({ partitions: 4, seed: 1, slowPartition: { partition: 4, factor: 2 } })).toThrow(/slowPartition.partition/);
    expect(() => new PartitionLatencyModel({ partitions: 4, seed: 1, slowPartition: { partition: 0, factor: 0.5 } })).toThrow(/factor/);
    expect(() => tailLatencyStudy({ partitionCounts: [] })).toThrow(InvalidArgumentError);
    expect(() => tailLatencyStudy({ partitionCounts: [0] })).toThrow(InvalidArgumentError);
    expect(() => new PartitionLatencyModel({ partitions: 2, seed: 1 }).summarize([])).toThrow(/at least one query/);
  });
});
