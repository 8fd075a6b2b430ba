/**
 * Runs the lab's experiments and collects one `LabReport`.
 *
 * Each experiment gets its own seeded `Random`, derived from the run's seed
 * and the experiment's id, so `--only x` gives the same numbers for x as a
 * full run, and the same seed gives byte-identical results. The report holds
 * no wall-clock values; run times are returned beside it (`timings`), for the
 * terminal and the HTML page only.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { InvalidArgumentError, NotFoundError, requireInt } from '../errors.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { mulberry32 } from '../util/random.js';
import { type Experiment, type ExperimentContext, type ExperimentResult, type KeySource, type Verdict, verdictOf } from './experiment.js';
import { reproduceCommand } from './reproduce.js';
import { syntheticKeys } from './workload.js';

/** Where and with what the lab ran. */
export interface Environment {
  readonly shardkitVersion: string;
  readonly node: string;
  readonly platform: string;
  readonly cpuModel: string;
  readonly cores: number;
}

/** Everything a run produced: deterministic for a given seed, options and machine. */
export interface LabReport {
  readonly tool: 'shardkit lab';
  readonly environment: Environment;
  readonly seed: number;
  readonly quick: boolean;
  readonly keySource: KeySource;
  readonly sampleSize: number;
  /** The experiments asked for with --only (absent: all of them). */
  readonly only?: readonly string[];
  /** The `shardkit lab …` command line that gives these numbers again (reproduce.ts); always set by runLab. */
  readonly reproduce?: string;
  readonly experiments: readonly ExperimentResult[];
}

export interface RunOptions {
  readonly seed: number;
  readonly quick: boolean;
  /** Experiment ids to run (default: all, in order). */
  readonly only?: readonly string[];
  /** Keys from `--keys` (default: synthetic `user:<n>`). */
  readonly keys?: readonly string[];
  readonly keySource?: KeySource;
  /** Overall progress in [0, 1], with the id of the experiment running. */
  readonly onProgress?: (fraction: number, experimentId: string) => void;
  /** Called after each experiment: its id, its 1-based position, how many run, its wall time. */
  readonly onExperimentDone?: (done: { id: string; index: number; count: number; ms: number; verdict: Verdict }) => void;
}

export interface RunResult {
  readonly report: LabReport;
  /** Wall time per experiment id, in ms (not part of the report: it differs run to run). */
  readonly timingsMs: ReadonlyMap<string, number>;
}

/** The synthetic sample size when no keys file is given. */
export function syntheticSampleSize(quick: boolean): number {
  return quick ? 10_000 : 50_000;
}

/** Check `only` against the known ids; returns the experiments to run, in registry order. */
export function selectExperiments(all: readonly Experiment[], only?: readonly string[]): Experiment[] {
  if (only === undefined || only.length === 0) return [...all];
  const known = all.map((e) => e.id);
  for (const id of only) if (!known.includes(id)) throw new NotFoundError('experiment', id, known);
  return all.filter((e) => only.includes(e.id));
}

/** The seed of one experiment: the run's seed mixed with the id, so experiments do not share a stream. */
export function experimentSeed(seed: number, id: string): number {
  return murmur3x86_32(id, seed >>> 0);
}

/**
 * Run `experiments` (filtered by `only`) one after another. O(sum of the
 * experiments' work). Throws NotFoundError for an unknown id in `only`.
 */
export async function runLab(experiments: readonly Experiment[], options: RunOptions): Promise<RunResult> {
  const seed = requireInt('seed', options.seed, 0, 0xffffffff);
  const selected = selectExperiments(experiments, options.only);
  if (options.keys !== undefined && options.keys.length === 0) throw new InvalidArgumentError('keys', options.keys, 'a non-empty key sample');
  const keys = options.keys ?? syntheticKeys(syntheticSampleSize(options.quick));
  const keySource: KeySource = options.keySource ?? { kind: 'synthetic', description: `user:0 … user:${keys.length - 1}` };
  const results: ExperimentResult[] = [];
  const timingsMs = new Map<string, number>();
  for (let i = 0; i < selected.length; i++) {
    const e = selected[i] as Experiment;
    const report = (f: number) => options.onProgress?.((i + Math.min(1, Math.max(0, f))) / selected.length, e.id);
    report(0);
    const ctx: ExperimentContext = {
      seed,
      quick: options.quick,
      random: mulberry32(experimentSeed(seed, e.id)),
      keys,
      keySource,
      size: (full, quick) => (options.quick ? quick : full),
      progress: (done, total) => report(total > 0 ? done / total : 0),
    };
    const started = performance.now();
    const out = await e.run(ctx);
    const ms = performance.now() - started;
    timingsMs.set(e.id, ms);
    const verdict = verdictOf(out.checks);
    results.push({ id: e.id, title: e.title, claim: e.claim, verdict, ...out });
    report(1);
    options.onExperimentDone?.({ id: e.id, index: i + 1, count: selected.length, ms, verdict });
  }
  const only = options.only !== undefined && options.only.length > 0 ? { only: [...options.only] } : {};
  const report: LabReport = {
    tool: 'shardkit lab',
    environment: environment(),
    seed,
    quick: options.quick,
    keySource,
    sampleSize: keys.length,
    ...only,
    reproduce: reproduceCommand({ seed, quick: options.quick, keySource, ...only }),
    experiments: results,
  };
  return { report, timingsMs };
}

/** Node version, CPU model and cores, shardkit's version. */
export function environment(): Environment {
  const cpu = cpus();
  return {
    shardkitVersion: packageVersion(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpu[0]?.model.trim() || 'unknown',
    cores: cpu.length,
  };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
