/**
 * Suite `cluster`: redis-benchmark (`--cluster`, 50 clients, 100-byte values,
 * random keys) against a 3-node shardkit cluster and a 3-master Redis Cluster
 * started here, alternating in one run, with matching durability:
 *   - shardkit `--fsync interval` vs Redis `appendonly yes, appendfsync everysec`;
 *   - shardkit `--fsync always`   vs Redis `appendonly yes, appendfsync always`.
 * SET and GET at pipelines 1 and 16. Each row: our ops/s, Redis's, the ratio
 * (ours / Redis; > 1 means faster), and p50/p99 latency of both (ms, as
 * redis-benchmark reports them). Rounds alternate Redis and shardkit (3; 1
 * in quick mode); medians are reported.
 * Targets (issue 14): ≥ 0.5× Redis Cluster at P=16 with interval/everysec,
 * ≥ 1.0× with always on both.
 * Any-node forwarding: one forwarded hop (ring placement, --forward) against
 * direct routing (redis-slots), P=16.
 * Also: memory per key of a node (RSS growth and store file growth per key
 * after N SETs of 100-byte values, against Redis's used_memory growth) and
 * the startup time of a node (spawn to first PONG, median of 5) against
 * redis-server's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness, run, freePorts, timeLimitFor, waitUntilServing } from '../src/cluster/testing/harness.js';
import { RespClient } from '../src/cluster/testing/resp-client.js';
import { QUICK, median, size, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'cluster';
const REQUESTS = size(200_000, 2_000);
const ROUNDS = QUICK ? 1 : 3;
const CLIENTS = 50;
const VALUE_BYTES = 100;
const MEMORY_KEYS = size(200_000, 2_000);
const STARTS = QUICK ? 2 : 5;

interface Run {
  rps: number;
  p50: number;
  p99: number;
}

/** One redis-benchmark run; parses its CSV line for `test`. */
async function benchmark(port: number, test: 'set' | 'get', pipeline: number, cluster = true): Promise<Run> {
  const args = [...(cluster ? ['--cluster'] : []), '-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(REQUESTS), '-d', String(VALUE_BYTES), '-r', '1000000', '-t', test, '-P', String(pipeline), '--csv'];
  // 200,000 requests at P=1 can take longer than run's default limit of 30 s on a busy machine.
  const { stdout } = await run('redis-benchmark', args, { timeoutMs: timeLimitFor(REQUESTS) });
  const line = stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}"`));
  if (line === undefined) throw new Error(`no ${test} line in redis-benchmark output:\n${stdout}`);
  const cols = line.split(',').map((c) => Number(c.replace(/"/g, '')));
  return { rps: cols[1] as number, p50: cols[4] as number, p99: cols[6] as number };
}

const medianRun = (runs: Run[]): Run => ({ rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) });

async function throughput(h: Harness, rows: BenchResult[]): Promise<void> {
  const pairs = [
    { ours: 'interval', theirs: 'everysec', target: 0.5 },
    { ours: 'always', theirs: 'always', target: 1.0 },
  ] as const;
  for (const pair of pairs) {
    const redis = await h.startRedisCluster(3, { appendfsync: pair.theirs });
    const sk = await h.startShardkitCluster(3, { fsync: pair.ours });
    for (const test of ['set', 'get'] as const) {
      for (const pipeline of [1, 16]) {
        const theirs: Run[] = [];
        const ours: Run[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          theirs.push(await benchmark(redis.ports[0] as number, test, pipeline));
          ours.push(await benchmark(sk.ports[0] as number, test, pipeline));
        }
        const o = medianRun(ours);
        const t = medianRun(theirs);
        const ratio = o.rps / t.rps;
        const targeted = pipeline === 16;
        rows.push({
          suite: SUITE,
          name: `${test.toUpperCase()} P=${pipeline}, fsync ${pair.ours} vs appendfsync ${pair.theirs}`,
          nsPerOp: 1e9 / o.rps,
          opsPerSec: o.rps,
          peer: 'Redis Cluster (3 masters)',
          peerNsPerOp: 1e9 / t.rps,
          ratio,
          ...(targeted ? { target: `≥ ${pair.target}× Redis Cluster`, met: ratio >= pair.target } : {}),
          extra: { p50_ms: o.p50, p99_ms: o.p99, redis_p50_ms: t.p50, redis_p99_ms: t.p99, rounds: ROUNDS, requests: REQUESTS },
        });
      }
    }
    await h.stopAll();
  }
}

/**
 * Any-node forwarding: redis-benchmark without --cluster sends everything to
 * one node of a `ring` cluster with --forward (2/3 of the keys take one
 * forwarded hop), against --cluster on a `redis-slots` cluster (every request
 * direct). Same durability (interval) on both.
 */
async function forwarding(h: Harness, rows: BenchResult[]): Promise<void> {
  const ring = await h.startShardkitCluster(3, { strategy: 'ring', forward: true, fsync: 'interval' });
  const slots = await h.startShardkitCluster(3, { fsync: 'interval' });
  for (const test of ['set', 'get'] as const) {
    const fwd: Run[] = [];
    const direct: Run[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      direct.push(await benchmark(slots.ports[0] as number, test, 16));
      fwd.push(await benchmark(ring.ports[0] as number, test, 16, false));
    }
    const f = medianRun(fwd);
    const d = medianRun(direct);
    rows.push({
      suite: SUITE,
      name: `${test.toUpperCase()} P=16 through one node with --forward (ring) vs direct (redis-slots, --cluster)`,
      nsPerOp: 1e9 / f.rps,
      opsPerSec: f.rps,
      peer: 'shardkit direct',
      peerNsPerOp: 1e9 / d.rps,
      ratio: f.rps / d.rps,
      extra: { p50_ms: f.p50, p99_ms: f.p99, direct_p50_ms: d.p50, direct_p99_ms: d.p99, rounds: ROUNDS, requests: REQUESTS },
    });
  }
  await h.stopAll();
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN);
  return kb * 1024;
}

/** Bytes of the files in `dir` whose names pass `keep`. */
function dirBytes(dir: string, keep: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const f of fs.readdirSync(dir)) if (keep(f)) total += fs.statSync(path.join(dir, f)).size;
  return total;
}

const isLog = (name: string) => /^wal-\d+\.log$/.test(name);

async function fill(port: number, keys: number): Promise<void> {
  const c = await RespClient.connect(port);
  const value = 'x'.repeat(VALUE_BYTES);
  const window = 256;
  let sent = 0;
  let done = 0;
  while (sent < Math.min(window, keys)) c.send('SET', `key:{a}:${sent++}`, value);
  while (done < keys) {
    await c.read(30_000);
    done++;
    if (sent < keys) c.send('SET', `key:{a}:${sent++}`, value);
  }
  c.close();
}

async function memoryPerKey(h: Harness, rows: BenchResult[]): Promise<void> {
  const sk = await h.startShardkitCluster(1, { fsync: 'interval' });
  const proc = sk.procs[0];
  const dataDir = path.join(sk.dir, 'n1');
  await fill(sk.ports[0] as number, 1000); // warm up allocations
  await new Promise((r) => setTimeout(r, 500));
  const rss0 = rssBytes(proc?.pid as number);
  const disk0 = dirBytes(dataDir, (f) => !isLog(f));
  const log0 = dirBytes(dataDir, isLog);
  await fill(sk.ports[0] as number, MEMORY_KEYS);
  // Acknowledged writes reach LMDB in batches (16,384 writes or 100 ms): let the last batch land.
  await new Promise((r) => setTimeout(r, 500));
  const rss1 = rssBytes(proc?.pid as number);
  const disk1 = dirBytes(dataDir, (f) => !isLog(f));
  const log1 = dirBytes(dataDir, isLog);
  const [redisPort] = await freePorts(1);
  const rdir = h.tempDir('shardkit-redis-');
  const rp = h.spawn('redis-server', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', rdir]);
  await waitUntilServing(redisPort as number, 10000, rp);
  const used = async () => {
    const c = await RespClient.connect(redisPort as number);
    const info = ((await c.call('INFO', 'memory')) as Buffer).toString();
    c.close();
    return Number(info.match(/used_memory:(\d+)/)?.[1]);
  };
  await fill(redisPort as number, 1000);
  const u0 = await used();
  await fill(redisPort as number, MEMORY_KEYS);
  const u1 = await used();
  const perKey = (rss1 - rss0) / MEMORY_KEYS;
  rows.push({
    suite: SUITE,
    name: `memory per key (${MEMORY_KEYS} keys, ${VALUE_BYTES}-byte values)`,
    nsPerOp: NaN,
    opsPerSec: NaN,
    extra: { rss_bytes_per_key: perKey, store_file_bytes_per_key: (disk1 - disk0) / MEMORY_KEYS, write_ahead_log_bytes_per_key: (log1 - log0) / MEMORY_KEYS, redis_used_memory_bytes_per_key: (u1 - u0) / MEMORY_KEYS },
  });
  await h.stopAll();
}

async function startupTime(h: Harness, rows: BenchResult[]): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const sk = await h.startShardkitCluster(1);
  await sk.procs[0]?.stop();
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const p = await sk.restart(0);
    ours.push(performance.now() - t0);
    await p.stop();
    const [port] = await freePorts(1);
    const t1 = performance.now();
    const rp = h.spawn('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', sk.dir]);
    await waitUntilServing(port as number, 10000, rp);
    theirs.push(performance.now() - t1);
    await rp.stop();
  }
  const o = median(ours);
  const t = median(theirs);
  rows.push({ suite: SUITE, name: 'node startup (spawn to first PONG)', nsPerOp: o * 1e6, opsPerSec: 1000 / o, peer: 'redis-server', peerNsPerOp: t * 1e6, ratio: t / o, extra: { ms: o, redis_ms: t, starts: STARTS } });
  await h.stopAll();
}

const h = new Harness();
const rows: BenchResult[] = [];
try {
  await throughput(h, rows);
  await forwarding(h, rows);
  await memoryPerKey(h, rows);
  await startupTime(h, rows);
  writeSuite(SUITE, rows);
} catch (e) {
  console.error(String(e));
  console.error(h.logs());
  process.exitCode = 1;
} finally {
  await h.stopAll();
}
