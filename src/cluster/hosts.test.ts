/**
 * A cluster across separate hosts (issue 15 §3): etcd, three nodes and a
 * router, each in its own network namespace with its own address on a
 * bridge, the test process on the bridge as a client host. Everything that
 * works on loopback works there: the map in etcd names the hosts' addresses,
 * CLUSTER SLOTS gives them to smart clients, and all three ways to route
 * (shardkit's ClusterClient and ioredis Cluster, the router, any-node
 * forwarding) plus `redis-cli -c` read what the others wrote.
 *
 * Then a network partition made with nftables inside one node's namespace
 * cuts it off from etcd (and only from etcd): the node stops accepting writes
 * before its lease expires on the server (fencing), the other nodes serve
 * their partitions throughout, and after the heal the node registers again
 * and accepts writes; every acknowledged write is there afterwards, and the
 * recorded history of reads and writes on shared keys is linearizable.
 */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeySlot } from '../hash/redis-slot.js';
import { mulberry32, randomInt } from '../util/random.js';
import { ClusterClient } from './client/client.js';
import { checkHistory, explain, type HistoryOp } from './history/linearizable.js';
import { encodeMap, initialMap } from './map.js';
import { connectMeta } from './meta/connect.js';
import { META_KEYS, clusterPrefix } from './meta/types.js';
import { respCall } from './ops/resp-call.js';
import { cliBundle, Harness, type Proc, waitUntilServing } from './testing/harness.js';
import { type Host, HostNetwork, netnsUnavailable } from './testing/netns.js';
import { RespClient } from './testing/resp-client.js';

const unavailable = netnsUnavailable();
if (unavailable !== undefined) console.warn(`hosts.test.ts skipped: ${unavailable}`);

const NODE_PORT = 7001;
const ROUTER_PORT = 7000;
const ETCD_PORT = 2379;
/** The nodes' registration lease: writes stop a tenth of it (300 ms) before it could expire. */
const LEASE_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function until(what: string, cond: () => Promise<boolean>, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (!proc.running) throw new Error(`${proc.name} exited while waiting for ${what}\n${proc.logs()}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}\n${proc.logs()}`);
    await sleep(50);
  }
}

describe.skipIf(unavailable !== undefined)('a cluster across network namespaces (one host each for etcd, three nodes and a router)', () => {
  const h = new Harness();
  let hosts: HostNetwork | undefined;
  let etcdHost: Host;
  let routerHost: Host;
  const nodeHosts: Host[] = [];
  const procs = new Map<string, { proc: Proc; host: Host }>();
  let metaUrl = '';

  beforeAll(async () => {
    const network = new HostNetwork();
    hosts = network;
    etcdHost = network.add('etcd');
    for (let i = 1; i <= 3; i++) nodeHosts.push(network.add(`n${i}`));
    routerHost = network.add('router');
    const bundle = await cliBundle();
    const dir = h.tempDir('shardkit-hosts-');

    // etcd on its own host.
    const client = `http://${etcdHost.address}:${ETCD_PORT}`;
    const peer = `http://${etcdHost.address}:2380`;
    const etcdArgs = ['--name', 'default', '--data-dir', path.join(dir, 'etcd'), '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `default=${peer}`, '--heartbeat-interval', '100', '--election-timeout', '600', '--log-level', 'warn'];
    const e = network.exec(etcdHost, '/usr/bin/etcd', etcdArgs);
    const etcd = h.spawn('etcd', e.command, e.args);
    procs.set('etcd', { proc: etcd, host: etcdHost });
    await until('etcd to listen', () => canConnect(etcdHost.address, ETCD_PORT), etcd);
    metaUrl = `etcd://${etcdHost.address}:${ETCD_PORT}`;

    // The initial map, naming every node by its host's address, written from the client host.
    const map = initialMap('redis-slots', {}, nodeHosts.map((host, i) => ({ id: `n${i + 1}`, weight: 1, host: host.address, port: NODE_PORT })));
    const meta = connectMeta(metaUrl);
    try {
      const w = await meta.put(`${clusterPrefix('default')}${META_KEYS.map}`, encodeMap(map), { ifModRevision: 0 });
      expect(w.ok).toBe(true);
    } finally {
      await meta.close();
    }

    for (const [i, host] of nodeHosts.entries()) {
      const id = `n${i + 1}`;
      const c = network.exec(host, process.execPath, [bundle, 'node', '--id', id, '--host', host.address, '--port', String(NODE_PORT), '--data', path.join(dir, id), '--meta', metaUrl, '--fsync', 'always', '--forward', '--lease-ms', String(LEASE_MS)]);
      procs.set(id, { proc: h.spawn(`shardkit node ${id}`, c.command, c.args), host });
    }
    const r = network.exec(routerHost, process.execPath, [bundle, 'router', '--host', routerHost.address, '--port', String(ROUTER_PORT), '--meta', metaUrl]);
    procs.set('router', { proc: h.spawn('shardkit router', r.command, r.args), host: routerHost });
    for (const [name, { proc, host }] of procs) {
      if (name === 'etcd') continue;
      const port = name === 'router' ? ROUTER_PORT : NODE_PORT;
      await waitUntilServing(port, 30_000, proc, host.address);
    }
  }, 120_000);

  afterAll(async () => {
    await h.stopAll();
    hosts?.close();
  });

  it('every process runs in its own namespace, reached at its own host address', async () => {
    for (const { proc, host } of procs.values()) expect(HostNetwork.netnsOf(proc.pid), proc.name).toBe(host.netns);
    expect(new Set([...procs.values()].map((p) => p.host.address)).size).toBe(procs.size);
    for (const host of nodeHosts) expect(await canConnect(host.address, NODE_PORT), host.name).toBe(true);
  });

  it('CLUSTER SLOTS gives smart clients the hosts addresses from the map kept in etcd', async () => {
    const c = await RespClient.connect(NODE_PORT, nodeHosts[0]?.address);
    try {
      const slots = (await c.call('CLUSTER', 'SLOTS')) as unknown[][];
      const addresses = new Set(slots.map((s) => String((s[2] as unknown[])[0])));
      expect([...addresses].sort()).toEqual(nodeHosts.map((x) => x.address).sort());
      const covered = slots.reduce((n, s) => n + Number(s[1]) - Number(s[0]) + 1, 0);
      expect(covered).toBe(16384);
    } finally {
      c.close();
    }
  });

  it('all three routing styles and redis-cli -c across hosts read what the others wrote', async () => {
    const keys = Array.from({ length: 300 }, (_x, i) => `user:${i}`);
    // Partition-aware: shardkit's client loads the map from etcd and writes the first third.
    const ours = await ClusterClient.connect({ meta: metaUrl });
    const smart = new Cluster([{ host: nodeHosts[0]?.address as string, port: NODE_PORT }], { enableReadyCheck: true });
    const viaRouter = new Redis({ host: routerHost.address, port: ROUTER_PORT, maxRetriesPerRequest: 0 });
    const viaNode = new Redis({ host: nodeHosts[1]?.address as string, port: NODE_PORT, maxRetriesPerRequest: 0 });
    try {
      for (const k of keys.slice(0, 100)) await ours.set(k, `ours-${k}`);
      // ioredis Cluster (slots from CLUSTER SLOTS, so the hosts' addresses) writes the second third.
      for (const k of keys.slice(100, 200)) expect(await smart.set(k, `smart-${k}`)).toBe('OK');
      // The router writes the last third in one cross-slot MSET, split per owner.
      expect(await viaRouter.mset(...keys.slice(200).flatMap((k) => [k, `router-${k}`]))).toBe('OK');
      const want = keys.map((k, i) => (i < 100 ? `ours-${k}` : i < 200 ? `smart-${k}` : `router-${k}`));

      expect((await ours.mget(keys)).map((b) => b?.toString())).toEqual(want);
      expect(await Promise.all(keys.map((k) => smart.get(k)))).toEqual(want);
      expect(await viaRouter.mget(...keys)).toEqual(want);
      // Any-node forwarding: one node answers for every key, forwarding to the owners on the other hosts.
      expect(await Promise.all(keys.map((k) => viaNode.get(k)))).toEqual(want);
      const info = await viaNode.info('shardkit');
      expect(Number(/^forwarded_out:(\d+)/m.exec(info)?.[1])).toBeGreaterThan(150);

      // redis-cli -c follows MOVED to the other hosts.
      for (const i of [0, 150, 250]) {
        const out = await new Promise<string>((resolve, reject) =>
          execFile('redis-cli', ['-c', '-h', nodeHosts[2]?.address as string, '-p', String(NODE_PORT), 'GET', keys[i] as string], (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
        );
        expect(out).toBe(want[i]);
      }
    } finally {
      await ours.close();
      smart.disconnect();
      viaRouter.disconnect();
      viaNode.disconnect();
    }
  });

  it('the members registered in etcd from their hosts, by their own addresses', async () => {
    const meta = connectMeta(metaUrl);
    try {
      const listed = await meta.list(`${clusterPrefix('default')}${META_KEYS.membersPrefix}`);
      const members = listed.kvs.map((kv) => JSON.parse(new TextDecoder().decode(kv.value)) as { id: string; host: string });
      expect(members.map((m) => `${m.id}@${m.host}`).sort()).toEqual(nodeHosts.map((x, i) => `n${i + 1}@${x.address}`).sort());
    } finally {
      await meta.close();
    }
  });

  it('a node cut off from etcd stops accepting writes before its lease expires there, the rest keep serving, and after the heal it rejoins; nothing acknowledged is lost', async () => {
    const isolated = nodeHosts[2] as Host;
    const memberKey = `${clusterPrefix('default')}${META_KEYS.membersPrefix}n3`;
    // n3 owns slots 10923-16383 (redis-cli's initial layout for three masters).
    const ownerOf = (key: string): string => (redisKeySlot(key) >= 10923 ? 'n3' : 'others');
    const client = await ClusterClient.connect({ meta: metaUrl });
    const meta = connectMeta(metaUrl);
    const acked = new Map<string, string>();
    const events: { key: string; owner: string; at: number; ok: boolean; error?: string }[] = [];
    let stop = false;
    let seq = 0;
    // Besides the writes of unique keys, a recorded history of reads and writes over 40 shared keys, checked for linearizability.
    const history: HistoryOp[] = [];
    const random = mulberry32(15);
    const shared = Array.from({ length: 40 }, (_x, i) => `h:${i}`);
    const writer = async (worker: number): Promise<void> => {
      let n = 0;
      while (!stop) {
        const key = `w:${seq++}`;
        const value = `v-${key}`;
        try {
          await client.set(key, value);
          acked.set(key, value);
          events.push({ key, owner: ownerOf(key), at: performance.now(), ok: true });
        } catch (e) {
          events.push({ key, owner: ownerOf(key), at: performance.now(), ok: false, error: (e as Error).message });
          await sleep(5);
        }
        const hk = shared[randomInt(random, shared.length)] as string;
        const invokedAt = performance.now();
        if (randomInt(random, 2) === 0) {
          const v = `c${worker}-${n++}`;
          try {
            await client.set(hk, v);
            history.push({ key: hk, kind: 'set', value: v, invokedAt, returnedAt: performance.now(), client: worker });
          } catch (e) {
            // CLUSTERDOWN: refused, certainly not applied. Anything else: the outcome is unknown.
            if (!(e as Error).message.includes('CLUSTERDOWN')) history.push({ key: hk, kind: 'set', value: v, invokedAt, client: worker });
          }
        } else {
          try {
            const got = await client.get(hk);
            history.push({ key: hk, kind: 'get', result: got === null ? null : got.toString(), invokedAt, returnedAt: performance.now(), client: worker });
          } catch {
            // a read that failed constrains nothing
          }
        }
      }
    };
    const nft = (...args: string[]): Promise<void> =>
      new Promise((resolve, reject) => execFile('ip', ['netns', 'exec', isolated.netns, 'nft', ...args], (err, _o, stderr) => (err ? reject(new Error(`nft ${args.join(' ')}: ${stderr}`)) : resolve())));
    const writers = Array.from({ length: 8 }, (_x, i) => writer(i));
    let healedAt = Number.POSITIVE_INFINITY;
    try {
      await sleep(500);
      expect(events.filter((e) => !e.ok)).toEqual([]);
      const cutAt = performance.now();
      await nft('add', 'table', 'inet', 'skcut');
      await nft('add', 'chain', 'inet', 'skcut', 'out', '{ type filter hook output priority 0; }');
      await nft('add', 'chain', 'inet', 'skcut', 'in', '{ type filter hook input priority 0; }');
      await nft('add', 'rule', 'inet', 'skcut', 'out', 'ip', 'daddr', etcdHost.address, 'drop');
      await nft('add', 'rule', 'inet', 'skcut', 'in', 'ip', 'saddr', etcdHost.address, 'drop');
      // Watch the lease expire on the server, from the client host.
      let goneAt = Number.NaN;
      while (performance.now() - cutAt < 15_000) {
        if ((await meta.get(memberKey)) === undefined) {
          goneAt = performance.now();
          break;
        }
        await sleep(25);
      }
      expect(goneAt, 'the isolated node\'s lease never expired in etcd').not.toBeNaN();
      await sleep(1000);

      const refused = events.filter((e) => e.owner === 'n3' && !e.ok);
      expect(refused.length, 'writes to the isolated node were never refused').toBeGreaterThan(0);
      expect(refused.every((e) => e.error?.includes('CLUSTERDOWN')), refused.map((e) => e.error).join('; ')).toBe(true);
      const fencedAt = Math.min(...refused.map((e) => e.at));
      // Fencing came before the server could expire the lease (the poll sees the expiry at most 25 ms late).
      expect(fencedAt, `first refusal ${Math.round(fencedAt - cutAt)} ms after the cut, lease gone from etcd ${Math.round(goneAt - cutAt)} ms after`).toBeLessThan(goneAt - 50);
      // Once fenced, the isolated node acknowledged nothing more while cut off.
      expect(events.filter((e) => e.owner === 'n3' && e.ok && e.at > fencedAt)).toEqual([]);
      // The other nodes served their partitions throughout.
      expect(events.filter((e) => e.owner === 'others' && !e.ok)).toEqual([]);
      expect(events.filter((e) => e.owner === 'others' && e.ok && e.at > goneAt).length).toBeGreaterThan(0);

      await nft('delete', 'table', 'inet', 'skcut');
      healedAt = performance.now();
      while (performance.now() - healedAt < 20_000) {
        if (events.some((e) => e.owner === 'n3' && e.ok && e.at > healedAt) && (await meta.get(memberKey)) !== undefined) break;
        await sleep(50);
      }
      expect(events.some((e) => e.owner === 'n3' && e.ok && e.at > healedAt), 'the isolated node never accepted writes again after the heal').toBe(true);
      expect(await meta.get(memberKey), 'the isolated node did not register again').toBeDefined();
    } finally {
      stop = true;
      await Promise.all(writers);
      await nft('delete', 'table', 'inet', 'skcut').catch(() => undefined);
    }
    try {
      const keys = [...acked.keys()];
      const values = await client.mget(keys);
      const lost = keys.filter((k, i) => values[i]?.toString() !== acked.get(k));
      expect(lost, `${lost.length} of ${keys.length} acknowledged writes are missing or different`).toEqual([]);
      // Final reads of the shared keys close the history; the whole of it must be linearizable.
      for (const hk of shared) {
        const invokedAt = performance.now();
        const got = await client.get(hk);
        history.push({ key: hk, kind: 'get', result: got === null ? null : got.toString(), invokedAt, returnedAt: performance.now(), client: 'final' });
      }
      const verdict = checkHistory(history);
      expect(verdict.result, verdict.failing === undefined ? '' : explain(history, verdict.failing)).toBe('linearizable');
      expect(history.filter((op) => op.kind === 'set' && op.returnedAt !== undefined).length).toBeGreaterThan(20);
      const info = await infoOf(isolated.address, NODE_PORT);
      expect(info).toMatch(/^fenced:0/m);
      expect(Number(/^fenced_writes:(\d+)/m.exec(info)?.[1])).toBeGreaterThan(0);
    } finally {
      await client.close();
      await meta.close();
    }
  }, 90_000);
});

async function infoOf(host: string, port: number): Promise<string> {
  return String(await respCall(host, port, ['INFO', 'shardkit']));
}
