import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../errors.js';
import { ManualClock } from '../../../util/clock.js';
import { connectMeta } from '../connect.js';
import { MetaUnavailableError } from '../errors.js';
import { MemoryMetaStore } from '../memory.js';
import { metaStoreSuite } from '../metastore.suite.js';
import { HttpMetaStore } from './client.js';
import { startMetaServer } from './server.js';

metaStoreSuite('http client + server (in process)', {
  async create() {
    const clock = new ManualClock(1_000_000);
    const local = new MemoryMetaStore({ clock, tickIntervalMs: 0 });
    const server = await startMetaServer({ store: local, heartbeatMs: 200 });
    const store = connectMeta(server.url, { heartbeatMs: 200 }) as HttpMetaStore;
    const other = connectMeta(server.url, { heartbeatMs: 200 }) as HttpMetaStore;
    return {
      store,
      other,
      compact: (revision) => store.compact(revision),
      advance: async (ms) => {
        clock.advance(ms);
        local.tick();
      },
      disconnect: async () => server.dropWatches(),
      close: async () => {
        await store.close();
        await other.close();
        await server.close();
        await local.close();
      },
    };
  },
});

describe('metadata client', () => {
  it('connectMeta takes http://, etcd:// and zk:// with host:port and says what it allows otherwise', () => {
    for (const bad of ['etcd://127.0.0.1', 'zk://h', 'redis://h:1', 'localhost:7000', 'http://h', 'http://h:1/x']) {
      expect(() => connectMeta(bad), bad).toThrow(InvalidArgumentError);
    }
  });

  it('a service that is not there: calls retry within the budget, then MetaUnavailableError saying nothing was applied', async () => {
    const local = new MemoryMetaStore({ tickIntervalMs: 0 });
    const server = await startMetaServer({ store: local });
    const url = server.url;
    await server.close();
    const client = new HttpMetaStore(url, { retryBudgetMs: 300, retryDelayMs: 20 });
    const t0 = performance.now();
    const e = await client.put('k', new Uint8Array(1)).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(MetaUnavailableError);
    expect(e).toMatchObject({ retriable: true, outcome: 'not-applied' });
    expect(performance.now() - t0).toBeLessThan(2000);
    await client.close();
    await local.close();
  });

  it('a watch whose service stays away ends with MetaUnavailableError after the budget', async () => {
    const local = new MemoryMetaStore({ tickIntervalMs: 0 });
    const server = await startMetaServer({ store: local, heartbeatMs: 50 });
    const client = new HttpMetaStore(server.url, { retryBudgetMs: 300, retryDelayMs: 20, heartbeatMs: 50 });
    const errors: Error[] = [];
    client.watch('', 0, { onEvents: () => undefined, onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    for (let i = 0; i < 200 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(errors[0]).toBeInstanceOf(MetaUnavailableError);
    await client.close();
    await local.close();
  });
});
