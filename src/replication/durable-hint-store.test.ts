import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptionError, StateError } from '../errors.js';
import type { NewHint } from './hint.js';
import { DurableHintStore, openFileHintStore } from './durable-hint-store.js';
import { MemoryLogFile, type LogFile } from './log-file.js';
import { HintLogCorruptionError, decodeLog, encodeRecord, encodeRecords, headerRecord } from './hint-log.js';

const hint = (target: string, key: string, counter = 1): NewHint => ({ target, key, value: `v${counter}`, version: { counter, coordinator: 'c0' }, createdAtMs: 10 * counter, ttlMs: 1000 });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'shardkit-hints-'));
  dirs.push(d);
  return d;
};

describe('durable hint store: file format and recovery', () => {
  it('hints survive a restart of the holder: a real file reopened by a new store holds every acknowledged hint', () => {
    const path = join(tempDir(), 'node-1.hints');
    const s = openFileHintStore(path);
    const a = s.add(hint('node-2', 'user:1', 1));
    s.add(hint('node-3', 'user:2', 2));
    s.add(hint('node-2', 'ключ', 3));
    s.remove([a.id]);
    const before = [...s.all()];
    s.close();
    const reopened = openFileHintStore(path);
    expect([...reopened.all()]).toEqual(before);
    expect(reopened.add(hint('node-2', 'user:4', 4)).id).toBe(4);
    reopened.checkInvariants();
    reopened.close();
  });

  it('tolerates a torn tail: every cut inside the last record loses only that unacknowledged record', () => {
    const file = new MemoryLogFile();
    const s = new DurableHintStore(file);
    s.add(hint('a', 'k1', 1));
    s.add(hint('a', 'k2', 2));
    const good = file.read();
    const next = encodeRecord({ type: 'add', hint: { ...hint('a', 'k3', 3), id: 3 } });
    for (let cut = 1; cut < next.length; cut++) {
      const f = new MemoryLogFile();
      f.append(good);
      f.append(next.subarray(0, cut));
      f.sync();
      const r = new DurableHintStore(f);
      expect([...r.all()].map((h) => h.key), `cut at ${cut}`).toEqual(['k1', 'k2']);
      expect(r.lastTornBytes).toBe(cut);
      expect(f.read().length).toBe(good.length); // the torn bytes were cut off
      r.add(hint('a', 'k9', 9));
      expect([...new DurableHintStore(f).all()].map((h) => h.key)).toEqual(['k1', 'k2', 'k9']);
    }
  });

  it('a crash loses unsynced bytes only; a torn in-flight write is cut off at restart', () => {
    const file = new MemoryLogFile();
    const s = new DurableHintStore(file);
    s.add(hint('a', 'k1', 1));
    file.append(encodeRecord({ type: 'remove', ids: [1] }));
    file.tearOnNextReopen(5);
    const rep = s.restart();
    expect(rep).toEqual({ recovered: 1, lost: 0, tornBytes: 5 });
    expect(file.unsyncedBytes).toBe(0);
  });

  it('a bad checksum followed by more records is corruption, not a torn tail', () => {
    const file = new MemoryLogFile();
    const s = new DurableHintStore(file);
    s.add(hint('a', 'k1', 1));
    s.add(hint('a', 'k2', 2));
    const bytes = file.read();
    const flipped = bytes.slice();
    const headerLen = encodeRecord(headerRecord()).length;
    flipped[headerLen + 12] = (flipped[headerLen + 12] as number) ^ 0xff;
    expect(() => decodeLog(flipped)).toThrow(CorruptionError);
    const f2 = new MemoryLogFile();
    f2.append(flipped);
    f2.sync();
    expect(() => new DurableHintStore(f2)).toThrow(/checksum mismatch/);
  });

  it('a flipped length bit in a real file: opening reports it and leaves the file whole; repair keeps a copy and every other hint', () => {
    const path = join(tempDir(), 'fifty.hints');
    const s = openFileHintStore(path);
    const starts: number[] = [];
    for (let i = 1; i <= 50; i++) {
      starts.push(statSync(path).size);
      s.add(hint('b', `k${i}`, i));
    }
    s.close();
    const bytes = readFileSync(path);
    bytes[starts[20]! + 1] = bytes[starts[20]! + 1]! ^ 0x40; // the record of hint 21 now claims 16 KiB more
    writeFileSync(path, bytes);
    let error: unknown;
    try {
      openFileHintStore(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HintLogCorruptionError);
    expect((error as HintLogCorruptionError).offset).toBe(starts[20]);
    expect((error as HintLogCorruptionError).message).toContain(path);
    expect(readFileSync(path)).toEqual(bytes);
    const r = openFileHintStore(path, { repair: true });
    expect(r.count).toBe(49);
    expect([...r.all()].map((h) => h.key)).not.toContain('k21');
    expect(r.lastRepair!.copy).toBe(`${path}.damaged-1`);
    expect(readFileSync(`${path}.damaged-1`)).toEqual(bytes);
    r.close();
    expect(openFileHintStore(path).count).toBe(49);
  });

  it('refuses a file that is not a hint log, and a future format version', () => {
    const path = join(tempDir(), 'foreign');
    writeFileSync(path, encodeRecords([{ type: 'remove', ids: [1] }]));
    expect(() => openFileHintStore(path)).toThrow(CorruptionError);
    const f = new MemoryLogFile();
    f.append(encodeRecord({ type: 'header', format: 'shardkit-hints', version: 99 }));
    expect(() => new DurableHintStore(f)).toThrow(/format version 99/);
  });

  it('compacts when removed hints dominate, keeping live hints, their ids and order, and never reusing ids', () => {
    const file = new MemoryLogFile();
    const s = new DurableHintStore(file, { compactMinDeadRecords: 10 });
    const ids: number[] = [];
    for (let i = 1; i <= 30; i++) ids.push(s.add(hint(i % 2 ? 'a' : 'b', `k${i}`, i)).id);
    for (const id of ids.slice(0, 25)) s.remove([id]);
    expect(s.compactions).toBeGreaterThan(0);
    const live = [...s.all()];
    expect(live.map((h) => h.id).sort((x, y) => x - y)).toEqual(ids.slice(25));
    const reopened = new DurableHintStore(file);
    expect([...reopened.all()]).toEqual(live);
    reopened.checkInvariants();
    s.remove(ids.slice(25));
    s.compact();
    // Every hint is gone, yet the next id continues after 30: the header keeps it.
    expect(new DurableHintStore(file).add(hint('a', 'after', 100)).id).toBe(31);
  });

  it('compaction on a real file replaces it atomically and a reopened store sees only the live hints', () => {
    const path = join(tempDir(), 'compact.hints');
    const s = openFileHintStore(path, { compactMinDeadRecords: 4 });
    const ids = Array.from({ length: 12 }, (_, i) => s.add(hint('b', `k${i}`, i + 1)).id);
    const sizeBefore = statSync(path).size;
    for (const id of ids.slice(0, 10)) s.remove([id]);
    expect(s.compactions).toBeGreaterThan(0);
    expect(statSync(path).size).toBeLessThan(sizeBefore);
    s.add(hint('b', 'after', 13));
    s.close();
    const r = openFileHintStore(path);
    expect([...r.all()].map((h) => [h.id, h.key])).toEqual([[11, 'k10'], [12, 'k11'], [13, 'after']]);
    r.close();
  });

  it('a failed append leaves the store and the file as they were, and the error reaches the caller', () => {
    const inner = new MemoryLogFile();
    let failNext = false;
    const flaky: LogFile = {
      read: () => inner.read(),
      append: (b) => {
        if (failNext) {
          inner.append(b.subarray(0, 3));
          throw new Error('disk full');
        }
        inner.append(b);
      },
      sync: () => inner.sync(),
      truncate: (n) => inner.truncate(n),
      replace: (b) => inner.replace(b),
      keepCopy: (b) => inner.keepCopy(b),
      name: inner.name,
      reopen: () => inner.reopen(),
      close: () => inner.close(),
    };
    const s = new DurableHintStore(flaky);
    s.add(hint('a', 'k1', 1));
    const len = inner.read().length;
    failNext = true;
    expect(() => s.add(hint('a', 'k2', 2))).toThrow('disk full');
    expect(s.count).toBe(1);
    expect(inner.read().length).toBe(len);
    failNext = false;
    expect(s.add(hint('a', 'k3', 3)).id).toBe(2);
    expect([...new DurableHintStore(inner).all()].map((h) => h.key)).toEqual(['k1', 'k3']);
  });

  it('a store whose failed write could not be undone refuses further writes until restarted', () => {
    const inner = new MemoryLogFile();
    const broken: LogFile = {
      read: () => inner.read(),
      append: (b) => {
        if (inner.read().length > 0) throw new Error('io error');
        inner.append(b);
      },
      sync: () => inner.sync(),
      truncate: () => {
        throw new Error('truncate failed too');
      },
      replace: (b) => inner.replace(b),
      keepCopy: (b) => inner.keepCopy(b),
      name: inner.name,
      reopen: () => inner.reopen(),
      close: () => inner.close(),
    };
    const s = new DurableHintStore(broken);
    expect(() => s.add(hint('a', 'k1'))).toThrow('io error');
    expect(() => s.add(hint('a', 'k1'))).toThrow(StateError);
  });

  it('appends one record and one fsync per change', () => {
    const path = join(tempDir(), 'n.hints');
    const s = openFileHintStore(path);
    const size0 = statSync(path).size;
    s.add(hint('a', 'k', 1));
    const size1 = statSync(path).size;
    expect(size1 - size0).toBe(encodeRecord({ type: 'add', hint: { ...hint('a', 'k', 1), id: 1 } }).length);
    const mem = new MemoryLogFile();
    const m = new DurableHintStore(mem);
    const syncs = mem.syncs;
    m.add(hint('a', 'k', 1));
    m.remove([1]);
    expect(mem.syncs - syncs).toBe(2);
    s.close();
    appendFileSync(path, Buffer.from([1, 2, 3]));
    const r = openFileHintStore(path);
    expect(r.lastTornBytes).toBe(3);
    expect(readFileSync(path).length).toBe(size1);
    r.close();
  });
});
