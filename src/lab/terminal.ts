/**
 * The lab's terminal output: per experiment its claim, verdict, checks and
 * tables, as aligned plain text (colour only when the stream is a TTY).
 */
import type { ExperimentResult, Table } from './experiment.js';
import { tableStrings } from './format.js';
import type { LabReport } from './runner.js';

export interface TerminalOptions {
  /** Use ANSI colours (a TTY that did not set NO_COLOR). */
  color: boolean;
  /** Wall time per experiment, in ms. */
  timingsMs?: ReadonlyMap<string, number>;
}

/** Render a table with aligned columns: numbers right-aligned, text left. O(cells). */
export function renderTable(t: Table): string {
  const cells = tableStrings(t);
  const widths = (cells[0] ?? []).map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = t.columns.map((_, i) => t.rows.some((r) => typeof r[i] === 'number'));
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  const [head, ...body] = cells;
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [`  ${t.title}`, `  ${line(head ?? [])}`, `  ${rule}`, ...body.map((r) => `  ${line(r)}`)].join('\n');
}

function paint(color: boolean, code: string, s: string): string {
  return color ? `\x1b[${code}m${s}\x1b[0m` : s;
}

/** One experiment's section. */
export function renderExperiment(e: ExperimentResult, options: TerminalOptions): string {
  const failed = e.verdict.checks.filter((c) => !c.held).length;
  const badge = e.verdict.held
    ? paint(options.color, '32;1', `HELD (${e.verdict.checks.length} of ${e.verdict.checks.length} checks)`)
    : paint(options.color, '31;1', `DID NOT HOLD (${failed} of ${e.verdict.checks.length} checks failed)`);
  const ms = options.timingsMs?.get(e.id);
  const lines = [
    paint(options.color, '1', `▌ ${e.title}  [${e.id}]`) + (ms === undefined ? '' : paint(options.color, '2', `  (${(ms / 1000).toFixed(1)} s)`)),
    `  Claim: ${e.claim}`,
    `  Verdict: ${badge}`,
    ...e.verdict.checks.map((c) => `    ${c.held ? '✓' : '✗'} ${c.claim} — ${c.measured}`),
    '',
    ...e.tables.map((t) => `${renderTable(t)}\n`),
  ];
  return lines.join('\n');
}

/** The key source in words: where the keys came from, how many were sampled of how many read. */
export function keysLine(r: LabReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const s = r.keySource;
  return `${s.description} — ${n(r.sampleSize)} sampled${s.linesRead !== undefined ? ` of ${n(s.linesRead)} read` : ''}${s.distinct !== undefined ? `, ${n(s.distinct)} distinct` : ''}`;
}

/** The whole run: header, every experiment, a summary line. */
export function renderReport(r: LabReport, options: TerminalOptions): string {
  const env = r.environment;
  const held = r.experiments.filter((e) => e.verdict.held).length;
  return [
    paint(options.color, '1', `shardkit lab — DDIA chapter 6, measured`),
    `shardkit ${env.shardkitVersion} · Node ${env.node} · ${env.cpuModel} × ${env.cores} · seed ${r.seed}${r.quick ? ' · quick' : ''} · keys: ${keysLine(r)}`,
    '',
    ...r.experiments.map((e) => renderExperiment(e, options)),
    `${held} of ${r.experiments.length} claims held.`,
  ].join('\n');
}
