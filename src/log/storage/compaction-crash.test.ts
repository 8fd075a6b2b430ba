/**
 * Crash safety of a compaction's segment swap: the process dies at every
 * write compaction makes (simulated by a directory that stops at the k-th
 * change; what survives is what was synced or renamed, as `crashed()` keeps
 * it). The log must then open without error, every record it shows must be
 * one that was written, at its offset, and every record the finished
 * compaction keeps must be there: a crash never loses a kept record or turns
 * into reported damage.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../util/clock.js';
import { mulberry32, randomInt } from '../../util/random.js';
import { MemoryDirectory, type StorageDirectory } from './directory.js';
import { PartitionLog } from './partition-log.js';
import { partitionConfig } from './partition-config.js';
import { compact } from './cleanup.js';

const config = partitionConfig({ segmentBytes: 400, indexIntervalBytes: 100, fsync: 'always' });
const MUTATIONS = ['append', 'sync', 'truncate', 'remove', 'removeDir', 'writeAtomic', 'rename'] as const;

class Crash extends Error {}

/** `mem` seen through a directory that throws Crash at the `at`-th change (counting from 1). */
function failingAt(mem: MemoryDirectory, at: number): StorageDirectory {
  let n = 0;
  const wrapper = Object.create(mem) as StorageDirectory;
  for (const m of MUTATIONS) {
    (wrapper as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      if (++n === at) throw new Crash(`crash at change ${at} (${m} ${String(args[0])})`);
      return (mem[m] as (...a: unknown[]) => unknown).apply(mem, args);
    };
  }
  return wrapper;
}

function build(seed: number): MemoryDirectory {
  const mem = new MemoryDirectory();
  const log = PartitionLog.open(mem, 't-0', config, new ManualClock(0));
  const random = mulberry32(seed);
  for (let i = 0; i < 60; i++) {
    const n = 1 + randomInt(random, 3);
    log.append(Array.from({ length: n }, (_, k) => ({ key: Buffer.from(`k${randomInt(random, 5)}`), value: Buffer.from(`v${i}-${k}`), timestampMs: i, headers: [] })));
  }
  log.close();
  return mem;
}

const show = (log: PartitionLog) => new Map(log.read(0, 1e9).map((r) => [r.offset, `${r.key?.toString()}=${r.value?.toString()}`]));

describe('compaction crash safety', () => {
  it.each([1, 2, 3])('a crash at any change during compaction leaves a log that opens and keeps every record compaction keeps (seed %i)', (seed) => {
    const pristine = build(seed);
    const written = show(PartitionLog.open(pristine.crashed(() => Infinity), 't-0', config, new ManualClock(0)));
    const doneDir = pristine.crashed(() => Infinity);
    const done = PartitionLog.open(doneDir, 't-0', config, new ManualClock(0));
    compact(done, { nowMs: 1000, deleteRetentionMs: 0 });
    const kept = show(done);
    expect(kept.size).toBeLessThan(written.size);
    let finished = false;
    for (let at = 1; !finished; at++) {
      expect(at).toBeLessThan(10_000);
      const mem = pristine.crashed(() => Infinity);
      const log = PartitionLog.open(failingAt(mem, at), 't-0', config, new ManualClock(0));
      try {
        compact(log, { nowMs: 1000, deleteRetentionMs: 0 });
        finished = true;
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
      }
      const after = PartitionLog.open(mem.crashed(), 't-0', config, new ManualClock(0));
      after.checkInvariants();
      const got = show(after);
      for (const [o, v] of got) expect(written.get(o), `crash at change ${at}: offset ${o}`).toBe(v);
      for (const [o, v] of kept) expect(got.get(o), `crash at change ${at}: kept offset ${o}`).toBe(v);
      expect(after.verify().problems, `crash at change ${at}`).toEqual([]);
    }
  });
});
