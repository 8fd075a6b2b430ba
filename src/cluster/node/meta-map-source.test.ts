/**
 * The node's map from the metadata service: it loads the map, registers
 * `members/<id>` on a lease (gone when the node stops), and switches to a
 * newer epoch when the map changes (here: a slot range moved to another node
 * turns the node's answer for a key into MOVED). Runs in process over the
 * in-memory MetaStore, the same interface as the HTTP service.
 */
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryMetaStore } from '../meta/memory.js';
import { type ClusterMap, encodeMap, initialMap } from '../map.js';
import { systemClock } from '../../util/clock.js';
import { MetaMapSource } from './meta-map-source.js';
import { startNode, type RunningNode } from './node.js';
import { RespClient } from '../testing/resp-client.js';
import { RespErrorReply } from '../resp/reply-parser.js';
import { Harness, freePorts } from '../testing/harness.js';
import { connectMeta } from '../meta/connect.js';
import { MetaUnavailableError } from '../meta/errors.js';
import type { Lease, MetaStore } from '../meta/types.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PREFIX = '/shardkit/t/';

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MetaMapSource', () => {
  it('refuses to start without a map, naming the key', async () => {
    const store = new MemoryMetaStore();
    const source = new MetaMapSource(store, { prefix: PREFIX });
    await expect(source.load()).rejects.toThrow(`no cluster map at ${PREFIX}map`);
    await source.close();
  });

  it('a node loads the map, registers with a lease, follows a newer epoch, and unregisters on close', async () => {
    const store = new MemoryMetaStore();
    const [p1, p2] = await freePorts(2);
    const nodes = [
      { id: 'n1', weight: 1, host: '127.0.0.1', port: p1 as number },
      { id: 'n2', weight: 1, host: '127.0.0.1', port: p2 as number },
    ];
    const map1 = initialMap('redis-slots', {}, nodes);
    await store.put(`${PREFIX}map`, encodeMap(map1), { ifModRevision: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-meta-node-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const node: RunningNode = await startNode({ id: 'n1', host: '127.0.0.1', port: p1 as number, dataDir: dir, maps: new MetaMapSource(store, { prefix: PREFIX, leaseTtlMs: 2000 }), clock: systemClock });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await node.close();
    });
    expect(node.epoch()).toBe(1);
    const member = await store.get(`${PREFIX}members/n1`);
    expect(JSON.parse(new TextDecoder().decode(member?.value))).toMatchObject({ id: 'n1', host: '127.0.0.1', port: p1, state: 'up' });
    expect(member?.lease).toBeDefined();

    const c = await RespClient.connect(p1 as number);
    cleanups.push(() => c.close());
    const key = 'a'; // slot 15495: n2's under the initial map
    const owned = 'b'; // slot 3300: n1's
    expect(((await c.call('GET', key)) as RespErrorReply).message).toBe(`MOVED 15495 127.0.0.1:${p2}`);
    expect(await c.call('SET', owned, '1')).toBe('OK');

    // Epoch 2: the halves swapped (n1 owns 8192-16383).
    const map2: ClusterMap = { ...map1, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
    const current = await store.get(`${PREFIX}map`);
    await store.put(`${PREFIX}map`, encodeMap(map2), { ifModRevision: current?.modRevision });
    await until(() => node.epoch() === 2);
    expect(await c.call('SET', key, 'now mine')).toBe('OK');
    expect(((await c.call('GET', owned)) as RespErrorReply).message).toBe(`MOVED 3300 127.0.0.1:${p2}`);
    // An older epoch written later is ignored.
    const now = await store.get(`${PREFIX}map`);
    await store.put(`${PREFIX}map`, encodeMap(map1), { ifModRevision: now?.modRevision });
    await new Promise((r) => setTimeout(r, 100));
    expect(node.epoch()).toBe(2);

    await node.close();
    closed = true;
    expect(await store.get(`${PREFIX}members/n1`)).toBeUndefined();
  }, 30_000);
});

/** A MetaStore whose lease calls fail while `cut` is set, as when the service is unreachable. */
function cuttable(inner: MetaStore): { store: MetaStore; cut: (on: boolean) => void } {
  let cut = false;
  const unavailable = (): Promise<never> => Promise.reject(new MetaUnavailableError('cut off (test)', 'not-applied'));
  const wrapLease = (lease: Lease): Lease => ({
    id: lease.id,
    ttlMs: lease.ttlMs,
    keepAlive: () => (cut ? unavailable() : lease.keepAlive()),
    revoke: () => lease.revoke(),
  });
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'grantLease') return (ttl: number) => (cut ? unavailable() : target.grantLease(ttl).then(wrapLease));
      if (prop === 'put') return (...a: Parameters<MetaStore['put']>) => (cut ? unavailable() : target.put(...a));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store, cut: (on) => void (cut = on) };
}

describe('fencing: a node that cannot renew its lease accepts no writes', () => {
  it('writes get CLUSTERDOWN from before the lease could expire until a renewal succeeds; reads go on', async () => {
    const memory = new MemoryMetaStore();
    cleanups.push(() => memory.close());
    const { store, cut } = cuttable(memory);
    const [port] = await freePorts(1);
    await memory.put(`${PREFIX}map`, encodeMap(initialMap('redis-slots', {}, [{ id: 'n1', weight: 1, host: '127.0.0.1', port: port as number }])), { ifModRevision: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-fence-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const ttl = 1200;
    const source = new MetaMapSource(store, { prefix: PREFIX, leaseTtlMs: ttl, leaseMarginMs: 200 });
    expect(source.writableUntilMs()).toBe(Number.NEGATIVE_INFINITY);
    const node = await startNode({ id: 'n1', host: '127.0.0.1', port: port as number, dataDir: dir, maps: source, clock: systemClock });
    cleanups.push(() => node.close());
    const c = await RespClient.connect(port as number);
    cleanups.push(() => c.close());
    expect(source.writableUntilMs()).toBeGreaterThan(performance.now());
    expect(source.writableUntilMs()).toBeLessThanOrEqual(performance.now() + ttl - 200);
    expect(await c.call('SET', 'k', 'before')).toBe('OK');

    cut(true);
    const cutAt = performance.now();
    const deadline = source.writableUntilMs();
    // Renewals fail from now on: the deadline does not move, and once it has passed writes are refused.
    await until(async () => (await c.call('SET', 'probe', 'x')) instanceof RespErrorReply, 5000);
    const refusedAt = performance.now();
    expect(refusedAt).toBeGreaterThanOrEqual(deadline);
    expect(refusedAt - cutAt).toBeLessThan(ttl);
    expect(source.writableUntilMs()).toBe(deadline);
    const e = (await c.call('SET', 'k', 'during')) as RespErrorReply;
    expect(e.message).toMatch(/^CLUSTERDOWN /);
    expect(await c.call('INCR', 'n')).toBeInstanceOf(RespErrorReply);
    expect(String(await c.call('GET', 'k'))).toBe('before');
    const info = String(await c.call('INFO', 'shardkit'));
    expect(info).toMatch(/^fenced:1/m);

    cut(false);
    await until(async () => (await c.call('SET', 'probe', 'y')) === 'OK', 5000);
    expect(await c.call('SET', 'k', 'after')).toBe('OK');
    expect(String(await c.call('GET', 'k'))).toBe('after');
    expect(String(await c.call('INFO', 'shardkit'))).toMatch(/^fenced:0/m);
  }, 30_000);
});

describe('processes: shardkit meta and shardkit node --meta', () => {
  const h = new Harness();
  afterEach(() => h.stopAll(), 30_000);

  it('a node process started with --meta serves the map the service holds and registers itself', async () => {
    const { url } = await h.startMeta();
    const [port] = await freePorts(1);
    const map = initialMap('redis-slots', {}, [{ id: 'n1', weight: 1, host: '127.0.0.1', port: port as number }]);
    const meta = connectMeta(url);
    cleanups.push(() => meta.close());
    await meta.put('/shardkit/c1/map', encodeMap(map), { ifModRevision: 0 });
    const proc = await h.startNode({ id: 'n1', port: port as number, dataDir: h.tempDir(), meta: { url, cluster: 'c1' } });
    expect(proc.stdout).toMatch(/serving 127\.0\.0\.1:\d+ epoch 1 \(map: meta http/);
    const member = await meta.get('/shardkit/c1/members/n1');
    expect(JSON.parse(new TextDecoder().decode(member?.value))).toMatchObject({ id: 'n1', port, state: 'up' });
    const c = await RespClient.connect(port as number);
    expect(await c.call('SET', 'k', 'v')).toBe('OK');
    c.close();
    await proc.stop();
    expect((await proc.exited).code).toBe(0);
    expect(await meta.get('/shardkit/c1/members/n1')).toBeUndefined();
  }, 60_000);
});
