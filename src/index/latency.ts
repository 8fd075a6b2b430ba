/**
 * Tail latency of partitioned queries (DDIA ch. 6: scatter/gather "is prone
 * to tail latency amplification"; Dean & Barroso, "The Tail at Scale", 2013).
 *
 * Each partition answers a request after a time drawn from its own seeded
 * log-normal distribution (a per-partition median around `medianMs`, shape
 * `sigma`); one partition can be made slow by a factor. A query is a list of
 * phases, each a set of partitions asked in parallel: its latency is the sum
 * over phases of the slowest answer. A scatter/gather query is one phase over
 * every partition, so its latency is the maximum of P draws and its tail grows
 * with P; a term lookup is one index partition, then the data partitions of
 * its hits.
 *
 * Hedged requests: when a partition has not answered after the hedge delay
 * (the p95 of single requests), the same request goes to a replica (its own
 * distribution; the slow partition's replica is healthy) and the first answer
 * wins. It costs the extra requests, reported per query.
 *
 * Deterministic: the same options give the same numbers in every process.
 */
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, describeThrown, isArraySafe, isInstance, readArray, readOptions, requireInt, requireNumber } from '../errors.js';
import { type Random, mulberry32, randomInt } from '../util/random.js';

/** Options of the latency model. */
export interface LatencyModelOptions {
  /** Partition count P ≥ 1. */
  readonly partitions: number;
  /** Seed of every random stream. */
  readonly seed: number;
  /** Typical median answer time of a partition, ms (default 2). */
  readonly medianMs?: number;
  /** Log-normal shape σ (default 0.5: p99 ≈ 3.2 × median for one request). */
  readonly sigma?: number;
  /** Each partition's median is medianMs × (1 ± spread), drawn once (default 0.2). */
  readonly medianSpread?: number;
  /** One slow partition: its primary's answer times are multiplied by `factor` (≥ 1). */
  readonly slowPartition?: { readonly partition: number; readonly factor: number };
}

/** Percentiles of a latency sample, ms. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Requests sent per query, hedges included. */
  readonly requestsPerQuery: number;
  /** Hedge requests per query (0 without hedging). */
  readonly hedgesPerQuery: number;
}

/** Per-partition, per-replica answer times. */
export class PartitionLatencyModel {
  readonly partitions: number;
  private readonly medians: Float64Array;
  private readonly sigma: number;
  private readonly streams: Random[][];
  private readonly slow: { readonly partition: number; readonly factor: number } | undefined;

  /** O(P). Throws InvalidArgumentError for out-of-range options. */
  constructor(given: LatencyModelOptions) {
    if (given === undefined) throw new InvalidArgumentError('options', given, 'an object with partitions and seed');
    const options = readOptions('options', given, ['partitions', 'seed', 'medianMs', 'sigma', 'medianSpread', 'slowPartition'], 'an object with partitions and seed');
    this.partitions = requireInt('partitions', options.partitions, 1, 1 << 16);
    const seed = requireInt('seed', options.seed, -(2 ** 31), 2 ** 32 - 1);
    const median = requireNumber('medianMs', options.medianMs ?? 2, Number.MIN_VALUE);
    this.sigma = requireNumber('sigma', options.sigma ?? 0.5, 0, 5);
    const spread = requireNumber('medianSpread', options.medianSpread ?? 0.2, 0, 0.99);
    if (options.slowPartition !== undefined && options.slowPartition !== null) {
      const allowed = 'an object { partition, factor }';
      const s = readOptions('slowPartition', options.slowPartition, ['partition', 'factor'], allowed);
      this.slow = { partition: requireInt('slowPartition.partition', s.partition, 0, this.partitions - 1), factor: requireNumber('slowPartition.factor', s.factor, 1) };
    }
    const medianRng = mulberry32(streamSeed(seed, -1, 0));
    this.medians = Float64Array.from({ length: this.partitions }, () => median * (1 + spread * (2 * medianRng() - 1)));
    this.streams = Array.from({ length: this.partitions }, (_, p) => [mulberry32(streamSeed(seed, p, 0)), mulberry32(streamSeed(seed, p, 1))]);
  }

  /** One answer time of `partition` (replica 0 = primary, 1 = the hedge target), ms. O(1). */
  sample(partition: number, replica: 0 | 1 = 0): number {
    requireInt('partition', partition, 0, this.partitions - 1);
    if (replica !== 0 && replica !== 1) throw new InvalidArgumentError('replica', replica, '0 (the primary) or 1 (the hedge target)');
    const rng = (this.streams[partition] as Random[])[replica] as Random;
    const ms = (this.medians[partition] as number) * Math.exp(this.sigma * normal(rng));
    return replica === 0 && this.slow?.partition === partition ? ms * this.slow.factor : ms;
  }

  /**
   * A request to `partition` hedged after `hedgeAfterMs`: the primary's time,
   * or hedgeAfterMs + the replica's time if that is sooner. O(1).
   */
  hedgedSample(partition: number, hedgeAfterMs: number): { ms: number; hedged: boolean } {
    requireNumber('hedgeAfterMs', hedgeAfterMs, 0);
    const primary = this.sample(partition, 0);
    if (primary <= hedgeAfterMs) return { ms: primary, hedged: false };
    return { ms: Math.min(primary, hedgeAfterMs + this.sample(partition, 1)), hedged: true };
  }

  /**
   * The p95 of single-request answer times, over `requests` requests spread
   * evenly across partitions: the hedge delay "The Tail at Scale" recommends.
   * Uses its own random stream (the model's streams are untouched). O(r log r).
   */
  requestPercentile(q: number, requests = 20_000): number {
    requireNumber('q (percentile)', q, 0, 1);
    requireInt('requests', requests, 1, 10_000_000);
    const rng = mulberry32(streamSeed(0x5eed, -2, 0));
    const xs = new Float64Array(requests);
    for (let i = 0; i < requests; i++) {
      const p = i % this.partitions;
      const ms = (this.medians[p] as number) * Math.exp(this.sigma * normal(rng));
      xs[i] = this.slow?.partition === p ? ms * this.slow.factor : ms;
    }
    xs.sort();
    return percentileSorted(xs, q);
  }

  /**
   * Latency of one query given as phases (each a list of partitions asked in
   * parallel): the sum over phases of the slowest answer. With
   * `hedgeAfterMs`, each request is hedged. O(requests).
   */
  query(phases: readonly (readonly number[])[], hedgeAfterMs?: number): { ms: number; requests: number; hedges: number } {
    const list = readArray('phases', phases, 'an array of phases, each an array of partitions');
    const checked = list.map((phase, i) => {
      const ps = readArray(`phase ${i}`, phase, `an array of partitions from 0 to ${this.partitions - 1}`);
      for (const p of ps) requireInt(`partition in phase ${i}`, p, 0, this.partitions - 1);
      return ps as number[];
    });
    if (hedgeAfterMs !== undefined) requireNumber('hedgeAfterMs', hedgeAfterMs, 0);
    return this.queryChecked(checked, hedgeAfterMs);
  }

  private queryChecked(phases: readonly (readonly number[])[], hedgeAfterMs: number | undefined): { ms: number; requests: number; hedges: number } {
    let total = 0;
    let requests = 0;
    let hedges = 0;
    for (const phase of phases) {
      let slowest = 0;
      for (const p of phase) {
        requests++;
        let ms: number;
        if (hedgeAfterMs === undefined) ms = this.sample(p);
        else {
          const h = this.hedgedSample(p, hedgeAfterMs);
          ms = h.ms;
          if (h.hedged) hedges++;
        }
        if (ms > slowest) slowest = ms;
      }
      total += slowest;
    }
    return { ms: total, requests: requests + hedges, hedges };
  }

  /** Run many queries (each a list of phases) and summarise. O(total requests + q log q). */
  summarize(queries: Iterable<readonly (readonly number[])[]>, hedgeAfterMs?: number): LatencySummary {
    if (hedgeAfterMs !== undefined) requireNumber('hedgeAfterMs', hedgeAfterMs, 0);
    const iterable = 'an iterable of queries, each an array of phases';
    let iterator: Iterator<readonly (readonly number[])[]>;
    try {
      iterator = (queries as Iterable<readonly (readonly number[])[]>)[Symbol.iterator]();
    } catch (e) {
      throw new InvalidArgumentError('queries', queries, `${iterable} (iterating it threw: ${describeThrown(e)})`);
    }
    if (iterator === null || typeof iterator !== 'object') throw new InvalidArgumentError('queries', queries, iterable);
    const times: number[] = [];
    let requests = 0;
    let hedges = 0;
    for (;;) {
      let step: IteratorResult<readonly (readonly number[])[]>;
      try {
        step = iterator.next();
      } catch (e) {
        throw new InvalidArgumentError('queries', queries, `${iterable} (iterating it threw: ${describeThrown(e)})`);
      }
      if (step.done === true) break;
      const r = this.query(step.value, hedgeAfterMs);
      times.push(r.ms);
      requests += r.requests;
      hedges += r.hedges;
    }
    if (times.length === 0) throw new InvalidArgumentError('queries', 0, 'at least one query');
    const sorted = Float64Array.from(times).sort();
    const sum = times.reduce((s, x) => s + x, 0);
    return {
      p50Ms: percentileSorted(sorted, 0.5),
      p95Ms: percentileSorted(sorted, 0.95),
      p99Ms: percentileSorted(sorted, 0.99),
      meanMs: sum / times.length,
      requestsPerQuery: requests / times.length,
      hedgesPerQuery: hedges / times.length,
    };
  }
}

/** Nearest-rank percentile of an ascending sample, q in [0, 1]. O(1). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const allowed = 'an ascending array or Float64Array of numbers';
  if (!isArraySafe(sorted) && !isInstance(sorted, Float64Array)) throw new InvalidArgumentError('sorted', sorted, allowed);
  requireNumber('q (percentile)', q, 0, 1);
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  const value = sorted[rank];
  if (typeof value !== 'number') throw new InvalidArgumentError(`sorted[${rank}]`, value, 'a number');
  return value;
}

/** Standard normal by Box–Muller (one of the pair). O(1). */
function normal(rng: Random): number {
  const u1 = 1 - rng(); // (0, 1]
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function streamSeed(seed: number, partition: number, replica: number): number {
  return murmur3x86_32(`latency:${seed}:${partition}:${replica}`);
}

/** One row of the tail-latency study. */
export interface TailLatencyRow extends LatencySummary {
  readonly partitions: number;
  /** `baseline`, `slow partition` or `slow partition, hedged`. */
  readonly scenario: 'baseline' | 'slow partition' | 'slow partition, hedged';
  /** `scatter-gather` (document-partitioned query) or `term lookup` (term-partitioned query). */
  readonly strategy: 'scatter-gather' | 'term lookup';
  /** Hedge delay used (p95 of single requests), ms; 0 without hedging. */
  readonly hedgeAfterMs: number;
}

/** Options of `tailLatencyStudy`. */
export interface TailLatencyOptions {
  /** Partition counts to report (default 1, 2, 4, 8, 16, 32, 64, 128). */
  readonly partitionCounts?: readonly number[];
  /** Queries per (P, scenario, strategy) (default 10,000). */
  readonly queries?: number;
  /** Hits per term lookup, fetched from their data partitions in a second phase (default 1). */
  readonly hitsPerQuery?: number;
  /** Slow partition's factor (default 10); it is partition 0. */
  readonly slowFactor?: number;
  readonly seed?: number;
  readonly medianMs?: number;
  readonly sigma?: number;
}

/**
 * p50/p95/p99 query latency for scatter/gather versus term lookups as the
 * partition count grows: baseline, with one slow partition (tail
 * amplification), and with one slow partition and hedged requests after the
 * p95. The numbers the lab draws. O(Σ P × queries).
 */
export function tailLatencyStudy(given: TailLatencyOptions = {}): TailLatencyRow[] {
  const options = readOptions('options', given, ['partitionCounts', 'queries', 'hitsPerQuery', 'slowFactor', 'seed', 'medianMs', 'sigma']);
  const countsAllowed = 'a non-empty array of integers from 1 to 65536';
  const counts = readArray('partitionCounts', options.partitionCounts ?? [1, 2, 4, 8, 16, 32, 64, 128], countsAllowed) as number[];
  if (counts.length === 0) throw new InvalidArgumentError('partitionCounts', counts, countsAllowed);
  counts.forEach((p) => requireInt('partition count', p, 1, 1 << 16));
  const queries = requireInt('queries', options.queries ?? 10_000, 1, 1_000_000);
  const hits = requireInt('hitsPerQuery', options.hitsPerQuery ?? 1, 0, 1 << 16);
  const factor = requireNumber('slowFactor', options.slowFactor ?? 10, 1);
  const seed = requireInt('seed', options.seed ?? 1, -(2 ** 31), 2 ** 32 - 1);
  // The model checks medianMs and sigma; build one now so a bad value fails before any work.
  new PartitionLatencyModel({ partitions: 1, seed, medianMs: options.medianMs, sigma: options.sigma });
  const rows: TailLatencyRow[] = [];
  for (const P of counts) {
    const scenarios = [
      { scenario: 'baseline' as const, slow: undefined, hedge: false },
      { scenario: 'slow partition' as const, slow: { partition: 0, factor }, hedge: false },
      { scenario: 'slow partition, hedged' as const, slow: { partition: 0, factor }, hedge: true },
    ];
    for (const s of scenarios) {
      for (const strategy of ['scatter-gather', 'term lookup'] as const) {
        const model = new PartitionLatencyModel({ partitions: P, seed, medianMs: options.medianMs, sigma: options.sigma, ...(s.slow ? { slowPartition: s.slow } : {}) });
        const hedgeAfterMs = s.hedge ? model.requestPercentile(0.95) : undefined;
        const pick = mulberry32(streamSeed(seed, -3, P));
        const all = Array.from({ length: P }, (_, p) => p);
        const gen = function* (): Generator<number[][]> {
          for (let q = 0; q < queries; q++) {
            if (strategy === 'scatter-gather') yield [all];
            else yield [[randomInt(pick, P)], distinctPartitions(pick, P, hits)];
          }
        };
        rows.push({ partitions: P, scenario: s.scenario, strategy, hedgeAfterMs: hedgeAfterMs ?? 0, ...model.summarize(gen(), hedgeAfterMs) });
      }
    }
  }
  return rows;
}

/** The distinct data partitions of `hits` documents placed uniformly at random. */
function distinctPartitions(rng: Random, P: number, hits: number): number[] {
  const set = new Set<number>();
  for (let i = 0; i < hits; i++) set.add(randomInt(rng, P));
  return [...set];
}
