/**
 * `shardkit secondary-index`: one synthetic workload on a document-partitioned
 * (local) and a term-partitioned (global) secondary index, side by side:
 * partitions touched per write and per query, and query latency under the
 * tail-latency model; with `--latency`, p50/p95/p99 of scatter/gather versus
 * term lookups as the partition count grows (one slow partition, hedging).
 */
import type { Command } from 'commander';
import type { Doc, FieldValue } from '../index/values.js';
import { mulberry32, randomInt } from '../util/random.js';
import { integerOption } from './parse.js';

interface IndexCommandOptions {
  documents: number;
  partitions: number;
  queries: number;
  seed: number;
  latency?: boolean;
  json?: boolean;
}

/** Users with a city (1,000 values), a team (documents/10 values) and an age (80 values); queries on city or team. */
function workload(o: IndexCommandOptions): { documents: Array<[string, Doc]>; queries: Array<[string, FieldValue]> } {
  const rng = mulberry32(o.seed);
  const teams = Math.max(1, Math.floor(o.documents / 10));
  const documents: Array<[string, Doc]> = Array.from({ length: o.documents }, (_, i) => [
    `user:${i}`,
    { city: `city-${randomInt(rng, 1000)}`, team: `team-${randomInt(rng, teams)}`, age: 18 + randomInt(rng, 80) },
  ]);
  const queries: Array<[string, FieldValue]> = Array.from({ length: o.queries }, (_, i) =>
    i % 2 === 0 ? ['city', `city-${randomInt(rng, 1000)}`] : ['team', `team-${randomInt(rng, teams)}`],
  );
  return { documents, queries };
}

export function register(program: Command): void {
  program
    .command('secondary-index')
    .description('compare a document-partitioned (local) and a term-partitioned (global) secondary index on one workload')
    .addOption(integerOption('--documents <n>', 'documents to load', 1, 1_000_000).default(10_000))
    .addOption(integerOption('--partitions <n>', 'partitions', 1, 4096).default(16))
    .addOption(integerOption('--queries <n>', 'equality queries (half on city, half on team)', 1, 1_000_000).default(1_000))
    .addOption(integerOption('--seed <n>', 'seed of the workload and the latency model', 0, 0xffffffff).default(1))
    .option('--latency', 'also print p50/p95/p99 of scatter/gather vs term lookups for 1 … 128 partitions')
    .option('--json', 'print the results as JSON')
    .action(async (o: IndexCommandOptions) => {
      const [{ compareStrategies }, { tailLatencyStudy }] = await Promise.all([import('../index/compare.js'), import('../index/latency.js')]);
      const { documents, queries } = workload(o);
      const r = compareStrategies(documents, queries, o.partitions, ['city', 'team', 'age'], { latency: { seed: o.seed } });
      const latency = o.latency ? tailLatencyStudy({ seed: o.seed, queries: 5_000 }) : undefined;
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ ...r, ...(latency ? { tailLatency: latency } : {}) }, null, 2)}\n`);
        return;
      }
      const lines = [...r.summary.lines];
      const row = (name: string, s: typeof r.documentPartitioned, l: typeof r.latency.documentPartitioned): string =>
        `${name.padEnd(8)} ${s.avgPartitionsPerWrite.toFixed(2).padStart(10)} ${s.avgPartitionsPerQuery.toFixed(2).padStart(10)} ${l.p50Ms.toFixed(2).padStart(8)} ${l.p99Ms.toFixed(2).padStart(8)}`;
      lines.push('', `${'index'.padEnd(8)} ${'parts/write'.padStart(10)} ${'parts/query'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
      lines.push(row('local', r.documentPartitioned, r.latency.documentPartitioned), row('global', r.termPartitioned, r.latency.termPartitioned));
      if (latency) {
        lines.push('', `${'P'.padStart(4)}  ${'scenario'.padEnd(23)} ${'strategy'.padEnd(15)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'req/q'.padStart(7)}`);
        for (const x of latency) {
          lines.push(`${String(x.partitions).padStart(4)}  ${x.scenario.padEnd(23)} ${x.strategy.padEnd(15)} ${x.p50Ms.toFixed(2).padStart(7)} ${x.p95Ms.toFixed(2).padStart(7)} ${x.p99Ms.toFixed(2).padStart(7)} ${x.requestsPerQuery.toFixed(1).padStart(7)}`);
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
