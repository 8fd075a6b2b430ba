import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { native } from '../../native.js';
import { ManualClock } from '../../util/clock.js';
import { Broker } from '../broker.js';
import type { RecordInput, StoredRecord } from '../types.js';
import type { RecordBatchView } from './batch-view.js';
import { applyRetention, compact } from './cleanup.js';
import { MemoryDirectory } from './directory.js';
import { FetchBuffer } from './fetch-buffer.js';
import { FsDirectory } from './fs-directory.js';
import { partitionConfig, type PartitionLogConfig } from './partition-config.js';
import { PartitionLog } from './partition-log.js';
import { SegmentCorruptionError } from './segment.js';
import { tempDirs } from '../testing/temp-dirs.js';

const tempDir = tempDirs('readahead');

/** Read-ahead that always waits for the thread, so which windows come from it does not depend on scheduling. */
const STEADY = { cancelUnstarted: false };

const rec = (value: string | null, key: string | null = null, timestampMs = 0): RecordInput => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  timestampMs,
  headers: [],
});

function open(dir: FsDirectory, c: Partial<PartitionLogConfig> = {}, clock = new ManualClock(1000)): PartitionLog {
  return PartitionLog.open(dir, 't-0', partitionConfig({ fsync: 'never', ...c }), clock, { topic: 't', partition: 0 });
}

function plain(recs: readonly StoredRecord[]) {
  return recs.map((r) => [r.offset, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, r.timestampMs] as const);
}

/** Everything from `from` through readBatches, `max` records per call, as plain data. */
function readAll(log: PartitionLog, fetch: FetchBuffer, from = 0, max = 1000) {
  return readSome(log, fetch, from, max, Infinity).out;
}

/** At most `calls` readBatches calls from `from`, `max` records each: what they showed, and where reading goes on. */
function readSome(log: PartitionLog, fetch: FetchBuffer, from: number, max: number, calls: number) {
  const out: Array<readonly [number, string | null, string | null, number]> = [];
  let pos = from;
  for (let call = 0; call < calls; call++) {
    const views = log.readBatches(pos, max, fetch);
    if (views.length === 0) break;
    if ((views[views.length - 1] as RecordBatchView).nextOffset <= pos) throw new Error(`no progress at offset ${pos}`);
    for (const v of views) {
      const c = v.records();
      while (c.next()) out.push([c.offset, c.key()?.toString('hex') ?? null, c.value()?.toString('hex') ?? null, c.timestampMs]);
    }
    pos = (views[views.length - 1] as RecordBatchView).nextOffset;
  }
  return { out, next: pos };
}

describe.runIf(native !== null)('fetch buffer read-ahead (native addon installed)', () => {
  it('reads the next window ahead when reading in order, and shows exactly what read() shows', () => {
    const log = open(new FsDirectory(tempDir()), { segmentBytes: 1 << 20 });
    for (let b = 0; b < 60; b++) log.append(Array.from({ length: 20 }, (_, i) => rec(`v${b}-${i}-${'z'.repeat(i * 7)}`, `k${i % 5}`, b)));
    const fetch = new FetchBuffer(4096, STEADY);
    expect(fetch.readAhead).toBe(true);
    expect(readAll(log, fetch, 0, 20)).toEqual(plain(log.read(0, 1e9)));
    expect(fetch.readAheadHits).toBeGreaterThan(5);
    log.close();
  });

  it('never on an in-memory directory, nor when turned off', () => {
    const mem = PartitionLog.open(new MemoryDirectory(), 't-0', partitionConfig({}), new ManualClock(1000), { topic: 't', partition: 0 });
    for (let b = 0; b < 30; b++) mem.append([rec('x'.repeat(500))]);
    const f1 = new FetchBuffer(4096, STEADY);
    readAll(mem, f1);
    expect(f1.readAheadHits).toBe(0);
    const log = open(new FsDirectory(tempDir()));
    for (let b = 0; b < 30; b++) log.append([rec('x'.repeat(500))]);
    const f2 = new FetchBuffer(4096, { readAhead: false });
    expect(f2.readAhead).toBe(false);
    expect(readAll(log, f2)).toEqual(plain(log.read(0, 1e9)));
    expect(f2.readAheadHits).toBe(0);
    log.close();
  });

  it('property: with and without read-ahead, any log read in any steps from any offset shows what read() shows; appends, compaction and retention in between (seeded)', () => {
    let hits = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ v: fc.option(fc.string({ minLength: 40, maxLength: 300 }), { freq: 8 }), k: fc.option(fc.constantFrom('a', 'b', 'c', 'd')) }), { minLength: 5, maxLength: 30 }), { minLength: 12, maxLength: 25 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 4096, max: 8000 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        (batches, step, fetchBytes, change, fromSeed) => {
          const clock = new ManualClock(1000);
          const log = open(new FsDirectory(tempDir()), { segmentBytes: 30_000 }, clock);
          for (const b of batches) log.append(b.map((r) => rec(r.v, r.k, clock.now())));
          const ahead = new FetchBuffer(fetchBytes, STEADY);
          const sync = new FetchBuffer(fetchBytes, { readAhead: false });
          const racy = new FetchBuffer(fetchBytes); // the default: reads itself what the thread has not started
          const from = fromSeed % (log.nextOffset + 1);
          // Read part of the log with both buffers (leaving a read ahead in flight), change the log, go on from there.
          const a = readSome(log, ahead, from, step, 1 + (fromSeed % 7));
          const b = readSome(log, sync, from, step, 1 + (fromSeed % 7));
          expect(a).toEqual(b);
          expect(a.out).toEqual(plain(log.read(from, 1e9)).slice(0, a.out.length));
          if (change === 1) for (let i = 0; i < 5; i++) log.append([rec(`late${i}`, 'a', clock.now())]);
          if (change === 2) compact(log, { nowMs: clock.now(), deleteRetentionMs: 0 });
          if (change === 3) applyRetention(log, { retentionMs: null, retentionBytes: null, retentionMessages: Math.floor(log.nextOffset / 3) }, clock.now());
          const rest = plain(log.read(a.next, 1e9));
          expect(readAll(log, ahead, a.next, step)).toEqual(rest);
          expect(readAll(log, sync, a.next, step)).toEqual(rest);
          const want = plain(log.read(0, 1e9));
          expect(readAll(log, ahead, 0, step)).toEqual(want);
          expect(readAll(log, racy, from, step)).toEqual(plain(log.read(from, 1e9)));
          log.checkInvariants();
          log.close();
          hits += ahead.readAheadHits;
          expect(sync.readAheadHits).toBe(0);
        },
      ),
      { seed: 7001, numRuns: 80, endOnFailure: true },
    );
    expect(hits).toBeGreaterThan(40);
  });

  it('a window read ahead from a segment that compaction then rewrote is not used, even at the same position', () => {
    const clock = new ManualClock(1000);
    // Every batch indexed, so that reading on from offset 4 starts exactly where the read ahead did.
    const log = open(new FsDirectory(tempDir()), { segmentBytes: 30_000, indexIntervalBytes: 1 }, clock);
    // Batches 0-4 and 20 have unique keys (compaction keeps them, so the first
    // segment is the same up to batch 5, and batch 20 moves to where batch 5
    // was); every other record has key 'dup', and only the last one survives.
    for (let b = 0; b < 40; b++) log.append([rec(`v${b}-${'p'.repeat(900)}`, b < 5 || b === 20 ? `u${b}` : 'dup', clock.now())]);
    expect(log.segmentCount).toBeGreaterThan(1);
    expect(log.segmentPathFor(20)).toBe(log.segmentPathFor(0));
    const fetch = new FetchBuffer(4096, STEADY);
    const first = readSome(log, fetch, 0, 4, 1); // one window of 4 batches: the read ahead is of batch 4 on
    expect(first.out.map((r) => r[0])).toEqual([0, 1, 2, 3]);
    compact(log, { nowMs: clock.now(), deleteRetentionMs: 60_000 });
    log.checkInvariants();
    const want = plain(log.read(4, 1e9));
    expect(want.map((r) => r[0])).toEqual([4, 20, 39]);
    expect(readAll(log, fetch, 4, 4)).toEqual(want);
    log.close();
  });

  it('a CRC mismatch in a window read ahead is still reported with segment, byte and offset', () => {
    const dir = new FsDirectory(tempDir());
    const log = open(dir);
    const positions: number[] = [];
    for (let b = 0; b < 40; b++) {
      positions.push(log.sizeBytes);
      log.append([rec(`v${b}-${'q'.repeat(200)}`)]);
    }
    log.close();
    const file = path.join(dir.root, 't-0/00000000000000000000.log');
    const bytes = fs.readFileSync(file);
    const bad = positions[30] as number;
    bytes[bad + 60] = (bytes[bad + 60] as number) ^ 0x01;
    fs.writeFileSync(file, bytes);
    const again = open(dir);
    const fetch = new FetchBuffer(4096, STEADY);
    let err: unknown = null;
    let seen = 0;
    try {
      for (let pos = 0; ; ) {
        const views = again.readBatches(pos, 1, fetch);
        if (views.length === 0) break;
        seen += views.length;
        pos = (views[0] as RecordBatchView).nextOffset;
      }
    } catch (e) {
      err = e;
    }
    expect(fetch.readAheadHits).toBeGreaterThan(0);
    expect(seen).toBe(30);
    expect(err).toBeInstanceOf(SegmentCorruptionError);
    expect((err as SegmentCorruptionError).position).toBe(bad);
    expect((err as SegmentCorruptionError).offset).toBe(30);
    again.close();
  });

  it('a segment deleted by retention while its next window is being read ahead: no error, the window is dropped', () => {
    const clock = new ManualClock(1000);
    const log = open(new FsDirectory(tempDir()), { segmentBytes: 10_000 }, clock);
    for (let b = 0; b < 100; b++) log.append([rec(`v${b}-${'w'.repeat(300)}`, null, clock.now())]);
    expect(log.segmentCount).toBeGreaterThan(2);
    const fetch = new FetchBuffer(4096, STEADY);
    expect(log.readBatches(0, 1, fetch).length).toBe(1); // leaves a read ahead on segment 0
    applyRetention(log, { retentionMs: null, retentionBytes: null, retentionMessages: 40 }, clock.now());
    expect(readAll(log, fetch, 0, 3)).toEqual(plain(log.read(0, 1e9)));
    log.close();
  });

  it('a consumer reads ahead by default, and closing it lets the read-ahead go', () => {
    const dataDir = tempDir();
    const broker = Broker.open({ dataDir, clock: new ManualClock(1000) });
    broker.createTopic('t', { partitions: 1 });
    const p = broker.producer();
    for (let b = 0; b < 50; b++) p.sendBatch('t', Array.from({ length: 50 }, (_, i) => ({ value: `m${b}-${i}-${'x'.repeat(100)}`, partition: 0 })));
    const c = broker.consumer({ fetchBufferBytes: 64 * 1024 });
    c.assign([{ topic: 't', partition: 0 }]);
    let n = 0;
    let sum = 0;
    for (;;) {
      const views = c.pollBatches(100);
      if (views.length === 0) break;
      for (const v of views) {
        const r = v.records();
        while (r.next()) {
          n++;
          sum += r.offset;
        }
      }
    }
    expect(n).toBe(2500);
    expect(sum).toBe((2500 * 2499) / 2);
    c.close();
    broker.close();
  });
});

it('read-ahead options that are not booleans are typed errors, with or without the addon', () => {
  const broker = Broker.open({ clock: new ManualClock(1000) });
  expect(() => broker.consumer({ readAhead: 'yes' as unknown as boolean })).toThrow(InvalidArgumentError);
  expect(() => new FetchBuffer(4096, { readAhead: 1 as unknown as boolean })).toThrow(/readAhead/);
  expect(() => new FetchBuffer(4096, { cancelUnstarted: 'no' as unknown as boolean })).toThrow(/cancelUnstarted/);
  expect(new FetchBuffer(4096, { readAhead: true }).readAhead).toBe(native !== null);
  broker.close();
});
