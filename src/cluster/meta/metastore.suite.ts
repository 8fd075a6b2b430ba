/**
 * The shared suite every MetaStore runs (ARCHITECTURE.md, "Real components":
 * one interface, one suite): the in-memory store, the `shardkit meta`
 * service through its HTTP client, and next etcd and ZooKeeper. A store's
 * test file calls `metaStoreSuite(name, { create })`; `create` gives a fresh,
 * empty store and the few hooks a test needs that the interface does not
 * have (compaction, moving time, breaking connections).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShardkitError } from '../../errors.js';
import { CompactedError, LeaseLostError } from './errors.js';
import { startProxy } from './external.js';
import type { MetaStore, WatchEvent } from './types.js';

/** A fresh store and its test hooks. */
export interface MetaStoreHarness {
  /** The store under test. */
  readonly store: MetaStore;
  /** A second, independent client of the same store (a second writer); may be `store` itself. */
  readonly other: MetaStore;
  /** Drop watch history up to `revision`. */
  compact(revision: number): Promise<void>;
  /** Let `ms` of lease time pass and the store expire what is due (a manual clock, or a real wait). */
  advance(ms: number): Promise<void>;
  /** Break the client's connections (its watches must resume by themselves). Absent: nothing to break. */
  disconnect?(): Promise<void>;
  /** Stop everything `create` started. */
  close(): Promise<void>;
}

/**
 * The harness of a store on a server at `serverPort` (etcd, ZooKeeper): the
 * store under test goes through a proxy the test can cut (`disconnect`), the
 * second writer connects directly; `open(port, role)` makes a client.
 */
export async function proxiedHarness(serverPort: number, open: (port: number, role: 'store' | 'other') => MetaStore & { compact(revision: number): Promise<void> }): Promise<MetaStoreHarness> {
  const proxy = await startProxy(serverPort);
  const store = open(proxy.port, 'store');
  const other = open(serverPort, 'other');
  return {
    store,
    other,
    compact: (revision) => store.compact(revision),
    advance: (ms) => new Promise((r) => setTimeout(r, ms)),
    disconnect: async () => proxy.cut(),
    close: async () => {
      await store.close();
      await other.close();
      await proxy.close();
    },
  };
}

export interface MetaSuiteOptions {
  create(): Promise<MetaStoreHarness>;
  /** Lease TTL the lease tests use, ms (real-time stores want it short). Default 1000. */
  leaseTtlMs?: number;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Collects a watch's events and errors; `until` waits for a condition on them. */
class Collector {
  readonly events: WatchEvent[] = [];
  readonly errors: Error[] = [];
  readonly handlers = {
    onEvents: (evs: readonly WatchEvent[]) => void this.events.push(...evs),
    onError: (e: Error) => void this.errors.push(e),
  };
  async until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const start = performance.now();
    while (!cond()) {
      if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; events ${JSON.stringify(this.events.map(summary))} errors ${this.errors.map((e) => e.message).join('; ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  lastRevision(): number {
    return this.events.at(-1)?.revision ?? 0;
  }
}

function summary(ev: WatchEvent): string {
  return ev.type === 'put' ? `put ${ev.kv.key}=${text(ev.kv.value)}@${ev.revision}` : `del ${ev.key}@${ev.revision}`;
}

/** Run the shared suite against one MetaStore implementation. */
export function metaStoreSuite(name: string, options: MetaSuiteOptions): void {
  const ttl = options.leaseTtlMs ?? 1000;
  describe(`MetaStore suite: ${name}`, () => {
    let h: MetaStoreHarness | undefined;
    const open = async (): Promise<MetaStoreHarness> => (h = await options.create());
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('every change raises the store revision; keys keep their create and mod revisions', async () => {
      const { store } = await open();
      const a = await store.put('a', bytes('1'));
      const b = await store.put('b', bytes('2'));
      const a2 = await store.put('a', bytes('3'));
      expect(a.ok && b.ok && a2.ok).toBe(true);
      expect(b.revision).toBeGreaterThan(a.revision);
      expect(a2.revision).toBeGreaterThan(b.revision);
      const kv = await store.get('a');
      expect(text(kv?.value)).toBe('3');
      expect(kv?.createRevision).toBe(a.revision);
      expect(kv?.modRevision).toBe(a2.revision);
      const listed = await store.list('');
      expect(listed.kvs.map((x) => x.key)).toEqual(['a', 'b']);
      expect(listed.revision).toBe(a2.revision);
      const d = await store.delete('a');
      expect(d.ok).toBe(true);
      expect(await store.get('a')).toBeUndefined();
      const again = await store.put('a', bytes('4'));
      expect((await store.get('a'))?.createRevision).toBe(again.revision);
    });

    it('compare-and-set: of two writers racing on one revision exactly one wins, every round', async () => {
      const { store, other } = await open();
      for (let round = 0; round < 20; round++) {
        const key = `race/${round % 3}`;
        const cur = await store.get(key);
        const expected = cur?.modRevision ?? 0;
        const [x, y] = await Promise.all([store.put(key, bytes(`x${round}`), { ifModRevision: expected }), other.put(key, bytes(`y${round}`), { ifModRevision: expected })]);
        expect([x.ok, y.ok].filter(Boolean), `round ${round}`).toHaveLength(1);
        const winner = x.ok ? `x${round}` : `y${round}`;
        expect(text((await store.get(key))?.value)).toBe(winner);
      }
    });

    it('compare-and-set increments from two writers lose no update', async () => {
      const { store, other } = await open();
      const increment = async (s: MetaStore): Promise<void> => {
        for (;;) {
          const cur = await s.get('counter');
          const n = cur === undefined ? 0 : Number(text(cur.value));
          if ((await s.put('counter', bytes(String(n + 1)), { ifModRevision: cur?.modRevision ?? 0 })).ok) return;
        }
      };
      await Promise.all([store, other].map(async (s) => {
        for (let i = 0; i < 15; i++) await increment(s);
      }));
      expect(text((await store.get('counter'))?.value)).toBe('30');
    });

    it('a failed condition writes nothing; delete honours ifModRevision', async () => {
      const { store } = await open();
      const w = await store.put('k', bytes('v'));
      expect((await store.put('k', bytes('no'), { ifModRevision: 0 })).ok).toBe(false);
      expect((await store.put('k', bytes('no'), { ifModRevision: w.revision + 99 })).ok).toBe(false);
      expect((await store.delete('k', { ifModRevision: w.revision + 99 })).ok).toBe(false);
      expect(text((await store.get('k'))?.value)).toBe('v');
      expect((await store.list('')).revision).toBe(w.revision);
      expect((await store.delete('k', { ifModRevision: w.revision })).ok).toBe(true);
      expect(await store.get('k')).toBeUndefined();
    });

    it('a watch delivers every change under its prefix, in order, none skipped', async () => {
      const { store } = await open();
      const start = (await store.list('w/')).revision;
      const c = new Collector();
      const watch = store.watch('w/', start, c.handlers);
      const expected: string[] = [];
      const present = new Set<string>();
      let last = start;
      for (let i = 0; i < 40; i++) {
        const key = `w/${i % 7}`;
        if (i % 5 === 4 && present.has(key)) {
          last = (await store.delete(key)).revision;
          expected.push(`del ${key}@${last}`);
          present.delete(key);
        } else {
          last = (await store.put(key, bytes(String(i)))).revision;
          expected.push(`put ${key}=${i}@${last}`);
          present.add(key);
        }
        await store.put(`other/${i}`, bytes('x'));
      }
      await c.until('all changes', () => c.lastRevision() >= last);
      watch.close();
      expect(c.events.map(summary)).toEqual(expected);
      expect(c.errors).toEqual([]);
    });

    it('a watch resumed from the last revision it saw gets exactly the rest', async () => {
      const { store } = await open();
      const c1 = new Collector();
      const w1 = store.watch('r/', 0, c1.handlers);
      let last = 0;
      for (let i = 0; i < 5; i++) last = (await store.put(`r/${i}`, bytes(String(i)))).revision;
      await c1.until('first five', () => c1.lastRevision() >= last);
      w1.close();
      const seen = c1.lastRevision();
      for (let i = 5; i < 10; i++) last = (await store.put(`r/${i}`, bytes(String(i)))).revision;
      const c2 = new Collector();
      const w2 = store.watch('r/', seen, c2.handlers);
      await c2.until('the rest', () => c2.lastRevision() >= last);
      w2.close();
      expect(c2.events.map((e) => (e.type === 'put' ? e.kv.key : e.key))).toEqual([5, 6, 7, 8, 9].map((i) => `r/${i}`));
    });

    it('a watch survives a broken connection: it resumes from its last revision, no change lost or repeated', async () => {
      const harness = await open();
      const { store } = harness;
      const c = new Collector();
      const watch = store.watch('d/', 0, c.handlers);
      let last = 0;
      for (let i = 0; i < 5; i++) last = (await store.put(`d/${i}`, bytes(String(i)))).revision;
      await c.until('before the break', () => c.lastRevision() >= last);
      await harness.disconnect?.();
      for (let i = 5; i < 12; i++) last = (await harness.other.put(`d/${i}`, bytes(String(i)))).revision;
      await c.until('after the break', () => c.lastRevision() >= last);
      watch.close();
      expect(c.events.map((e) => (e.type === 'put' ? e.kv.key : e.key))).toEqual(Array.from({ length: 12 }, (_, i) => `d/${i}`));
      expect(c.errors).toEqual([]);
    });

    it('a watch from a compacted revision gets CompactedError (and lists again) instead of missing changes', async () => {
      const harness = await open();
      const { store } = harness;
      const first = await store.put('c/a', bytes('1'));
      await store.put('c/b', bytes('2'));
      const third = await store.put('c/a', bytes('3'));
      await harness.compact(third.revision);
      const c = new Collector();
      store.watch('c/', first.revision, c.handlers);
      await c.until('the compaction error', () => c.errors.length > 0);
      expect(c.events).toEqual([]);
      expect(c.errors[0]).toBeInstanceOf(CompactedError);
      expect(c.errors[0]).toMatchObject({ code: 'COMPACTED', retriable: false });
      // List-then-watch: the list has the state, the watch the changes after it.
      const listed = await store.list('c/');
      expect(listed.kvs.map((kv) => `${kv.key}=${text(kv.value)}`)).toEqual(['c/a=3', 'c/b=2']);
      const c2 = new Collector();
      const w2 = store.watch('c/', listed.revision, c2.handlers);
      const next = await store.put('c/b', bytes('4'));
      await c2.until('the next change', () => c2.lastRevision() >= next.revision);
      w2.close();
      expect(c2.events.map(summary)).toEqual([`put c/b=4@${next.revision}`]);
    });

    it('lease expiry removes the member key, and a watch sees the delete', async () => {
      const harness = await open();
      const { store } = harness;
      const lease = await store.grantLease(ttl);
      const put = await store.put('members/n1', bytes('{"id":"n1"}'), { lease: lease.id });
      expect((await store.get('members/n1'))?.lease).toBe(lease.id);
      const c = new Collector();
      const watch = store.watch('members/', put.revision, c.handlers);
      await harness.advance(ttl * 1.5);
      await c.until('the delete', () => c.events.length > 0, 5000 + ttl * 2);
      watch.close();
      expect(c.events.map((e) => `${e.type} ${e.type === 'put' ? e.kv.key : e.key}`)).toEqual(['delete members/n1']);
      expect(await store.get('members/n1')).toBeUndefined();
    });

    it('keepAlive holds a lease past its TTL; keepAlive of a lost lease rejects with LeaseLostError', async () => {
      const harness = await open();
      const { store } = harness;
      const lease = await store.grantLease(ttl);
      await store.put('members/n2', bytes('x'), { lease: lease.id });
      for (let i = 0; i < 3; i++) {
        await harness.advance(ttl * 0.4);
        await lease.keepAlive();
      }
      expect(await store.get('members/n2')).toBeDefined();
      await harness.advance(ttl * 1.5);
      const lost = await lease.keepAlive().then(() => undefined, (e: unknown) => e);
      expect(lost).toBeInstanceOf(LeaseLostError);
      expect(lost).toMatchObject({ code: 'LEASE_LOST', retriable: false });
      expect(await store.get('members/n2')).toBeUndefined();
      const reattach = await store.put('members/n2', bytes('x'), { lease: lease.id }).then(() => undefined, (e: unknown) => e);
      expect(reattach).toBeInstanceOf(LeaseLostError);
    });

    it('revoke deletes the keys of the lease and no other', async () => {
      const { store } = await open();
      const a = await store.grantLease(ttl * 10);
      const b = await store.grantLease(ttl * 10);
      expect(a.id).not.toBe(b.id);
      await store.put('members/a1', bytes('1'), { lease: a.id });
      await store.put('members/a2', bytes('2'), { lease: a.id });
      await store.put('members/b1', bytes('3'), { lease: b.id });
      await store.put('plain', bytes('4'));
      await a.revoke();
      expect((await store.list('')).kvs.map((kv) => kv.key)).toEqual(['members/b1', 'plain']);
      await b.revoke();
    });

    it('bad input gets typed errors and changes nothing', async () => {
      const { store } = await open();
      const before = (await store.put('keep', bytes('v'))).revision;
      const bad: Array<[string, () => Promise<unknown>]> = [
        ['empty key', () => store.put('', bytes('v'))],
        ['value not bytes', () => store.put('k', 'v' as unknown as Uint8Array)],
        ['negative ifModRevision', () => store.put('k', bytes('v'), { ifModRevision: -1 })],
        ['fractional ifModRevision', () => store.delete('keep', { ifModRevision: 1.5 })],
        ['key too long', () => store.put('k'.repeat(5000), bytes('v'))],
        ['value too large', () => store.put('k', new Uint8Array(2 * 1024 * 1024))],
        ['ttl zero', () => store.grantLease(0)],
        ['ttl not an integer', () => store.grantLease(Number.NaN)],
      ];
      for (const [what, call] of bad) {
        const e = await call().then(() => undefined, (x: unknown) => x);
        expect(e, what).toBeInstanceOf(InvalidArgumentError);
        expect((e as ShardkitError).retriable, what).toBe(false);
      }
      const unknownLease = await store.put('k', bytes('v'), { lease: '999999' }).then(() => undefined, (x: unknown) => x);
      expect(unknownLease).toBeInstanceOf(LeaseLostError);
      expect(() => store.watch('', -1, { onEvents: () => undefined, onError: () => undefined })).toThrow(InvalidArgumentError);
      const listed = await store.list('');
      expect(listed.revision).toBe(before);
      expect(listed.kvs.map((kv) => kv.key)).toEqual(['keep']);
    });
  });
}
