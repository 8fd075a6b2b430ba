/**
 * The node store: writes are visible at once (overlay) and durable in order;
 * concurrent writes share commits (group commit, counted); partitions are
 * contiguous ranges that can be counted and scanned; a reopened store has
 * every acknowledged write; and a model check (a Map) over seeded random
 * writes, deletes and reopens. The write-ahead log: replayed at open up to
 * a torn last frame (kept aside), damage anywhere else refused with its
 * offset, files deleted once LMDB has them; reads record the
 * write they observe; acknowledgements wait for LMDB when it falls behind.
 */
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { NodeStore } from './store.js';
import { partitionStart, storeKey, userKey } from './keyspace.js';

const logFiles = (dir: string) => fs.readdirSync(dir).filter((f) => /^wal-\d+\.log$/.test(f));
const durable = (store: NodeStore, seq: number) => new Promise<void>((resolve) => store.whenDurable(seq, resolve));

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

  it('the write-ahead log is replayed at open, up to a torn or corrupt frame at its tail', async () => {
    const a = tempDir();
    const store = NodeStore.open({ path: a, fsync: 'never' });
    store.write(k(1, 'a'), Buffer.from('1'));
    store.write(k(1, 'b'), Buffer.from('2'));
    await store.drain();
    store.write(k(1, 'a'), null);
    store.write(k(2, 'c'), Buffer.from('3'));
    await store.drain();
    // A copy of the log alone (no LMDB files), as a crash would leave writes LMDB never got.
    const [log] = logFiles(a);
    const b = tempDir();
    const bytes = fs.readFileSync(path.join(a, log as string));
    const torn = Buffer.from([0, 0, 0, 100, 1, 2, 3, 4, 1, 0]); // says 100 bytes, has 2
    fs.writeFileSync(path.join(b, log as string), Buffer.concat([bytes, torn]));
    const c = tempDir();
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff; // the last frame's payload no longer matches its checksum
    fs.writeFileSync(path.join(c, log as string), corrupt);
    await store.close();
    const fromB = NodeStore.open({ path: b, fsync: 'never' });
    expect([fromB.get(k(1, 'a')), fromB.get(k(1, 'b'))?.toString(), fromB.get(k(2, 'c'))?.toString()]).toEqual([undefined, '2', '3']);
    expect(logFiles(b)).not.toContain(log); // replayed into LMDB, flushed, deleted
    await fromB.close();
    const fromC = NodeStore.open({ path: c, fsync: 'never' });
    expect([fromC.get(k(1, 'a'))?.toString(), fromC.get(k(1, 'b'))?.toString(), fromC.get(k(2, 'c'))]).toEqual(['1', '2', undefined]);
    await fromC.close();
  });

  it('damage in the write-ahead log is reported with its file and offset, never replayed as a shorter log: the store does not open and nothing changes', async () => {
    // A log of two frames (two drains), copied without LMDB's files.
    const a = tempDir();
    const store = NodeStore.open({ path: a, fsync: 'never' });
    store.write(k(1, 'a'), Buffer.from('1'));
    await store.drain();
    store.write(k(1, 'b'), Buffer.from('2'));
    await store.drain();
    const [log] = logFiles(a);
    const bytes = fs.readFileSync(path.join(a, log as string));
    await store.close();
    const firstLen = bytes.readUInt32BE(0) + 8;
    expect(firstLen).toBeLessThan(bytes.length);
    const damaged = (mutate: (b: Buffer) => void, name = log as string, extra?: [string, Buffer]): string => {
      const d = tempDir();
      const b = Buffer.from(bytes);
      mutate(b);
      fs.writeFileSync(path.join(d, name), b);
      if (extra !== undefined) fs.writeFileSync(path.join(d, extra[0]), extra[1]);
      return d;
    };
    const cases: [string, string, RegExp][] = [
      ['a flipped payload bit in the first of two frames', damaged((b) => void (b[firstLen - 1] = (b[firstLen - 1] as number) ^ 1)), /checksum does not match at offset 0, followed by an intact frame at offset \d+/],
      ['a first frame length that now runs past the end', damaged((b) => void (b[0] = 0x7f)), /length that runs past the end of the file at offset 0, followed by an intact frame/],
      ['a checksum bit flipped in the first frame', damaged((b) => void (b[5] = (b[5] as number) ^ 0x10)), /checksum does not match at offset 0, followed by an intact frame/],
      ['a bad last frame in a sealed log file, a newer one after it', damaged((b) => void (b[b.length - 1] = (b[b.length - 1] as number) ^ 1), 'wal-1.log', ['wal-2.log', bytes]), /wal-1\.log: a frame whose checksum does not match at offset \d+ in a sealed/],
    ];
    for (const [what, dir, message] of cases) {
      const before = fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]);
      expect(() => NodeStore.open({ path: dir, fsync: 'never' }), what).toThrow(message);
      const after = fs.readdirSync(dir).filter((f) => /^wal-/.test(f)).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]);
      expect(after, `${what}: the log files changed`).toEqual(before.filter(([f]) => /^wal-/.test(f as string)));
    }
    // A torn last frame is cut, and its bytes kept beside the data.
    const t = tempDir();
    fs.writeFileSync(path.join(t, log as string), bytes.subarray(0, bytes.length - 3));
    const reopened = NodeStore.open({ path: t, fsync: 'never' });
    expect([reopened.get(k(1, 'a'))?.toString(), reopened.get(k(1, 'b'))]).toEqual(['1', undefined]);
    const kept = fs.readdirSync(t).filter((f) => f.includes('.torn-at-'));
    expect(kept).toEqual([`${log as string}.torn-at-${firstLen}`]);
    expect(fs.readFileSync(path.join(t, kept[0] as string))).toEqual(bytes.subarray(firstLen, bytes.length - 3));
    await reopened.close();
  });

  it('log files are deleted once LMDB has flushed their writes, and a clean close leaves none', async () => {
    const dir = tempDir();
    const store = NodeStore.open({ path: dir, fsync: 'always', logFileBytes: 2000 });
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 10; i++) store.write(k(5, `t${turn}:${i}`), Buffer.alloc(50, turn));
      await store.drain();
    }
    expect(store.count()).toBe(400);
    expect(logFiles(dir).length).toBeLessThanOrEqual(2);
    await store.close();
    expect(logFiles(dir)).toEqual([]);
    const again = NodeStore.open({ path: dir, fsync: 'always' });
    expect(again.count()).toBe(400);
    expect(again.get(k(5, 't39:9'))).toEqual(Buffer.alloc(50, 39));
    await again.close();
  });

  it('a read records the sequence number of the overlay write it returned; a durable or missing value, none', async () => {
    const store = NodeStore.open({ path: tempDir(), fsync: 'always' });
    const seqA = store.write(k(1, 'a'), Buffer.from('1'));
    store.write(k(1, 'b'), Buffer.from('2'));
    store.resetObserved();
    store.get(k(1, 'a'));
    expect(store.observedSeq).toBe(seqA);
    store.resetObserved();
    store.get(k(1, 'missing'));
    expect(store.observedSeq).toBe(0);
    await store.drain();
    store.resetObserved();
    expect(store.get(k(1, 'a'))?.toString()).toBe('1');
    expect(store.observedSeq).toBe(0);
    const seqDel = store.write(k(1, 'a'), null);
    store.resetObserved();
    expect(store.get(k(1, 'a'))).toBeUndefined();
    expect(store.observedSeq).toBe(seqDel);
    await store.close();
  });

  it('with LMDB behind by maxUnapplied writes, acknowledgements wait for it, and every write is still acknowledged in order', async () => {
    const store = NodeStore.open({ path: tempDir(), fsync: 'interval', maxUnapplied: 3 });
    const acked: number[] = [];
    let firstRelease = -1;
    let last = 0;
    for (let i = 0; i < 50; i++) {
      last = store.write(k(7, `k${i}`), Buffer.from(`${i}`));
      store.whenDurable(last, () => {
        if (acked.length === 0) firstRelease = store.durableSeq;
        acked.push(i);
      });
    }
    await durable(store, last);
    expect(firstRelease).toBe(3); // all 50 were in the log at once, LMDB had none
    expect(acked).toEqual(Array.from({ length: 50 }, (_v, i) => i));
    expect(store.commitStats().applied).toBeGreaterThan(0);
    await store.close();
  });
});
