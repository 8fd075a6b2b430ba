/**
 * The node store: writes are visible at once (overlay) and durable in order;
 * concurrent writes share commits (group commit, counted); partitions are
 * contiguous ranges that can be counted and scanned; a reopened store has
 * every acknowledged write; and a model check (a Map) over seeded random
 * writes, deletes and reopens.
 */
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { NodeStore } from './store.js';
import { partitionStart, storeKey, userKey } from './keyspace.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-store-'));
  dirs.push(d);
  return d;
}
const k = (p: number, s: string) => storeKey(p, Buffer.from(s));

describe('NodeStore', () => {
  it('a write is visible at once and acknowledged only once durable, in sequence order', async () => {
    const store = NodeStore.open({ path: tempDir() });
    const seq1 = store.write(k(1, 'a'), Buffer.from('1'));
    const seq2 = store.write(k(1, 'b'), Buffer.from('2'));
    expect(store.get(k(1, 'a'))?.toString()).toBe('1');
    expect(store.durableSeq).toBeLessThan(seq1);
    const order: number[] = [];
    await new Promise<void>((resolve) => {
      store.whenDurable(seq1, () => order.push(1));
      store.whenDurable(seq2, () => {
        order.push(2);
        resolve();
      });
    });
    expect(order).toEqual([1, 2]);
    expect(store.durableSeq).toBeGreaterThanOrEqual(seq2);
    await store.close();
  });

  it('group commit: writes queued while a batch commits share the next commit, and the sizes are counted', async () => {
    const store = NodeStore.open({ path: tempDir() });
    for (let i = 0; i < 500; i++) store.write(k(2, `k${i}`), Buffer.from(`${i}`));
    await store.drain();
    const s = store.commitStats();
    expect(s.writes).toBe(500);
    expect(s.batches).toBeLessThan(500);
    expect(s.maxBatch).toBeGreaterThan(1);
    expect(s.histogram.reduce((a, b) => a + b, 0)).toBe(s.batches);
    await store.close();
  });

  it('keys of one partition are one contiguous range: counted and scanned as a unit', async () => {
    const store = NodeStore.open({ path: tempDir() });
    for (const [p, key] of [[3, 'x'], [3, 'a'], [4, 'a'], [2, 'z'], [3, 'm']] as const) store.write(k(p, key), Buffer.from('v'));
    expect(store.count(partitionStart(3), partitionStart(4))).toBe(3);
    await store.drain();
    expect(store.count(partitionStart(3), partitionStart(4))).toBe(3);
    expect(store.range(partitionStart(3), partitionStart(4), 10).map((r) => userKey(r.key).toString())).toEqual(['a', 'm', 'x']);
    store.write(k(3, 'm'), null);
    expect(store.count(partitionStart(3), partitionStart(4))).toBe(2);
    expect(store.count()).toBe(4);
    await store.close();
  });

  it('model check: random writes, deletes and reopens agree with a Map', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), fc.nat(20), fc.option(fc.string({ maxLength: 8 }), { nil: null }), fc.boolean()), { maxLength: 60 }), async (ops) => {
        const dir = tempDir();
        let store = NodeStore.open({ path: dir, fsync: 'never' });
        const model = new Map<string, string>();
        for (const [p, n, value, reopen] of ops) {
          const key = k(p, `k${n}`);
          store.write(key, value === null ? null : Buffer.from(value));
          if (value === null) model.delete(key.toString('latin1'));
          else model.set(key.toString('latin1'), value);
          if (reopen) {
            await store.close();
            store = NodeStore.open({ path: dir, fsync: 'never' });
          }
        }
        for (const [key, value] of model) expect(store.get(Buffer.from(key, 'latin1'))?.toString()).toBe(value);
        expect(store.count()).toBe(model.size);
        await store.close();
      }),
      { seed: 1416, numRuns: 25 },
    );
  }, 60_000);
});
