/**
 * The benchmark harness every `bench/*.bench.ts` uses.
 *
 * - `measure()` times a task with tinybench: the task processes `opsPerCall`
 *   operations per call (e.g. one lookup for each of 1,000,000 distinct keys),
 *   so the per-op time is the median call time / opsPerCall.
 * - `compare()` measures ours and a peer in the same process, interleaved, on
 *   the same input, and reports ratio = peer time / our time (> 1: we are faster).
 * - `writeSuite()` writes `bench/results/<suite>.json`; `bench/run.ts` merges
 *   every suite into `bench/results.json` and the tables in BENCHMARKS.md.
 *
 * Set BENCH_QUICK=1 for small inputs (used by the smoke test and while
 * developing); published figures always come from a full run.
 */
import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const QUICK = process.env.BENCH_QUICK === '1';

/** Scale a full-size count down in quick mode. */
export function size(full: number, quick: number): number {
  return QUICK ? quick : full;
}

/** One row of bench/results.json. */
export interface BenchResult {
  suite: string;
  name: string;
  nsPerOp: number;
  opsPerSec: number;
  /** The peer compared with, if any. */
  peer?: string;
  peerNsPerOp?: number;
  /** peer time / our time: > 1 means we are faster. */
  ratio?: number;
  /** A target this case is held to, in words, and whether it was met in this run. */
  target?: string;
  met?: boolean;
  /** Any other measured figures (bytes per key, imbalance, moved fraction...). */
  extra?: Record<string, number | string | boolean>;
}

export interface MeasureOptions {
  /** Timed calls (default 5; 2 in quick mode). */
  iterations?: number;
  /** Untimed warm-up calls (default 1). */
  warmup?: number;
}

/**
 * Median nanoseconds per operation of `fn`, which performs `opsPerCall`
 * operations per call. Keep `fn`'s result alive (return it) so the JIT cannot
 * drop the work.
 */
export function measure(name: string, fn: () => unknown, opsPerCall: number, options: MeasureOptions = {}): number {
  let sink: unknown;
  const bench = new Bench({
    name,
    time: 0,
    iterations: options.iterations ?? (QUICK ? 2 : 5),
    warmupTime: 0,
    warmupIterations: options.warmup ?? 1,
    throws: true,
  });
  bench.add(name, () => {
    sink = fn();
  });
  bench.runSync();
  const task = bench.tasks[0];
  const result = task?.result as { latency?: { p50?: number } } | undefined;
  const ms = result?.latency?.p50;
  if (ms === undefined) throw new Error(`benchmark ${name} produced no result`);
  globalSink = sink;
  return (ms * 1e6) / opsPerCall;
}
// Written so the optimiser must keep every task's result.
export let globalSink: unknown;

/**
 * Measure ours and the peer on the same input in the same process, alternating
 * rounds so drift in machine load hits both alike, and return a result row
 * with ratio = peer / ours.
 */
export function compare(
  suite: string,
  name: string,
  ours: () => unknown,
  peerName: string,
  peer: () => unknown,
  opsPerCall: number,
  options: MeasureOptions & { rounds?: number; target?: (ratio: number) => { text: string; met: boolean } } = {},
): BenchResult {
  const rounds = options.rounds ?? (QUICK ? 1 : 3);
  const oursT: number[] = [];
  const peerT: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursT.push(measure(`${name} (shardkit)`, ours, opsPerCall, options));
    peerT.push(measure(`${name} (${peerName})`, peer, opsPerCall, options));
  }
  const nsPerOp = median(oursT);
  const peerNsPerOp = median(peerT);
  const ratio = peerNsPerOp / nsPerOp;
  const row: BenchResult = { suite, name, nsPerOp, opsPerSec: 1e9 / nsPerOp, peer: peerName, peerNsPerOp, ratio };
  if (options.target) {
    const t = options.target(ratio);
    row.target = t.text;
    row.met = t.met;
  }
  return row;
}

/** A result row for a single measurement with no peer. */
export function single(suite: string, name: string, nsPerOp: number, extra?: BenchResult['extra']): BenchResult {
  return { suite, name, nsPerOp, opsPerSec: 1e9 / nsPerOp, ...(extra ? { extra } : {}) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Write this suite's rows to bench/results/<suite>.json and print them. */
export function writeSuite(suite: string, rows: BenchResult[]): void {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${suite}.json`);
  writeFileSync(file, `${JSON.stringify({ suite, quick: QUICK, node: process.version, rows }, null, 2)}\n`);
  for (const r of rows) {
    const peer = r.peer ? `  vs ${r.peer} ${fmt(r.peerNsPerOp ?? 0)} ns  ratio ${r.ratio?.toFixed(2)}` : '';
    const target = r.target ? `  [${r.met ? 'met' : 'MISSED'}: ${r.target}]` : '';
    const extra = r.extra ? `  ${Object.entries(r.extra).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`).join(' ')}` : '';
    console.log(`${suite} | ${r.name}: ${fmt(r.nsPerOp)} ns/op${peer}${target}${extra}`);
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** Heap bytes in use after a full GC (run benches with --expose-gc for exact figures). */
export function heapUsedAfterGc(): number {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
  return process.memoryUsage().heapUsed;
}
