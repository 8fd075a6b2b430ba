import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { CorruptionError, DiskFullError } from '../errors.js';
import { ManualClock } from '../util/clock.js';
import { Broker } from './broker.js';
import { MemoryDirectory, type StorageDirectory } from './storage/directory.js';
import { FsDirectory } from './storage/fs-directory.js';
import { OFFSETS_LOG, OLD_OFFSETS_TABLE, OffsetsCorruptionError, OffsetsLog } from './offsets-log.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('offsets');
const tp = (topic: string, partition: number, offset: number) => ({ topic, partition, offset });

/** A MemoryDirectory holding exactly `bytes` as the offsets log. */
function withLog(bytes: Buffer): MemoryDirectory {
  const d = new MemoryDirectory();
  d.append(OFFSETS_LOG, bytes);
  d.sync(OFFSETS_LOG);
  return d;
}

/** Commits of 20 groups; every frame's start and end, and the table after each commit. */
function history(): { bytes: Buffer; frames: { start: number; end: number }[]; tables: Map<string, number>[] } {
  const dir = new MemoryDirectory();
  const log = OffsetsLog.open(dir, 0);
  const frames: { start: number; end: number }[] = [];
  const tables: Map<string, number>[] = [new Map()];
  const table = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const start = log.sizeBytes;
    const g = `group-${i % 20}`;
    log.commit(g, [tp('t', i % 3, 100 + i), tp('u', 0, 7 * i)], 1000 + i);
    table.set(`${g} t/${i % 3}`, 100 + i).set(`${g} u/0`, 7 * i);
    // The first commit also wrote the header frame.
    frames.push({ start: i === 0 ? 0 : start, end: log.sizeBytes });
    tables.push(new Map(table));
  }
  return { bytes: dir.read(OFFSETS_LOG, 0, dir.size(OFFSETS_LOG)), frames, tables };
}

function tableOf(log: OffsetsLog): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of [...log.groupIds()].sort()) for (const [t, p] of [['t', 0], ['t', 1], ['t', 2], ['u', 0]] as const) {
    const o = log.get(g, t, p);
    if (o !== undefined) out.set(`${g} ${t}/${p}`, o);
  }
  return out;
}

const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('offsets log: checksummed, appended, compacted', () => {
  it('one flipped bit in a committed offset (123 → 923) is reported with file and byte offset, not read', () => {
    const dataDir = tempDir();
    const b = Broker.open({ dataDir });
    b.createTopic('t');
    b.commitOffsets('g', [tp('t', 0, 123)], null);
    b.close();
    const files = fs.readdirSync(dataDir).filter((f) => f.startsWith('consumer-offsets'));
    expect(files).toEqual([OFFSETS_LOG]);
    const file = path.join(dataDir, files[0]!);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('123');
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at]! ^ 0x08; // '1' → '9'
    fs.writeFileSync(file, bytes);
    let error: unknown;
    try {
      Broker.open({ dataDir }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OffsetsCorruptionError);
    expect((error as OffsetsCorruptionError).file).toBe(OFFSETS_LOG);
    expect((error as OffsetsCorruptionError).offset).toBeLessThan(at);
    expect(fs.readFileSync(file)).toEqual(bytes);
  });

  it('every bit of every length and checksum field, and seeded payload bits: damage is reported at its frame, never a silently different table', () => {
    const { bytes, frames, tables } = history();
    const check = (f: number, byte: number, bit: number): void => {
      const fr = frames[f]!;
      const flipped = Buffer.from(bytes);
      flipped[fr.start + byte] = flipped[fr.start + byte]! ^ (1 << bit);
      const where = `frame ${f} (${fr.start}..${fr.end}) byte ${byte} bit ${bit}`;
      let log: OffsetsLog | undefined;
      try {
        log = OffsetsLog.open(withLog(flipped), 0);
      } catch (e) {
        expect(e, where).toBeInstanceOf(CorruptionError);
        if (e instanceof OffsetsCorruptionError) {
          expect(e.offset, where).toBeGreaterThanOrEqual(fr.start);
          expect(e.offset, where).toBeLessThan(fr.end);
        }
        return;
      }
      // Opened: only the last commit, unfinished, may be missing.
      expect(f, `${where}: opened with a damaged frame`).toBe(frames.length - 1);
      expect(sorted(tableOf(log)), where).toEqual(sorted(tables[f]!));
    };
    for (let f = 0; f < frames.length; f++) for (let byte = 0; byte < 8; byte++) for (let bit = 0; bit < 8; bit++) check(f, byte, bit);
    fc.assert(
      fc.property(fc.nat(frames.length - 1), fc.nat(), fc.nat(7), (f, b, bit) => {
        const fr = frames[f]!;
        check(f, 8 + (b % (fr.end - fr.start - 8)), bit);
      }),
      { seed: 0x0ff5e7, numRuns: 300 },
    );
  });

  it('a torn last commit is cut off, every earlier commit stays', () => {
    const { bytes, frames, tables } = history();
    const last = frames[frames.length - 1]!;
    for (let cut = last.start + 1; cut < last.end; cut++) {
      const dir = withLog(bytes.subarray(0, cut));
      const log = OffsetsLog.open(dir, 0);
      expect(log.tornBytes, `cut at ${cut}`).toBe(cut - last.start);
      expect(dir.size(OFFSETS_LOG)).toBe(last.start);
      expect(sorted(tableOf(log))).toEqual(sorted(tables[frames.length - 1]!));
      log.commit('after', [tp('t', 0, 1)], 5);
      expect(OffsetsLog.open(dir, 0).get('after', 't', 0)).toBe(1);
    }
    // A tail of zeros (allocated, never written) is torn too.
    const zeros = Buffer.concat([bytes, Buffer.alloc(100)]);
    expect(OffsetsLog.open(withLog(zeros), 0).tornBytes).toBe(100);
  });

  it('a commit appends one record, whatever the number of groups, and the file is compacted to the live table', () => {
    const dir = new MemoryDirectory();
    const log = OffsetsLog.open(dir, 0, { compactMinBytes: 64 * 1024 });
    for (let g = 0; g < 1000; g++) log.commit(`group-${g}`, [tp('t', 0, g)], g);
    const before = log.sizeBytes;
    log.commit('group-1', [tp('t', 0, 5000)], 2000);
    expect(log.sizeBytes - before).toBeLessThan(100);
    for (let i = 0; i < 20_000; i++) log.commit(`group-${i % 7}`, [tp('t', 0, 10_000 + i)], 3000 + i);
    expect(log.compactions).toBeGreaterThan(0);
    const reopened = OffsetsLog.open(dir, 0);
    expect(reopened.sizeBytes).toBeLessThanOrEqual(2 * 64 * 1024 + 200);
    for (let g = 0; g < 7; g++) expect(reopened.get(`group-${g}`, 't', 0)).toBe(10_000 + 20_000 - 7 + ((g - (20_000 - 7)) % 7 + 7) % 7);
    expect(reopened.get('group-999', 't', 0)).toBe(999);
    expect(reopened.lastCommitMs('group-999')).toBe(999);
    reopened.checkInvariants();
  });

  it('reads an old consumer-offsets.json once, converts it, and removes it', () => {
    const dataDir = tempDir();
    const b = Broker.open({ dataDir });
    b.createTopic('t', { partitions: 2 });
    b.close();
    fs.writeFileSync(path.join(dataDir, OLD_OFFSETS_TABLE), JSON.stringify({ format: 'shardkit-offsets', groups: [['g1', [['t/0', 123], ['t/1', 7]]], ['g2', [['t/1', 9]]]] }));
    const up = Broker.open({ dataDir });
    expect([up.committedOffset('g1', 't', 0), up.committedOffset('g1', 't', 1), up.committedOffset('g2', 't', 1)]).toEqual([123, 7, 9]);
    up.close();
    expect(fs.existsSync(path.join(dataDir, OLD_OFFSETS_TABLE))).toBe(false);
    const again = Broker.open({ dataDir });
    expect(again.committedOffset('g1', 't', 0)).toBe(123);
    again.close();
  });

  it('an empty offsets log beside an old table does not hide the table', () => {
    const dir = new MemoryDirectory();
    dir.writeAtomic(OLD_OFFSETS_TABLE, Buffer.from(JSON.stringify({ format: 'shardkit-offsets', groups: [['g', [['t/0', 42]]]] })));
    dir.append(OFFSETS_LOG, new Uint8Array(0));
    expect(OffsetsLog.open(dir, 0).get('g', 't', 0)).toBe(42);
    expect(dir.exists(OLD_OFFSETS_TABLE)).toBe(false);
    expect(OffsetsLog.open(dir, 0).get('g', 't', 0)).toBe(42);
  });

  it('a full disk during a commit is a retriable DiskFullError and commits nothing', () => {
    const inner = new MemoryDirectory();
    let full = false;
    const dir: StorageDirectory = Object.assign(Object.create(inner) as MemoryDirectory, {
      append(p: string, data: Uint8Array): void {
        if (full) {
          inner.append(p, data.subarray(0, 5));
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        inner.append(p, data);
      },
    });
    const log = OffsetsLog.open(dir, 0);
    log.commit('g', [tp('t', 0, 1)], 1);
    const size = inner.size(OFFSETS_LOG);
    full = true;
    let error: unknown;
    try {
      log.commit('g', [tp('t', 0, 2)], 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as DiskFullError).retriable).toBe(true);
    expect(log.get('g', 't', 0)).toBe(1);
    expect(inner.size(OFFSETS_LOG)).toBe(size);
    full = false;
    log.commit('g', [tp('t', 0, 3)], 3);
    expect(OffsetsLog.open(inner, 0).get('g', 't', 0)).toBe(3);
  });
});

describe('offsets retention', () => {
  it('a group without members loses its offsets offsetsRetentionMs after its last commit; a group with members keeps them', () => {
    const clock = new ManualClock(0);
    const dataDir = tempDir();
    const b = Broker.open({ dataDir, clock, offsetsRetentionMs: 10_000 });
    b.createTopic('t');
    b.commitOffsets('idle', [tp('t', 0, 5)], null);
    const active = b.group('active');
    const m = active.join({ topics: ['t'], groupInstanceId: null, revokeAll: () => {}, assigned: () => {}, evicted: () => {} });
    active.drive();
    b.commitOffsets('active', [tp('t', 0, 6)], { memberId: m, generation: active.coordinator.generation });
    clock.advance(9_999);
    expect(b.expireOffsets()).toEqual([]);
    clock.advance(1);
    active.heartbeat(m, active.coordinator.generation);
    expect(b.expireOffsets()).toEqual(['idle']);
    expect(b.committedOffset('idle', 't', 0)).toBeNull();
    expect(b.committedOffset('active', 't', 0)).toBe(6);
    expect(b.groupIds()).toEqual(['active']);
    b.close();
    // The expiry is durable (a tombstone), and a restart does not expire early.
    const clock2 = new ManualClock(100_000);
    const r = Broker.open({ dataDir, clock: clock2, offsetsRetentionMs: 10_000 });
    expect(r.committedOffset('idle', 't', 0)).toBeNull();
    expect(r.committedOffset('active', 't', 0)).toBe(6);
    expect(r.expireOffsets()).toEqual([]);
    clock2.advance(10_000);
    r.cleanup();
    expect(r.groupIds()).toEqual([]);
    r.close();
  });

  it('the default retention is 7 days, on the broker clock', () => {
    const clock = new ManualClock(0);
    const b = Broker.open({ clock });
    b.createTopic('t');
    b.commitOffsets('g', [tp('t', 0, 1)], null);
    clock.advance(7 * 24 * 3600 * 1000 - 1);
    expect(b.expireOffsets()).toEqual([]);
    clock.advance(1);
    expect(b.expireOffsets()).toEqual(['g']);
    b.close();
  });
});

/** A 256 KiB tmpfs, when this process may mount one (root); otherwise the test below says so and skips. */
let mnt: string | undefined;
let mountProblem = '';
beforeAll(() => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-offsets-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', d], { stdio: 'pipe' });
    mnt = d;
  } catch (e) {
    mountProblem = (e as Error).message;
    fs.rmSync(d, { recursive: true, force: true });
  }
});
afterAll(() => {
  if (mnt === undefined) return;
  execFileSync('umount', ['-l', mnt], { stdio: 'pipe' });
  fs.rmSync(mnt, { recursive: true, force: true });
});

describe('offsets log on a 256 KiB tmpfs', () => {
  it('commits until ENOSPC: a retriable DiskFullError, every acknowledged commit kept, commits resume once space is freed', (ctx) => {
    if (mnt === undefined) {
      console.warn(`tmpfs test skipped: mounting is not permitted (${mountProblem}); the injected ENOSPC test covers the logic`);
      ctx.skip();
      return;
    }
    const ballast = path.join(mnt, 'ballast');
    fs.writeFileSync(ballast, Buffer.alloc(64 * 1024));
    const dataDir = path.join(mnt, 'data');
    const dir = new FsDirectory(dataDir);
    // No compaction: the disk fills with commit records.
    const log = OffsetsLog.open(dir, 0, { compactMinBytes: 1 << 30 });
    const acked = new Map<string, number>();
    let full: unknown;
    for (let i = 0; full === undefined; i++) {
      const g = `group-${i % 50}-${'x'.repeat(100)}`;
      try {
        log.commit(g, [tp('t', 0, i)], i);
        acked.set(g, i);
      } catch (e) {
        full = e;
      }
    }
    expect(full).toBeInstanceOf(DiskFullError);
    expect((full as DiskFullError).retriable).toBe(true);
    expect(acked.size).toBe(50);
    dir.close();
    const check = (): void => {
      const d = new FsDirectory(dataDir);
      const r = OffsetsLog.open(d, 0);
      expect(r.tornBytes).toBe(0);
      for (const [g, o] of acked) expect(r.get(g, 't', 0), g).toBe(o);
      d.close();
    };
    check();
    fs.rmSync(ballast);
    const d2 = new FsDirectory(dataDir);
    const again = OffsetsLog.open(d2, 0);
    again.commit('group-0-after', [tp('t', 0, 1)], 1);
    acked.set('group-0-after', 1);
    d2.close();
    check();
  });
});
