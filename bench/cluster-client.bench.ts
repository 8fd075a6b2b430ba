/**
 * Suite `cluster-client`: the partition-aware `ClusterClient` against ioredis
 * `Cluster` on the same 3-node shardkit cluster (redis-slots, `--fsync
 * interval`), at equal pipelining (the same number of requests in flight:
 * `DEPTH` concurrent callers, each awaiting its reply before the next), SET
 * and GET of 100-byte values over random keys. Rounds alternate which client
 * runs first; the ratio is computed within each round and the median (with
 * min and max) is reported. Target (issue 14): ≥ 1.0× ioredis.
 *
 * Also any-node forwarding: redis-benchmark without `--cluster` against one
 * node started with `--forward` (about 2/3 of random keys take one extra
 * hop) against `--cluster` (every request direct), on the same cluster,
 * alternating: throughput and p99 of each.
 */
import Redis from 'ioredis';
import { ClusterClient } from '../src/cluster/client/client.js';
import { Harness, run, timeLimitFor } from '../src/cluster/testing/harness.js';
import { QUICK, median, size, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'cluster-client';
const OPS = size(200_000, 4_000);
const ROUNDS = QUICK ? 2 : 5;
const DEPTH = 64;
const KEYSPACE = 100_000;
const VALUE = 'v'.repeat(100);

type Op = (key: string) => Promise<unknown>;

/** `OPS` operations through `DEPTH` concurrent callers; ops/s. */
async function drive(op: Op): Promise<number> {
  let next = 0;
  let seed = 12345;
  const worker = async (): Promise<void> => {
    while (next < OPS) {
      next++;
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      await op(`key:${seed % KEYSPACE}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: DEPTH }, worker));
  return OPS / ((performance.now() - t0) / 1000);
}

async function clients(h: Harness, rows: BenchResult[]): Promise<void> {
  const sk = await h.startShardkitCluster(3, { fsync: 'interval' });
  const ours = await ClusterClient.connect({ map: sk.map });
  const theirs = new Redis.Cluster([{ host: '127.0.0.1', port: sk.ports[0] as number }], { enableAutoPipelining: false });
  await theirs.ping();
  try {
    for (const test of ['SET', 'GET'] as const) {
      const oursOp: Op = test === 'SET' ? (k) => ours.set(k, VALUE) : (k) => ours.get(k);
      const theirsOp: Op = test === 'SET' ? (k) => theirs.set(k, VALUE) : (k) => theirs.get(k);
      await drive(oursOp);
      await drive(theirsOp);
      const ratios: number[] = [];
      const o: number[] = [];
      const t: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        let a: number;
        let b: number;
        if (r % 2 === 0) {
          a = await drive(oursOp);
          b = await drive(theirsOp);
        } else {
          b = await drive(theirsOp);
          a = await drive(oursOp);
        }
        o.push(a);
        t.push(b);
        ratios.push(a / b);
      }
      const ratio = median(ratios);
      rows.push({
        suite: SUITE,
        name: `${test}, ${DEPTH} in flight, 100-byte values`,
        nsPerOp: 1e9 / median(o),
        opsPerSec: median(o),
        peer: 'ioredis Cluster',
        peerNsPerOp: 1e9 / median(t),
        ratio,
        target: '≥ 1.0× ioredis Cluster',
        met: ratio >= 1,
        extra: { ratio_min: Math.min(...ratios), ratio_max: Math.max(...ratios), rounds: ROUNDS, ops: OPS },
      });
    }
  } finally {
    await ours.close();
    theirs.disconnect();
    await h.stopAll();
  }
}

interface BenchRun {
  rps: number;
  p99: number;
}

async function redisBenchmark(port: number, cluster: boolean): Promise<BenchRun> {
  const args = [...(cluster ? ['--cluster'] : []), '-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(OPS), '-d', '100', '-r', String(KEYSPACE), '-t', 'get', '-P', '16', '--csv'];
  const { stdout } = await run('redis-benchmark', args, { timeoutMs: timeLimitFor(OPS) });
  const line = stdout.split('\n').find((l) => l.startsWith('"GET"'));
  if (line === undefined) throw new Error(`no GET line in redis-benchmark output:\n${stdout}`);
  const cols = line.split(',').map((c) => Number(c.replace(/"/g, '')));
  return { rps: cols[1] as number, p99: cols[6] as number };
}

async function forwarding(h: Harness, rows: BenchResult[]): Promise<void> {
  const sk = await h.startShardkitCluster(3, { fsync: 'interval', forward: true });
  const port = sk.ports[0] as number;
  const direct: BenchRun[] = [];
  const forwarded: BenchRun[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 0;
    const a = first ? await redisBenchmark(port, true) : undefined;
    const f = await redisBenchmark(port, false);
    const d = a ?? (await redisBenchmark(port, true));
    direct.push(d);
    forwarded.push(f);
    ratios.push(f.rps / d.rps);
  }
  rows.push({
    suite: SUITE,
    name: 'GET P=16 through one node with --forward (≈2/3 forwarded) vs --cluster direct',
    nsPerOp: 1e9 / median(forwarded.map((x) => x.rps)),
    opsPerSec: median(forwarded.map((x) => x.rps)),
    peer: 'direct (redis-benchmark --cluster)',
    peerNsPerOp: 1e9 / median(direct.map((x) => x.rps)),
    ratio: median(ratios),
    extra: { p99_ms: median(forwarded.map((x) => x.p99)), direct_p99_ms: median(direct.map((x) => x.p99)), ratio_min: Math.min(...ratios), ratio_max: Math.max(...ratios), rounds: ROUNDS },
  });
  await h.stopAll();
}

const h = new Harness();
const rows: BenchResult[] = [];
try {
  await clients(h, rows);
  await forwarding(h, rows);
  writeSuite(SUITE, rows);
} catch (e) {
  console.error(String(e));
  console.error(h.logs());
  process.exitCode = 1;
} finally {
  await h.stopAll();
}
