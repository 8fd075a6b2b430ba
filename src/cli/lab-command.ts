/**
 * `shardkit lab`: run the experiments (every claim of DDIA chapter 6, measured
 * on this machine), print the results as tables and write a self-contained
 * HTML report. Options are validated at the edge: a bad value exits with a
 * one-line reason and code 2.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { experiments } from '../lab/experiments/index.js';
import { DEFAULT_SAMPLE_SIZE, MIN_KEYS, loadKeys } from '../lab/keys.js';
import { prepareOutputDir, writeReport, reportJson } from '../lab/output.js';
import { runLab, selectExperiments } from '../lab/runner.js';
import { renderReport } from '../lab/terminal.js';
import type { KeySource } from '../lab/experiment.js';
import { mulberry32 } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';

interface LabOptions {
  only?: string[];
  seed: number;
  quick?: boolean;
  out: string;
  json?: boolean;
  keys?: string;
  column?: string;
  sampleSize: number;
  list?: boolean;
  progress: boolean;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new CommanderArgumentError(`${name} must be an integer from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new CommanderArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

function idList(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const known = experiments.map((e) => e.id);
  for (const id of ids) if (!known.includes(id)) throw new CommanderArgumentError(`unknown experiment "${id}"; known: ${known.join(', ')}`);
  if (ids.length === 0) throw new CommanderArgumentError(`give one or more experiment ids: ${known.join(', ')}`);
  return ids;
}

export function register(program: Command): void {
  program
    .command('lab')
    .description("run the lab: measure every claim of DDIA chapter 6 with shardkit's strategies; print tables and write an HTML report")
    .addOption(new Option('--only <ids>', `run only these experiments (comma-separated): ${experiments.map((e) => e.id).join(', ')}`).argParser(idList))
    .addOption(new Option('--seed <n>', 'seed of every random choice: the same seed gives the same numbers').argParser(integer('--seed', 0, 0xffffffff)).default(42))
    .option('--quick', 'smaller workloads: a run in well under 30 seconds')
    .option('--out <dir>', 'directory for the report (index.html) and results.json', './shardkit-report')
    .option('--json', 'print the results as JSON on stdout (no tables, no progress bar)')
    .option('--keys <file>', 'run on a sample of your own keys: a text file with one key per line (or a CSV, with --column), streamed')
    .option('--column <name|n>', 'with --keys: read keys from this CSV column (a header name, or a 1-based number)')
    .addOption(new Option('--sample-size <n>', 'with --keys: how many keys to sample from the file (reservoir sampling)').argParser(integer('--sample-size', MIN_KEYS, 10_000_000)).default(DEFAULT_SAMPLE_SIZE))
    .option('--list', 'list the experiments and exit')
    .option('--no-progress', 'do not draw the progress bar (it is drawn only when stderr is a terminal)')
    .addHelpText(
      'after',
      '\nExamples:\n  shardkit lab                       full run (under 3 minutes on 2 cores), report in ./shardkit-report/\n  shardkit lab --quick --only rebalancing\n  shardkit lab --keys keys.txt       the experiments on a sample of your keys\n  shardkit lab --keys users.csv --column email --sample-size 50000\n',
    )
    .action(async (opts: LabOptions) => {
      if (opts.list) {
        for (const e of experiments) process.stdout.write(`${e.id.padEnd(18)} ${e.title}\n`);
        return;
      }
      if (opts.column !== undefined && opts.keys === undefined) throw new InvalidArgumentError('--column', opts.column, 'only together with --keys <file> (--column needs --keys)');
      selectExperiments(experiments, opts.only);
      const interactive = process.stderr.isTTY === true && !opts.json && opts.progress;
      let keys: string[] | undefined;
      let keySource: KeySource | undefined;
      if (opts.keys !== undefined) {
        if (interactive) process.stderr.write(`reading keys from ${opts.keys}…\n`);
        const sample = await loadKeys(opts.keys, { random: mulberry32(opts.seed), sampleSize: opts.sampleSize, ...(opts.column !== undefined ? { column: opts.column } : {}) });
        keys = sample.keys;
        keySource = { kind: 'file', description: opts.keys, linesRead: sample.linesRead, distinct: sample.distinct };
      }
      prepareOutputDir(opts.out);
      const bar = interactive
        ? new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {experiment}', hideCursor: true, clearOnComplete: true, barsize: 30 }, cliProgress.Presets.shades_classic)
        : undefined;
      bar?.start(1000, 0, { experiment: '' });
      let result;
      try {
        result = await runLab(experiments, {
          seed: opts.seed,
          quick: opts.quick === true,
          ...(opts.only ? { only: opts.only } : {}),
          ...(keys ? { keys, keySource } : {}),
          onProgress: (f, id) => bar?.update(Math.round(f * 1000), { experiment: id }),
        });
      } finally {
        bar?.stop();
      }
      const paths = writeReport(opts.out, result.report, { timingsMs: result.timingsMs, generatedAt: new Date() });
      if (opts.json) {
        process.stdout.write(reportJson(result.report));
        return;
      }
      const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
      process.stdout.write(`${renderReport(result.report, { color, timingsMs: result.timingsMs })}\n\nReport: ${paths.html}\nResults: ${paths.json}\n`);
    });
}
