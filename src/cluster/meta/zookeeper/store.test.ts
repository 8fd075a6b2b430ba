import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMeta } from '../connect.js';
import { CompactedError, LeaseLostError, MetaUnavailableError } from '../errors.js';
import { type ExternalService, startProxy, startZooKeeper } from '../external.js';
import { metaStoreSuite, proxiedHarness } from '../metastore.suite.js';
import type { WatchEvent } from '../types.js';
import { ZooKeeperMetaStore, ZooKeeperSessionExpiredError, keyName, nameKey } from './store.js';

let zk: ExternalService | undefined;
let started: Promise<ExternalService> | undefined;
let run = 0;
const t0 = performance.now();

beforeAll(async () => {
  started = startZooKeeper();
  zk = await started;
}, 90_000);

afterAll(async () => {
  await (zk ?? (await started?.catch(() => undefined)))?.stop();
  console.log(`zookeeper test file: ${Math.round(performance.now() - t0)} ms`);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The failure message's tail: what ZooKeeper printed. */
const zkLog = (): string => `\nzookeeper log:\n${zk?.log().slice(-4000) ?? '(not started)'}`;
const server = (): ExternalService => {
  if (zk === undefined) throw new Error(`zookeeper did not start${zkLog()}`);
  return zk;
};

metaStoreSuite('zookeeper', {
  leaseTtlMs: 1000,
  async create() {
    const s = server();
    const root = `/suite-${++run}`;
    return proxiedHarness(s.port, (port, role) => new ZooKeeperMetaStore(`127.0.0.1:${port}`, role === 'store' ? { root, sessionTimeoutMs: 4000 } : { root }));
  },
});

describe('zookeeper adapter', () => {
  it('key names: every key maps to one znode name and back (slashes, dots, unicode)', () => {
    for (const key of ['a', '/shardkit/default/map', '.', '..', 'a b/ü/€/%41', 'zookeeper', 'x'.repeat(300)]) {
      const name = keyName(key);
      expect(name).toMatch(/^[A-Za-z0-9_%-]+$/);
      expect(nameKey(name)).toBe(key);
    }
  });

  it('connectMeta takes zk://host:port/path and keeps the store under that path', async () => {
    const s = server();
    const store = connectMeta(`zk://127.0.0.1:${s.port}/connect-test`);
    try {
      const w = await store.put('k', bytes('v'));
      expect((await store.get('k'))?.modRevision).toBe(w.revision);
    } finally {
      await store.close();
    }
    const direct = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/connect-test' });
    expect((await direct.get('k'))?.value).toEqual(bytes('v'));
    await direct.close();
  });

  it('the log is compacted by the writers to the last historyMax revisions; a watch from before gets CompactedError', async () => {
    const s = server();
    const store = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/history', historyMax: 20 });
    try {
      let last = 0;
      for (let i = 0; i < 60; i++) last = (await store.put(`h/${i % 4}`, bytes(String(i)))).revision;
      // Compaction runs after the write that triggers it: wait for the mark.
      const errors: Error[] = [];
      for (let i = 0; i < 100; i++) {
        errors.length = 0;
        const w = store.watch('h/', 1, { onEvents: () => undefined, onError: (e) => void errors.push(e) });
        await sleep(20);
        w.close();
        if (errors.length > 0) break;
      }
      expect(errors[0]).toBeInstanceOf(CompactedError);
      expect((errors[0] as CompactedError).compactRevision).toBeGreaterThanOrEqual(last - 20 - 2);
      // Within the kept history a watch still works.
      const events: WatchEvent[] = [];
      const w = store.watch('h/', last - 5, { onEvents: (evs) => void events.push(...evs), onError: (e) => void errors.push(e) });
      for (let i = 0; i < 100 && events.length < 5; i++) await sleep(10);
      w.close();
      expect(events.map((e) => e.revision)).toEqual([last - 4, last - 3, last - 2, last - 1, last]);
    } finally {
      await store.close();
    }
  });

  it('a list taken while another client writes is the state at exactly its revision', async () => {
    const s = server();
    const store = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/snapshot' });
    const writer = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/snapshot' });
    try {
      let stop = false;
      const writes = (async () => {
        for (let i = 0; !stop; i++) await writer.put(`s/${i % 10}`, bytes(String(i)));
      })();
      for (let round = 0; round < 10; round++) {
        const listed = await store.list('s/');
        // Every key's modRevision is at most the list's revision, and a watch from there sees no change at or before it.
        for (const kv of listed.kvs) expect(kv.modRevision).toBeLessThanOrEqual(listed.revision);
        const firstAfter = await new Promise<number>((resolve, reject) => {
          const w = store.watch('s/', listed.revision, {
            onEvents: (evs) => (w.close(), resolve((evs[0] as WatchEvent).revision)),
            onError: reject,
          });
        });
        expect(firstAfter).toBeGreaterThan(listed.revision);
      }
      stop = true;
      await writes;
      // And at rest the list is exactly what the keys hold.
      const listed = await store.list('s/');
      const each = await Promise.all(listed.kvs.map((kv) => store.get(kv.key)));
      expect(each.map((kv) => kv?.modRevision)).toEqual(listed.kvs.map((kv) => kv.modRevision));
    } finally {
      await store.close();
      await writer.close();
    }
  });

  it('a holder cut off from ZooKeeper past its session timeout learns its session expired and says so; another store deletes its keys', async () => {
    const s = server();
    const proxy = await startProxy(s.port);
    const said: Error[] = [];
    const holder = new ZooKeeperMetaStore(`127.0.0.1:${proxy.port}`, { root: '/expiry', requestTimeoutMs: 500, onSessionLost: (e) => void said.push(e) });
    const observer = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/expiry' });
    try {
      const lease = await holder.grantLease(1000);
      expect(lease.sessionTimeoutMs).toBe(1000);
      await holder.put('members/n1', bytes('x'), { lease: lease.id });
      const start = (await observer.list('members/')).revision;
      const events: WatchEvent[] = [];
      const w = observer.watch('members/', start, { onEvents: (evs) => void events.push(...evs), onError: () => undefined });
      // Cut and keep cut: keepAlive keeps failing, so the holder's fencing deadline passes while it cannot reach the server.
      proxy.refuse(true);
      proxy.cut();
      const renewals: unknown[] = [];
      while (events.length === 0) {
        renewals.push(await lease.keepAlive().then(() => 'renewed', (e: unknown) => e));
        await sleep(100);
        if (renewals.length > 100) throw new Error(`the key was not deleted after the session was cut off${zkLog()}`);
      }
      expect(lease.validUntilMs).toBeLessThan(performance.now());
      expect(renewals[0]).toBeInstanceOf(MetaUnavailableError);
      expect(events.map((e) => `${e.type} ${e.type === 'delete' ? e.key : e.kv.key}`)).toEqual(['delete members/n1']);
      expect(await observer.get('members/n1')).toBeUndefined();
      w.close();
      // Reconnected, the holder's client is told the session expired, and says so.
      proxy.refuse(false);
      for (let i = 0; i < 100 && said.length === 0; i++) await sleep(50);
      expect(said[0]).toBeInstanceOf(ZooKeeperSessionExpiredError);
      expect(said[0]?.message).toMatch(/ZooKeeper session of lease .* expired/);
      const lost = await lease.keepAlive().then(() => 'renewed', (e: unknown) => e);
      expect(lost).toBeInstanceOf(LeaseLostError);
      expect(lost).toBeInstanceOf(ZooKeeperSessionExpiredError);
      // The holder's own store works again (its session survived or was replaced) and can register anew.
      const again = await holder.grantLease(1000);
      expect((await holder.put('members/n1', bytes('y'), { lease: again.id })).ok).toBe(true);
      await again.revoke();
    } finally {
      proxy.refuse(false);
      await holder.close();
      await observer.close();
      await proxy.close();
    }
  }, 30_000);

  it('fencing: the local deadline passes before ZooKeeper expires the session', async () => {
    const s = server();
    const proxy = await startProxy(s.port);
    const holder = new ZooKeeperMetaStore(`127.0.0.1:${proxy.port}`, { root: '/fence', requestTimeoutMs: 200, leaseMarginMs: 400, onSessionLost: () => undefined });
    const observer = new ZooKeeperMetaStore(`127.0.0.1:${s.port}`, { root: '/fence' });
    try {
      const lease = await holder.grantLease(2000);
      await holder.put('member', bytes('1'), { lease: lease.id });
      await lease.keepAlive();
      const deadline = lease.validUntilMs;
      expect(deadline).toBeLessThanOrEqual(performance.now() + 2000 - 400);
      proxy.refuse(true);
      proxy.cut();
      while (performance.now() <= lease.validUntilMs) await sleep(20);
      // The holder has stopped accepting writes; ZooKeeper still holds the session and the key.
      expect(await observer.get('member'), `the session expired before the local deadline${zkLog()}`).toBeDefined();
    } finally {
      proxy.refuse(false);
      await holder.close();
      await observer.close();
      await proxy.close();
    }
  }, 30_000);
});
