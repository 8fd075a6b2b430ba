/**
 * replication: the quorum coordinator at N=3, W=2, R=2 over 10 in-process
 * nodes (consistent hash ring, memory stores), on 1,000,000 distinct keys:
 *
 * - writes and reads with every node up (one call = 1,000,000 operations);
 * - with one node down: the same writes (≈30% of keys have the down node in
 *   their preference list, so each of those stores one hint on the next node
 *   clockwise) and reads; then the node recovers and handoff drains every
 *   hint (throttled at handoffRatePerTick = 1,000 per tick): hints/sec;
 * - a sloppy write against a normal one on the same keys (those that have
 *   the node in their preference list): the cost ratio;
 * - storing hints: memory store, and the durable file store (one record and
 *   one fsync per hint) in the OS temp directory.
 *
 * No peer: no JavaScript library implements sloppy quorums with hinted
 * handoff to compare against.
 *
 * Run: node --expose-gc --import tsx bench/replication.bench.ts (BENCH_QUICK=1 for small inputs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure, median, single, size, writeSuite, type BenchResult } from './harness.js';
import { Coordinator, MemoryHintStore, openFileHintStore } from '../src/replication/index.js';
import type { NewHint } from '../src/replication/index.js';
import { ManualClock } from '../src/util/clock.js';

const SUITE = 'replication';
const OPS = size(1_000_000, 20_000);
const ROUNDS = size(5, 2);
const FSYNC_HINTS = size(2_000, 200);
const nodes = Array.from({ length: 10 }, (_, i) => `node-${i}`);
const keys = Array.from({ length: OPS }, (_, i) => `user:${i}`);
const values = Array.from({ length: OPS }, (_, i) => `value-${i}`);
const clock = new ManualClock(0);
const c = new Coordinator({ nodes, n: 3, w: 2, r: 2, hintTtlMs: 3_600_000, clock, hintsMax: 1_000_000, handoffRatePerTick: 1_000 });
const DOWN = 'node-3';

function writeAll(list: readonly string[]): number {
  let acks = 0;
  for (let i = 0; i < list.length; i++) {
    const r = c.write(list[i] as string, values[i] as string);
    if (!r.ok) throw new Error(`write of ${list[i]} failed: ${r.reason}`);
    acks += r.acks;
  }
  return acks;
}
function readAll(list: readonly string[]): number {
  let found = 0;
  for (let i = 0; i < list.length; i++) {
    const r = c.read(list[i] as string);
    if (!r.ok) throw new Error(`read of ${list[i]} failed: ${r.reason}`);
    if (r.found) found++;
  }
  return found;
}
function timed<T>(fn: () => T): { ms: number; result: T } {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}
function drain(): { hints: number; ticks: number } {
  let hints = 0;
  let ticks = 0;
  while (c.cluster.hintsPending() > 0) {
    hints += c.tick().delivered;
    if (++ticks > 10_000_000) throw new Error('handoff did not drain');
  }
  return { hints, ticks };
}

const rows: BenchResult[] = [];

// All nodes up.
writeAll(keys); // first write of every key (warm-up, fills the stores)
const wUp = measure('write all up', () => writeAll(keys), OPS, { iterations: ROUNDS });
rows.push(single(SUITE, 'write, N=3 W=2, 10 nodes all up', wUp, { keys: OPS }));
const rUp = measure('read all up', () => readAll(keys), OPS, { iterations: ROUNDS });
rows.push(single(SUITE, 'read, R=2, 10 nodes all up', rUp, { keys: OPS }));

// One node down: writes store hints, reads use the remaining replicas, then handoff drains.
const wDown: number[] = [];
const rDown: number[] = [];
const hoff: number[] = [];
let hintsPerRound = 0;
let ticksPerRound = 0;
for (let round = 0; round <= ROUNDS; round++) {
  c.nodeDown(DOWN);
  const before = c.metrics().hintsStored;
  const w = timed(() => writeAll(keys));
  const hints = c.metrics().hintsStored - before;
  const r = timed(() => readAll(keys));
  c.nodeUp(DOWN);
  const h = timed(drain);
  if (h.result.hints !== hints) throw new Error(`stored ${hints} hints but handed off ${h.result.hints}`);
  if (round === 0) continue; // warm-up round
  wDown.push((w.ms * 1e6) / OPS);
  rDown.push((r.ms * 1e6) / OPS);
  hoff.push((h.ms * 1e6) / hints);
  hintsPerRound = hints;
  ticksPerRound = h.result.ticks;
}
const wDownNs = median(wDown);
rows.push(single(SUITE, 'write, one node down (hints stored)', wDownNs, { keys: OPS, hintsStored: hintsPerRound, hintShare: hintsPerRound / OPS, hintsPerSec: (hintsPerRound / (wDownNs * OPS)) * 1e9 }));
rows.push(single(SUITE, 'read, one node down', median(rDown), { keys: OPS }));
const hoffNs = median(hoff);
rows.push(single(SUITE, 'handoff after recovery (per hint delivered)', hoffNs, { hints: hintsPerRound, ticks: ticksPerRound, handoffRatePerTick: 1_000, hintsPerSec: 1e9 / hoffNs }));

// Sloppy write vs normal write on the same keys: those whose preference list holds DOWN.
const affected = keys.filter((k) => c.placement.preferenceList(k, 3).includes(DOWN));
const normal: number[] = [];
const sloppy: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const a = timed(() => writeAll(affected));
  c.nodeDown(DOWN);
  const b = timed(() => writeAll(affected));
  c.nodeUp(DOWN);
  drain();
  if (round === 0) continue;
  normal.push((a.ms * 1e6) / affected.length);
  sloppy.push((b.ms * 1e6) / affected.length);
}
const normalNs = median(normal);
const sloppyNs = median(sloppy);
rows.push(single(SUITE, 'normal write (keys whose preferred nodes include node-3)', normalNs, { keys: affected.length }));
rows.push(single(SUITE, 'sloppy write, same keys, node-3 down (1 hint each)', sloppyNs, { keys: affected.length, costVsNormal: sloppyNs / normalNs }));

// Storing hints: memory store vs the durable file store (one record + fsync per hint).
const sample: NewHint[] = Array.from({ length: FSYNC_HINTS }, (_, i) => ({ target: 'node-3', key: `user:${i}`, value: `value-${i}`, version: { counter: i + 1, coordinator: 'c0' }, createdAtMs: i, ttlMs: 60_000 }));
const memNs = measure('memory hint store add', () => {
  const s = new MemoryHintStore();
  for (const h of sample) s.add(h);
  return s.count;
}, FSYNC_HINTS, { iterations: ROUNDS });
rows.push(single(SUITE, 'hint store add: memory', memNs, { hintsPerSec: 1e9 / memNs }));
const dir = mkdtempSync(join(tmpdir(), 'shardkit-bench-hints-'));
try {
  let n = 0;
  const fileNs = measure('file hint store add (fsync each)', () => {
    const s = openFileHintStore(join(dir, `h${n++}.log`));
    for (const h of sample) s.add(h);
    const count = s.count;
    s.close();
    return count;
  }, FSYNC_HINTS, { iterations: size(3, 1) });
  rows.push(single(SUITE, 'hint store add: durable file, fsync per hint', fileNs, { hintsPerSec: 1e9 / fileNs, dir: tmpdir() }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

writeSuite(SUITE, rows);
