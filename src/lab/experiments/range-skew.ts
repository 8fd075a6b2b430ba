/**
 * Experiment 3 — range partitioning under skew, through the range store.
 * DDIA ch. 6, "Partitioning by key range" and "Dynamic partitioning": key
 * ranges adapt to the data (partitions split as they grow), but some access
 * patterns make hot spots — with timestamp keys every write goes to the last
 * partition. And what a partition splits on matters: equal key counts can
 * hide very unequal bytes and very unequal load.
 *
 * Part 1: uniform, Zipf-distributed and sequential (timestamp) writes; the
 * partition count over time and the busiest partition's share of current
 * writes (the store's `hottestWriteShare`, over its rate window on an injected
 * clock advancing 1 ms per write).
 * Part 2: the same data and requests under key-count, byte and load-based
 * splitting: keys, bytes and requests per partition (max/mean).
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput, Table } from '../experiment.js';
import { RangeStore } from '../../range/store.js';
import { byBytes, byKeyCount, type SplitPolicy } from '../../range/split-policy.js';
import { byLoad } from '../../range/load-split.js';
import { ManualClock } from '../../util/clock.js';
import { type Random, mulberry32, randomUint32 } from '../../util/random.js';
import { ZipfSampler, maxOverMean, quantile, round } from '../workload.js';

type Workload = { label: string; next(i: number): string };

const SNAPSHOTS = 40;
/** The store's rate window: 100 writes at one write per ms, shorter than the 500 writes between two splits of the last partition. */
const RATE_WINDOW_MS = 100;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function workloads(ctx: ExperimentContext, writes: number, random: Random): Workload[] {
  const zipf = new ZipfSampler(writes, 1.1, random);
  const own = [...new Set(ctx.keys)];
  const list: Workload[] = [
    { label: 'uniform random keys', next: () => `k${randomUint32(random).toString(16).padStart(8, '0')}${randomUint32(random).toString(16).padStart(8, '0')}` },
    // Popular keys are adjacent in key order (item:0000001, item:0000002...): Zipf over the key range.
    { label: 'Zipf keys (s = 1.1)', next: () => `item:${pad(zipf.next(), 8)}` },
    { label: 'sequential (timestamp) keys', next: (i) => `ts:${pad(1_700_000_000_000 + i * 7, 15)}` },
  ];
  if (ctx.keySource.kind === 'file') list.push({ label: 'your keys (random order)', next: () => own[Math.floor(random() * own.length)] as string });
  return list;
}

interface Trace {
  readonly at: number[];
  readonly partitions: number[];
  readonly hottest: number[];
  readonly sizes: number[];
}

function trace(w: Workload, writes: number, maxPartitionSize: number): Trace {
  const clock = new ManualClock(0);
  const store = new RangeStore<number>({ maxPartitionSize, clock, rateWindowMs: RATE_WINDOW_MS });
  const every = Math.max(1, Math.floor(writes / SNAPSHOTS));
  const t: Trace = { at: [], partitions: [], hottest: [], sizes: [] };
  for (let i = 0; i < writes; i++) {
    clock.advance(1);
    store.put(w.next(i), i);
    if ((i + 1) % every === 0) {
      const s = store.stats();
      t.at.push(i + 1);
      t.partitions.push(s.partitionCount);
      t.hottest.push(s.hottestWriteShare);
    }
  }
  t.sizes.push(...store.partitions().map((p) => p.size));
  return t;
}

interface PolicyResult {
  readonly label: string;
  readonly partitions: number;
  readonly keys: number;
  readonly bytes: number;
  readonly load: number;
  readonly hottestLoadShare: number;
}

/**
 * Same data, same requests, three split rules. Data: `keyCount` keys in random
 * order, where the keys of the last tenth of the key range carry values 20×
 * larger. Requests: point reads, Zipf over the key order (hot at the start).
 */
function comparePolicies(keyCount: number, requests: number, seed: number): PolicyResult[] {
  const maxKeys = 1000;
  const small = 100;
  const big = 2000;
  const keyOf = (r: number) => `row:${pad(r, 8)}`;
  const valueSize = (r: number) => (r >= keyCount * 0.9 ? big : small);
  const totalBytes = Array.from({ length: keyCount }, (_, r) => valueSize(r) + keyOf(r).length).reduce((a, b) => a + b, 0);
  const targetPartitions = keyCount / (maxKeys / 2);
  const policies: Array<{ label: string; make(): SplitPolicy[] }> = [
    { label: `key count (> ${maxKeys.toLocaleString('en-US')} keys)`, make: () => [byKeyCount({ maxPartitionSize: maxKeys })] },
    { label: `bytes (> ${Math.round((2 * totalBytes) / targetPartitions / 1024)} KiB)`, make: () => [byBytes({ maxPartitionBytes: (2 * totalBytes) / targetPartitions })] },
    {
      label: `load (> 100 req/s) + key count`,
      make: () => [byKeyCount({ maxPartitionSize: maxKeys }), byLoad({ qpsThreshold: 100, minObservationMs: 2000, random: mulberry32(seed) })],
    },
  ];
  return policies.map((pol) => {
    const random = mulberry32(seed);
    const clock = new ManualClock(0);
    const store = new RangeStore<string>({ maxPartitionSize: Number.MAX_SAFE_INTEGER - 1, split: pol.make(), clock, rateWindowMs: 5000, sizeOf: (v) => v.length });
    const order = Array.from({ length: keyCount }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const smallValue = 'v'.repeat(small);
    const bigValue = 'V'.repeat(big);
    for (const r of order) store.put(keyOf(r), valueSize(r) === big ? bigValue : smallValue);
    const zipf = new ZipfSampler(keyCount, 1.0, random);
    for (let i = 0; i < requests; i++) {
      clock.advance(1);
      store.get(keyOf(zipf.next()));
    }
    const parts = store.partitions();
    const rates = parts.map((p) => p.readsPerSec);
    const rateSum = rates.reduce((a, b) => a + b, 0);
    return {
      label: pol.label,
      partitions: parts.length,
      keys: maxOverMean(parts.map((p) => p.size)),
      bytes: maxOverMean(parts.map((p) => p.bytes)),
      load: maxOverMean(rates),
      hottestLoadShare: rateSum === 0 ? 0 : Math.max(...rates) / rateSum,
    };
  });
}

export const rangeSkew: Experiment = {
  id: 'range-skew',
  title: 'Range partitioning under skew: splits, sequential hot spots, split policies',
  claim:
    'Partitioning by key range adapts to the data: partitions split as they grow, so the count follows the data volume. But sequential keys such as timestamps send every write to the last partition, a hot spot no split removes; and splitting by key count alone leaves bytes and load uneven when values or requests are skewed (DDIA ch. 6, "Partitioning by key range", "Dynamic partitioning").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const writes = ctx.size(100_000, 20_000);
    const maxPartitionSize = 1000;
    const wl = workloads(ctx, writes, ctx.random);
    const traces = new Map<string, Trace>();
    const steps = wl.length + 3;
    let step = 0;
    for (const w of wl) {
      traces.set(w.label, trace(w, writes, maxPartitionSize));
      ctx.progress(++step, steps);
    }
    const policyResults = comparePolicies(ctx.size(30_000, 10_000), ctx.size(60_000, 20_000), randomUint32(ctx.random));
    ctx.progress(steps, steps);

    const tr = (label: string) => traces.get(label) as Trace;
    const last = (xs: readonly number[]) => xs[xs.length - 1] as number;
    const seq = tr('sequential (timestamp) keys');
    const uni = tr('uniform random keys');
    const steadyHot = (t: Trace) => quantile(t.hottest.slice(Math.floor(t.hottest.length / 4)), 0.5);
    const [byKeys, byBytesR, byLoadR] = policyResults as [PolicyResult, PolicyResult, PolicyResult];
    const checks: Check[] = [
      {
        claim: 'The partition count follows the data volume (uniform keys: about one partition per 500–1,000 keys)',
        held: last(uni.partitions) >= writes / maxPartitionSize && last(uni.partitions) <= (2 * writes) / maxPartitionSize + 1,
        measured: `${last(uni.partitions)} partitions after ${writes.toLocaleString('en-US')} uniform writes (max ${maxPartitionSize} keys each)`,
      },
      {
        claim: 'Sequential keys send (almost) every write to one partition, however many there are',
        held: steadyHot(seq) >= 0.9 && last(seq.partitions) >= 10,
        measured: `busiest partition's share of current writes: ${(steadyHot(seq) * 100).toFixed(1)}% (median over the run) with ${last(seq.partitions)} partitions; uniform keys: ${(steadyHot(uni) * 100).toFixed(1)}%`,
      },
      {
        claim: 'Key-count splitting leaves bytes uneven when value sizes are skewed; byte-based splitting evens them',
        held: byKeys.bytes > 2 * byBytesR.bytes,
        measured: `bytes max/mean: ${byKeys.bytes.toFixed(2)} by key count, ${byBytesR.bytes.toFixed(2)} by bytes`,
      },
      {
        claim: 'Load-based splitting cuts the busiest partition’s share of requests under a skewed workload',
        held: byLoadR.hottestLoadShare < 0.75 * byKeys.hottestLoadShare,
        measured: `busiest partition's share of reads: ${(byKeys.hottestLoadShare * 100).toFixed(1)}% by key count, ${(byLoadR.hottestLoadShare * 100).toFixed(1)}% with load-based splitting (${byLoadR.partitions} vs ${byKeys.partitions} partitions)`,
      },
    ];
    const sizeStats = (t: Trace) => [Math.min(...t.sizes), quantile(t.sizes, 0.5), Math.max(...t.sizes)];
    const tables: Table[] = [
      {
        title: `After ${writes.toLocaleString('en-US')} writes (split above ${maxPartitionSize} keys)`,
        columns: [
          { label: 'workload' },
          { label: 'partitions', format: 'int' },
          { label: 'smallest', unit: 'keys', format: 'int' },
          { label: 'median', unit: 'keys', format: 'int' },
          { label: 'largest', unit: 'keys', format: 'int' },
          { label: 'busiest partition’s share of current writes', format: 'percent' },
        ],
        rows: wl.map((w) => [w.label, last(tr(w.label).partitions), ...sizeStats(tr(w.label)), round(steadyHot(tr(w.label)), 5)]),
      },
      {
        title: 'Split policies on the same data and requests (max/mean per partition; 1 is even)',
        columns: [
          { label: 'split rule' },
          { label: 'partitions', format: 'int' },
          { label: 'keys', unit: '×', format: 'fixed2' },
          { label: 'bytes', unit: '×', format: 'fixed2' },
          { label: 'reads/s', unit: '×', format: 'fixed2' },
          { label: 'busiest partition’s share of reads', format: 'percent' },
        ],
        rows: policyResults.map((r) => [r.label, r.partitions, round(r.keys, 3), round(r.bytes, 3), round(r.load, 3), round(r.hottestLoadShare, 5)]),
      },
    ];
    return {
      charts: [
        {
          id: 'partitions',
          title: 'Partition count as data arrives',
          type: 'line',
          x: { label: 'data written', unit: 'writes' },
          y: { label: 'partitions', unit: 'count' },
          series: wl.map((w) => ({ label: w.label, points: tr(w.label).at.map((x, i) => ({ x, y: tr(w.label).partitions[i] as number })) })),
          caption: 'Zipf writes repeat popular keys (updates), so fewer distinct keys and fewer partitions.',
        },
        {
          id: 'hot-partition',
          title: 'Busiest partition’s share of current writes',
          type: 'line',
          x: { label: 'data written', unit: 'writes' },
          y: { label: 'share of the last 100 writes', unit: '%', max: 100 },
          series: wl.map((w) => ({ label: w.label, points: tr(w.label).at.map((x, i) => ({ x, y: round((tr(w.label).hottest[i] as number) * 100, 2) })) })),
          caption: 'Over the store’s 100 ms rate window, one write per millisecond. Sequential keys stay near 100%: the newest partition takes every write.',
        },
        {
          id: 'policies',
          title: 'Split rules compared: max/mean per partition',
          type: 'bar',
          x: { label: 'measure', unit: '', scale: 'category' },
          y: { label: 'max / mean', unit: '×', min: 0 },
          categories: ['keys', 'bytes', 'reads per second'],
          series: policyResults.map((r) => ({ label: r.label, values: [round(r.keys, 3), round(r.bytes, 3), round(r.load, 3)] })),
          caption: 'Values in the last tenth of the key range are 20× larger; reads are Zipf-distributed over the key order (hot at the start).',
        },
      ],
      tables,
      checks,
      notes: [
        'Uniform keys are random 16-hex-digit strings; Zipf keys are item:<rank> with ranks drawn from Zipf(1.1), so popular keys sit next to each other; sequential keys are increasing millisecond timestamps.',
        'Load-based splitting follows CockroachDB’s split decider: it samples request keys while a partition stays over its request-rate threshold and splits where requests left and right balance.',
      ],
    };
  },
};
