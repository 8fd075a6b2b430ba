/**
 * Suite `secondary-index`: document-partitioned (local) vs term-partitioned
 * (global) secondary indexes, sync and async index modes.
 *
 * 100,000 documents (10,000 with BENCH_QUICK=1), 3 indexed fields, 16
 * partitions: writes/sec and partitions touched per write; equality
 * queries/sec and partitions touched per query; memory per document.
 *
 *   node --expose-gc --import tsx bench/index.bench.ts
 */
import { DocumentPartitionedDB } from '../src/index/document-partitioned.js';
import { TermPartitionedDB } from '../src/index/term-partitioned.js';
import { RangeTermPartitioner } from '../src/index/term-partitioner.js';
import type { IndexedDB } from '../src/index/indexed-db.js';
import type { IndexedDBOptions } from '../src/index/options.js';
import type { Doc, FieldValue } from '../src/index/values.js';
import { mulberry32, randomInt } from '../src/util/random.js';
import { type BenchResult, heapUsedAfterGc, measure, single, size, writeSuite } from './harness.js';

const SUITE = 'secondary-index';
const N = size(100_000, 10_000);
const P = 16;
const FIELDS = ['city', 'team', 'age'];
const QUERIES = size(2_000, 500);

// city: 1,000 values (~N/1,000 hits each); team: 10,000 values (~N/10,000 hits); age: 80 values.
const rng = mulberry32(2026);
const docs: Array<[string, Doc]> = Array.from({ length: N }, (_, i) => [
  `user:${i}`,
  { city: `city-${randomInt(rng, 1_000)}`, team: `team-${randomInt(rng, 10_000)}`, age: 18 + randomInt(rng, 80), name: `name ${i}` },
]);
const queries: Array<[string, FieldValue]> = Array.from({ length: QUERIES }, (_, i) =>
  i % 2 === 0 ? ['city', `city-${randomInt(rng, 1_000)}`] : ['team', `team-${randomInt(rng, 10_000)}`],
);

type Strategy = { name: string; create: (o: IndexedDBOptions) => IndexedDB };
const strategies: Strategy[] = [
  { name: 'local (document-partitioned)', create: (o) => new DocumentPartitionedDB(o) },
  { name: 'global (term-partitioned, hash)', create: (o) => new TermPartitionedDB(o) },
];
const asyncOptions = { indexMode: 'async' as const, pendingMax: 4 * N };

function load(s: Strategy, mode: 'sync' | 'async', count = N): IndexedDB {
  const db = s.create({ partitions: P, fields: FIELDS, ...(mode === 'async' ? asyncOptions : {}) });
  for (let i = 0; i < count; i++) {
    const [pk, doc] = docs[i] as [string, Doc];
    db.put(pk, doc);
  }
  return db;
}

function runQueries(db: IndexedDB): number {
  let hits = 0;
  for (const [f, v] of queries) hits += db.queryByField(f, v).hits.length;
  return hits;
}

/** Heap held by a loaded sync database, per document: its stored copy (a frozen shallow copy) plus its index entries. */
function bytesPerDocument(s: Strategy): number {
  const base = heapUsedAfterGc();
  const db = load(s, 'sync');
  const used = heapUsedAfterGc() - base;
  if (db.size !== N) throw new Error('memory: database not fully loaded');
  return Math.round(used / N);
}

const rows: BenchResult[] = [];
for (const s of strategies) {
  const memory = bytesPerDocument(s);
  // Writes: a fresh database per timed call, N puts (inserts). Async: put returns before the index is updated.
  for (const mode of ['sync', 'async'] as const) {
    const ns = measure(`${s.name} write ${mode}`, () => load(s, mode), N, { iterations: size(3, 2) });
    const st = load(s, mode).stats();
    const extra = { partitionsPerWrite: st.avgPartitionsPerWrite, documents: N, partitions: P, ...(mode === 'sync' ? { bytesPerDocument: memory } : {}) };
    rows.push(single(SUITE, `${s.name}: write, ${mode} index`, ns, extra));
  }
  // Async writes including the flush that applies their index updates (one batch per index partition).
  {
    const ns = measure(`${s.name} write async + flush`, () => {
      const db = load(s, 'async');
      db.flushIndex();
      return db;
    }, N, { iterations: size(3, 2) });
    const db = load(s, 'async');
    db.flushIndex();
    const st = db.stats();
    rows.push(single(SUITE, `${s.name}: write, async index, incl. flushIndex`, ns, { partitionsPerWrite: st.avgPartitionsPerWrite, flushMessages: st.flushMessages, updatesApplied: st.indexUpdatesApplied }));
  }
  // Equality queries on the loaded database.
  const db = load(s, 'sync');
  const before = db.stats();
  const hits = runQueries(db);
  const after = db.stats();
  const touched = (after.partitionsTouchedByQueries - before.partitionsTouchedByQueries) / QUERIES;
  const ns = measure(`${s.name} query sync`, () => runQueries(db), QUERIES);
  rows.push(single(SUITE, `${s.name}: equality query, sync index`, ns, { partitionsPerQuery: touched, hitsPerQuery: hits / QUERIES }));
  // Async index with the last 10% of writes still pending: eventual queries read the lagging index.
  const lagging = load(s, 'async', Math.floor(N * 0.9));
  lagging.flushIndex();
  for (let i = Math.floor(N * 0.9); i < N; i++) lagging.put((docs[i] as [string, Doc])[0], (docs[i] as [string, Doc])[1]);
  const b2 = lagging.stats();
  const lagHits = runQueries(lagging);
  const a2 = lagging.stats();
  const ns2 = measure(`${s.name} query async`, () => runQueries(lagging), QUERIES);
  rows.push(
    single(SUITE, `${s.name}: equality query, async index (10% of writes pending)`, ns2, {
      partitionsPerQuery: (a2.partitionsTouchedByQueries - b2.partitionsTouchedByQueries) / QUERIES,
      hitsPerQuery: lagHits / QUERIES,
      pending: lagging.indexLag().pending,
    }),
  );
  // Pruned query: the primary key fixed (local: one partition).
  const pruned = (): number => {
    let n = 0;
    for (let i = 0; i < QUERIES; i++) n += db.queryByField('age', (docs[i] as [string, Doc])[1].age as number, { pk: (docs[i] as [string, Doc])[0] }).hits.length;
    return n;
  };
  const b3 = db.stats();
  pruned();
  const a3 = db.stats();
  rows.push(single(SUITE, `${s.name}: equality query with the primary key fixed`, measure(`${s.name} pruned`, pruned, QUERIES), { partitionsPerQuery: (a3.partitionsTouchedByQueries - b3.partitionsTouchedByQueries) / QUERIES }));
}

// Range queries (age in [a, a+2], ~3.75% of the documents): local scatters to every partition; a term index
// partitioned by range of age (boundaries from the data) reads only the overlapping index partitions.
{
  const tp = RangeTermPartitioner.fromSample(P, { age: docs.map((d) => d[1].age as number) });
  const rangeStrategies: Strategy[] = [strategies[0] as Strategy, { name: 'global (term-partitioned, range)', create: (o) => new TermPartitionedDB({ ...o, termPartitioner: tp }) }];
  const RANGES = size(200, 50);
  for (const s of rangeStrategies) {
    const db = load(s, 'sync');
    let indexReads = 0;
    let touched = 0;
    const run = (): number => {
      let n = 0;
      indexReads = 0;
      touched = 0;
      for (let i = 0; i < RANGES; i++) {
        const lo = 18 + (i % 78);
        const r = db.queryRange('age', lo, lo + 2);
        n += r.hits.length;
        indexReads += r.indexPartitions.length;
        touched += r.partitions.length;
      }
      return n;
    };
    const ns = measure(`${s.name} range`, run, RANGES);
    rows.push(single(SUITE, `${s.name}: range query (3 of 80 ages)`, ns, { indexPartitionsPerQuery: indexReads / RANGES, partitionsPerQuery: touched / RANGES, hitsPerQuery: run() / RANGES }));
  }
}

writeSuite(SUITE, rows);
