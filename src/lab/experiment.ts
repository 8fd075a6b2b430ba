/**
 * What an experiment of the lab is, and what it returns.
 *
 * An experiment puts one claim (from DDIA chapter 6 or the seeds) to the test
 * with shardkit's own public APIs: it runs a workload, returns tables of
 * numbers and chart specs (axes with units, one series per strategy), and a
 * verdict made of checks, each stating a sub-claim, whether it held and the
 * measured numbers that decided it. Everything an experiment returns is plain
 * data (JSON), deterministic for a given seed: no wall-clock time goes in.
 */
import type { Random } from '../util/random.js';

/** How a table column's numbers are shown (JSON keeps the raw number). */
export type ColumnFormat = 'int' | 'percent' | 'fixed1' | 'fixed2' | 'fixed3' | 'text';

/** A table column: a label, the unit of its values (shown in the header), how to format them. */
export interface Column {
  readonly label: string;
  readonly unit?: string;
  readonly format?: ColumnFormat;
}

/** A table of results: one row per case, cells are numbers or text. */
export interface Table {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: ReadonlyArray<ReadonlyArray<number | string>>;
}

/** A chart axis: what it measures and in which unit. */
export interface Axis {
  readonly label: string;
  readonly unit: string;
  /** `linear` (default), `logarithmic`, or `category` (bar charts' x axis). */
  readonly scale?: 'linear' | 'logarithmic' | 'category';
  readonly min?: number;
  readonly max?: number;
}

/** One line or one set of bars: `points` for numeric x, `values` aligned with the chart's categories. */
export interface Series {
  readonly label: string;
  readonly points?: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  readonly values?: readonly number[];
  /** Draw dashed (references such as the optimum or a bound). */
  readonly dashed?: boolean;
}

/** A chart the report draws: line charts have numeric x; bar charts have categories. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly type: 'line' | 'bar';
  readonly x: Axis;
  readonly y: Axis;
  /** Bar charts: the labels along x. */
  readonly categories?: readonly string[];
  readonly series: readonly Series[];
  /** One sentence under the chart: how to read it. */
  readonly caption?: string;
  /**
   * Draw small multiples: one panel per solid series, on shared axes, each
   * with the dashed references on top and the other series faint behind, for
   * charts whose many series would hide one another.
   */
  readonly smallMultiples?: boolean;
}

/** One sub-claim and the numbers that decided it. */
export interface Check {
  readonly claim: string;
  readonly held: boolean;
  readonly measured: string;
}

/** What `run` returns. */
export interface ExperimentOutput {
  readonly tables: readonly Table[];
  readonly charts: readonly ChartSpec[];
  readonly checks: readonly Check[];
  /** Short paragraphs: method, parameters, what to take away. */
  readonly notes?: readonly string[];
}

/** The source of the key sample experiments use. */
export interface KeySource {
  readonly kind: 'synthetic' | 'file';
  /** `user:<n>` for synthetic keys, else the file path as given. */
  readonly description: string;
  /** Keys read from the file (file keys only). */
  readonly linesRead?: number;
  /** Distinct keys in the sample (file keys only). */
  readonly distinct?: number;
  /** The CSV column asked for with --column (file keys only). */
  readonly column?: string;
  /** The sample size asked for with --sample-size (file keys only; the sample holds fewer when the file does). */
  readonly sampleSize?: number;
  /** Longest key kept, in UTF-8 bytes (--max-key-bytes; file keys only). */
  readonly maxKeyBytes?: number;
  /** Keys read that were longer than maxKeyBytes and were cut to it (file keys only). */
  readonly truncated?: number;
}

/** What an experiment gets from the runner. */
export interface ExperimentContext {
  /** The run's seed (experiments use `random`, which is derived from it and the experiment id). */
  readonly seed: number;
  /** Smaller workloads for a fast run. */
  readonly quick: boolean;
  /** Seeded randomness for this experiment: the same seed gives the same numbers. */
  readonly random: Random;
  /** The key sample: the user's keys (`--keys`) or synthetic `user:<n>` keys. Never empty. */
  readonly keys: readonly string[];
  readonly keySource: KeySource;
  /** `full` normally, `quick` with --quick. */
  size(full: number, quick: number): number;
  /** Report progress within this experiment (done of total steps). Cheap; call freely. */
  progress(done: number, total: number): void;
}

/** An experiment of the lab. */
export interface Experiment {
  /** Short stable id used by `--only` (kebab-case). */
  readonly id: string;
  readonly title: string;
  /** The claim under test, in one or two sentences, with its source. */
  readonly claim: string;
  run(ctx: ExperimentContext): ExperimentOutput | Promise<ExperimentOutput>;
}

/** The verdict of an experiment: held when every check held. */
export interface Verdict {
  readonly held: boolean;
  readonly checks: readonly Check[];
}

/** An experiment's result as the report and `--json` show it. */
export interface ExperimentResult extends ExperimentOutput {
  readonly id: string;
  readonly title: string;
  readonly claim: string;
  readonly verdict: Verdict;
}

/** Build a verdict from checks; an experiment with no checks cannot claim anything held. */
export function verdictOf(checks: readonly Check[]): Verdict {
  return { held: checks.length > 0 && checks.every((c) => c.held), checks };
}
