/**
 * Child process of the compaction memory test (cleanup.test.ts).
 *
 *   write <dir> <totalBytes> <valueBytes> <keys> <segmentBytes>
 *       append keyed records round-robin over `keys` keys until the log holds
 *       `totalBytes`, then close.
 *   compact <dir> <segmentBytes>
 *       open the log, compact it, and print one JSON line: the most array
 *       buffer memory held at once during compaction (sampled after a full
 *       garbage collection at every read and append of the directory, so it
 *       counts what the code keeps reachable, not what the collector has not
 *       yet freed), the resident set before and the peak resident set
 *       (VmHWM) after, in KiB, and the compaction result. Needs --expose-gc.
 */
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../util/clock.js';
import { FsDirectory } from '../storage/fs-directory.js';
import { PartitionLog } from '../storage/partition-log.js';
import { partitionConfig } from '../storage/partition-config.js';
import { compact } from '../storage/cleanup.js';
import type { RecordInput } from '../types.js';

function statusKb(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (m === null) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]);
}

const [mode, dirPath, ...rest] = process.argv.slice(2);
if (dirPath === undefined) throw new Error('usage: write|compact <dir> ...');
const clock = new ManualClock(1_000);
if (mode === 'write') {
  const [totalBytes, valueBytes, keys, segmentBytes] = rest.map(Number) as [number, number, number, number];
  const dir = new FsDirectory(dirPath);
  const log = PartitionLog.open(dir, 't-0', partitionConfig({ segmentBytes, fsync: 'never' }), clock);
  const value = Buffer.alloc(valueBytes, 0x61);
  let i = 0;
  while (log.sizeBytes < totalBytes) {
    const batch: RecordInput[] = [];
    for (let j = 0; j < 16; j++, i++) batch.push({ key: Buffer.from(`key-${i % keys}`), value: Buffer.concat([Buffer.from(`${i}:`), value]), timestampMs: clock.now(), headers: [] });
    log.append(batch);
  }
  log.close();
  dir.close();
  process.stdout.write(`${JSON.stringify({ records: i })}\n`);
} else if (mode === 'compact') {
  const [segmentBytes] = rest.map(Number) as [number];
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const dir = new FsDirectory(dirPath);
  const log = PartitionLog.open(dir, 't-0', partitionConfig({ segmentBytes, fsync: 'never' }), clock);
  gc();
  const baseline = process.memoryUsage().arrayBuffers;
  let held = 0;
  let sampling = false;
  const sample = (): void => {
    if (!sampling) return;
    gc();
    held = Math.max(held, process.memoryUsage().arrayBuffers - baseline);
  };
  const read = dir.read.bind(dir);
  const append = dir.append.bind(dir);
  dir.read = (p, pos, len) => {
    sample();
    return read(p, pos, len);
  };
  dir.append = (p, data) => {
    sample();
    append(p, data);
  };
  const rssBeforeKb = statusKb('VmRSS');
  sampling = true;
  const result = compact(log, { nowMs: clock.now(), deleteRetentionMs: 0 });
  sample();
  sampling = false;
  const peakKb = statusKb('VmHWM');
  log.close();
  dir.close();
  process.stdout.write(`${JSON.stringify({ heldKb: Math.round(held / 1024), rssBeforeKb, peakKb, result })}\n`);
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
