/**
 * The log on a real full disk: a 2 MiB tmpfs (mounted for this file, as
 * root; the suite is skipped, saying why, where mounting is not permitted).
 * Produce under fsync `always` until the disk is full: the failure is a
 * typed, retriable DiskFullError naming topic and partition; every
 * acknowledged record stays readable; compaction and close on the full disk
 * fail typed or succeed without losing anything or leaving temporary files;
 * close releases the lock; the directory opens to read while still full;
 * after space is freed, producing continues and every acknowledged record is
 * there.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Broker } from './broker.js';
import { DiskFullError } from './storage/disk-full.js';
import { FsDirectory } from './storage/fs-directory.js';

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-tmpfs-'));
let mounted = false;
let whyNot = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (e) {
  whyNot = String((e as { stderr?: Buffer }).stderr ?? e).trim();
}

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

beforeAll(() => {
  if (!mounted) console.warn(`disk-full tests skipped: cannot mount a tmpfs here (${whyNot})`);
});

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe.skipIf(!mounted)('the log on a full disk (2 MiB tmpfs)', () => {
  it('produces until ENOSPC (typed, retriable, naming topic and partition), survives compaction and close on the full disk, opens to read while full, and keeps every acknowledged record once space is freed', () => {
    const dataDir = path.join(mountPoint, 'log');
    const filler = path.join(mountPoint, 'filler');
    fs.writeFileSync(filler, Buffer.alloc(256 * 1024, 1));
    const plain = new Map<string, string>();
    const latest = new Map<string, { partition: number; offset: number; value: string }>();
    const value = (tag: string) => `${tag}-${'v'.repeat(3000)}`;
    let b = Broker.open({ dataDir, topicDefaults: { fsync: 'always', segmentBytes: 64 * 1024 } });
    b.createTopic('plain', { partitions: 2 });
    b.createTopic('table', { partitions: 1, cleanupPolicy: 'compact', deleteRetentionMs: 0 });
    const p = () => b.producer();
    const produce = (i: number) => {
      const ms = [{ key: `k${i % 7}`, value: value(`p${i}a`) }, { key: `k${(i + 3) % 7}`, value: value(`p${i}b`) }];
      p().sendBatch('plain', ms).forEach((r, k) => plain.set(`${r.partition}/${r.offset}`, ms[k]!.value));
      const key = `t${i % 5}`;
      const r = p().send('table', { key, value: value(`t${i}`) });
      latest.set(key, { partition: r.partition, offset: r.offset, value: value(`t${i}`) });
    };
    const checkAll = (broker: Broker) => {
      for (const [k, v] of plain) {
        const [part, off] = k.split('/').map(Number) as [number, number];
        expect(broker.read('plain', part, off, 1)[0]?.value?.toString(), `plain ${k}`).toBe(v);
      }
      for (const [key, l] of latest) expect(broker.read('table', l.partition, l.offset, 1)[0]?.value?.toString(), `table ${key}`).toBe(l.value);
    };
    let full: unknown = null;
    for (let i = 0; full === null; i++) {
      try {
        produce(i);
      } catch (e) {
        full = e;
      }
      expect(i).toBeLessThan(10_000);
    }
    expect(full).toBeInstanceOf(DiskFullError);
    const df = full as DiskFullError;
    expect(df.retriable).toBe(true);
    expect(['plain', 'table']).toContain(df.topic);
    expect(df.message).toContain(`partition ${df.partition}`);
    expect(plain.size).toBeGreaterThan(100);
    b.checkInvariants();
    checkAll(b);

    // Compaction on the full disk: done, or a DiskFullError with nothing changed.
    try {
      b.cleanup();
    } catch (e) {
      expect(e).toBeInstanceOf(DiskFullError);
    }
    expect(files(dataDir).filter((f) => f.endsWith('.tmp') || f.endsWith('.cleaned'))).toEqual([]);
    checkAll(b);
    try {
      b.close();
    } catch (e) {
      expect(e).toBeInstanceOf(DiskFullError);
    }

    // Still full: opening to read works (the lock is free, nothing needs writing).
    b = Broker.open({ dataDir });
    checkAll(b);
    try {
      b.close();
    } catch (e) {
      expect(e).toBeInstanceOf(DiskFullError);
    }

    fs.rmSync(filler);
    b = Broker.open({ dataDir, topicDefaults: { fsync: 'always', segmentBytes: 64 * 1024 } });
    const before = plain.size;
    for (let i = 100_000; i < 100_010; i++) produce(i);
    expect(plain.size).toBe(before + 20);
    b.cleanup();
    b.close();
    b = Broker.open({ dataDir });
    b.checkInvariants();
    expect(b.verify().problems).toEqual([]);
    checkAll(b);
    b.close();
  }, 120_000);
});

describe('close on a failing disk', () => {
  it('Broker.close releases the directory lock even when closing a partition fails with ENOSPC', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-closefail-'));
    try {
      const real = new FsDirectory(d);
      let failing = false;
      const storage = Object.assign(Object.create(real) as FsDirectory, {
        writeAtomic(p: string, data: Uint8Array) {
          if (failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          real.writeAtomic(p, data);
        },
      });
      const b = Broker.open({ storage });
      b.createTopic('t', { partitions: 2 });
      b.producer().send('t', { value: 'a', partition: 0 });
      b.producer().send('t', { value: 'b', partition: 1 });
      failing = true;
      expect(() => b.close()).toThrow(DiskFullError);
      const again = Broker.open({ dataDir: d });
      expect(again.read('t', 0, 0, 10).map((r) => r.value!.toString())).toEqual(['a']);
      expect(again.read('t', 1, 0, 10).map((r) => r.value!.toString())).toEqual(['b']);
      again.close();
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
