import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LazyMetaStore, connectMeta } from '../connect.js';
import { LeaseLostError, MetaUnavailableError } from '../errors.js';
import { type ExternalService, startEtcd } from '../external.js';
import { metaStoreSuite, proxiedHarness } from '../metastore.suite.js';
import { EtcdMetaStore } from './store.js';

let etcd: ExternalService | undefined;
let started: Promise<ExternalService> | undefined;
let run = 0;
const t0 = performance.now();

beforeAll(async () => {
  started = startEtcd();
  etcd = await started;
}, 60_000);

afterAll(async () => {
  await (etcd ?? (await started?.catch(() => undefined)))?.stop();
  console.log(`etcd test file: ${Math.round(performance.now() - t0)} ms`);
});

const url = (port: number): string => `http://127.0.0.1:${port}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The failure message's tail: what etcd printed. */
const etcdLog = (): string => `\netcd log:\n${etcd?.log().slice(-4000) ?? '(not started)'}`;

metaStoreSuite('etcd', {
  leaseTtlMs: 1000,
  async create() {
    if (etcd === undefined) throw new Error(`etcd did not start${etcdLog()}`);
    const root = `/suite-${++run}/`;
    return proxiedHarness(etcd.port, (port, role) => new EtcdMetaStore(url(port), role === 'store' ? { root, requestTimeoutMs: 5000 } : { root }));
  },
});

describe('etcd adapter', () => {
  it('connectMeta takes etcd://host:port', async () => {
    if (etcd === undefined) throw new Error(`etcd did not start${etcdLog()}`);
    const store = connectMeta(`etcd://127.0.0.1:${etcd.port}`);
    expect(store).toBeInstanceOf(LazyMetaStore); // etcd3 is loaded on first use
    expect(await (store as LazyMetaStore).store()).toBeInstanceOf(EtcdMetaStore);
    const w = await store.put('/connect-test/k', new Uint8Array([1]));
    expect((await store.get('/connect-test/k'))?.modRevision).toBe(w.revision);
    await store.close();
  });

  it('fencing: a holder whose renewals cannot reach etcd passes its local deadline while the lease still lives on the server', async () => {
    if (etcd === undefined) throw new Error(`etcd did not start${etcdLog()}`);
    const ttlMs = 3000;
    const store = new EtcdMetaStore(url(etcd.port), { root: '/fence/', requestTimeoutMs: 300, leaseMarginMs: 1000 });
    try {
      const lease = await store.grantLease(ttlMs);
      await store.put('member', new Uint8Array([1]), { lease: lease.id });
      await lease.keepAlive();
      const deadline = lease.validUntilMs;
      expect(deadline).toBeGreaterThan(performance.now());
      expect(deadline).toBeLessThanOrEqual(performance.now() + ttlMs - 1000);
      etcd.pause();
      let renewal: unknown;
      try {
        // Renewals fail (no answer); the deadline does not move.
        renewal = await lease.keepAlive().then(() => 'renewed', (e: unknown) => e);
        expect(lease.validUntilMs).toBe(deadline);
        while (performance.now() <= lease.validUntilMs) await sleep(20);
      } finally {
        etcd.resume();
      }
      expect(renewal).toBeInstanceOf(MetaUnavailableError);
      // The holder has stopped accepting writes; the server still holds the lease (its expiry is later).
      expect(await store.get('member'), `the lease expired on the server before the local deadline${etcdLog()}`).toBeDefined();
      await sleep(ttlMs + 1000);
      const lost = await lease.keepAlive().then(() => 'renewed', (e: unknown) => e);
      expect(lost).toBeInstanceOf(LeaseLostError);
      expect(lease.validUntilMs).toBeLessThan(performance.now());
      expect(await store.get('member')).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 30_000);
});
