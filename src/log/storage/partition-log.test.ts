import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { CorruptionError, InvalidArgumentError } from '../../errors.js';
import { MemoryDirectory, type StorageDirectory } from './directory.js';
import { FsDirectory } from './fs-directory.js';
import { PartitionLog } from './partition-log.js';
import { partitionConfig, type PartitionLogConfig } from './partition-config.js';
import { SegmentCorruptionError } from './segment.js';
import { applyRetention, compact } from './cleanup.js';
import type { RecordInput } from '../types.js';
import { tempDirs } from '../testing/temp-dirs.js';

const enc = (s: string) => Buffer.from(s);
const rec = (value: string | null, key: string | null = null, timestampMs = 0): RecordInput => ({
  key: key === null ? null : enc(key),
  value: value === null ? null : enc(value),
  timestampMs,
  headers: [],
});
const values = (log: PartitionLog, from = 0) => log.read(from, 1e9).map((r) => [r.offset, r.value?.toString() ?? null]);

const tempDir = tempDirs('plog');

function open(dir: StorageDirectory, clock = new ManualClock(1000), c: Partial<PartitionLogConfig> = {}): PartitionLog {
  const log = PartitionLog.open(dir, 't-0', partitionConfig(c), clock);
  log.checkInvariants();
  return log;
}

describe.each([
  ['memory', () => new MemoryDirectory() as StorageDirectory],
  ['files', () => new FsDirectory(tempDir()) as StorageDirectory],
])('partition log on %s storage', (_name, makeDir) => {
  it('gives offsets from 0, one per record, and reads them back in order (Kafka log semantics)', () => {
    const log = open(makeDir());
    expect(log.append([rec('a'), rec('b')])).toBe(0);
    expect(log.append([rec('c')])).toBe(2);
    log.checkInvariants();
    expect(values(log)).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    expect(values(log, 1)).toEqual([[1, 'b'], [2, 'c']]);
    expect(log.read(3, 10)).toEqual([]);
    expect(log.read(0, 2).map((r) => r.offset)).toEqual([0, 1]);
  });

  it('rolls segments by size and by age, and reads across them', () => {
    const clock = new ManualClock(1000);
    const dir = makeDir();
    const log = open(dir, clock, { segmentBytes: 200, segmentMs: 10_000 });
    for (let i = 0; i < 10; i++) log.append([rec(`value-${i}`.padEnd(40, '.'), null, clock.now())]);
    log.checkInvariants();
    expect(log.segmentCount).toBeGreaterThan(2);
    const before = log.segmentCount;
    log.append([rec('x', null, clock.now())]);
    clock.advance(10_000);
    log.append([rec('y', null, clock.now())]);
    expect(log.segmentCount).toBe(before + 1);
    expect(values(log).map(([o]) => o)).toEqual([...Array(12).keys()]);
    log.checkInvariants();
  });

  it('reopens after a clean close with the same records, and appends continue at the end', () => {
    const dir = makeDir();
    const log = open(dir, new ManualClock(0), { segmentBytes: 150 });
    for (let i = 0; i < 20; i++) log.append([rec(`v${i}`, `k${i}`)]);
    log.close();
    const again = open(dir, new ManualClock(0), { segmentBytes: 150 });
    expect(values(again)).toEqual(Array.from({ length: 20 }, (_, i) => [i, `v${i}`]));
    expect(again.append([rec('next')])).toBe(20);
    again.checkInvariants();
  });

  it('reads after reopening without a clean close (indexes rebuilt by scanning)', () => {
    const dir = makeDir();
    const log = open(dir, new ManualClock(0), { segmentBytes: 150 });
    for (let i = 0; i < 20; i++) log.append([rec(`v${i}`)]);
    const again = open(dir, new ManualClock(0), { segmentBytes: 150 });
    expect(values(again).length).toBe(20);
    expect(again.nextOffset).toBe(20);
  });

  it('rejects bad offsets and empty batches with typed errors, leaving the log unchanged', () => {
    const log = open(makeDir());
    log.append([rec('a')]);
    expect(() => log.read(-1, 10)).toThrow(InvalidArgumentError);
    expect(() => log.read(0.5, 10)).toThrow(InvalidArgumentError);
    expect(() => log.read(0, 0)).toThrow(InvalidArgumentError);
    expect(() => log.append([])).toThrow(InvalidArgumentError);
    expect(() => partitionConfig({ fsync: 'sometimes' as never })).toThrow(InvalidArgumentError);
    expect(values(log)).toEqual([[0, 'a']]);
    log.checkInvariants();
  });

  it('retention by message count advances the log start exactly and deletes whole segments below it', () => {
    const log = open(makeDir(), new ManualClock(0), { segmentBytes: 120 });
    for (let i = 0; i < 30; i++) log.append([rec(`v${i}`)]);
    const segs = log.segmentCount;
    applyRetention(log, { retentionMs: null, retentionBytes: null, retentionMessages: 5 }, 0);
    log.checkInvariants();
    expect(log.logStartOffset).toBe(25);
    expect(log.segmentCount).toBeLessThan(segs);
    expect(values(log).map(([o]) => o)).toEqual([25, 26, 27, 28, 29]);
    expect(values(log, 3).map(([o]) => o)[0]).toBe(25);
  });

  it('retention by time deletes closed segments whose newest record is too old, never the active one', () => {
    const clock = new ManualClock(0);
    const log = open(makeDir(), clock, { segmentBytes: 120 });
    for (let i = 0; i < 10; i++) log.append([rec(`old${i}`, null, clock.now())]);
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) log.append([rec(`new${i}`, null, clock.now())]);
    const r = applyRetention(log, { retentionMs: 30_000, retentionBytes: null, retentionMessages: null }, clock.now());
    log.checkInvariants();
    expect(r.segmentsDeleted).toBeGreaterThan(0);
    expect(values(log).every(([, v]) => String(v).startsWith('new'))).toBe(true);
    expect(log.read(0, 100).length).toBe(3);
    applyRetention(log, { retentionMs: 0, retentionBytes: null, retentionMessages: null }, clock.now() + 1e9);
    expect(log.segmentCount).toBeGreaterThanOrEqual(1);
    expect(log.append([rec('after')])).toBe(13);
  });

  it('retention by bytes keeps at least the limit (Kafka rule: delete a segment only if the rest still holds retentionBytes)', () => {
    const log = open(makeDir(), new ManualClock(0), { segmentBytes: 120 });
    for (let i = 0; i < 30; i++) log.append([rec(`v${i}`)]);
    applyRetention(log, { retentionMs: null, retentionBytes: 300, retentionMessages: null }, 0);
    log.checkInvariants();
    expect(log.sizeBytes).toBeGreaterThanOrEqual(300);
    expect(log.sizeBytes).toBeLessThan(300 + 120);
  });

  it('compaction keeps the latest value per key plus unkeyed records, keeps offsets, and appends continue at last + 1 (DDIA ch. 11)', () => {
    const clock = new ManualClock(0);
    const log = open(makeDir(), clock, { segmentBytes: 150 });
    log.append([rec('a1', 'a'), rec('b1', 'b')]);
    log.append([rec('u1')]);
    log.append([rec('a2', 'a'), rec('c1', 'c')]);
    log.append([rec(null, 'b')]);
    log.append([rec('a3', 'a')]);
    const r = compact(log, { nowMs: 0, deleteRetentionMs: 1000 });
    log.checkInvariants();
    expect(r.recordsRemoved).toBe(3);
    expect(values(log)).toEqual([[2, 'u1'], [4, 'c1'], [5, null], [6, 'a3']]);
    expect(values(log, 0)[0]?.[0]).toBe(2);
    expect(values(log, 3)[0]).toEqual([4, 'c1']);
    expect(log.append([rec('d1', 'd')])).toBe(7);
    // The tombstone goes once it is older than deleteRetentionMs.
    clock.advance(5000);
    const r2 = compact(log, { nowMs: clock.now(), deleteRetentionMs: 1000 });
    expect(r2.tombstonesRemoved).toBe(1);
    expect(values(log)).toEqual([[2, 'u1'], [4, 'c1'], [6, 'a3'], [7, 'd1']]);
    expect(log.append([rec('e')])).toBe(8);
    log.checkInvariants();
  });

  it('compaction never rewrites the active segment when asked not to roll', () => {
    const log = open(makeDir(), new ManualClock(0), { segmentBytes: 1 << 20 });
    log.append([rec('a1', 'a'), rec('a2', 'a')]);
    const r = compact(log, { nowMs: 0, deleteRetentionMs: 0, rollActive: false });
    expect(r.segmentsRewritten).toBe(0);
    expect(values(log)).toEqual([[0, 'a1'], [1, 'a2']]);
  });

});

describe('partition log against a model', () => {
  it('matches a model (an array of offset/value pairs) over random appends, rolls, retention, compaction and reopen', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('append' as const), keys: fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }), { minLength: 1, maxLength: 4 }) }),
            fc.record({ op: fc.constant('reopen' as const) }),
            fc.record({ op: fc.constant('compact' as const) }),
            fc.record({ op: fc.constant('retain' as const), n: fc.integer({ min: 0, max: 20 }) }),
          ),
          { maxLength: 30 },
        ),
        (ops) => {
          const dir = new MemoryDirectory();
          const cfg = { segmentBytes: 160 };
          let log = open(dir, new ManualClock(0), cfg);
          let model: { offset: number; key: number | null; value: string }[] = [];
          let next = 0;
          let start = 0;
          for (const o of ops) {
            if (o.op === 'append') {
              const base = log.append(o.keys.map((k, i) => rec(`v${next + i}`, k === null ? null : `k${k}`)));
              expect(base).toBe(next);
              o.keys.forEach((k, i) => model.push({ offset: next + i, key: k, value: `v${next + i}` }));
              next += o.keys.length;
            } else if (o.op === 'reopen') {
              if (next % 2 === 0) log.close();
              log = open(dir, new ManualClock(0), cfg);
            } else if (o.op === 'compact') {
              compact(log, { nowMs: 0, deleteRetentionMs: 0 });
              const latest = new Map<number, number>();
              for (const m of model) if (m.key !== null) latest.set(m.key, m.offset);
              model = model.filter((m) => m.key === null || latest.get(m.key) === m.offset);
            } else {
              applyRetention(log, { retentionMs: null, retentionBytes: null, retentionMessages: o.n }, 0);
              start = Math.max(start, next - o.n);
              model = model.filter((m) => m.offset >= start);
            }
            log.checkInvariants();
            expect(log.nextOffset).toBe(next);
            expect(values(log)).toEqual(model.map((m) => [m.offset, m.value]));
          }
        },
      ),
      { seed: 5005, numRuns: 150 },
    );
  });
});

describe('fsync policies and the time index', () => {
  it('fsync interval syncs at most every fsyncIntervalMs: a crash loses only what came after the last sync', () => {
    const dir = new MemoryDirectory();
    const clock = new ManualClock(0);
    const log = open(dir, clock, { fsync: 'interval', fsyncIntervalMs: 1000 });
    log.append([rec('a')]);
    clock.advance(1000);
    log.append([rec('b')]);
    clock.advance(10);
    log.append([rec('c')]);
    expect(values(open(dir.crashed()))).toEqual([[0, 'a'], [1, 'b']]);
  });

  it('syncIfDue syncs an idle log once fsyncIntervalMs has passed since the last sync', () => {
    const dir = new MemoryDirectory();
    const clock = new ManualClock(0);
    const log = open(dir, clock, { fsync: 'interval', fsyncIntervalMs: 1000 });
    log.append([rec('a')]);
    expect(log.syncIfDue()).toBe(false);
    clock.advance(1000);
    expect(log.syncIfDue()).toBe(true);
    expect(log.syncIfDue()).toBe(false);
    expect(values(open(dir.crashed()))).toEqual([[0, 'a']]);
  });

  it('fsync never loses every unsynced batch in a crash, and keeps them after flush()', () => {
    const dir = new MemoryDirectory();
    const log = open(dir, new ManualClock(0), { fsync: 'never' });
    log.append([rec('a')]);
    expect(values(open(dir.crashed()))).toEqual([]);
    log.flush();
    expect(values(open(dir.crashed()))).toEqual([[0, 'a']]);
  });

  it('offsetForTime finds the first record at or after a timestamp, across segments and after reopening (Kafka ListOffsets)', () => {
    const dir = new MemoryDirectory();
    const log = open(dir, new ManualClock(0), { segmentBytes: 150 });
    for (let i = 0; i < 20; i++) log.append([rec(`v${i}`, null, 1000 + i * 10)]);
    expect(log.offsetForTime(0)).toBe(0);
    expect(log.offsetForTime(1055)).toBe(6);
    expect(log.offsetForTime(1190)).toBe(19);
    expect(log.offsetForTime(5000)).toBe(20);
    log.close();
    const again = open(dir, new ManualClock(0), { segmentBytes: 150 });
    expect(again.offsetForTime(1055)).toBe(6);
  });

  it('atomic writes on disk replace the whole file and leave no temporary file behind', () => {
    const root = tempDir();
    const dir = new FsDirectory(root);
    dir.writeAtomic('a/meta.json', Buffer.from('one'));
    dir.writeAtomic('a/meta.json', Buffer.from('two!'));
    expect(fs.readFileSync(path.join(root, 'a/meta.json'), 'utf8')).toBe('two!');
    expect(fs.readdirSync(path.join(root, 'a'))).toEqual(['meta.json']);
    expect(() => dir.read('../escape', 0, 1)).toThrow(InvalidArgumentError);
    dir.close();
  });
});

describe('partition log recovery (Kafka LogLoader)', () => {
  it('an unsynced tail lost in a crash is cut at a batch boundary; synced batches survive', () => {
    const dir = new MemoryDirectory();
    const log = open(dir, new ManualClock(0), { fsync: 'never' });
    log.append([rec('a')]);
    log.flush();
    log.append([rec('b'), rec('c')]);
    // Power loss keeps 10 bytes of the unsynced second batch.
    const after = dir.crashed(() => 10);
    const again = open(after);
    expect(again.recoveredTruncatedBytes).toBe(10);
    expect(values(again)).toEqual([[0, 'a']]);
    expect(again.append([rec('d')])).toBe(1);
    again.checkInvariants();
  });

  it('with fsync always every appended batch survives a crash', () => {
    const dir = new MemoryDirectory();
    const log = open(dir, new ManualClock(0), { fsync: 'always' });
    for (let i = 0; i < 5; i++) log.append([rec(`v${i}`)]);
    expect(values(open(dir.crashed())).length).toBe(5);
  });

  it('a flipped byte in the last batch is a torn tail and is truncated', () => {
    const dir = new MemoryDirectory();
    const log = open(dir);
    log.append([rec('a')]);
    log.append([rec('b')]);
    const size = dir.size('t-0/00000000000000000000.log');
    dir.corrupt('t-0/00000000000000000000.log', size - 3, Buffer.from([0xff]));
    const again = open(dir.crashed());
    expect(values(again)).toEqual([[0, 'a']]);
    expect(again.recoveredTruncatedBytes).toBeGreaterThan(0);
  });

  it('a flipped byte in the middle of a segment is reported with the segment file and offset, not skipped', () => {
    const dir = new MemoryDirectory();
    const log = open(dir);
    log.append([rec('first-batch')]);
    log.append([rec('second-batch')]);
    log.append([rec('third-batch')]);
    dir.corrupt('t-0/00000000000000000000.log', 60, Buffer.from([0x00, 0x01]));
    let err: unknown;
    try {
      open(dir.crashed());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SegmentCorruptionError);
    expect(err).toBeInstanceOf(CorruptionError);
    const c = err as SegmentCorruptionError;
    expect(c.segment).toBe('t-0/00000000000000000000.log');
    expect(c.offset).toBe(0);
    expect(c.message).toContain('00000000000000000000.log');
  });

  it('corruption below the recovery point is reported when read (reads check CRCs)', () => {
    const dir = new MemoryDirectory();
    const log = open(dir, new ManualClock(0), { segmentBytes: 100 });
    for (let i = 0; i < 6; i++) log.append([rec(`value-${i}`)]);
    log.close();
    dir.corrupt('t-0/00000000000000000000.log', 50, Buffer.from([0x55]));
    const again = open(dir);
    expect(() => again.read(0, 10)).toThrow(SegmentCorruptionError);
    expect(again.read(1, 10)[0]?.offset).toBe(1);
  });

  it('a partition.json that is not ours is a typed error', () => {
    const dir = new MemoryDirectory();
    dir.writeAtomic('t-0/partition.json', Buffer.from('{"hello":1}'));
    expect(() => open(dir)).toThrow(CorruptionError);
  });
});
