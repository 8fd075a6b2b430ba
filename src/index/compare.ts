/**
 * One workload on both secondary-index strategies, side by side (DDIA ch. 6:
 * local indexes make writes cheap and reads scatter; global indexes make reads
 * targeted and writes fan out). The lab, the CLI and the tests read the same
 * numbers: stats of both databases, the partitions every query touched run
 * through the tail-latency model, and a summary.
 */
import type { PartitionedPlacement } from '../partitioning/placement.js';
import { InvalidArgumentError, describeThrown, readArray, readOptions } from '../errors.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import type { TermPartitioner } from './term-partitioner.js';
import { type LatencySummary, PartitionLatencyModel } from './latency.js';
import type { IndexStats } from './stats.js';
import type { Doc, FieldValue } from './values.js';

/** Options of `compareStrategies`. */
export interface CompareOptions {
  /** Term partitioning of the global index (default: by hash). */
  readonly termPartitioner?: TermPartitioner;
  /** Latency model parameters (seed default 1; see LatencyModelOptions). */
  readonly latency?: { readonly seed?: number; readonly medianMs?: number; readonly sigma?: number; readonly slowPartition?: { readonly partition: number; readonly factor: number } };
}

/** What `compareStrategies` returns. */
export interface StrategyComparison {
  readonly documentPartitioned: IndexStats;
  readonly termPartitioned: IndexStats;
  /** Query latency of the workload's queries under the model: scatter/gather vs index partition then data partitions. */
  readonly latency: { readonly documentPartitioned: LatencySummary; readonly termPartitioned: LatencySummary };
  readonly summary: {
    /** Average partitions touched per write, term / document (the global index's write fan-out). */
    readonly writeFanOutRatio: number;
    /** Average partitions touched per query, document / term (the local index's scatter cost). */
    readonly queryFanOutRatio: number;
    /** Both databases returned the same hits for every query. */
    readonly resultsAgree: boolean;
    /** Readable lines, one per finding. */
    readonly lines: readonly string[];
  };
}

/**
 * Every element of an iterable object from outside (an array, a Map, a
 * generator...); a primitive (a string is iterable, but of characters), a
 * non-iterable or an iterable whose iteration throws is an InvalidArgumentError.
 */
function readIterable(parameter: string, value: unknown, allowed: string): unknown[] {
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError(parameter, value, allowed);
  let iterate: unknown;
  try {
    iterate = (value as Iterable<unknown>)[Symbol.iterator];
  } catch (e) {
    throw new InvalidArgumentError(parameter, value, `${allowed} (reading it threw: ${describeThrown(e)})`);
  }
  if (typeof iterate !== 'function') throw new InvalidArgumentError(parameter, value, allowed);
  try {
    return [...(value as Iterable<unknown>)];
  } catch (e) {
    throw new InvalidArgumentError(parameter, value, `${allowed} (iterating it threw: ${describeThrown(e)})`);
  }
}

/**
 * Load `documents` ([primary key, document] pairs) into a document-partitioned
 * and a term-partitioned database over the same `partitions`, indexing
 * `fields`, then run every equality query ([field, value]) on both. Bad input
 * raises the databases' typed errors. O(documents × F + Σ query cost).
 */
export function compareStrategies(
  documents: Iterable<readonly [string, Doc]>,
  queries: Iterable<readonly [string, FieldValue]>,
  partitions: number | PartitionedPlacement,
  fields: readonly string[],
  given: CompareOptions = {},
): StrategyComparison {
  const options = readOptions('options', given, ['termPartitioner', 'latency']);
  const docList = readIterable('documents', documents, 'an iterable of [primary key, document] pairs');
  const queryList = readIterable('queries', queries, 'an iterable of [field, value] pairs');
  const local = new DocumentPartitionedDB({ partitions, fields });
  const global = new TermPartitionedDB({ partitions, fields, ...(options.termPartitioner ? { termPartitioner: options.termPartitioner } : {}) });
  for (const entry of docList) {
    const pair = readArray('document entry', entry, 'a [primary key, document] pair');
    if (pair.length !== 2) throw new InvalidArgumentError('document entry', entry, 'a [primary key, document] pair');
    local.put(pair[0] as string, pair[1] as Doc);
    global.put(pair[0] as string, pair[1] as Doc);
  }
  const localPhases: number[][][] = [];
  const globalPhases: number[][][] = [];
  let agree = true;
  for (const entry of queryList) {
    const q = readArray('query', entry, 'a [field, value] pair') as [string, FieldValue];
    if (q.length !== 2) throw new InvalidArgumentError('query', entry, 'a [field, value] pair');
    const a = local.queryByField(q[0], q[1]);
    const b = global.queryByField(q[0], q[1]);
    localPhases.push([[...a.partitions]]);
    globalPhases.push([[...b.indexPartitions], [...b.dataPartitions]]);
    if (a.hits.length !== b.hits.length || a.hits.some((h, i) => h[0] !== (b.hits[i] as readonly [string, Doc])[0])) agree = false;
  }
  const l = readOptions('options.latency', options.latency ?? undefined, ['seed', 'medianMs', 'sigma', 'slowPartition']);
  const model = (): PartitionLatencyModel =>
    new PartitionLatencyModel({ partitions: local.partitionCount, seed: l.seed ?? 1, medianMs: l.medianMs, sigma: l.sigma, ...(l.slowPartition ? { slowPartition: l.slowPartition } : {}) });
  const empty: LatencySummary = { p50Ms: 0, p95Ms: 0, p99Ms: 0, meanMs: 0, requestsPerQuery: 0, hedgesPerQuery: 0 };
  const latency = {
    documentPartitioned: localPhases.length > 0 ? model().summarize(localPhases) : empty,
    termPartitioned: globalPhases.length > 0 ? model().summarize(globalPhases) : empty,
  };
  const ls = local.stats();
  const gs = global.stats();
  const ratio = (a: number, b: number): number => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  const writeFanOutRatio = ratio(gs.avgPartitionsPerWrite, ls.avgPartitionsPerWrite);
  const queryFanOutRatio = ratio(ls.avgPartitionsPerQuery, gs.avgPartitionsPerQuery);
  const f = (x: number): string => x.toFixed(2);
  const lines = [
    `${ls.documents} documents, ${local.partitionCount} partitions, fields ${fields.join(', ')}`,
    `writes: local touches ${f(ls.avgPartitionsPerWrite)} partitions per write, global ${f(gs.avgPartitionsPerWrite)} (×${f(writeFanOutRatio)})`,
    `queries: local touches ${f(ls.avgPartitionsPerQuery)} partitions per query, global ${f(gs.avgPartitionsPerQuery)} (local/global ×${f(queryFanOutRatio)})`,
    `query latency p99 under the model: local ${f(latency.documentPartitioned.p99Ms)} ms, global ${f(latency.termPartitioned.p99Ms)} ms`,
    agree ? 'both strategies returned the same hits for every query' : 'the strategies DISAGREED on some query',
  ];
  return { documentPartitioned: ls, termPartitioned: gs, latency, summary: { writeFanOutRatio, queryFanOutRatio, resultsAgree: agree, lines } };
}
