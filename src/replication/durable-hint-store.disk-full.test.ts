import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFullError } from '../errors.js';
import type { Hint, NewHint } from './hint.js';
import { DurableHintStore, openFileHintStore } from './durable-hint-store.js';
import { MemoryLogFile, type LogFile } from './log-file.js';

const byId = (hs: Iterable<Hint>): Hint[] => [...hs].sort((a, b) => a.id - b.id);
const hint = (i: number, valueBytes = 10): NewHint => ({ target: `n${i % 3}`, key: `k${i}`, value: 'v'.repeat(valueBytes), version: { counter: i, coordinator: 'c0' }, createdAtMs: i, ttlMs: 60_000 });

/** A MemoryLogFile whose `replace` fails with a DiskFullError while `full` is set. */
function fullOnReplace(): { file: LogFile; inner: MemoryLogFile; set: (full: boolean) => void } {
  const inner = new MemoryLogFile();
  let full = false;
  const file: LogFile = {
    name: inner.name,
    read: () => inner.read(),
    append: (b) => inner.append(b),
    sync: () => inner.sync(),
    truncate: (n) => inner.truncate(n),
    replace: (b) => {
      if (full) throw new DiskFullError(inner.name, 'replacing', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
      inner.replace(b);
    },
    keepCopy: (b) => inner.keepCopy(b),
    reopen: () => inner.reopen(),
    close: () => inner.close(),
  };
  return { file, inner, set: (f) => (full = f) };
}

describe('durable hint store: a full disk', () => {
  it('a removal that is durable succeeds even when the compaction after it fails; compaction is retried later', () => {
    const { file, inner, set } = fullOnReplace();
    const s = new DurableHintStore(file, { compactMinDeadRecords: 4 });
    const ids = Array.from({ length: 12 }, (_, i) => s.add(hint(i + 1)).id);
    set(true);
    expect(s.remove(ids.slice(0, 9))).toBe(9);
    expect(s.compactions).toBe(0);
    expect(s.compactionError).toBeInstanceOf(DiskFullError);
    expect(s.count).toBe(3);
    // The removal is on disk: a reopened store agrees.
    expect([...new DurableHintStore(inner).all()].map((h) => h.id)).toEqual(ids.slice(9));
    set(false);
    expect(s.remove([ids[9]!])).toBe(1);
    expect(s.compactions).toBe(1);
    expect(s.compactionError).toBeUndefined();
    expect([...new DurableHintStore(inner).all()].map((h) => h.id)).toEqual(ids.slice(10));
  });

  it('opening removes a temporary file left by a compaction that crashed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardkit-hints-tmp-'));
    try {
      const path = join(dir, 'hints.log');
      const s = openFileHintStore(path);
      s.add(hint(1));
      s.close();
      writeFileSync(`${path}.tmp`, 'half a compaction');
      const r = openFileHintStore(path);
      expect(existsSync(`${path}.tmp`)).toBe(false);
      expect(r.count).toBe(1);
      r.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A 1 MiB tmpfs, when this process may mount one (root); otherwise undefined and the test below says so. */
let mnt: string | undefined;
let mountProblem = '';
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'shardkit-hints-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    mnt = dir;
  } catch (e) {
    mountProblem = (e as Error).message;
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(() => {
  if (mnt === undefined) return;
  // Lazy: a store a failed test left open must not keep the mount.
  execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
  rmSync(mnt, { recursive: true, force: true });
});

describe('durable hint store on a 1 MiB tmpfs', () => {
  it('fills the disk to ENOSPC, keeps every acknowledged hint and removal, leaves no temporary file, and recovers once space is freed', (ctx) => {
    if (mnt === undefined) {
      console.warn(`tmpfs test skipped: mounting is not permitted (${mountProblem}); the injected ENOSPC test above covers the logic`);
      ctx.skip();
      return;
    }
    const path = join(mnt, 'hints.log');
    const ballast = join(mnt, 'ballast');
    writeFileSync(ballast, Buffer.alloc(400 * 1024));
    const s = openFileHintStore(path, { compactMinDeadRecords: 8 });
    const acked = new Map<number, Hint>();
    let full: unknown;
    for (let i = 1; full === undefined; i++) {
      try {
        const h = s.add(hint(i, 2000));
        acked.set(h.id, h);
      } catch (e) {
        full = e;
      }
    }
    expect(full).toBeInstanceOf(DiskFullError);
    expect((full as DiskFullError).retriable).toBe(true);
    expect((full as DiskFullError).file).toBe(path);
    expect(acked.size).toBeGreaterThan(100);
    // Free a little: enough for a removal record, far too little to rewrite the live hints.
    truncateSync(ballast, 392 * 1024);
    const victims = [...acked.keys()].slice(0, Math.floor(acked.size * 0.7));
    expect(s.remove(victims)).toBe(victims.length);
    for (const id of victims) acked.delete(id);
    expect(s.compactionError).toBeInstanceOf(DiskFullError);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    s.close();
    const reopened = openFileHintStore(path, { compactMinDeadRecords: 8 });
    expect(byId(reopened.all()).map((h) => h.id)).toEqual([...acked.keys()]);
    expect(byId(reopened.all())).toEqual([...acked.values()]);
    // Free the rest: the next removal compacts, and an add fits again.
    rmSync(ballast);
    const one = [...acked.keys()][0]!;
    expect(reopened.remove([one])).toBe(1);
    acked.delete(one);
    expect(reopened.compactions).toBe(1);
    expect(reopened.compactionError).toBeUndefined();
    const h = reopened.add(hint(9999, 10));
    acked.set(h.id, h);
    reopened.close();
    const last = openFileHintStore(path);
    expect(byId(last.all())).toEqual([...acked.values()]);
    last.close();
  });
});
