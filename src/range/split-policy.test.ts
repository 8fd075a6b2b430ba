import { describe, it, expect } from 'vitest';
import { RangeStore } from './store.js';
import { byBytes, byKeyCount } from './split-policy.js';
import { LoadSplitFinder, byLoad } from './load-split.js';
import { ManualClock } from '../util/clock.js';
import { mulberry32, randomInt } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';
import type { SplitEvent } from './types.js';

describe('split by bytes', () => {
  it('splits on bytes so a few huge values cannot hide behind a small key count', () => {
    const clock = new ManualClock();
    const s = new RangeStore<string>({ clock, split: [byKeyCount({ maxPartitionSize: 1000 }), byBytes({ maxPartitionBytes: 10_000 })] });
    const splits: SplitEvent[] = [];
    s.subscribe((e) => e.type === 'split' && splits.push(e));
    for (let i = 0; i < 20; i++) {
      s.put(`k${String(i).padStart(2, '0')}`, 'x'.repeat(2000));
      s.checkInvariants();
    }
    expect(splits.length).toBeGreaterThan(0);
    expect(splits.every((e) => e.reason === 'bytes')).toBe(true);
    for (const p of s.partitions()) expect(p.bytes).toBeLessThanOrEqual(10_000);
    // Each split cuts near the byte midpoint.
    for (const e of splits) expect(Math.abs(e.left.bytes - e.right.bytes)).toBeLessThanOrEqual(2003);
  });

  it('a key-count policy alone keeps 20 huge values in one partition (the seed weakness)', () => {
    const s = new RangeStore<string>({ clock: new ManualClock(), maxPartitionSize: 1000, minPartitionSize: 1 });
    for (let i = 0; i < 20; i++) s.put(`k${i}`, 'x'.repeat(2000));
    expect(s.partitionCount).toBe(1);
    expect(s.partitions()[0]?.bytes).toBeGreaterThan(40_000);
  });

  it('rejects bad limits', () => {
    expect(() => byBytes({ maxPartitionBytes: 0 })).toThrow(InvalidArgumentError);
    expect(() => byKeyCount({ maxPartitionSize: -1 })).toThrow(InvalidArgumentError);
    expect(() => byLoad({ qpsThreshold: -5 })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ split: [{} as never] })).toThrow(InvalidArgumentError);
  });
});

describe('split by load (CockroachDB split decider)', () => {
  it('the finder picks the sample that balances requests left and right', () => {
    const f = new LoadSplitFinder(0, 20, mulberry32(3));
    const rnd = mulberry32(9);
    for (let i = 0; i < 5000; i++) f.record(`k${String(randomInt(rnd, 1000)).padStart(3, '0')}`, null);
    const key = f.splitKey(100, 0.25, 0.5) as string;
    expect(key).toBeDefined();
    const n = Number(key.slice(1));
    expect(n).toBeGreaterThan(400);
    expect(n).toBeLessThan(600);
  });

  it('never suggests a split for sequential keys: every request is right of every sample', () => {
    const f = new LoadSplitFinder(0, 20, mulberry32(3));
    for (let i = 0; i < 5000; i++) f.record(`k${String(i).padStart(6, '0')}`, null);
    expect(f.splitKey(100, 0.25, 0.5)).toBeUndefined();
  });

  it('does not split under scans that span the candidate', () => {
    const withScans = new LoadSplitFinder(0, 20, mulberry32(3));
    const pointsOnly = new LoadSplitFinder(0, 20, mulberry32(3));
    const rnd = mulberry32(9);
    for (let i = 0; i < 4000; i++) {
      const k = `k${String(randomInt(rnd, 1000)).padStart(3, '0')}`;
      pointsOnly.record(k, null);
      // Three of four requests scan [a, z): they span every point key.
      if (i % 4 === 0) withScans.record(k, null);
      else withScans.record('a', 'z', true);
    }
    expect(pointsOnly.splitKey(100, 0.25, 0.5)).toBeDefined();
    expect(withScans.splitKey(100, 0.25, 0.5)).toBeUndefined();
  });

  function hotStore(clock: ManualClock): RangeStore<number> {
    return new RangeStore<number>({
      clock,
      maxPartitionSize: 100_000,
      minPartitionSize: 50,
      split: [byKeyCount({ maxPartitionSize: 100_000 }), byLoad({ qpsThreshold: 1000, windowMs: 1000, minObservationMs: 5000, mergeCooldownMs: 30_000, random: mulberry32(5) })],
    });
  }

  it('splits a partition whose request rate stays over the threshold, at a key balancing the load', () => {
    const clock = new ManualClock();
    const s = hotStore(clock);
    for (let i = 0; i < 1000; i++) s.put(`k${String(i).padStart(4, '0')}`, i);
    const splits: SplitEvent[] = [];
    s.subscribe((e) => e.type === 'split' && splits.push(e));
    const rnd = mulberry32(1);
    // 2,000 requests per second, uniform over k0000…k0999, for 8 seconds.
    for (let t = 0; t < 16_000 && splits.length === 0; t++) {
      clock.advance(0.5);
      s.get(`k${String(randomInt(rnd, 1000)).padStart(4, '0')}`);
    }
    s.checkInvariants();
    expect(splits).toHaveLength(1);
    const e = splits[0] as SplitEvent;
    expect(e.reason).toBe('load');
    expect(e.atMs).toBeGreaterThanOrEqual(5000);
    expect(Math.abs(e.left.size - e.right.size)).toBeLessThan(250);
  });

  it('does not split when the rate drops below the threshold before the observation time', () => {
    const clock = new ManualClock();
    const s = hotStore(clock);
    for (let i = 0; i < 1000; i++) s.put(`k${String(i).padStart(4, '0')}`, i);
    const rnd = mulberry32(1);
    for (let round = 0; round < 5; round++) {
      for (let t = 0; t < 3000; t++) {
        clock.advance(0.5); // 3 s hot
        s.get(`k${String(randomInt(rnd, 1000)).padStart(4, '0')}`);
      }
      for (let t = 0; t < 20; t++) {
        clock.advance(100); // 2 s quiet
        s.get('k0001');
      }
    }
    expect(s.partitionCount).toBe(1);
  });

  it('does not merge a recently hot range, and merges it once the cooldown passes', () => {
    const clock = new ManualClock();
    const s = hotStore(clock);
    for (let i = 0; i < 20; i++) s.put(`k${String(i).padStart(4, '0')}`, i);
    const rnd = mulberry32(2);
    for (let t = 0; t < 16_000 && s.partitionCount === 1; t++) {
      clock.advance(0.5);
      s.get(`k${String(randomInt(rnd, 20)).padStart(4, '0')}`);
    }
    expect(s.partitionCount).toBe(2);
    expect(s.mergeSmallPartitions()).toBe(0);
    clock.advance(31_000);
    expect(s.mergeSmallPartitions()).toBe(1);
    s.checkInvariants();
  });
});

describe('metrics: the sequential-key hot spot shows in the numbers (DDIA ch. 6, skewed workloads)', () => {
  it('sequential keys send every write to the last partition; random keys spread them', () => {
    const run = (keyOf: (i: number) => string) => {
      const clock = new ManualClock();
      const s = new RangeStore<number>({ clock, maxPartitionSize: 200, minPartitionSize: 10 });
      for (let i = 0; i < 5000; i++) {
        clock.advance(1);
        s.put(keyOf(i), i);
      }
      s.checkInvariants();
      return s;
    };
    const seq = run((i) => `t${String(i).padStart(8, '0')}`);
    const parts = seq.partitions();
    const last = parts[parts.length - 1] as (typeof parts)[number];
    expect(last.writesPerSec).toBeGreaterThan(900);
    for (const p of parts.slice(0, -1)) expect(p.writesPerSec).toBe(0);
    expect(seq.stats().hottestWriteShare).toBe(1);
    const rnd = mulberry32(4);
    const uni = run(() => `t${String(randomInt(rnd, 1e8)).padStart(8, '0')}`);
    expect(uni.stats().hottestWriteShare).toBeLessThan(0.2);
    expect(uni.stats().writeRateImbalance).toBeLessThan(seq.stats().writeRateImbalance / 3);
  });

  it('rates follow the injected clock: a partition that stops receiving writes cools down', () => {
    const clock = new ManualClock();
    const s = new RangeStore<number>({ clock, rateWindowMs: 1000 });
    for (let i = 0; i < 500; i++) {
      clock.advance(2);
      s.put(`k${i}`, i);
    }
    expect(s.partitions()[0]?.writesPerSec).toBeCloseTo(500, -1);
    clock.advance(2000);
    expect(s.partitions()[0]?.writesPerSec).toBe(0);
    expect(s.partitions()[0]?.writes).toBe(500);
  });
});

describe('skew: key-count vs load-based splitting under Zipf reads (DDIA ch. 6, skewed workloads)', () => {
  it('load-based splitting cuts the hot range until no partition carries most of the reads', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    // Zipf(1.1) over ranks; rank r is key r, so the hot keys sit together at the start.
    const weights = keys.map((_, r) => 1 / Math.pow(r + 1, 1.1));
    const total = weights.reduce((a, b) => a + b, 0);
    const cdf: number[] = [];
    weights.reduce((acc, w) => (cdf.push((acc + w) / total), acc + w), 0);
    const zipf = (u: number): string => {
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cdf[mid] as number) < u) lo = mid + 1;
        else hi = mid;
      }
      return keys[lo] as string;
    };
    const hottestReadShare = (withLoad: boolean): number => {
      const clock = new ManualClock();
      const split = [byKeyCount({ maxPartitionSize: 500 })];
      if (withLoad) split.push(byLoad({ qpsThreshold: 500, minObservationMs: 2000, random: mulberry32(3) }));
      const s = new RangeStore<number>({ clock, split, maxPartitionSize: 500, minPartitionSize: 10 });
      keys.forEach((k, i) => s.put(k, i));
      const rnd = mulberry32(12);
      for (let t = 0; t < 60_000; t++) {
        clock.advance(1); // 1,000 reads per second for a minute
        s.get(zipf(rnd()));
      }
      s.checkInvariants();
      const rates = s.partitions().map((p) => p.readsPerSec);
      return Math.max(...rates) / rates.reduce((a, b) => a + b, 0);
    };
    const byCount = hottestReadShare(false);
    const byLoadToo = hottestReadShare(true);
    expect(byCount).toBeGreaterThan(0.75);
    expect(byLoadToo).toBeLessThan(0.5);
  });
});
