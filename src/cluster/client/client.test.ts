/**
 * ClusterClient against real shardkit nodes (in process, over the in-memory
 * MetaStore, the same interface as the HTTP service) and against tiny fake
 * nodes that answer ASK or redirect forever: routing under any placement,
 * split multi-key commands, a burst of MOVED after a map change costs one
 * refresh, a down owner is told apart from a stale map, the redirect budget.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32, randomInt } from '../../util/random.js';
import { systemClock } from '../../util/clock.js';
import { type ClusterMap, encodeMap, initialMap, placementOf } from '../map.js';
import { MemoryMetaStore } from '../meta/memory.js';
import { MetaMapSource } from '../node/meta-map-source.js';
import { startNode, type RunningNode } from '../node/node.js';
import { RequestParser } from '../resp/request-parser.js';
import { freePorts } from '../testing/harness.js';
import { ClusterClient } from './client.js';
import { OwnerUnreachableError, RedirectLimitError, ReplyError } from './errors.js';

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-client-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const nodes: RunningNode[] = [];
  for (const [i, port] of ports.entries()) {
    const node = await startNode({ id: `n${i + 1}`, host: '127.0.0.1', port, dataDir: path.join(dir, `n${i + 1}`), maps: new MetaMapSource(store, { prefix: PREFIX, leaseTtlMs: 5000 }), clock: systemClock, fsync: 'never' });
    nodes.push(node);
    cleanups.push(() => node.close());
  }
  return { store, map, nodes };
}

async function client(store: MemoryMetaStore, extra: Partial<Parameters<typeof ClusterClient.connect>[0]> = {}): Promise<ClusterClient> {
  const c = await ClusterClient.connect({ meta: store, cluster: 't', ...extra });
  cleanups.push(() => c.close());
  return c;
}

/** A fake node: answers each request with `answer(args)`. */
async function fakeNode(answer: (args: string[], port: number) => string): Promise<{ port: number; seen: string[][] }> {
  const [port] = (await freePorts(1)) as [number];
  const seen: string[][] = [];
  const server = net.createServer((s) => {
    const parser = new RequestParser();
    s.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      for (let r = parser.next(); r !== undefined; r = parser.next()) {
        const args = r.map((a) => a.toString());
        seen.push(args);
        s.write(answer(args, port));
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port, seen };
}

describe('ClusterClient', () => {
  for (const strategy of ['redis-slots', 'ring', 'jump']) {
    it(`under ${strategy}, every request goes straight to its owner and agrees with a Map model (seed 11)`, async () => {
      const { store } = await cluster(strategy);
      const c = await client(store);
      const random = mulberry32(11);
      const rnd = { int: (n: number) => randomInt(random, n) };
      const model = new Map<string, string>();
      for (let i = 0; i < 300; i++) {
        const k = `key:${rnd.int(60)}`;
        const op = rnd.int(4);
        if (op === 0) {
          const v = `v${i}`;
          expect(await c.set(k, v)).toBe('OK');
          model.set(k, v);
        } else if (op === 1) {
          expect((await c.get(k))?.toString() ?? null).toBe(model.get(k) ?? null);
        } else if (op === 2) {
          const keys = [k, `key:${rnd.int(60)}`, `key:${rnd.int(60)}`];
          expect((await c.mget(keys)).map((b) => b?.toString() ?? null)).toEqual(keys.map((x) => model.get(x) ?? null));
        } else {
          const keys = [...new Set([k, `key:${rnd.int(60)}`])];
          const existed = keys.filter((x) => model.has(x)).length;
          expect(await c.del(...keys)).toBe(existed);
          for (const x of keys) model.delete(x);
        }
      }
      expect(c.stats().moved).toBe(0);
      expect(c.stats().refreshes).toBe(0);
    }, 60_000);
  }

  it('MSET across owners is split and reassembled; errors from a node are typed, not retriable', async () => {
    const { store } = await cluster('redis-slots');
    const c = await client(store);
    const pairs = Array.from({ length: 20 }, (_, i) => [`m${i}`, `${i}`] as const);
    await c.mset(pairs);
    expect((await c.mget(pairs.map((p) => p[0]))).map((b) => b?.toString())).toEqual(pairs.map((p) => p[1]));
    await c.set('s', 'not a number');
    const err = await c.command('INCR', 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).retriable).toBe(false);
    expect((err as ReplyError).message).toContain('ERR value is not an integer or out of range');
  }, 30_000);

  it('after the map changes, a burst of MOVED replies is followed and costs one refresh', async () => {
    const { store, map, nodes } = await cluster('redis-slots', 2);
    const c = await client(store, { watchMap: false });
    const map2: ClusterMap = { ...map, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
    const cur = await store.get(`${PREFIX}map`);
    await store.put(`${PREFIX}map`, encodeMap(map2), { ifModRevision: cur?.modRevision });
    const deadline = Date.now() + 5000;
    while (nodes.some((n) => n.epoch() !== 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const keys = Array.from({ length: 200 }, (_, i) => `burst:${i}`);
    const replies = await Promise.all(keys.map((k) => c.set(k, k)));
    expect(replies.every((r) => r === 'OK')).toBe(true);
    const s = c.stats();
    expect(s.moved).toBeGreaterThan(50);
    expect(s.refreshes).toBe(1);
    expect(c.epoch).toBe(2);
    // Routed by the new map now: no more redirects.
    await Promise.all(keys.map((k) => c.get(k)));
    expect(c.stats().moved).toBe(s.moved);
  }, 30_000);

  it('a watched map switches the client before any redirect', async () => {
    const { store, map } = await cluster('redis-slots', 2);
    const c = await client(store);
    const map2: ClusterMap = { ...map, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
    const cur = await store.get(`${PREFIX}map`);
    await store.put(`${PREFIX}map`, encodeMap(map2), { ifModRevision: cur?.modRevision });
    const deadline = Date.now() + 5000;
    while (c.epoch !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.epoch).toBe(2);
  }, 30_000);

  it('a down owner is reported as unreachable after one forced refresh, not as a stale map; other owners keep serving', async () => {
    const { store, map, nodes } = await cluster('redis-slots', 3);
    const c = await client(store);
    await nodes[1]?.close();
    const keyOf = (id: string): string => {
      for (let i = 0; ; i++) if (placementOf(map).locate(`probe:${i}`) === id) return `probe:${i}`;
    };
    const err = await c.get(keyOf('n2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnerUnreachableError);
    expect((err as OwnerUnreachableError).retriable).toBe(true);
    expect((err as OwnerUnreachableError).node).toBe('n2');
    expect(c.stats().refreshes).toBe(1);
    expect(await c.set(keyOf('n1'), 'fine')).toBe('OK');
  }, 30_000);

  it('ASK sends ASKING then the request to the named node and changes nothing', async () => {
    const b = await fakeNode((args) => (args[0] === 'ASKING' ? '+OK\r\n' : '$3\r\nnew\r\n'));
    const a = await fakeNode(() => `-ASK 866 127.0.0.1:${b.port}\r\n`);
    const map = initialMap('redis-slots', {}, [{ id: 'a', weight: 1, host: '127.0.0.1', port: a.port }]);
    const c = await ClusterClient.connect({ map });
    cleanups.push(() => c.close());
    expect((await c.get('k'))?.toString()).toBe('new');
    expect(b.seen).toEqual([['ASKING'], ['GET', 'k']]);
    expect(c.stats()).toMatchObject({ ask: 1, moved: 0, refreshes: 0 });
    expect(c.epoch).toBe(1);
  }, 30_000);

  it('a node that redirects forever exhausts redirectsMax with a retriable error, never a hang', async () => {
    const loop = await fakeNode((_args, port) => `-MOVED 866 127.0.0.1:${port}\r\n`);
    const map = initialMap('redis-slots', {}, [{ id: 'a', weight: 1, host: '127.0.0.1', port: loop.port }]);
    const c = await ClusterClient.connect({ map, redirectsMax: 3 });
    cleanups.push(() => c.close());
    const err = await c.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectLimitError);
    expect((err as RedirectLimitError).retriable).toBe(true);
    expect(loop.seen.length).toBe(4);
  }, 30_000);

  it('two nodes whose maps disagree (each MOVED to the other) settle instead of spending the budget in a burst, and the request succeeds once they agree', async () => {
    // a says b owns the key; b, not yet on the new map, says a does, until 50 ms have passed.
    const t0 = Date.now();
    let bPort = 0;
    const a = await fakeNode(() => `-MOVED 866 127.0.0.1:${bPort}\r\n`);
    const b = await fakeNode(() => (Date.now() - t0 < 50 ? `-MOVED 866 127.0.0.1:${a.port}\r\n` : '+OK\r\n'));
    bPort = b.port;
    const map = initialMap('redis-slots', {}, [{ id: 'a', weight: 1, host: '127.0.0.1', port: a.port }]);
    const c = await ClusterClient.connect({ map, redirectsMax: 5, tryAgainDelayMs: 20 });
    cleanups.push(() => c.close());
    // Following every MOVED at once would spend 5 redirects within a millisecond or two and fail.
    expect(await c.set('k', 'v')).toBe('OK');
    expect(c.stats().movedBack).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  }, 30_000);

  it('a metadata service that stops answering does not hold a request between two nodes that disagree: each settle waits at most the TRYAGAIN delay', async () => {
    const t0 = Date.now();
    let bPort = 0;
    const a = await fakeNode(() => `-MOVED 866 127.0.0.1:${bPort}\r\n`);
    const b = await fakeNode(() => (Date.now() - t0 < 50 ? `-MOVED 866 127.0.0.1:${a.port}\r\n` : '+OK\r\n'));
    bPort = b.port;
    const store = new MemoryMetaStore();
    cleanups.push(() => store.close());
    const map = initialMap('redis-slots', {}, [{ id: 'a', weight: 1, host: '127.0.0.1', port: a.port }]);
    await store.put(`${PREFIX}map`, encodeMap(map), { ifModRevision: 0 });
    const c = await client(store, { watchMap: false, redirectsMax: 5, tryAgainDelayMs: 20, refreshMinIntervalMs: 0 });
    // From now on every map read hangs.
    store.get = () => new Promise(() => undefined);
    expect(await c.set('k', 'v')).toBe('OK');
    expect(c.stats().movedBack).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 10_000);

  it('rejects bad options with typed errors', async () => {
    await expect(ClusterClient.connect({} as never)).rejects.toThrow(/meta/);
    const map = initialMap('redis-slots', {}, [{ id: 'a', weight: 1, host: '127.0.0.1', port: 1 }]);
    await expect(ClusterClient.connect({ map, redirectsMax: -1 })).rejects.toThrow(/redirectsMax/);
    await expect(ClusterClient.connect({ map, cluster: '../x' })).rejects.toThrow(/cluster/);
  });
});

