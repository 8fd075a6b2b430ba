/**
 * `cluster status` and `cluster down` over a cluster directory
 * (./cluster-dir.ts). Status asks each process itself: the metadata service
 * for its revision and the map's epoch, each node for PING and DBSIZE over
 * RESP; the pid files say which process `up` started. Down stops only
 * processes whose pid, start time and command line are still the ones `up`
 * recorded.
 */
import * as fs from 'node:fs';
import { StateError } from '../../errors.js';
import { type ClusterMap, decodeMap } from '../map.js';
import { connectMeta } from '../meta/connect.js';
import { META_KEYS, clusterPrefix } from '../meta/types.js';
import { type PidRecord, paths, readPids, readTopology, stillOurs } from './cluster-dir.js';
import { stopChild } from './processes.js';
import { respCall } from './resp-call.js';

/** One node as status reports it. */
export interface NodeStatus {
  readonly id: string;
  readonly address: string;
  readonly pid: number | null;
  /** The process `up` started is still running. */
  readonly running: boolean;
  /** It answered PING. */
  readonly alive: boolean;
  /** It is registered in the metadata service (`members/<id>`, on its lease); null when the service is down. */
  readonly registered: boolean | null;
  /** Partitions it owns in the map (partitioned strategies), as ranges and a count. */
  readonly partitions: { readonly ranges: string; readonly count: number } | null;
  /** DBSIZE, when it answered. */
  readonly keys: number | null;
  readonly error?: string;
}

export interface ClusterStatus {
  readonly dir: string;
  readonly name: string;
  readonly strategy: string;
  readonly epoch: number | null;
  readonly meta: { readonly url: string; readonly pid: number | null; readonly running: boolean; readonly alive: boolean; readonly revision: number | null; readonly error?: string };
  readonly nodes: readonly NodeStatus[];
}

function ownedBy(map: ClusterMap | undefined, index: number): NodeStatus['partitions'] {
  if (map?.owners === undefined) return null;
  const mine = map.owners.filter((r) => r.node === index);
  return { ranges: mine.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`)).join(',') || '-', count: mine.reduce((s, r) => s + r.last - r.first + 1, 0) };
}

function noCluster(dir: string): StateError {
  return new StateError(`no cluster in ${dir} (no ${paths.topology(dir)}); start one with \`shardkit cluster up --dir ${dir}\``, { code: 'NO_CLUSTER' });
}

/** The status of the cluster in `dir`. Never throws for a process that is down: it reports it. */
export async function clusterStatus(dir: string): Promise<ClusterStatus> {
  const topology = readTopology(dir);
  if (topology === undefined) throw noCluster(dir);
  const pids = new Map(readPids(dir).records.map((r): [string, PidRecord] => [r.name, r]));
  const proc = (name: string): { pid: number | null; running: boolean } => {
    const r = pids.get(name);
    return { pid: r?.pid ?? null, running: r !== undefined && stillOurs(r) };
  };
  const client = connectMeta(topology.meta.url, { retryBudgetMs: 0, requestTimeoutMs: 1500 });
  let map: ClusterMap | undefined;
  let revision: number | null = null;
  let metaError: string | undefined;
  let members: Set<string> | undefined;
  try {
    const prefix = `${clusterPrefix(topology.name)}${META_KEYS.membersPrefix}`;
    const listed = await client.list(prefix);
    revision = listed.revision;
    members = new Set(listed.kvs.map((kv) => kv.key.slice(prefix.length)));
    const kv = await client.get(`${clusterPrefix(topology.name)}${META_KEYS.map}`);
    if (kv !== undefined) map = decodeMap(kv.value);
  } catch (e) {
    metaError = (e as Error).message;
  } finally {
    await client.close();
  }
  const fromFile = map === undefined && fs.existsSync(paths.map(dir)) ? decodeMap(fs.readFileSync(paths.map(dir))) : undefined;
  const nodes = await Promise.all(
    topology.nodes.map(async (n, i): Promise<NodeStatus> => {
      const base = { id: n.id, address: `${n.host}:${n.port}`, ...proc(n.id), registered: members === undefined ? null : members.has(n.id), partitions: ownedBy(map ?? fromFile, i) };
      try {
        const pong = await respCall(n.host, n.port, ['PING']);
        const keys = await respCall(n.host, n.port, ['DBSIZE']);
        return { ...base, alive: pong === 'PONG', keys: typeof keys === 'number' ? keys : null };
      } catch (e) {
        return { ...base, alive: false, keys: null, error: (e as Error).message };
      }
    }),
  );
  return {
    dir,
    name: topology.name,
    strategy: topology.strategy,
    epoch: map?.epoch ?? null,
    meta: { url: topology.meta.url, ...proc('meta'), alive: revision !== null, revision, ...(metaError === undefined ? {} : { error: metaError }) },
    nodes,
  };
}

/** The status as the lines `cluster status` prints. */
export function formatStatus(s: ClusterStatus): string {
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  const rows = [['NODE', 'ADDRESS', 'PID', 'ALIVE', 'MEMBER', 'KEYS', 'PARTITIONS', 'SLOTS']];
  for (const n of s.nodes) rows.push([n.id, n.address, n.pid === null ? '-' : String(n.pid), yes(n.alive), n.registered === null ? '?' : yes(n.registered), n.keys === null ? '-' : String(n.keys), n.partitions === null ? '-' : String(n.partitions.count), n.partitions?.ranges ?? '-']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  const meta = s.meta.alive ? `meta ${s.meta.url} pid ${s.meta.pid ?? '-'} alive, revision ${s.meta.revision}` : `meta ${s.meta.url} NOT answering (${s.meta.error ?? 'down'})`;
  const epoch = s.epoch === null ? 'epoch unknown (metadata service down)' : `epoch ${s.epoch}`;
  return [`cluster ${s.name} in ${s.dir}: ${s.strategy}, ${epoch}`, meta, ...table].join('\n');
}

/** What `down` did to each process. */
export interface DownResult {
  readonly processes: readonly { readonly name: string; readonly pid: number; readonly outcome: string }[];
}

/** Stop every process `up` started in `dir` (nodes first, then the metadata service), only those still ours. */
export async function clusterDown(dir: string, graceMs = 10_000): Promise<DownResult> {
  if (readTopology(dir) === undefined) throw noCluster(dir);
  const { records } = readPids(dir);
  const nodes = records.filter((r) => r.name !== 'meta');
  const out = await Promise.all(nodes.map(async (r) => ({ name: r.name, pid: r.pid, outcome: await stopChild(dir, r, graceMs) })));
  for (const r of records.filter((x) => x.name === 'meta')) out.push({ name: r.name, pid: r.pid, outcome: await stopChild(dir, r, graceMs) });
  return { processes: out };
}
