/**
 * Suite `routing`: DDIA chapter 6's three ways to route a request, measured
 * on one cluster with one workload (issue 15 §4).
 *
 * The cluster: `clusterUp` with 3 nodes (`redis-slots`, `--fsync interval`,
 * `--forward`), its embedded metadata service, and one `shardkit router`
 * process, all on loopback. The bench process is the load generator.
 *
 * The styles, each driving the same seeded operation sequence:
 *   - **partition-aware client**: ioredis `Cluster` (a smart client computing
 *     slots itself), and shardkit's own `ClusterClient` beside it;
 *   - **routing tier**: plain (non-cluster) ioredis connections to the router;
 *   - **any-node forwarding**: plain ioredis connections spread over all three
 *     nodes, each node forwarding what it does not own (one extra hop for
 *     about 2/3 of the keys).
 * Every style keeps the same number of requests in flight: 16 per
 * connection where the client holds one connection per node (48 in all).
 *
 * Workloads (YCSB's core mixes over a scrambled zipfian key choice, constant
 * 0.99, 100,000 keys of 100 bytes loaded first): A 50/50 read/update, B 95/5,
 * C read only. Each round runs every style once, the order rotating; ratios
 * (style / partition-aware ioredis) are taken within a round and the median,
 * min and max over rounds reported, with p50/p99 latency and hops per request
 * measured from the servers' own counters (INFO shardkit on every node,
 * INFO router): messages received by any server, per client request.
 *
 * Map changes, on three clusters that differ only in where the map is kept
 * (the embedded metadata service, etcd, ZooKeeper): while workload B runs
 * through all styles at once, the bench
 * swaps 1,000 slots between n1 and n2 in the metadata service (compare-and-set,
 * epoch + 1) and polls every node, the router and a ClusterClient every
 * millisecond for the epoch they serve; it reports the time from the write
 * to each of them having the new map (distribution over the changes), and
 * the MOVED replies nodes sent and requests that failed. Only ownership
 * moves (the data of moved slots is not migrated: live migration is the
 * rebalancing issue's), so a read of a moved key may find nothing; that is
 * not counted as a failure, an error reply or a rejected request is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { ClusterClient } from '../src/cluster/client/client.js';
import { type ClusterMap, decodeMap, encodeMap, withPartitionsMoved } from '../src/cluster/map.js';
import { connectMeta } from '../src/cluster/meta/connect.js';
import { type ExternalService, startEtcd } from '../src/cluster/meta/external.js';
import { META_KEYS, clusterPrefix } from '../src/cluster/meta/types.js';
import { clusterUp, stopAll } from '../src/cluster/ops/up.js';
import { cliBundle, freePorts, Harness, waitUntilServing } from '../src/cluster/testing/harness.js';
import { respCall } from '../src/cluster/ops/resp-call.js';
import { fnv1a64 } from '../src/hash/fnv.js';
import { mulberry32 } from '../src/util/random.js';
import { QUICK, median, size, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'routing';
const KEYS = size(100_000, 2_000);
const OPS = size(60_000, 3_000);
const ROUNDS = QUICK ? 1 : 5;
const PER_CONNECTION = 16;
const NODES = 3;
const VALUE = 'v'.repeat(100);
const CHANGES = QUICK ? 2 : 10;
const MOVED_SLOTS = 1000;

// ---------------------------------------------------------------- workload

/** YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic databases"), items 0..n-1. */
function zipfian(n: number, theta: number, random: () => number): () => number {
  let zetan = 0;
  for (let i = 1; i <= n; i++) zetan += 1 / Math.pow(i, theta);
  const zeta2 = 1 + 1 / Math.pow(2, theta);
  const alpha = 1 / (1 - theta);
  const eta = (1 - Math.pow(2 / n, 1 - theta)) / (1 - zeta2 / zetan);
  return () => {
    const u = random();
    const uz = u * zetan;
    if (uz < 1) return 0;
    if (uz < zeta2) return 1;
    return Math.floor(n * Math.pow(eta * u - eta + 1, alpha)) % n;
  };
}

/** FNV-1a 64 of the rank's 8 little-endian bytes, as YCSB's ScrambledZipfianGenerator spreads hot items over the key space. */
function scramble(rank: number, n: number): number {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(rank), true);
  return Number(fnv1a64(bytes) % BigInt(n));
}

interface Mix {
  readonly name: string;
  readonly readFraction: number;
}
const MIXES: readonly Mix[] = [
  { name: 'A (50% read, 50% update)', readFraction: 0.5 },
  { name: 'B (95% read, 5% update)', readFraction: 0.95 },
  { name: 'C (read only)', readFraction: 1 },
];

/** The seeded operation sequence of a mix: key index and read/update per operation. */
function operations(mix: Mix, seed: number, count: number): { keys: Uint32Array; reads: Uint8Array } {
  const random = mulberry32(seed);
  const next = zipfian(KEYS, 0.99, random);
  const keys = new Uint32Array(count);
  const reads = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = scramble(next(), KEYS);
    reads[i] = random() < mix.readFraction ? 1 : 0;
  }
  return { keys, reads };
}

const keyName = (i: number): string => `user${i}`;

// ---------------------------------------------------------------- styles

/** What a style offers the driver: a GET and a SET on one of its connections. */
interface Target {
  readonly name: string;
  /** Parallel lanes: one per connection the style's client holds. */
  readonly lanes: number;
  get(lane: number, key: string): Promise<unknown>;
  set(lane: number, key: string, value: string): Promise<unknown>;
  close(): Promise<void>;
}

interface RunResult {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failures: number;
  /** The first failure's message, to say what failed. */
  readonly firstFailure?: string;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Run the operation sequence through `t`: `PER_CONNECTION` callers per lane, each awaiting its reply before its next. */
async function drive(t: Target, ops: { keys: Uint32Array; reads: Uint8Array }, stop?: () => boolean): Promise<RunResult> {
  const count = ops.keys.length;
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const worker = async (lane: number): Promise<void> => {
    for (;;) {
      if (stop?.() === true) return;
      const i = next++;
      if (i >= count) {
        if (stop === undefined) return;
        next = 0;
        continue;
      }
      const key = keyName(ops.keys[i] as number);
      const t0 = performance.now();
      try {
        if (ops.reads[i] === 1) await t.get(lane, key);
        else await t.set(lane, key, VALUE);
      } catch (e) {
        failures++;
        firstFailure ??= e instanceof Error ? e.message : String(e);
      }
      if (done < count) latencies[done] = performance.now() - t0;
      done++;
    }
  };
  const t0 = performance.now();
  const workers: Promise<void>[] = [];
  for (let lane = 0; lane < t.lanes; lane++) for (let j = 0; j < PER_CONNECTION; j++) workers.push(worker(lane));
  await Promise.all(workers);
  const seconds = (performance.now() - t0) / 1000;
  const measured = latencies.subarray(0, Math.min(done, count)).sort();
  return { opsPerSec: done / seconds, p50Ms: quantile(measured, 0.5), p99Ms: quantile(measured, 0.99), failures, ...(firstFailure === undefined ? {} : { firstFailure }) };
}

async function ioredisCluster(ports: readonly number[]): Promise<Target> {
  const c = new Cluster(
    ports.map((port) => ({ host: '127.0.0.1', port })),
    { enableAutoPipelining: false, enableReadyCheck: true, redisOptions: { enableAutoPipelining: false } },
  );
  await c.ping();
  return { name: 'partition-aware client (ioredis Cluster)', lanes: NODES, get: (_l, k) => c.get(k), set: (_l, k, v) => c.set(k, v), close: async () => void c.disconnect() };
}

async function shardkitClient(meta: string): Promise<Target> {
  const c = await ClusterClient.connect({ meta });
  return { name: 'partition-aware client (shardkit ClusterClient)', lanes: NODES, get: (_l, k) => c.get(k), set: (_l, k, v) => c.set(k, v), close: () => c.close() };
}

async function plainClients(name: string, ports: readonly number[]): Promise<Target> {
  const cs = ports.map((port) => new Redis({ host: '127.0.0.1', port, enableAutoPipelining: false, lazyConnect: true, maxRetriesPerRequest: 0 }));
  await Promise.all(cs.map((c) => c.connect()));
  const at = (lane: number): Redis => cs[lane % cs.length] as Redis;
  return { name, lanes: NODES, get: (l, k) => at(l).get(k), set: (l, k, v) => at(l).set(k, v), close: async () => cs.forEach((c) => c.disconnect()) };
}

// ---------------------------------------------------------------- counters

interface Counters {
  /** Requests every server received from a client, the router or another node. */
  readonly received: number;
  readonly moved: number;
}

function infoField(info: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m === null ? 0 : Number(m[1]);
}

async function infoOf(port: number, section: string): Promise<string> {
  return String(await respCall('127.0.0.1', port, ['INFO', section]));
}

/** Messages received by every server so far. SK.FWD counts once (dispatch counts the wrapper and the inner command). */
async function counters(nodePorts: readonly number[], routerPort: number): Promise<Counters> {
  let received = 0;
  let moved = 0;
  for (const port of nodePorts) {
    const info = await infoOf(port, 'shardkit');
    received += infoField(info, 'commands_processed') - infoField(info, 'forwarded_in');
    moved += infoField(info, 'moved_replies');
  }
  received += infoField(await infoOf(routerPort, 'router'), 'router_requests');
  return { received, moved };
}

// ---------------------------------------------------------------- map changes

/**
 * The next map: on even changes the owner of slot 0 and the next node swap
 * `MOVED_SLOTS` slots each (the first of each one's range: the shares stay
 * balanced, as a slot table must be); on odd changes the original table
 * comes back. Epoch + 1.
 */
function changedMap(map: ClusterMap, original: NonNullable<ClusterMap['owners']>, change: number): ClusterMap {
  if (change % 2 === 1) return { ...map, epoch: map.epoch + 1, owners: original };
  const a = original.find((r) => r.first === 0);
  const b = a === undefined ? undefined : original.find((r) => r.first === a.last + 1);
  if (a === undefined || b === undefined || a.last - a.first < MOVED_SLOTS || b.last - b.first < MOVED_SLOTS) throw new Error('routing bench: unexpected slot table');
  return withPartitionsMoved({ ...map, owners: original }, [
    { first: a.first, last: a.first + MOVED_SLOTS - 1, node: b.node },
    { first: b.first, last: b.first + MOVED_SLOTS - 1, node: a.node },
  ]);
}

/** The epoch of the map a node serves (CLUSTER INFO). */
async function epochOfNode(port: number): Promise<number> {
  return infoField(String(await respCall('127.0.0.1', port, ['CLUSTER', 'INFO'])), 'cluster_current_epoch');
}

// ---------------------------------------------------------------- the run

const say = (line: string): void => void process.stderr.write(`routing: ${line}\n`);
const h = new Harness();
const rows: BenchResult[] = [];

type MetaKind = 'embedded' | 'etcd' | 'zookeeper';

interface Running {
  readonly kind: MetaKind;
  readonly metaUrl: string;
  readonly mapKey: string;
  readonly nodePorts: readonly number[];
  readonly routerPort: number;
  stop(): Promise<void>;
}

/** A 3-node cluster (redis-slots, fsync interval, --forward) with its metadata service of `kind`, and one router. */
async function startCluster(kind: MetaKind): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `shardkit-routing-${kind}-`));
  let etcd: ExternalService | undefined;
  let started: Awaited<ReturnType<typeof clusterUp>>['started'] = [];
  const stop = async (): Promise<void> => {
    await stopAll(dir, started);
    await etcd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (kind === 'etcd') etcd = await startEtcd();
    const [base] = await freePorts(1);
    const meta = kind === 'etcd' ? `etcd://127.0.0.1:${(etcd as ExternalService).port}` : kind;
    const up = await clusterUp({ dir, nodes: NODES, strategy: 'redis-slots', port: (base as number) + 1, metaPort: base as number, fsync: 'interval', forward: true, meta });
    started = up.started;
    const metaUrl = up.topology.meta.url;
    const nodePorts = up.topology.nodes.map((n) => n.port);
    const [routerPort] = await freePorts(1);
    const router = h.spawn(`shardkit router (${kind})`, process.execPath, [await cliBundle(), 'router', '--port', String(routerPort), '--meta', metaUrl]);
    await waitUntilServing(routerPort as number, 20000, router);
    say(`${kind}: meta ${metaUrl}, nodes ${nodePorts.join(', ')}, router ${routerPort}`);
    return { kind, metaUrl, mapKey: `${clusterPrefix(up.topology.name)}${META_KEYS.map}`, nodePorts, routerPort: routerPort as number, stop: async () => {
      await router.stop();
      await stop();
    } };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function stylesFor(c: Running): Promise<Target[]> {
  return [
    await ioredisCluster(c.nodePorts),
    await shardkitClient(c.metaUrl),
    await plainClients('routing tier (shardkit router, plain ioredis)', [c.routerPort]),
    await plainClients('any-node forwarding (plain ioredis to every node)', c.nodePorts),
  ];
}

async function throughput(c: Running, styles: readonly Target[]): Promise<void> {
  const baseline = styles[0] as Target;
  for (const [m, mix] of MIXES.entries()) {
    const ops = operations(mix, 1000 + m, OPS);
    say(`workload ${mix.name}`);
    for (const s of styles) await drive(s, operations(mix, 99, Math.min(OPS, 5000))); // warm-up
    const results = new Map<string, { runs: RunResult[]; ratios: number[]; hops: number[] }>(styles.map((s) => [s.name, { runs: [], ratios: [], hops: [] }]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = styles.map((_s, i) => styles[(i + r) % styles.length] as Target);
      const round = new Map<string, RunResult>();
      for (const s of order) {
        const before = await counters(c.nodePorts, c.routerPort);
        const res = await drive(s, ops);
        const after = await counters(c.nodePorts, c.routerPort);
        // Our own INFO probes: one per node and one to the router per `counters` call, counted in `after`.
        const probes = NODES + 1;
        const slot = results.get(s.name) as { runs: RunResult[]; ratios: number[]; hops: number[] };
        slot.runs.push(res);
        slot.hops.push((after.received - before.received - probes) / OPS);
        round.set(s.name, res);
      }
      const base = (round.get(baseline.name) as RunResult).opsPerSec;
      for (const s of styles) (results.get(s.name) as { ratios: number[] }).ratios.push((round.get(s.name) as RunResult).opsPerSec / base);
    }
    for (const s of styles) {
      const x = results.get(s.name) as { runs: RunResult[]; ratios: number[]; hops: number[] };
      const opsPerSec = median(x.runs.map((v) => v.opsPerSec));
      const isRouter = s.name.startsWith('routing tier');
      const ratio = median(x.ratios);
      rows.push({
        suite: SUITE,
        name: `workload ${mix.name}: ${s.name}`,
        nsPerOp: 1e9 / opsPerSec,
        opsPerSec,
        ...(s === baseline ? {} : { peer: baseline.name, peerNsPerOp: 1e9 / median((results.get(baseline.name) as { runs: RunResult[] }).runs.map((v) => v.opsPerSec)), ratio }),
        ...(isRouter ? { target: '≥ 0.7× the partition-aware client', met: ratio >= 0.7 } : {}),
        extra: {
          p50_ms: median(x.runs.map((v) => v.p50Ms)),
          p99_ms: median(x.runs.map((v) => v.p99Ms)),
          hops_per_request: Number(median(x.hops).toFixed(3)),
          failures: x.runs.reduce((a, v) => a + v.failures, 0),
          ratio_min: Math.min(...x.ratios),
          ratio_max: Math.max(...x.ratios),
          rounds: ROUNDS,
          in_flight: NODES * PER_CONNECTION,
        },
      });
    }
  }
}

/** Map changes under load: the time from the compare-and-set to every node, the router and a ClusterClient routing by the new map. */
async function mapChanges(c: Running, styles: readonly Target[]): Promise<void> {
  const meta = connectMeta(c.metaUrl);
  const watcher = await ClusterClient.connect({ meta: c.metaUrl });
  try {
    const delays = { nodes: [] as number[], router: [] as number[], client: [] as number[], all: [] as number[] };
    let movedTotal = 0;
    let failedTotal = 0;
    const failedByStyle = new Map<string, number>(styles.map((s) => [s.name, 0]));
    let opsPerSecTotal = 0;
    const mixB = operations(MIXES[1] as Mix, 7, OPS);
    const first = await meta.get(c.mapKey);
    if (first === undefined) throw new Error('routing bench: no map in the metadata service');
    const original = decodeMap(first.value).owners ?? [];
    for (let n = 0; n < CHANGES; n++) {
      say(`${c.kind}: map change ${n + 1} of ${CHANGES}`);
      let stopped = false;
      const before = await counters(c.nodePorts, c.routerPort);
      const load = styles.map((s) => drive(s, mixB, () => stopped));
      await new Promise((r) => setTimeout(r, 300));
      const kv = await meta.get(c.mapKey);
      if (kv === undefined) throw new Error('routing bench: no map in the metadata service');
      const next = decodeMap(encodeMap(changedMap(decodeMap(kv.value), original, n)));
      const t0 = performance.now();
      const w = await meta.put(c.mapKey, encodeMap(next), { ifModRevision: kv.modRevision });
      if (!w.ok) throw new Error(`routing bench: the map changed under the bench (revision ${kv.modRevision})`);
      const seen = new Map<string, number>();
      const targets: [string, () => Promise<number>][] = [
        ...c.nodePorts.map((p, i): [string, () => Promise<number>] => [`node ${i + 1}`, () => epochOfNode(p)]),
        ['router', async () => infoField(await infoOf(c.routerPort, 'router'), 'router_map_epoch')],
        ['client', async () => watcher.epoch],
      ];
      const deadline = t0 + 10_000;
      while (seen.size < targets.length && performance.now() < deadline) {
        for (const [name, probe] of targets) {
          if (seen.has(name)) continue;
          if ((await probe()) >= next.epoch) seen.set(name, performance.now() - t0);
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (seen.size < targets.length) throw new Error(`routing bench (${c.kind}): the map change of epoch ${next.epoch} did not reach ${targets.filter(([name]) => !seen.has(name)).map(([name]) => name).join(', ')} within 10 s`);
      await new Promise((r) => setTimeout(r, 300));
      stopped = true;
      const results = await Promise.all(load);
      const after = await counters(c.nodePorts, c.routerPort);
      for (const [name, ms] of seen) {
        if (name.startsWith('node')) delays.nodes.push(ms);
        else if (name === 'router') delays.router.push(ms);
        else delays.client.push(ms);
      }
      delays.all.push(Math.max(...seen.values()));
      movedTotal += after.moved - before.moved;
      failedTotal += results.reduce((a, r) => a + r.failures, 0);
      results.forEach((r, i) => {
        const name = (styles[i] as Target).name;
        failedByStyle.set(name, (failedByStyle.get(name) ?? 0) + r.failures);
        if (r.firstFailure !== undefined) say(`${c.kind}: change ${n + 1}: ${r.failures} failed through ${name}, first: ${r.firstFailure}`);
      });
      opsPerSecTotal += results.reduce((a, r) => a + r.opsPerSec, 0);
    }
    const dist = (xs: number[]): string => {
      const s = [...xs].sort((a, b) => a - b);
      return `min ${(s[0] as number).toFixed(1)} / median ${median(s).toFixed(1)} / max ${(s.at(-1) as number).toFixed(1)} ms`;
    };
    const worst = Math.max(...delays.all);
    rows.push({
      suite: SUITE,
      name: `map change under load (${c.kind === 'embedded' ? 'embedded metadata service' : c.kind}): every node, the router and a ClusterClient have the new map`,
      nsPerOp: median(delays.all) * 1e6,
      opsPerSec: 1000 / median(delays.all),
      target: '≤ 1 s to every router and node',
      met: worst <= 1000,
      extra: {
        changes: CHANGES,
        all_ms: dist(delays.all),
        nodes_ms: dist(delays.nodes),
        router_ms: dist(delays.router),
        client_ms: dist(delays.client),
        moved_replies_per_change: Math.round(movedTotal / CHANGES),
        failed_requests: failedTotal,
        failed_by_style: [...failedByStyle].map(([name, f]) => `${name} ${f}`).join(', '),
        load_ops_per_sec: Math.round(opsPerSecTotal / CHANGES),
      },
    });
  } finally {
    await watcher.close();
    await meta.close();
  }
}

const running: Running[] = [];
try {
  for (const kind of ['embedded', 'etcd', 'zookeeper'] as const) {
    const c = await startCluster(kind);
    running.push(c);
    say(`${kind}: loading ${KEYS} keys`);
    const loader = await ClusterClient.connect({ meta: c.metaUrl });
    for (let i = 0; i < KEYS; i += 500) await Promise.all(Array.from({ length: Math.min(500, KEYS - i) }, (_x, j) => loader.set(keyName(i + j), VALUE)));
    await loader.close();
    const styles = await stylesFor(c);
    try {
      // Throughput does not depend on where the map is kept: measured once, on the embedded service.
      if (kind === 'embedded') await throughput(c, styles);
      await mapChanges(c, styles);
    } finally {
      for (const s of styles) await s.close();
    }
    await c.stop();
    running.pop();
  }
  writeSuite(SUITE, rows);
} catch (e) {
  console.error(String(e instanceof Error ? e.stack : e));
  console.error(h.logs());
  process.exitCode = 1;
} finally {
  for (const c of running) await c.stop();
  await h.stopAll();
}
