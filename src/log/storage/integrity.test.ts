/**
 * Damage to a partition's files is reported, never turned into a shorter or
 * relabelled log: shortened and deleted sealed segments, a shortened active
 * segment after a clean shutdown, flipped bits in base offsets (outside the
 * CRC), damaged .index files. Also: a cleanly closed log opens without
 * writing, bad timestamps are typed errors, a full disk is a typed retriable
 * error that leaves the log unchanged.
 */
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../util/clock.js';
import { CapacityError, CorruptionError, InvalidArgumentError, ShardkitError } from '../../errors.js';
import { MemoryDirectory, type StorageDirectory } from './directory.js';
import { FsDirectory } from './fs-directory.js';
import { PartitionLog } from './partition-log.js';
import { partitionConfig } from './partition-config.js';
import { readBatchHeader } from './record-batch.js';
import { DiskFullError } from './disk-full.js';
import { crc32cRange } from '../../hash/crc32c-bytes.js';
import type { RecordInput } from '../types.js';
import { tempDirs } from '../testing/temp-dirs.js';

const tempDir = tempDirs('integrity');
const rec = (value: string, timestampMs = 0): RecordInput => ({ key: null, value: Buffer.from(value), timestampMs, headers: [] });
const config = partitionConfig({ segmentBytes: 1024, indexIntervalBytes: 100, fsync: 'never' });

/** A cleanly closed log of `n` records (3 per batch) in a fresh directory; returns its root and partition directory. */
function build(n = 300): { root: string; part: string } {
  const root = tempDir();
  const dir = new FsDirectory(root);
  const log = PartitionLog.open(dir, 't-0', config, new ManualClock(1000));
  for (let i = 0; i < n; i += 3) log.append([rec(`v${i}`, i), rec(`v${i + 1}`, i + 1), rec(`v${i + 2}`, i + 2)]);
  log.close();
  dir.close();
  return { root, part: path.join(root, 't-0') };
}

function reopen(root: string): PartitionLog {
  return PartitionLog.open(new FsDirectory(root), 't-0', config, new ManualClock(2000));
}

/** Open and read everything; returns the error thrown, or the offsets and values read. */
function openAndRead(root: string): unknown {
  try {
    const log = reopen(root);
    return log.read(0, 1e9).map((r) => `${r.offset}:${r.value!.toString()}`);
  } catch (e) {
    return e;
  }
}

const logs = (part: string) => fs.readdirSync(part).filter((f) => f.endsWith('.log')).sort();
function batchStarts(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let p = 0; p < buf.length; p += readBatchHeader(buf, p)!.sizeBytes) out.push(p);
  return out;
}

describe('damaged segments are reported, never silently shortened', () => {
  it.each([
    ['cut to zero', (f: string) => fs.truncateSync(f, 0)],
    ['cut at a batch boundary', (f: string) => fs.truncateSync(f, batchStarts(f).at(-2)!)],
    ['deleted', (f: string) => fs.rmSync(f)],
    ['deleted with its indexes', (f: string) => ['.log', '.index', '.timeindex'].forEach((x) => fs.rmSync(f.replace(/\.log$/, x)))],
  ])('a sealed segment %s is reported at open', (_what, damage) => {
    const { root, part } = build();
    const segs = logs(part);
    expect(segs.length).toBeGreaterThan(3);
    damage(path.join(part, segs[1]!));
    expect(openAndRead(root)).toBeInstanceOf(CorruptionError);
  });

  it.each([
    ['cut at a batch boundary', (f: string) => fs.truncateSync(f, batchStarts(f).at(-1)!)],
    ['deleted', (f: string) => fs.rmSync(f)],
    ['deleted with its indexes', (f: string) => ['.log', '.index', '.timeindex'].forEach((x) => fs.rmSync(f.replace(/\.log$/, x)))],
  ])('the active segment %s after a clean shutdown is reported at open', (_what, damage) => {
    const { root, part } = build();
    const active = path.join(part, logs(part).at(-1)!);
    expect(batchStarts(active).length).toBeGreaterThan(1);
    damage(active);
    expect(openAndRead(root)).toBeInstanceOf(CorruptionError);
  });

  it('two sealed segments swapped are reported', () => {
    const { root, part } = build();
    const [a, b] = [path.join(part, logs(part)[0]!), path.join(part, logs(part)[1]!)];
    const tmp = `${a}.x`;
    fs.renameSync(a, tmp);
    fs.renameSync(b, a);
    fs.renameSync(tmp, b);
    expect(openAndRead(root)).toBeInstanceOf(CorruptionError);
  });

  it('every single-bit flip in the base offset of a sealed batch is reported on read (the field is outside the CRC)', () => {
    const { root, part } = build();
    const file = path.join(part, logs(part)[1]!);
    const pos = batchStarts(file)[2]!;
    const original = fs.readFileSync(file);
    const wrong: string[] = [];
    for (let bit = 0; bit < 64; bit++) {
      const buf = Buffer.from(original);
      buf[pos + (bit >> 3)]! ^= 1 << (bit & 7);
      fs.writeFileSync(file, buf);
      const got = openAndRead(root);
      if (!(got instanceof CorruptionError)) wrong.push(`bit ${bit}: ${got instanceof Error ? got.message : `read ${(got as string[]).length} records`}`);
    }
    expect(wrong).toEqual([]);
  });

  it('an .index entry with a lowered offset or a fractional position does not change what read returns', () => {
    const { root, part } = build();
    const idxFile = path.join(part, logs(part)[0]!.replace('.log', '.index'));
    const expected = openAndRead(root) as string[];
    const idx = fs.readFileSync(idxFile);
    expect(idx.length).toBeGreaterThanOrEqual(24);
    const lowered = Buffer.from(idx);
    lowered.writeUInt32LE(lowered.readUInt32LE(12) - 1, 12);
    fs.writeFileSync(idxFile, lowered);
    const log = reopen(root);
    const at = lowered.readUInt32LE(12);
    expect(log.read(at, 1)[0]!.offset).toBe(at);
    expect(log.read(0, 1e9).map((r) => `${r.offset}:${r.value!.toString()}`)).toEqual(expected);
    const fractional = Buffer.from(idx);
    fractional.writeDoubleLE(fractional.readDoubleLE(16) + 0.5, 16);
    fs.writeFileSync(idxFile, fractional);
    expect(openAndRead(root)).toEqual(expected);
  });

  it('index files rebuilt in memory at open are written back at the first change', () => {
    const { root, part } = build();
    const idxFile = path.join(part, logs(part)[0]!.replace('.log', '.index'));
    const good = fs.readFileSync(idxFile);
    fs.writeFileSync(idxFile, Buffer.alloc(good.length));
    const log = reopen(root);
    expect(log.verify().problems.length).toBe(1);
    log.append([rec('more')]);
    expect(fs.readFileSync(idxFile)).toEqual(good);
    expect(log.verify().problems).toEqual([]);
    log.close();
  });

  it('an .index entry damaged with a valid checksum is caught by the batch it points at (read and verify report it)', () => {
    const { root, part } = build();
    const idxFile = path.join(part, logs(part)[0]!.replace('.log', '.index'));
    const idx = fs.readFileSync(idxFile);
    const at = idx.readUInt32LE(12);
    idx.writeUInt32LE(at - 1, 12);
    idx.writeUInt32LE(crc32cRange(idx, 0, idx.length - 4), idx.length - 4);
    fs.writeFileSync(idxFile, idx);
    const log = reopen(root);
    expect(() => log.read(at - 1, 1)).toThrow(CorruptionError);
    expect(log.verify().problems.map((p) => p.what).join()).toContain('index entry');
  });

  it('damage found is reported with the segment and offset, and nothing is cut from a sealed segment', () => {
    const { root, part } = build();
    const file = path.join(part, logs(part)[1]!);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 5);
    const err = openAndRead(root) as ShardkitError;
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain(logs(part)[1]!);
    expect(fs.statSync(file).size).toBe(size - 5);
  });
});

describe('opening and closing', () => {
  it('opening a cleanly closed log, reading it and closing it writes nothing', () => {
    const { root, part } = build();
    const snapshot = () => fs.readdirSync(part).sort().map((f) => `${f}:${fs.statSync(path.join(part, f)).mtimeMs}:${fs.readFileSync(path.join(part, f)).toString('hex')}`);
    const before = snapshot();
    const log = reopen(root);
    expect(log.read(0, 1e9).length).toBe(300);
    log.close();
    expect(snapshot()).toEqual(before);
  });

  it('a clean log reopened and appended to is recovered like any other after a crash', () => {
    const dir = new MemoryDirectory();
    const clock = new ManualClock(0);
    const log = PartitionLog.open(dir, 't-0', config, clock);
    log.append([rec('a'), rec('b')]);
    log.close();
    const again = PartitionLog.open(dir, 't-0', config, clock);
    again.append([rec('c')]);
    again.flush();
    const crashed = PartitionLog.open(dir.crashed(), 't-0', config, clock);
    expect(crashed.read(0, 10).map((r) => r.value!.toString())).toEqual(['a', 'b', 'c']);
  });
});

describe('bad input and a full disk', () => {
  it.each([NaN, 'abc', -Infinity, Infinity, undefined])('offsetForTime(%s) is an InvalidArgumentError', (v) => {
    const log = PartitionLog.open(new MemoryDirectory(), 't-0', config, new ManualClock(0));
    log.append([rec('a', 5)]);
    expect(() => log.offsetForTime(v as number)).toThrow(InvalidArgumentError);
    expect(log.offsetForTime(5)).toBe(0);
    expect(log.offsetForTime(-1e300)).toBe(0);
  });

  it('ENOSPC on an append is a retriable DiskFullError naming topic and partition, and the log is unchanged', () => {
    let full = false;
    const mem = new MemoryDirectory();
    const dir: StorageDirectory = Object.assign(Object.create(mem) as StorageDirectory, {
      append(p: string, data: Uint8Array) {
        if (full && data.length > 0) {
          mem.append(p, data.subarray(0, data.length >> 1));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        mem.append(p, data);
      },
    });
    const log = PartitionLog.open(dir, 'orders-3', partitionConfig({ fsync: 'always' }), new ManualClock(0), { topic: 'orders', partition: 3 });
    log.append([rec('a')]);
    full = true;
    let err: unknown;
    try {
      log.append([rec('b'), rec('c')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as DiskFullError).retriable).toBe(true);
    expect((err as DiskFullError).topic).toBe('orders');
    expect((err as DiskFullError).partition).toBe(3);
    expect((err as Error).message).toContain('"orders" partition 3');
    expect(log.nextOffset).toBe(1);
    log.checkInvariants();
    full = false;
    expect(log.append([rec('b')])).toBe(1);
    expect(log.read(0, 10).map((r) => r.value!.toString())).toEqual(['a', 'b']);
  });
});
