/**
 * Experiment 5 — secondary indexes, document-partitioned (local) vs
 * term-partitioned (global). DDIA ch. 6, "Partitioning and Secondary
 * Indexes": a local index makes writes touch one partition but every query
 * scatter to all partitions (and wait for the slowest: tail latency
 * amplification); a global index makes a query read one index partition, but
 * a write may touch several, so global indexes are often updated
 * asynchronously and lag behind.
 *
 * Part 1: partitions touched per write and per query, measured on both
 * databases as the partition count grows (their own counters).
 * Part 2: p50/p99 query latency from the index module's seeded latency model:
 * baseline, one slow partition, and hedged requests.
 * Part 3: an async global index flushed every F ms: how far it lags and how
 * often a query misses a document written just before.
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput } from '../experiment.js';
import { DocumentPartitionedDB } from '../../index/document-partitioned.js';
import { TermPartitionedDB } from '../../index/term-partitioned.js';
import type { IndexedDB } from '../../index/indexed-db.js';
import { tailLatencyStudy, type TailLatencyRow } from '../../index/latency.js';
import { ManualClock } from '../../util/clock.js';
import { type Random, randomInt, randomUint32 } from '../../util/random.js';
import { round } from '../workload.js';

const COLORS = ['red', 'blue', 'green', 'black', 'white', 'silver', 'grey', 'yellow', 'orange', 'brown', 'purple', 'gold'];
const MAKES = 40;
const FIELDS = ['color', 'make', 'sku'];

function car(i: number, random: Random) {
  return { color: COLORS[randomInt(random, COLORS.length)] as string, make: `make-${randomInt(random, MAKES)}`, sku: `sku-${i}` };
}

interface Touch {
  readonly partitions: number;
  readonly db: 'document-partitioned' | 'term-partitioned';
  readonly write: number;
  readonly queryMany: number;
  readonly queryOne: number;
}

/** Load `docs` cars, update a tenth, then run queries by make (many hits) and by sku (one hit); partitions touched per operation. */
function touches(make: () => IndexedDB, label: Touch['db'], partitions: number, docs: number, queries: number, random: Random): Touch {
  const db = make();
  let writeParts = 0;
  let writes = 0;
  for (let i = 0; i < docs; i++) {
    writeParts += db.put(`car:${i}`, car(i, random)).partitions.length;
    writes++;
  }
  for (let i = 0; i < docs / 10; i++) {
    const id = randomInt(random, docs);
    writeParts += db.put(`car:${id}`, car(id, random)).partitions.length;
    writes++;
  }
  let many = 0;
  let one = 0;
  for (let q = 0; q < queries; q++) {
    many += db.queryByField('make', `make-${randomInt(random, MAKES)}`).partitions.length;
    one += db.queryByField('sku', `sku-${randomInt(random, docs)}`).partitions.length;
  }
  return { partitions, db: label, write: writeParts / writes, queryMany: many / queries, queryOne: one / queries };
}

interface Lag {
  readonly flushEveryMs: number;
  readonly missRate: number;
  readonly maxAgeMs: number;
  readonly meanPending: number;
  readonly messagesPerFlush: number;
}

/** Queries read a document written this long ago, uniformly from 1 ms to this bound. */
const READ_AFTER_MAX_MS = 100;

/**
 * An async term-partitioned index, one write per ms, flushed every
 * `flushEveryMs`; each ms, a query by the sku of a document written 1 …
 * READ_AFTER_MAX_MS ms earlier. A miss: the document exists but the index
 * does not show it yet.
 */
function asyncLag(flushEveryMs: number, partitions: number, writes: number, random: Random): Lag {
  const clock = new ManualClock(0);
  const db = new TermPartitionedDB({ partitions, fields: FIELDS, indexMode: 'async', clock, pendingMax: 1_000_000 });
  let misses = 0;
  let queries = 0;
  let maxAge = 0;
  let pendingSum = 0;
  for (let i = 0; i < writes; i++) {
    clock.advance(1);
    db.put(`car:${i}`, car(i, random));
    const lag = db.indexLag();
    maxAge = Math.max(maxAge, lag.oldestPendingAgeMs);
    pendingSum += lag.pending;
    if ((i + 1) % flushEveryMs === 0) db.flushIndex();
    const target = i - 1 - randomInt(random, READ_AFTER_MAX_MS);
    if (target >= 0) {
      queries++;
      if (db.queryByField('sku', `sku-${target}`).hits.length === 0) misses++;
    }
  }
  const s = db.stats();
  return { flushEveryMs, missRate: misses / queries, maxAgeMs: maxAge, meanPending: pendingSum / writes, messagesPerFlush: s.flushes === 0 ? 0 : s.flushMessages / s.flushes };
}

export const secondaryIndexes: Experiment = {
  id: 'secondary-indexes',
  title: 'Secondary indexes: local (by document) vs global (by term)',
  claim:
    'With a document-partitioned (local) index every write touches one partition but every query goes to all partitions, so a query waits for the slowest one (tail latency amplification); a term-partitioned (global) index serves a query from one index partition plus the partitions of its hits, but a write touches several partitions, which is why global indexes are often updated asynchronously — and then a query may miss a recent write (DDIA ch. 6, "Partitioning and Secondary Indexes").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const counts = ctx.quick ? [1, 4, 16, 64] : [1, 2, 4, 8, 16, 32, 64];
    const docs = ctx.size(10_000, 2_000);
    const queries = ctx.size(400, 100);
    const total = counts.length * 2 + 2;
    let step = 0;
    const rows: Touch[] = [];
    for (const P of counts) {
      rows.push(touches(() => new DocumentPartitionedDB({ partitions: P, fields: FIELDS }), 'document-partitioned', P, docs, queries, ctx.random));
      ctx.progress(++step, total);
      rows.push(touches(() => new TermPartitionedDB({ partitions: P, fields: FIELDS }), 'term-partitioned', P, docs, queries, ctx.random));
      ctx.progress(++step, total);
    }
    const latency: TailLatencyRow[] = tailLatencyStudy({ partitionCounts: counts, queries: ctx.size(5_000, 1_000), seed: randomUint32(ctx.random) >>> 1, slowFactor: 10 });
    ctx.progress(++step, total);
    const lagP = 16;
    const lags = (ctx.quick ? [1, 10, 50, 200] : [1, 5, 10, 20, 50, 100, 200, 500]).map((f) => asyncLag(f, lagP, ctx.size(5_000, 1_500), ctx.random));
    ctx.progress(++step, total);

    const series = (db: Touch['db'], pick: (t: Touch) => number) => rows.filter((r) => r.db === db).map((r) => ({ x: r.partitions, y: round(pick(r), 3) }));
    const lat = (strategy: TailLatencyRow['strategy'], scenario: TailLatencyRow['scenario'], field: 'p50Ms' | 'p99Ms' = 'p99Ms') =>
      latency.filter((r) => r.strategy === strategy && r.scenario === scenario).map((r) => ({ x: r.partitions, y: round(r[field], 3) }));
    const at = (db: Touch['db'], P: number) => rows.find((r) => r.db === db && r.partitions === P) as Touch;
    const Pmax = counts[counts.length - 1] as number;
    const latAt = (strategy: TailLatencyRow['strategy'], scenario: TailLatencyRow['scenario'], P: number) =>
      latency.find((r) => r.strategy === strategy && r.scenario === scenario && r.partitions === P) as TailLatencyRow;
    const sgBase1 = latAt('scatter-gather', 'baseline', counts[0] as number);
    const sgBase = latAt('scatter-gather', 'baseline', Pmax);
    const termBase = latAt('term lookup', 'baseline', Pmax);
    const termBase1 = latAt('term lookup', 'baseline', counts[0] as number);
    const termSlow = latAt('term lookup', 'slow partition', Pmax);
    const sgSlow = latAt('scatter-gather', 'slow partition', Pmax);
    const sgHedged = latAt('scatter-gather', 'slow partition, hedged', Pmax);
    const eager = lags[0] as Lag;
    const lazy = lags[lags.length - 1] as Lag;

    const checks: Check[] = [
      {
        claim: 'A local index touches one partition per write; a global index touches more',
        held: at('document-partitioned', Pmax).write === 1 && at('term-partitioned', Pmax).write > 1.5,
        measured: `partitions per write at ${Pmax} partitions: local ${at('document-partitioned', Pmax).write.toFixed(2)}, global ${at('term-partitioned', Pmax).write.toFixed(2)}`,
      },
      {
        claim: 'A local-index query touches every partition; a global-index query for a rare term touches about two',
        held: at('document-partitioned', Pmax).queryOne === Pmax && at('term-partitioned', Pmax).queryOne <= 2,
        measured: `partitions per query by sku at ${Pmax} partitions: local ${at('document-partitioned', Pmax).queryOne.toFixed(2)}, global ${at('term-partitioned', Pmax).queryOne.toFixed(2)}`,
      },
      {
        claim: 'Scatter/gather waits for the slowest partition: its latency grows with the partition count, a term lookup’s does not',
        held: sgBase.p50Ms > 2 * sgBase1.p50Ms && termBase.p50Ms <= 1.2 * termBase1.p50Ms,
        measured: `median latency from ${counts[0]} to ${Pmax} partitions: scatter/gather ${sgBase1.p50Ms.toFixed(1)} → ${sgBase.p50Ms.toFixed(1)} ms, term lookup ${termBase1.p50Ms.toFixed(1)} → ${termBase.p50Ms.toFixed(1)} ms (p99: ${sgBase.p99Ms.toFixed(1)} vs ${termBase.p99Ms.toFixed(1)} ms)`,
      },
      {
        claim: 'One slow partition slows every scatter/gather query, but only the term lookups that reach it',
        held: sgSlow.p50Ms > 2 * sgBase.p50Ms && termSlow.p50Ms < 1.5 * termBase.p50Ms,
        measured: `median at ${Pmax} partitions with one partition 10× slower: scatter/gather ${sgSlow.p50Ms.toFixed(1)} ms (was ${sgBase.p50Ms.toFixed(1)}), term lookup ${termSlow.p50Ms.toFixed(1)} ms (was ${termBase.p50Ms.toFixed(1)})`,
      },
      {
        claim: 'Hedged requests cut the slow partition’s effect on the tail',
        held: sgHedged.p99Ms < 0.7 * sgSlow.p99Ms,
        measured: `scatter/gather p99 at ${Pmax} partitions with one slow partition: ${sgSlow.p99Ms.toFixed(1)} ms, hedged ${sgHedged.p99Ms.toFixed(1)} ms (${sgHedged.hedgesPerQuery.toFixed(2)} extra requests per query)`,
      },
      {
        claim: 'An asynchronously updated global index misses recent writes, more the longer it waits to apply them',
        held: eager.missRate === 0 && lazy.missRate > 0.5 && lazy.maxAgeMs > eager.maxAgeMs,
        measured: `queries for a document written 1–${READ_AFTER_MAX_MS} ms earlier that miss it: ${(eager.missRate * 100).toFixed(1)}% flushing every ${eager.flushEveryMs} ms (max lag ${eager.maxAgeMs} ms), ${(lazy.missRate * 100).toFixed(1)}% flushing every ${lazy.flushEveryMs} ms (max lag ${lazy.maxAgeMs} ms)`,
      },
    ];

    return {
      charts: [
        {
          id: 'touched-write',
          title: 'Partitions touched per write',
          type: 'line',
          x: { label: 'partitions', unit: 'count', scale: 'logarithmic' },
          y: { label: 'partitions touched per write', unit: 'partitions' },
          series: [
            { label: 'document-partitioned (local)', points: series('document-partitioned', (t) => t.write) },
            { label: 'term-partitioned (global)', points: series('term-partitioned', (t) => t.write) },
          ],
          caption: 'Inserts and updates of documents with three indexed fields (color, make, sku). A global index entry lives with its term: up to one partition per field, plus the data.',
        },
        {
          id: 'touched-query',
          title: 'Partitions touched per query',
          type: 'line',
          x: { label: 'partitions', unit: 'count', scale: 'logarithmic' },
          y: { label: 'partitions touched per query', unit: 'partitions', scale: 'logarithmic' },
          series: [
            { label: 'local, by make (many hits)', points: series('document-partitioned', (t) => t.queryMany) },
            { label: 'local, by sku (one hit)', points: series('document-partitioned', (t) => t.queryOne) },
            { label: 'global, by make (many hits)', points: series('term-partitioned', (t) => t.queryMany) },
            { label: 'global, by sku (one hit)', points: series('term-partitioned', (t) => t.queryOne) },
          ],
          caption: 'A global query reads one index partition, then fetches its hits: a term with many hits still reaches many data partitions.',
        },
        {
          id: 'median-latency',
          title: 'Median (p50) query latency',
          type: 'line',
          x: { label: 'partitions', unit: 'count', scale: 'logarithmic' },
          y: { label: 'p50 latency', unit: 'ms', scale: 'logarithmic' },
          series: [
            { label: 'scatter/gather', points: lat('scatter-gather', 'baseline', 'p50Ms') },
            { label: 'scatter/gather, one slow partition', points: lat('scatter-gather', 'slow partition', 'p50Ms') },
            { label: 'scatter/gather, slow partition, hedged', points: lat('scatter-gather', 'slow partition, hedged', 'p50Ms') },
            { label: 'term lookup', points: lat('term lookup', 'baseline', 'p50Ms') },
            { label: 'term lookup, one slow partition', points: lat('term lookup', 'slow partition', 'p50Ms') },
          ],
          caption: 'The median scatter/gather query waits for the slowest of P answers; with one slow partition, every one of them waits for it.',
        },
        {
          id: 'tail-latency',
          title: 'p99 query latency',
          type: 'line',
          x: { label: 'partitions', unit: 'count', scale: 'logarithmic' },
          y: { label: 'p99 latency', unit: 'ms', scale: 'logarithmic' },
          series: [
            { label: 'scatter/gather', points: lat('scatter-gather', 'baseline') },
            { label: 'scatter/gather, one slow partition', points: lat('scatter-gather', 'slow partition') },
            { label: 'scatter/gather, slow partition, hedged', points: lat('scatter-gather', 'slow partition, hedged') },
            { label: 'term lookup', points: lat('term lookup', 'baseline') },
            { label: 'term lookup, one slow partition', points: lat('term lookup', 'slow partition') },
          ],
          caption: 'Simulated: each partition answers after a log-normal time (median about 2 ms); the slow partition is 10× slower; a hedge goes to a replica after the p95 of single requests.',
        },
        {
          id: 'async-lag',
          title: `Async global index (${lagP} partitions): queries that miss a recent write`,
          type: 'line',
          x: { label: 'flush interval', unit: 'ms', scale: 'logarithmic' },
          y: { label: 'queries missing the document', unit: '%', max: 100 },
          series: [{ label: 'miss rate', points: lags.map((l) => ({ x: l.flushEveryMs, y: round(l.missRate * 100, 2) })) }],
          caption: `One write per millisecond; each millisecond a query by the sku of a document written 1–${READ_AFTER_MAX_MS} ms earlier.`,
        },
      ],
      tables: [
        {
          title: 'Partitions touched per operation',
          columns: [
            { label: 'partitions', format: 'int' },
            { label: 'index' },
            { label: 'per write', unit: 'partitions', format: 'fixed2' },
            { label: 'per query by make', unit: 'partitions', format: 'fixed2' },
            { label: 'per query by sku', unit: 'partitions', format: 'fixed2' },
          ],
          rows: rows.map((r) => [r.partitions, r.db, round(r.write, 3), round(r.queryMany, 3), round(r.queryOne, 3)]),
        },
        {
          title: 'Query latency (simulated)',
          columns: [
            { label: 'partitions', format: 'int' },
            { label: 'query' },
            { label: 'scenario' },
            { label: 'p50', unit: 'ms', format: 'fixed2' },
            { label: 'p99', unit: 'ms', format: 'fixed2' },
            { label: 'requests per query', format: 'fixed2' },
          ],
          rows: latency.map((r) => [r.partitions, r.strategy, r.scenario, round(r.p50Ms, 3), round(r.p99Ms, 3), round(r.requestsPerQuery, 3)]),
        },
        {
          title: `Async global index lag (${lagP} partitions, one write per ms)`,
          columns: [
            { label: 'flush every', unit: 'ms', format: 'int' },
            { label: 'queries missing a recent write', format: 'percent' },
            { label: 'oldest pending update, max', unit: 'ms', format: 'int' },
            { label: 'pending updates, mean', format: 'fixed1' },
            { label: 'messages per flush', format: 'fixed1' },
          ],
          rows: lags.map((l) => [l.flushEveryMs, round(l.missRate, 5), l.maxAgeMs, round(l.meanPending, 2), round(l.messagesPerFlush, 2)]),
        },
      ],
      checks,
      notes: [
        `${docs.toLocaleString('en-US')} documents (cars: color of ${COLORS.length}, make of ${MAKES}, a unique sku), placed on fixed partitions by MurmurHash3 of the primary key; then ${(docs / 10).toLocaleString('en-US')} updates and ${queries} queries of each kind.`,
        'Latency figures come from the index module’s seeded model, not from wall-clock timing: they show the shape of tail amplification, not this machine’s speed.',
      ],
    };
  },
};
