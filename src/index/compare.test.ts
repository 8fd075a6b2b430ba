import { describe, it, expect } from 'vitest';
import { compareStrategies } from './compare.js';
import { RangeTermPartitioner } from './term-partitioner.js';
import type { Doc, FieldValue } from './values.js';

const docs = (n: number): Array<[string, Doc]> => Array.from({ length: n }, (_, i) => [`user${i}`, { city: `city${i % 50}`, age: 20 + (i % 40), plan: i % 10 === 0 ? 'pro' : 'free' }]);
const queries: Array<[string, FieldValue]> = Array.from({ length: 100 }, (_, i) => (i % 2 ? ['city', `city${i % 50}`] : ['age', 20 + (i % 40)]));

describe('compareStrategies: one workload on both (seed 000 compare_strategies)', () => {
  const r = compareStrategies(docs(1000), queries, 16, ['city', 'age', 'plan']);

  it('returns both databases\' stats over the same workload, and they agree on every answer', () => {
    expect(r.documentPartitioned.writes).toBe(1000);
    expect(r.termPartitioned.writes).toBe(1000);
    expect(r.documentPartitioned.queries).toBe(100);
    expect(r.termPartitioned.queries).toBe(100);
    expect(r.summary.resultsAgree).toBe(true);
  });

  it('local: one partition per write, every partition per query; global: writes fan out, queries touch fewer partitions', () => {
    expect(r.documentPartitioned.avgPartitionsPerWrite).toBe(1);
    expect(r.documentPartitioned.avgPartitionsPerQuery).toBe(16);
    expect(r.termPartitioned.avgPartitionsPerWrite).toBeGreaterThan(2);
    expect(r.termPartitioned.avgPartitionsPerQuery).toBeLessThan(16);
    expect(r.summary.writeFanOutRatio).toBeCloseTo(r.termPartitioned.avgPartitionsPerWrite, 9);
    expect(r.summary.queryFanOutRatio).toBeCloseTo(16 / r.termPartitioned.avgPartitionsPerQuery, 9);
    expect(r.summary.lines.join('\n')).toMatch(/local touches 1\.00 partitions per write/);
  });

  it('runs the partitions each query touched through the latency model', () => {
    expect(r.latency.documentPartitioned.requestsPerQuery).toBe(16);
    // Requests = index partitions + data partitions; a partition that is both counts once in the stats.
    expect(r.latency.termPartitioned.requestsPerQuery).toBeGreaterThanOrEqual(r.termPartitioned.avgPartitionsPerQuery);
    expect(r.latency.termPartitioned.requestsPerQuery).toBeLessThanOrEqual(r.termPartitioned.avgPartitionsPerQuery + 1);
    expect(r.latency.documentPartitioned.p50Ms).toBeGreaterThan(0);
    const slow = compareStrategies(docs(200), queries, 16, ['city', 'age', 'plan'], { latency: { slowPartition: { partition: 3, factor: 20 } } });
    expect(slow.latency.documentPartitioned.p50Ms).toBeGreaterThan(5 * r.latency.documentPartitioned.p50Ms);
  });

  it('accepts a range-partitioned term index', () => {
    const tp = RangeTermPartitioner.fromSample(16, { age: Array.from({ length: 40 }, (_, i) => 20 + i) });
    const x = compareStrategies(docs(300), queries, 16, ['city', 'age', 'plan'], { termPartitioner: tp });
    expect(x.summary.resultsAgree).toBe(true);
  });

  it('an empty workload reports zeros', () => {
    const e = compareStrategies([], [], 4, ['a']);
    expect(e.documentPartitioned.avgPartitionsPerQuery).toBe(0);
    expect(e.latency.termPartitioned.p99Ms).toBe(0);
    expect(e.summary.writeFanOutRatio).toBe(1);
  });
});
