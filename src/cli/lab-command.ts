/**
 * `shardkit lab`: run the experiments (every claim of DDIA chapter 6, measured
 * on this machine), print the results as tables and write a self-contained
 * HTML report. Options are validated at the edge: a bad value exits with a
 * one-line reason and code 2. Progress goes to stderr: a bar when both
 * stdout and stderr are terminals, else one line per experiment (so a piped
 * or logged run shows where it is); `--no-progress` silences both. The lab's
 * modules are loaded only when the command runs.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import type { KeySource } from '../lab/experiment.js';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_SAMPLE_SIZE, MAX_MAX_KEY_BYTES, MAX_SAMPLE_SIZE, MIN_KEYS, MIN_MAX_KEY_BYTES } from '../lab/key-limits.js';
import { EXPERIMENT_IDS } from './names.js';
import { grouped, integerOption } from './parse.js';

interface LabOptions {
  only?: string[];
  seed: number;
  quick?: boolean;
  out: string;
  json?: boolean;
  keys?: string;
  column?: string;
  sampleSize: number;
  maxKeyBytes: number;
  list?: boolean;
  progress: boolean;
}

function idList(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const id of ids) if (!EXPERIMENT_IDS.includes(id)) throw new CommanderArgumentError(`unknown experiment "${id}"; known: ${EXPERIMENT_IDS.join(', ')}`);
  if (ids.length === 0) throw new CommanderArgumentError(`give one or more experiment ids: ${EXPERIMENT_IDS.join(', ')}`);
  return ids;
}

/** Read the --keys sample; says on stderr how many keys were cut to --max-key-bytes. */
async function loadKeySample(opts: LabOptions & { keys: string }, say: (line: string) => void): Promise<{ keys: string[]; keySource: KeySource }> {
  const [{ loadKeys }, { mulberry32 }] = await Promise.all([import('../lab/keys.js'), import('../util/random.js')]);
  say(`reading keys from ${opts.keys}…`);
  const sample = await loadKeys(opts.keys, {
    random: mulberry32(opts.seed),
    sampleSize: opts.sampleSize,
    maxKeyBytes: opts.maxKeyBytes,
    ...(opts.column !== undefined ? { column: opts.column } : {}),
  });
  if (sample.truncated > 0) {
    process.stderr.write(
      `shardkit lab: ${grouped(sample.truncated)} of ${grouped(sample.linesRead)} keys were longer than ${grouped(opts.maxKeyBytes)} bytes and were cut to their first ${grouped(opts.maxKeyBytes)} bytes (--max-key-bytes; ${grouped(sample.distinct)} distinct keys remain in the sample)\n`,
    );
  }
  const keySource: KeySource = {
    kind: 'file',
    description: opts.keys,
    linesRead: sample.linesRead,
    distinct: sample.distinct,
    sampleSize: opts.sampleSize,
    maxKeyBytes: opts.maxKeyBytes,
    truncated: sample.truncated,
    ...(opts.column !== undefined ? { column: opts.column } : {}),
  };
  return { keys: sample.keys, keySource };
}

async function run(opts: LabOptions): Promise<void> {
  const { experiments } = await import('../lab/experiments/index.js');
  if (opts.list) {
    for (const e of experiments) process.stdout.write(`${e.id.padEnd(18)} ${e.title}\n`);
    return;
  }
  if (opts.column !== undefined && opts.keys === undefined) throw new InvalidArgumentError('--column', opts.column, 'only together with --keys <file> (--column needs --keys)');
  const [{ prepareOutputDir, writeReport, reportJson }, { runLab, selectExperiments }, { renderReport }] = await Promise.all([
    import('../lab/output.js'),
    import('../lab/runner.js'),
    import('../lab/terminal.js'),
  ]);
  selectExperiments(experiments, opts.only);
  const bar = process.stderr.isTTY === true && process.stdout.isTTY === true && !opts.json && opts.progress;
  const lines = !bar && opts.progress;
  const sample = opts.keys !== undefined ? await loadKeySample({ ...opts, keys: opts.keys }, (l) => bar && process.stderr.write(`${l}\n`)) : undefined;
  prepareOutputDir(opts.out);
  const progressBar = bar ? await newProgressBar() : undefined;
  progressBar?.start(1000, 0, { experiment: '' });
  let result;
  try {
    result = await runLab(experiments, {
      seed: opts.seed,
      quick: opts.quick === true,
      ...(opts.only ? { only: opts.only } : {}),
      ...(sample ?? {}),
      onProgress: (f, id) => progressBar?.update(Math.round(f * 1000), { experiment: id }),
      onExperimentDone: (d) => {
        if (lines) process.stderr.write(`shardkit lab: [${d.index}/${d.count}] ${d.id} ${d.verdict.held ? 'held' : 'did not hold'} (${(d.ms / 1000).toFixed(1)} s)\n`);
      },
    });
  } finally {
    progressBar?.stop();
  }
  const paths = writeReport(opts.out, result.report, { timingsMs: result.timingsMs, generatedAt: new Date() });
  if (opts.json) {
    process.stdout.write(reportJson(result.report));
    return;
  }
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  process.stdout.write(`${renderReport(result.report, { color, timingsMs: result.timingsMs })}\n\nReport: ${paths.html}\nResults: ${paths.json}\nReproduce with: ${result.report.reproduce}\n`);
}

async function newProgressBar() {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {experiment}', hideCursor: true, clearOnComplete: true, barsize: 30 }, cliProgress.Presets.shades_classic);
}

export function register(program: Command): void {
  program
    .command('lab')
    .description("run the lab: measure every claim of DDIA chapter 6 with shardkit's strategies; print tables and write an HTML report")
    .addOption(new Option('--only <ids>', `run only these experiments (comma-separated): ${EXPERIMENT_IDS.join(', ')}`).argParser(idList))
    .addOption(integerOption('--seed <n>', 'seed of every random choice: the same seed gives the same numbers', 0, 0xffffffff).default(42))
    .option('--quick', 'smaller workloads, for a faster run (README gives measured run times)')
    .option('--out <dir>', 'directory for the report (index.html) and results.json', './shardkit-report')
    .option('--json', 'print the results as JSON on stdout (no tables, no progress bar)')
    .option('--keys <file>', 'run on a sample of your own keys: a UTF-8 text file with one key per line (or a CSV, with --column), streamed')
    .option('--column <name|n>', 'with --keys: read keys from this CSV column (a header name, or a 1-based number)')
    .addOption(integerOption('--sample-size <n>', 'with --keys: how many keys to sample from the file (reservoir sampling)', MIN_KEYS, MAX_SAMPLE_SIZE).default(DEFAULT_SAMPLE_SIZE))
    .addOption(
      integerOption('--max-key-bytes <n>', 'with --keys: keys longer than this many UTF-8 bytes are cut to it (run time grows with key bytes)', MIN_MAX_KEY_BYTES, MAX_MAX_KEY_BYTES).default(DEFAULT_MAX_KEY_BYTES),
    )
    .option('--list', 'list the experiments and exit')
    .option('--no-progress', 'no progress on stderr (a bar on a terminal, else one line per experiment)')
    .addHelpText(
      'after',
      '\nRun times depend on the machine: README gives measured figures and the command that measured them.\nExamples:\n  shardkit lab                       full run, report in ./shardkit-report/\n  shardkit lab --quick --only rebalancing\n  shardkit lab --keys keys.txt       the experiments on a sample of your keys\n  shardkit lab --keys users.csv --column email --sample-size 50000\n',
    )
    .action(run);
}
