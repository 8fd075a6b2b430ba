/**
 * `cluster up`: start a cluster on this machine. In order: the metadata
 * service; the initial map (epoch 1) written by compare-and-set before any
 * node starts (or, when the directory already holds a cluster that was
 * stopped, its map read back, so `up` after `down` restarts the same cluster
 * with its data); then the nodes; then a PING to each until it answers. Any
 * failure stops what was started (by pid) and reports the failing process's
 * log.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { InvalidArgumentError, StateError, requireInt } from '../../errors.js';
import { strategyInfo } from '../../partitioning/registry.js';
import { type ClusterMap, decodeMap, encodeMap, initialMap } from '../map.js';
import { join } from 'node:path';
import { connectMeta } from '../meta/connect.js';
import { etcdCommand, zooKeeperCommand, zooKeeperServes } from '../meta/external.js';
import { HttpMetaStore } from '../meta/http/client.js';
import { META_KEYS, type MetaStore, clusterPrefix } from '../meta/types.js';
import { type ClusterTopology, paths, readPids, readTopology, removePid, stillOurs, writeFileAtomic } from './cluster-dir.js';
import { type Started, startChild, startCommand, stopChild } from './processes.js';
import { respCall } from './resp-call.js';

export interface UpOptions {
  readonly dir: string;
  readonly nodes: number;
  readonly strategy: string;
  /** Port of the first node; nodes take consecutive ports. */
  readonly port: number;
  /** Port of the metadata service (default: the first node's port − 1). */
  readonly metaPort?: number;
  /**
   * The metadata service: `embedded` (default: `shardkit meta`), `zookeeper`
   * (start Debian's ZooKeeper on metaPort, data in <dir>/meta), `etcd` (start
   * Debian's etcd on metaPort, its unused peer URL on `etcdPeerPort(metaPort)`,
   * data in <dir>/meta), or the
   * address of a running one (`zk://host:port[/path]`, `etcd://host:port`,
   * `http://host:port`), which `up` only connects to.
   */
  readonly meta?: string;
  readonly host?: string;
  readonly name?: string;
  readonly fsync?: 'always' | 'interval' | 'never';
  readonly forward?: boolean;
  /** How long to wait for every process to serve, ms. Default 60000. */
  readonly readyTimeoutMs?: number;
}

/** A cluster `up` started. */
export interface UpResult {
  readonly topology: ClusterTopology;
  readonly map: ClusterMap;
  /** `meta` first (unless the service was already running elsewhere), then the nodes in map order. */
  readonly started: readonly Started[];
  /** True when the directory held a stopped cluster that was restarted as it was. */
  readonly restarted: boolean;
}

/** Most nodes `up` starts on one machine. */
export const UP_NODES_MAX = 64;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function portFree(host: string, port: number): Promise<boolean> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function tail(dir: string, name: string): string {
  try {
    return fs.readFileSync(paths.log(dir, name), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Wait until `ready()` resolves true; fail when the child exits first or time runs out. */
async function waitReady(dir: string, s: Started, what: string, ready: () => Promise<boolean>, deadline: number): Promise<void> {
  let exited: string | undefined;
  void s.exited.then((how) => (exited = how));
  for (;;) {
    if (exited !== undefined) throw new StateError(`${s.rec.name} exited (${exited}) before ${what}; its log (${paths.log(dir, s.rec.name)}) ends:\n${tail(dir, s.rec.name)}`, { code: 'START_FAILED' });
    if (await ready().catch(() => false)) return;
    if (performance.now() > deadline) throw new StateError(`${s.rec.name} did not ${what} in time; its log (${paths.log(dir, s.rec.name)}) ends:\n${tail(dir, s.rec.name)}`, { code: 'START_FAILED', retriable: true });
    await sleep(100);
  }
}

/** What `--meta` asks for. */
export type MetaKind = 'embedded' | 'zookeeper' | 'etcd' | 'external';

/** The peer port of the etcd `up --meta etcd` starts: the client port + 10000 (− 10000 when that is out of range). */
export function etcdPeerPort(metaPort: number): number {
  return metaPort + 10000 <= 65535 ? metaPort + 10000 : metaPort - 10000;
}

/** The kind of `--meta`; InvalidArgumentError for anything else (an address is checked by connectMeta). */
export function metaKind(meta: string): MetaKind {
  if (meta === 'embedded' || meta === 'zookeeper' || meta === 'etcd') return meta;
  if (/^(zk|etcd|http):\/\//.test(meta)) {
    void connectMeta(meta).close();
    return 'external';
  }
  throw new InvalidArgumentError('--meta', meta, 'embedded, zookeeper or etcd (start Debian\'s ZooKeeper or etcd), or the address of a running service: zk://host:port[/path], etcd://host:port, http://host:port');
}

function validate(o: UpOptions): Required<Omit<UpOptions, 'forward'>> & { forward: boolean; kind: MetaKind } {
  requireInt('--nodes', o.nodes, 1, UP_NODES_MAX);
  requireInt('--port', o.port, 1, 65535 - o.nodes + 1);
  const metaPort = requireInt('--meta-port', o.metaPort ?? o.port - 1, 1, 65535);
  if (metaPort >= o.port && metaPort < o.port + o.nodes) throw new InvalidArgumentError('--meta-port', metaPort, `a port outside the nodes' ${o.port} … ${o.port + o.nodes - 1}`);
  strategyInfo(o.strategy);
  const meta = o.meta ?? 'embedded';
  const kind = metaKind(meta);
  const name = o.name ?? 'default';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new InvalidArgumentError('--name', name, 'letters, digits, _ . - (1 to 64)');
  return { dir: o.dir, nodes: o.nodes, strategy: o.strategy, port: o.port, metaPort, meta, kind, host: o.host ?? '127.0.0.1', name, fsync: o.fsync ?? 'always', forward: o.forward === true, readyTimeoutMs: o.readyTimeoutMs ?? 60_000 };
}

/** Refuse a directory whose cluster runs; clear pid files of processes that are gone. */
function checkNotRunning(dir: string): void {
  const { records } = readPids(dir);
  const live = records.filter(stillOurs);
  if (live.length > 0) {
    throw new StateError(`a cluster is already running in ${dir} (${live.map((r) => `${r.name} pid ${r.pid}`).join(', ')}); see \`shardkit cluster status --dir ${dir}\`, stop it with \`shardkit cluster down --dir ${dir}\``, { code: 'CLUSTER_RUNNING' });
  }
  for (const r of records) removePid(dir, r.name);
}

/** The topology for these options, or the one already in `dir` (which must match them). */
function topologyFor(o: ReturnType<typeof validate>): { topology: ClusterTopology; restarted: boolean } {
  const nodes = Array.from({ length: o.nodes }, (_, i) => ({ id: `n${i + 1}`, host: o.host, port: o.port + i }));
  const fresh: ClusterTopology = { format: 1, name: o.name, strategy: o.strategy, meta: metaTopology(o), nodes };
  const existing = readTopology(o.dir);
  if (existing === undefined) return { topology: fresh, restarted: false };
  const same = JSON.stringify(existing) === JSON.stringify(fresh);
  if (!same) {
    const had = `${existing.nodes.length} node(s), ${existing.strategy}, ports ${existing.nodes[0]?.port}…, meta ${existing.meta.port}`;
    throw new InvalidArgumentError('cluster options', `${o.nodes} node(s), ${o.strategy}, port ${o.port}, meta ${o.metaPort}`, `those of the stopped cluster in ${o.dir} (${had}): up restarts it as it was; use a new --dir for another cluster`);
  }
  return { topology: existing, restarted: true };
}

/** Where the metadata service is, as cluster.json records it. */
function metaTopology(o: ReturnType<typeof validate>): ClusterTopology['meta'] {
  if (o.kind === 'embedded') return { host: o.host, port: o.metaPort, url: `http://${o.host}:${o.metaPort}` };
  if (o.kind === 'zookeeper') return { host: o.host, port: o.metaPort, url: `zk://${o.host}:${o.metaPort}/shardkit`, kind: 'zookeeper' };
  if (o.kind === 'etcd') return { host: o.host, port: o.metaPort, url: `etcd://${o.host}:${o.metaPort}`, kind: 'etcd' };
  const first = /^[a-z]+:\/\/([^,/]+)/.exec(o.meta)?.[1] ?? '';
  const colon = first.lastIndexOf(':');
  return { host: first.slice(0, colon), port: Number(first.slice(colon + 1)), url: o.meta, kind: 'external' };
}

/** Write the initial map by compare-and-set (or read the one there, which must name the same nodes). */
async function ensureMap(meta: MetaStore, o: ReturnType<typeof validate>, topology: ClusterTopology): Promise<ClusterMap> {
  const key = `${clusterPrefix(o.name)}${META_KEYS.map}`;
  const wanted = initialMap(o.strategy, {}, topology.nodes.map((n) => ({ id: n.id, weight: 1, host: n.host, port: n.port })));
  for (let attempt = 0; attempt < 3; attempt++) {
    const cur = await meta.get(key);
    if (cur === undefined) {
      if ((await meta.put(key, encodeMap(wanted), { ifModRevision: 0 })).ok) return wanted;
      continue; // written meanwhile: read it
    }
    const map = decodeMap(cur.value);
    const nodesOf = (m: ClusterMap): string => JSON.stringify(m.nodes.map((n) => [n.id, n.host, n.port]));
    if (map.strategy !== o.strategy || nodesOf(map) !== nodesOf(wanted)) {
      throw new StateError(`the metadata service's map (epoch ${map.epoch}, ${map.strategy}, nodes ${map.nodes.map((n) => `${n.id}@${n.port}`).join(' ')}) is not this cluster's; use a new --dir`, { code: 'MAP_MISMATCH' });
    }
    return map;
  }
  throw new StateError(`the map under ${key} kept changing while cluster up wrote it`, { code: 'MAP_CONFLICT', retriable: true });
}

/** Start the cluster. Rejects (typed) on bad options, a running cluster, a busy port, or a process that does not serve. */
export async function clusterUp(options: UpOptions): Promise<UpResult> {
  const o = validate(options);
  fs.mkdirSync(o.dir, { recursive: true });
  checkNotRunning(o.dir);
  const { topology, restarted } = topologyFor(o);
  for (const port of [...(o.kind === 'external' ? [] : [o.metaPort]), ...(o.kind === 'etcd' ? [etcdPeerPort(o.metaPort)] : []), ...topology.nodes.map((n) => n.port)]) {
    if (!(await portFree(o.host, port))) throw new StateError(`port ${o.host}:${port} is in use; choose others with --port (nodes) and --meta-port`, { code: 'PORT_IN_USE', retriable: true });
  }
  writeFileAtomic(paths.topology(o.dir), JSON.stringify(topology, null, 2));
  const started: Started[] = [];
  const deadline = performance.now() + o.readyTimeoutMs;
  const meta = connectMeta(topology.meta.url, { retryBudgetMs: 1000, requestTimeoutMs: 2000 });
  try {
    if (o.kind === 'embedded') {
      const m = startChild(o.dir, 'meta', ['meta', '--port', String(o.metaPort), '--host', o.host, '--data', paths.metaData(o.dir)]);
      started.push(m);
      await waitReady(o.dir, m, 'serving the metadata service', async () => (await (meta as HttpMetaStore).status()).pid === m.rec.pid, deadline);
    } else if (o.kind === 'zookeeper') {
      // Debian's ZooKeeper, standalone; tick 200 ms: sessions (node leases) of 0.4 s to 40 s.
      const zk = zooKeeperCommand({ dir: paths.metaData(o.dir), dataDir: join(paths.metaData(o.dir), 'data'), port: o.metaPort, host: o.host, tickMs: 200 });
      const m = startCommand(o.dir, 'meta', zk.file, zk.args);
      started.push(m);
      await waitReady(o.dir, m, 'answering ruok', () => zooKeeperServes(o.metaPort, o.host), deadline);
      await waitReady(o.dir, m, 'serving ZooKeeper', async () => (await meta.list(META_KEYS.map), true), deadline);
    } else if (o.kind === 'etcd') {
      // Debian's etcd, one member; its data survives `down`, so `up` after `down` restarts the same cluster.
      const etcd = etcdCommand({ dataDir: join(paths.metaData(o.dir), 'data'), port: o.metaPort, peerPort: etcdPeerPort(o.metaPort), host: o.host });
      fs.mkdirSync(paths.metaData(o.dir), { recursive: true });
      const m = startCommand(o.dir, 'meta', etcd.file, etcd.args);
      started.push(m);
      await waitReady(o.dir, m, 'serving etcd', async () => (await meta.list(META_KEYS.map), true), deadline);
    } else {
      const since = performance.now();
      for (;;) {
        try {
          await meta.list(META_KEYS.map);
          break;
        } catch (e) {
          if (performance.now() > deadline) throw new StateError(`the metadata service at ${topology.meta.url} did not answer within ${Math.round(performance.now() - since)} ms: ${(e as Error).message}`, { code: 'META_UNAVAILABLE', retriable: true });
          await sleep(200);
        }
      }
    }
    const map = await ensureMap(meta, o, topology);
    writeFileAtomic(paths.map(o.dir), encodeMap(map));
    for (const n of topology.nodes) {
      const args = ['node', '--id', n.id, '--port', String(n.port), '--host', n.host, '--data', paths.nodeData(o.dir, n.id), ...nodeMapArgs(topology), '--fsync', o.fsync];
      if (o.forward) args.push('--forward');
      started.push(startChild(o.dir, n.id, args));
    }
    await Promise.all(started.filter((s) => s.rec.name !== 'meta').map((s, i) => waitReady(o.dir, s, 'answering PING', async () => (await respCall(topology.nodes[i]!.host, topology.nodes[i]!.port, ['PING'])) === 'PONG', deadline)));
    return { topology, map, started, restarted };
  } catch (e) {
    await stopAll(o.dir, started);
    throw e;
  } finally {
    await meta.close();
  }
}

/**
 * How a node gets its map: from the metadata service (`--meta`, under the
 * cluster's prefix), where it also registers itself on a lease. map.json is
 * a copy for people and for `status` when the service is down.
 */
function nodeMapArgs(topology: ClusterTopology): string[] {
  return ['--meta', topology.meta.url, '--cluster', topology.name];
}

/** Stop started processes: nodes first (in parallel), then the metadata service. */
export async function stopAll(dir: string, started: readonly Started[]): Promise<void> {
  const nodes = started.filter((s) => s.rec.name !== 'meta');
  await Promise.all(nodes.map((s) => stopChild(dir, s.rec)));
  for (const s of started.filter((x) => x.rec.name === 'meta')) await stopChild(dir, s.rec);
}
