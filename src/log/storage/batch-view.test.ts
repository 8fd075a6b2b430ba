import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { crc32c } from '@node-rs/crc32';
import { ManualClock } from '../../util/clock.js';
import { CorruptionError, InvalidArgumentError, StateError } from '../../errors.js';
import { MemoryDirectory, type StorageDirectory } from './directory.js';
import { FsDirectory } from './fs-directory.js';
import { PartitionLog } from './partition-log.js';
import { partitionConfig, type PartitionLogConfig } from './partition-config.js';
import { SegmentCorruptionError } from './segment.js';
import { compact } from './cleanup.js';
import { FetchBuffer } from './fetch-buffer.js';
import type { RecordBatchView } from './batch-view.js';
import type { RecordInput, StoredRecord } from '../types.js';
import { tempDirs } from '../testing/temp-dirs.js';

const enc = (s: string) => Buffer.from(s);
const rec = (value: string | null, key: string | null = null, timestampMs = 0, headers: Array<[string, string]> = []): RecordInput => ({
  key: key === null ? null : enc(key),
  value: value === null ? null : enc(value),
  timestampMs,
  headers: headers.map(([n, v]) => [n, enc(v)] as const),
});

const tempDir = tempDirs('batchview');

function open(dir: StorageDirectory, c: Partial<PartitionLogConfig> = {}, clock = new ManualClock(1000)): PartitionLog {
  const log = PartitionLog.open(dir, 't-0', partitionConfig(c), clock, { topic: 't', partition: 0 });
  log.checkInvariants();
  return log;
}

/** Everything a cursor shows, as plain data (copied), for comparison with `read`. */
function flatten(views: readonly RecordBatchView[]) {
  const out: Array<{ offset: number; timestampMs: number; key: string | null; value: string | null; headers: Record<string, string> }> = [];
  for (const v of views) {
    const c = v.records();
    while (c.next()) {
      const h: Record<string, string> = {};
      for (const [n, b] of Object.entries(c.headers())) h[n] = b.toString('hex');
      out.push({ offset: c.offset, timestampMs: c.timestampMs, key: c.key()?.toString('hex') ?? null, value: c.value()?.toString('hex') ?? null, headers: h });
      expect(c.valueLength).toBe(c.value() === null ? -1 : (c.value() as Buffer).length);
    }
  }
  return out;
}
function plain(recs: readonly StoredRecord[]) {
  return recs.map((r) => {
    const h: Record<string, string> = {};
    for (const [n, b] of Object.entries(r.headers)) h[n] = b.toString('hex');
    return { offset: r.offset, timestampMs: r.timestampMs, key: r.key?.toString('hex') ?? null, value: r.value?.toString('hex') ?? null, headers: h };
  });
}
/** Read the whole log from `from` through `readBatches`, `max` records per call. */
function readAll(log: PartitionLog, fetch: FetchBuffer, from = 0, max = 1000) {
  const out: ReturnType<typeof flatten> = [];
  let pos = from;
  for (let guard = 0; guard < 100_000; guard++) {
    const views = log.readBatches(pos, max, fetch);
    if (views.length === 0) break;
    out.push(...flatten(views));
    expect(views.reduce((n, v) => n + v.count, 0)).toBeLessThanOrEqual(max);
    pos = (views[views.length - 1] as RecordBatchView).nextOffset;
  }
  return out;
}

describe.each([
  ['memory', () => new MemoryDirectory() as StorageDirectory],
  ['files', () => new FsDirectory(tempDir()) as StorageDirectory],
])('record batch views on %s storage', (_name, makeDir) => {
  it('show every record in offset order with byte-exact keys, values, timestamps and headers (same as read)', () => {
    const log = open(makeDir(), { segmentBytes: 300 });
    log.append([rec('a', 'k1', 5, [['h', 'x']]), rec(null, 'k2', 6)]);
    log.append([rec('ccc', null, 7, [['h1', ''], ['h2', 'yy']])]);
    for (let i = 0; i < 20; i++) log.append([rec(`value-${i}`, `key-${i % 3}`, 100 + i)]);
    log.checkInvariants();
    expect(log.segmentCount).toBeGreaterThan(1);
    const expected = plain(log.read(0, 1e9));
    expect(readAll(log, new FetchBuffer())).toEqual(expected);
    expect(readAll(log, new FetchBuffer(4096), 0, 1)).toEqual(expected);
    expect(readAll(log, new FetchBuffer(), 7, 3)).toEqual(expected.slice(7));
    log.checkInvariants();
  });

  it('start inside a batch and cut the last batch at maxRecords, resuming right after it', () => {
    const log = open(makeDir());
    log.append(Array.from({ length: 10 }, (_, i) => rec(`v${i}`)));
    log.append(Array.from({ length: 10 }, (_, i) => rec(`w${i}`)));
    const fetch = new FetchBuffer();
    const views = log.readBatches(3, 9, fetch);
    expect(views.map((v) => [v.firstOffset, v.count, v.nextOffset])).toEqual([[3, 7, 10], [10, 2, 12]]);
    expect(flatten(views).map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(flatten(log.readBatches(12, 100, fetch)).map((r) => Buffer.from(r.value as string, 'hex').toString())).toEqual(['w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9']);
    expect(log.readBatches(20, 10, fetch)).toEqual([]);
  });

  it('a batch larger than the fetch buffer is read whole', () => {
    const log = open(makeDir());
    const big = 'x'.repeat(10_000);
    log.append([rec(big), rec(big)]);
    const views = log.readBatches(0, 10, new FetchBuffer(4096));
    expect(flatten(views).map((r) => Buffer.from(r.value as string, 'hex').toString())).toEqual([big, big]);
  });

  it('skip compaction gaps like read does (DDIA ch. 11, log compaction)', () => {
    const clock = new ManualClock(1000);
    const log = open(makeDir(), { segmentBytes: 200 }, clock);
    for (let i = 0; i < 12; i++) log.append([rec(`v${i}`, `k${i % 2}`, clock.now())]);
    compact(log, { nowMs: clock.now(), deleteRetentionMs: 0 });
    log.checkInvariants();
    const expected = plain(log.read(0, 1e9));
    expect(expected.length).toBeLessThan(12);
    expect(readAll(log, new FetchBuffer(4096), 0, 2)).toEqual(expected);
  });

  it('a CRC mismatch is reported through the batch path with segment, byte and offset, never skipped', () => {
    const dir = makeDir();
    const log = open(dir);
    log.append([rec('aaaa'), rec('bbbb')]);
    const pos2 = log.sizeBytes;
    log.append([rec('cccc')]);
    log.close();
    const file = 't-0/00000000000000000000.log';
    if (dir instanceof MemoryDirectory) dir.corrupt(file, pos2 + 40, Buffer.from([0xff]));
    else {
      const p = path.join((dir as FsDirectory).root, file);
      const b = fs.readFileSync(p);
      b[pos2 + 40] = (b[pos2 + 40] as number) ^ 0xff;
      fs.writeFileSync(p, b);
    }
    const again = PartitionLog.open(dir, 't-0', partitionConfig({}), new ManualClock(1000), { topic: 't', partition: 0 });
    const fetch = new FetchBuffer();
    expect(flatten(again.readBatches(0, 2, fetch)).map((r) => r.offset)).toEqual([0, 1]);
    let err: unknown = null;
    try {
      again.readBatches(0, 10, fetch);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SegmentCorruptionError);
    expect((err as SegmentCorruptionError).position).toBe(pos2);
    expect((err as SegmentCorruptionError).offset).toBe(2);
    expect(String((err as Error).message)).toContain('CRC-32C');
  });

  it('a view read after the next fill throws STALE_BATCH instead of showing other bytes; toMessages copies survive', () => {
    const log = open(makeDir());
    for (let i = 0; i < 4; i++) log.append([rec('y'.repeat(3000) + i)]);
    const fetch = new FetchBuffer(4096);
    const first = log.readBatches(0, 1, fetch);
    const kept = (first[0] as RecordBatchView).toMessages();
    const cursor = (first[0] as RecordBatchView).records();
    const positioned = (first[0] as RecordBatchView).records();
    expect(positioned.next()).toBe(true);
    expect(positioned.value()?.toString()).toBe('y'.repeat(3000) + '0');
    log.readBatches(2, 1, fetch);
    expect((first[0] as RecordBatchView).fresh).toBe(false);
    expect(() => (first[0] as RecordBatchView).records()).toThrow(StateError);
    expect(() => cursor.next()).toThrow(StateError);
    expect(() => positioned.value()).toThrow(StateError);
    expect(() => positioned.key()).toThrow(StateError);
    expect(() => positioned.headers()).toThrow(StateError);
    expect(() => positioned.keyLength).toThrow(StateError);
    expect(() => positioned.recordStart).toThrow(StateError);
    // Numbers copied by next() stay readable: they are not reads of the reused bytes.
    expect(positioned.offset).toBe(0);
    expect(positioned.valueLength).toBe(3001);
    expect(() => positioned.timestampMs).toThrow(StateError);
    expect(kept.map((m) => m.value?.toString())).toEqual(['y'.repeat(3000) + '0']);
  });

  it('bad arguments are typed errors and change nothing', () => {
    const log = open(makeDir());
    log.append([rec('a')]);
    const fetch = new FetchBuffer();
    expect(() => log.readBatches(-1, 1, fetch)).toThrow(InvalidArgumentError);
    expect(() => log.readBatches(0, 0, fetch)).toThrow(InvalidArgumentError);
    expect(() => new FetchBuffer(10)).toThrow(InvalidArgumentError);
    expect(flatten(log.readBatches(0, 1, fetch)).map((r) => r.offset)).toEqual([0]);
    log.checkInvariants();
  });
});

it('a record whose framing does not fit its batch is a CorruptionError even with a valid CRC', () => {
  const dir = new MemoryDirectory();
  const log = open(dir);
  log.append([rec('abc', 'k')]);
  log.close();
  // Rewrite the key length to overrun, then fix the CRC so only the framing is wrong.
  const file = 't-0/00000000000000000000.log';
  const buf = dir.read(file, 0, dir.size(file));
  buf.writeInt32LE(500, 35 + 16);
  buf.writeUInt32LE(crc32c(buf.subarray(17)), 13);
  dir.corrupt(file, 0, buf);
  const again = PartitionLog.open(dir, 't-0', partitionConfig({}), new ManualClock(1000), { topic: 't', partition: 0 });
  const views = again.readBatches(0, 10, new FetchBuffer());
  const c = (views[0] as RecordBatchView).records();
  expect(() => c.next()).toThrow(CorruptionError);
});

it('a damaged record in the middle of a large CRC-valid batch: the records before it are shown, then CorruptionError names the segment', () => {
  const dir = new MemoryDirectory();
  const log = open(dir);
  log.append(Array.from({ length: 30 }, (_, i) => rec(`v${i}`, `k${i}`)));
  log.close();
  const file = 't-0/00000000000000000000.log';
  const buf = dir.read(file, 0, dir.size(file));
  let p = 35;
  for (let i = 0; i < 20; i++) p += 4 + buf.readUInt32LE(p);
  buf.writeInt32LE(-5, p + 16); // record 20's key length
  buf.writeUInt32LE(crc32c(buf.subarray(17)), 13);
  dir.corrupt(file, 0, buf);
  const again = PartitionLog.open(dir, 't-0', partitionConfig({}), new ManualClock(1000), { topic: 't', partition: 0 });
  const views = again.readBatches(0, 100, new FetchBuffer());
  const c = (views[0] as RecordBatchView).records();
  const seen: string[] = [];
  expect(() => {
    while (c.next()) seen.push(c.value()?.toString() ?? '');
  }).toThrow(/does not fit the batch.*segment t-0\/00000000000000000000\.log at byte 0/);
  expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
  expect(() => c.next()).toThrow(CorruptionError);
});

it('property: readBatches in any steps shows exactly what read shows (model: read)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.record({ v: fc.option(fc.uint8Array({ maxLength: 300 })), k: fc.option(fc.uint8Array({ maxLength: 8 })), t: fc.integer({ min: 0, max: 1e6 }) }), { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 15 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 4096, max: 9000 }),
      (batches, from, step, fetchBytes) => {
        const log = open(new MemoryDirectory(), { segmentBytes: 2000 });
        for (const b of batches) {
          log.append(b.map((r) => ({ key: r.k === null ? null : r.k, value: r.v === null ? null : r.v, timestampMs: r.t, headers: r.t % 3 === 0 ? [['n', Buffer.from([r.t & 255])] as const] : [] })));
          log.checkInvariants();
        }
        expect(readAll(log, new FetchBuffer(fetchBytes), from, step)).toEqual(plain(log.read(from, 1e9)));
      },
    ),
    { seed: 5, numRuns: 60 },
  );
});
