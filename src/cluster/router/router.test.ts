/**
 * The routing tier against in-process shardkit nodes over the in-memory
 * MetaStore: non-cluster clients (redis-cli without -c, ioredis, node-redis)
 * under redis-slots and ring, pipelined replies in order, cross-slot
 * multi-key commands equal a Map model, a map change mid-run (redirects and
 * a refresh, counted; no request fails), two routers converge, SK.FWD epoch
 * checks on the node, bad input.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../util/clock.js';
import { mulberry32, randomInt } from '../../util/random.js';
import { type ClusterMap, encodeMap, initialMap } from '../map.js';
import { MemoryMetaStore } from '../meta/memory.js';
import { MetaMapSource } from '../node/meta-map-source.js';
import { startNode, type RunningNode } from '../node/node.js';
import { freePorts } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { startRouter, type RunningRouter } from './router.js';

const PREFIX = '/shardkit/t/';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(strategy: string, n = 3): Promise<{ store: MemoryMetaStore; map: ClusterMap; nodes: RunningNode[] }> {
  const store = new MemoryMetaStore();
  cleanups.push(() => store.close());
  const ports = await freePorts(n);
  const map = initialMap(strategy, {}, ports.map((port, i) => ({ id: `n${i + 1}`, weight: 1, host: '127.0.0.1', port })));
  await store.put(`${PREFIX}map`, encodeMap(map), { ifModRevision: 0 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-router-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const nodes: RunningNode[] = [];
  for (const [i, port] of ports.entries()) {
    const node = await startNode({ id: `n${i + 1}`, host: '127.0.0.1', port, dataDir: path.join(dir, `n${i + 1}`), maps: new MetaMapSource(store, { prefix: PREFIX, leaseTtlMs: 5000 }), clock: systemClock, fsync: 'never' });
    nodes.push(node);
    cleanups.push(() => node.close());
  }
  return { store, map, nodes };
}

async function router(store: MemoryMetaStore): Promise<RunningRouter> {
  const r = await startRouter({ meta: store, cluster: 't', port: 0 });
  cleanups.push(() => r.close());
  return r;
}

function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('redis-cli', ['-p', String(port), ...args], (e, stdout, stderr) => (e ? reject(new Error(`${e.message} ${stderr}`)) : resolve(stdout.trim()))),
  );
}

async function swapOwners(store: MemoryMetaStore, map: ClusterMap, nodes: RunningNode[]): Promise<ClusterMap> {
  const map2: ClusterMap = { ...map, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
  const cur = await store.get(`${PREFIX}map`);
  await store.put(`${PREFIX}map`, encodeMap(map2), { ifModRevision: cur?.modRevision });
  const deadline = systemClock.now() + 5000;
  while (nodes.some((n) => n.epoch() !== 2) && systemClock.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return map2;
}

describe('the routing tier', () => {
  for (const strategy of ['redis-slots', 'ring']) {
    it(`under ${strategy}, redis-cli without -c, ioredis and node-redis (non-cluster) read and write every key through it`, async () => {
      const { store } = await cluster(strategy);
      const r = await router(store);
      expect(await redisCli(r.port, 'SET', 'cli:a', 'one')).toBe('OK');
      expect(await redisCli(r.port, 'GET', 'cli:a')).toBe('one');
      expect(await redisCli(r.port, 'PING')).toBe('PONG');
      const io = new Redis(r.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      cleanups.push(() => void io.disconnect());
      await io.connect();
      for (let i = 0; i < 60; i++) await io.set(`io:${i}`, `v${i}`);
      for (let i = 0; i < 60; i++) expect(await io.get(`io:${i}`)).toBe(`v${i}`);
      const nr = createClient({ socket: { port: r.port, host: '127.0.0.1' } });
      await nr.connect();
      cleanups.push(() => nr.disconnect().catch(() => undefined));
      for (let i = 0; i < 60; i++) expect(await nr.get(`io:${i}`)).toBe(`v${i}`);
      expect(await nr.get('cli:a')).toBe('one');
      expect(await io.dbsize()).toBe(61);
      const info = await io.info('router');
      expect(info).toContain('router_map_epoch:1');
      expect(info).toContain('router_nodes:3');
    }, 60_000);
  }

  it('pipelined requests from one client get their replies in request order (ioredis pipeline, 2,000 commands over every owner)', async () => {
    const { store } = await cluster('ring');
    const r = await router(store);
    const io = new Redis(r.port, '127.0.0.1', { lazyConnect: true });
    cleanups.push(() => void io.disconnect());
    await io.connect();
    const p = io.pipeline();
    for (let i = 0; i < 1000; i++) p.set(`p:${i}`, String(i)).get(`p:${i}`);
    const out = (await p.exec()) as [Error | null, unknown][];
    for (let i = 0; i < 1000; i++) {
      expect(out[2 * i]).toEqual([null, 'OK']);
      expect(out[2 * i + 1]).toEqual([null, String(i)]);
    }
  }, 60_000);

  it('cross-slot MGET, MSET, DEL and EXISTS equal a Map model (seed 7)', async () => {
    const { store } = await cluster('redis-slots');
    const r = await router(store);
    const io = new Redis(r.port, '127.0.0.1', { lazyConnect: true });
    cleanups.push(() => void io.disconnect());
    await io.connect();
    const model = new Map<string, string>();
    const random = mulberry32(7);
    const key = (): string => `m:${randomInt(random, 40)}`;
    for (let step = 0; step < 200; step++) {
      const op = randomInt(random, 4);
      const keys = Array.from({ length: 1 + randomInt(random, 6) }, key);
      if (op === 0) {
        const pairs = keys.map((k) => [k, `v${step}`] as const);
        expect(await io.mset(...pairs.flat())).toBe('OK');
        for (const [k, v] of pairs) model.set(k, v);
      } else if (op === 1) {
        expect(await io.mget(...keys)).toEqual(keys.map((k) => model.get(k) ?? null));
      } else if (op === 2) {
        expect(await io.exists(...keys)).toBe(keys.filter((k) => model.has(k)).length);
      } else {
        const expected = new Set(keys.filter((k) => model.has(k))).size;
        expect(await io.del(...new Set(keys))).toBe(expected);
        for (const k of keys) model.delete(k);
      }
    }
    expect(r.stats().fannedOut).toBeGreaterThan(50);
  }, 60_000);

  it('RESP3 after HELLO 3: replies are encoded in RESP3 by the node, relayed unchanged', async () => {
    const { store } = await cluster('redis-slots');
    const r = await router(store);
    const c = await RespClient.connect(r.port);
    cleanups.push(() => c.close());
    const h = await c.call('HELLO', '3');
    expect(Buffer.from(JSON.stringify(h)).length).toBeGreaterThan(0);
    expect((h as unknown as { entries: [Buffer, unknown][] }).entries.map(([k, v]) => `${k.toString()}=${String(v)}`)).toContain('server=shardkit-router');
    expect(await c.call('SET', 'r3', 'x')).toBe('OK');
    expect(await c.call('GET', 'nothing-here')).toBeNull();
    expect((await c.call('MGET', 'r3', 'other', 'third')) as unknown[]).toEqual([Buffer.from('x'), null, null]);
  }, 30_000);

  it('a map change mid-run: every request succeeds, and two routers both converge on the new epoch', async () => {
    const { store, map, nodes } = await cluster('redis-slots', 2);
    const r1 = await router(store);
    const r2 = await router(store);
    const a = new Redis(r1.port, '127.0.0.1', { lazyConnect: true });
    const b = new Redis(r2.port, '127.0.0.1', { lazyConnect: true });
    cleanups.push(() => void a.disconnect(), () => void b.disconnect());
    await a.connect();
    await b.connect();
    const keys = Array.from({ length: 300 }, (_, i) => `mc:${i}`);
    await Promise.all(keys.map((k, i) => (i % 2 === 0 ? a : b).set(k, 'before')));
    let stop = false;
    let failures = 0;
    let done = 0;
    const load = (c: Redis): Promise<void> =>
      (async () => {
        for (let i = 0; !stop; i++) {
          const k = keys[i % keys.length] as string;
          await c.set(k, `w${i}`).catch(() => failures++);
          done++;
        }
      })();
    const runs = [load(a), load(b)];
    await new Promise((res) => setTimeout(res, 100));
    const map2 = await swapOwners(store, map, nodes);
    await new Promise((res) => setTimeout(res, 300));
    stop = true;
    await Promise.all(runs);
    expect(failures).toBe(0);
    expect(done).toBeGreaterThan(100);
    const deadline = systemClock.now() + 5000;
    while ((r1.epoch() !== 2 || r2.epoch() !== 2) && systemClock.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect([r1.epoch(), r2.epoch()]).toEqual([2, 2]);
    // The watched map usually reaches the routers before any redirect; redirects, when any, are counted in stats().
    // After the change, writes through either router land on the new owner: read back through the other.
    await Promise.all(keys.map((k) => a.set(k, 'after')));
    expect(await b.mget(...keys)).toEqual(keys.map(() => 'after'));
    void map2;
  }, 60_000);

  it('SK.FWD: same epoch or an older one for a partition that did not move is served; older for a moved partition gets MOVED; newer than the node gets TRYAGAIN', async () => {
    const { store, map, nodes } = await cluster('redis-slots', 2);
    const n1 = map.nodes[0] as { port: number };
    const c = await RespClient.connect(n1.port);
    cleanups.push(() => c.close());
    // Slot of 'a' is 15495 (owned by n2 at epoch 1, by n1 at epoch 2); slot of 'b' is 3300 (n1, then n2).
    expect(await c.call('SK.FWD', '1', '2', 'SET', 'b', '1')).toBe('OK');
    expect(String(((await c.call('SK.FWD', '2', '2', 'GET', 'b')) as { message: string }).message)).toMatch(/^TRYAGAIN .*epoch 2.*epoch 1/);
    await swapOwners(store, map, nodes);
    expect(await c.call('SK.FWD', '1', '2', 'SET', 'a', '1')).toBe('OK'); // older epoch, but this node owns 'a' now
    expect(String(((await c.call('SK.FWD', '1', '2', 'GET', 'b')) as { message: string }).message)).toMatch(/^MOVED 3300 /);
    expect(await c.call('SK.FWD', '2', '2', 'GET', 'a')).toEqual(Buffer.from('1'));
  }, 30_000);

  it('bad input gets Redis-style error replies and never stops the router', async () => {
    const { store } = await cluster('redis-slots');
    const r = await router(store);
    expect(await redisCli(r.port, 'NOSUCH', 'x')).toContain("ERR unknown command 'NOSUCH'");
    expect(await redisCli(r.port, 'CLUSTER', 'SLOTS')).toContain('not a cluster node');
    expect(await redisCli(r.port, 'SCAN', '0')).toContain('SCAN is not supported');
    expect(await redisCli(r.port, 'SELECT', '3')).toContain('out of range');
    expect(await redisCli(r.port, 'ECHO')).toContain('wrong number of arguments');
    const raw = await new Promise<string>((resolve) => {
      const s = net.connect(r.port, '127.0.0.1', () => s.write('*1\r\n$abc\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });
    expect(raw).toMatch(/^-ERR Protocol error/);
    expect(await redisCli(r.port, 'SET', 'still', 'up')).toBe('OK');
  }, 30_000);
});
