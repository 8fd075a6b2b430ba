import * as fs from 'node:fs';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../../errors.js';
import { decodeMap } from '../map.js';
import { connectMeta } from '../meta/connect.js';
import { startZooKeeper } from '../meta/external.js';
import { HttpMetaStore } from '../meta/http/client.js';
import { Harness, cliBundle, freePorts, run } from '../testing/harness.js';
import { isSameProcess, processExists } from '../process-identity.js';
import { paths, readPids } from './cluster-dir.js';
import { stopChild } from './processes.js';
import { respCall } from './resp-call.js';
import { clusterDown, clusterStatus, formatStatus } from './status.js';
import { clusterUp } from './up.js';

const harness = new Harness();
const dirs: string[] = [];
let savedCli: string | undefined;

beforeAll(async () => {
  savedCli = process.env.SHARDKIT_CLI;
  process.env.SHARDKIT_CLI = await cliBundle(); // children start from the bundle: milliseconds, not seconds
});
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  for (const d of dirs.splice(0)) await clusterDown(d, 3000).catch(() => undefined);
  await harness.stopAll();
});
afterAll(() => {
  if (savedCli === undefined) delete process.env.SHARDKIT_CLI;
  else process.env.SHARDKIT_CLI = savedCli;
});

/** A free run of `n` consecutive loopback ports. */
async function freeRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [base] = await freePorts(1);
    const ok = await Promise.all(Array.from({ length: n }, (_, i) => new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen((base as number) + i, '127.0.0.1', () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean) && (base as number) + n < 65535) return base as number;
  }
  throw new Error('no free run of ports');
}

function clusterDir(): string {
  const d = harness.tempDir('shardkit-up-');
  dirs.push(d);
  return d;
}

describe('shardkit cluster up | status | down (real processes)', () => {
  it('up writes map epoch 1 by CAS, starts meta and 3 nodes that serve; status counts keys; a second up refuses; down stops exactly them; up again restarts with the data', async () => {
    const dir = clusterDir();
    const base = await freeRun(4);
    const r = await clusterUp({ dir, nodes: 3, strategy: 'redis-slots', port: base + 1, metaPort: base });
    expect(r.map.epoch).toBe(1);
    expect(r.started.map((s) => s.rec.name)).toEqual(['meta', 'n1', 'n2', 'n3']);
    const meta = new HttpMetaStore(r.topology.meta.url);
    const stored = await meta.get('/shardkit/default/map');
    expect(stored?.createRevision, 'the map is the first write: it existed before any node').toBe(1);
    expect(decodeMap(stored!.value)).toEqual(r.map);
    await meta.close();
    for (const n of r.topology.nodes) expect(await respCall(n.host, n.port, ['PING'])).toBe('PONG');
    // Real client, following MOVED: foo is in slot 12182 (n3), hello in 866 (n1).
    await run('redis-cli', ['-c', '-p', String(base + 1), 'SET', 'foo', 'bar']);
    await run('redis-cli', ['-c', '-p', String(base + 1), 'SET', 'hello', 'world']);
    let s = await clusterStatus(dir);
    for (let i = 0; i < 100 && s.nodes.some((n) => n.registered !== true); i++) {
      await new Promise((r) => setTimeout(r, 50)); // nodes register on their lease right after they serve
      s = await clusterStatus(dir);
    }
    expect(s.epoch).toBe(1);
    expect(s.meta.alive).toBe(true);
    expect(s.nodes.map((n) => [n.id, n.alive, n.registered, n.keys, n.partitions?.count])).toEqual([
      ['n1', true, true, 1, 5461],
      ['n2', true, true, 0, 5462],
      ['n3', true, true, 1, 5461],
    ]);
    expect(formatStatus(s)).toMatch(/n3\s+127\.0\.0\.1:\d+\s+\d+\s+yes\s+yes\s+1\s+5461\s+10923-16383/);
    const second = await clusterUp({ dir, nodes: 3, strategy: 'redis-slots', port: base + 1, metaPort: base }).then(() => undefined, (e: unknown) => e);
    expect(second).toBeInstanceOf(StateError);
    expect(second).toMatchObject({ code: 'CLUSTER_RUNNING' });
    const pids = r.started.map((x) => x.rec);
    const down = await clusterDown(dir);
    expect(down.processes.map((p) => `${p.name} ${p.outcome}`)).toEqual(['n1 stopped', 'n2 stopped', 'n3 stopped', 'meta stopped']);
    for (const p of pids) expect(isSameProcess(p.pid, p.startTime), `${p.name} still runs`).toBe(false);
    expect(readPids(dir).records).toEqual([]);
    const again = await clusterUp({ dir, nodes: 3, strategy: 'redis-slots', port: base + 1, metaPort: base });
    expect(again.restarted).toBe(true);
    expect(again.map.epoch).toBe(1);
    const { stdout } = await run('redis-cli', ['-c', '-p', String(base + 1), 'GET', 'foo']);
    expect(stdout.trim()).toBe('bar');
    await clusterDown(dir);
  }, 120_000);

  const servers = [
    { kind: 'zookeeper', url: (port: number) => `zk://127.0.0.1:${port}/shardkit`, argv: 'org.apache.zookeeper.server.ZooKeeperServerMain', firstRevision: 1 },
    { kind: 'etcd', url: (port: number) => `etcd://127.0.0.1:${port}`, argv: '/usr/bin/etcd', firstRevision: 2 /* an empty etcd is at revision 1 */ },
  ] as const;
  it.each(servers)('up --meta $kind starts the Debian package\'s server as the metadata service: the map is written there by CAS, nodes register on their leases, status reads it, down stops it last, up again restarts with the data', async ({ kind, url, argv, firstRevision }) => {
    const dir = clusterDir();
    const base = await freeRun(3);
    const r = await clusterUp({ dir, nodes: 2, strategy: 'redis-slots', port: base + 1, metaPort: base, meta: kind });
    expect(r.topology.meta).toEqual({ host: '127.0.0.1', port: base, url: url(base), kind });
    expect(r.started.map((s) => s.rec.name)).toEqual(['meta', 'n1', 'n2']);
    expect(r.started[0]!.rec.argv).toContain(argv);
    const zk = connectMeta(r.topology.meta.url);
    try {
      const stored = await zk.get('/shardkit/default/map');
      expect(stored?.createRevision, 'the map is the first write').toBe(firstRevision);
      expect(decodeMap(stored!.value)).toEqual(r.map);
    } finally {
      await zk.close();
    }
    await run('redis-cli', ['-c', '-p', String(base + 1), 'SET', 'foo', 'bar']);
    let s = await clusterStatus(dir);
    for (let i = 0; i < 100 && s.nodes.some((n) => n.registered !== true); i++) {
      await new Promise((res) => setTimeout(res, 50));
      s = await clusterStatus(dir);
    }
    expect(s.meta.alive, s.meta.error).toBe(true);
    expect(s.epoch).toBe(1);
    expect(s.nodes.map((n) => [n.id, n.alive, n.registered])).toEqual([['n1', true, true], ['n2', true, true]]);
    const pids = r.started.map((x) => x.rec);
    const down = await clusterDown(dir);
    expect(down.processes.map((p) => `${p.name} ${p.outcome}`)).toEqual(['n1 stopped', 'n2 stopped', 'meta stopped']);
    for (const p of pids) expect(isSameProcess(p.pid, p.startTime), `${p.name} still runs`).toBe(false);
    // The server kept the map on disk: up again restarts the same cluster with its data.
    const again = await clusterUp({ dir, nodes: 2, strategy: 'redis-slots', port: base + 1, metaPort: base, meta: kind });
    expect(again.restarted).toBe(true);
    const { stdout } = await run('redis-cli', ['-c', '-p', String(base + 1), 'GET', 'foo']);
    expect(stdout.trim()).toBe('bar');
    await clusterDown(dir);
  }, 120_000);

  it('up --meta zk://… connects to a running ZooKeeper and starts only the nodes', async () => {
    const zkServer = await startZooKeeper();
    cleanups.push(() => zkServer.stop());
    const dir = clusterDir();
    const base = await freeRun(1);
    const url = `zk://127.0.0.1:${zkServer.port}/elsewhere`;
    const r = await clusterUp({ dir, nodes: 1, strategy: 'redis-slots', port: base, meta: url });
    expect(r.started.map((s) => s.rec.name)).toEqual(['n1']);
    expect(r.topology.meta).toMatchObject({ url, kind: 'external' });
    const s = await clusterStatus(dir);
    expect(s.meta.alive, s.meta.error).toBe(true);
    expect(s.epoch).toBe(1);
    const down = await clusterDown(dir);
    expect(down.processes.map((p) => `${p.name} ${p.outcome}`)).toEqual(['n1 stopped']);
  }, 120_000);

  it('down leaves alone a process whose pid file no longer matches it (a reused pid)', async () => {
    const dir = clusterDir();
    const base = await freeRun(2);
    await clusterUp({ dir, nodes: 1, strategy: 'redis-slots', port: base + 1, metaPort: base });
    const realNode = readPids(dir).records.find((x) => x.name === 'n1')!;
    // Its pid file is about to be forged: make sure it is stopped even if the test fails.
    cleanups.push(async () => void (await stopChild(dir, realNode, 3000)));
    const stranger = harness.spawn('sleep', 'sleep', ['60']);
    await new Promise((r) => setTimeout(r, 100));
    // n1's pid file now names a process `up` did not start (as if the pid had been reused).
    fs.writeFileSync(paths.pid(dir, 'n1'), JSON.stringify({ name: 'n1', pid: stranger.pid, startTime: 'other', argv: ['sleep', '60'] }));
    const real = readPids(dir).records.find((x) => x.name === 'meta')!;
    const down = await clusterDown(dir);
    expect(down.processes.map((p) => `${p.name} ${p.outcome}`)).toEqual(['n1 not ours', 'meta stopped']);
    expect(processExists(stranger.pid)).toBe(true);
    expect(isSameProcess(real.pid, real.startTime)).toBe(false);
    // The real n1 lost its pid file to the forgery: stop it by its own record (with the
    // metadata service gone its clean stop may outlast the grace period, hence killed).
    expect(['stopped', 'killed']).toContain(await stopChild(dir, realNode, 3000));
    // stopChild reports it stopped once its command line is gone; the kernel may take a moment
    // more to turn it into a zombie or remove it, which isSameProcess waits for.
    for (let i = 0; i < 500 && isSameProcess(realNode.pid, realNode.startTime); i++) await new Promise((r) => setTimeout(r, 10));
    expect(isSameProcess(realNode.pid, realNode.startTime)).toBe(false);
  }, 60_000);

  it('a busy port is reported before anything starts', async () => {
    const dir = clusterDir();
    const base = await freeRun(3);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(base + 2, '127.0.0.1', r));
    try {
      const e = await clusterUp({ dir, nodes: 2, strategy: 'redis-slots', port: base + 1, metaPort: base }).then(() => undefined, (x: unknown) => x);
      expect(e).toMatchObject({ code: 'PORT_IN_USE' });
      expect(readPids(dir).records).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('in the foreground, SIGTERM to `cluster up` stops every child it started, then it exits 0', async () => {
    const dir = clusterDir();
    const base = await freeRun(3);
    const bundle = await cliBundle();
    const up = harness.spawn('cluster up', process.execPath, [bundle, 'cluster', 'up', '--nodes', '2', '--dir', dir, '--port', String(base + 1), '--meta-port', String(base)]);
    for (let i = 0; i < 600 && !up.stdout.includes('Ctrl-C stops the cluster.'); i++) {
      if (!up.running) throw new Error(`cluster up exited\n${up.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(up.stdout, up.logs()).toContain(`connect: redis-cli -c -p ${base + 1}`);
    const children = readPids(dir).records;
    expect(children.map((c) => c.name).sort()).toEqual(['meta', 'n1', 'n2']);
    await new Promise((r) => setTimeout(r, 500));
    expect(up.running, `foreground up must stay: ${up.logs()}`).toBe(true);
    up.kill('SIGTERM');
    const exit = await up.exited;
    expect(exit.code, up.logs()).toBe(0);
    expect(up.stdout).toContain('stopped.');
    for (const c of children) expect(isSameProcess(c.pid, c.startTime), `${c.name} still runs`).toBe(false);
    expect(readPids(dir).records).toEqual([]);
  }, 90_000);
});
