/**
 * The lab's report: ONE self-contained HTML file that opens offline.
 *
 * Text, verdicts and tables are plain HTML (readable without scripts); charts
 * are drawn by Chart.js, inlined from node_modules (no CDN). A Content
 * Security Policy meta tag forbids every network request (`default-src
 * 'none'`) and allows only the page's own inline script and style, by hash.
 * Chart data travels as a JSON block, `<` escaped so it cannot close the tag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChartSpec, ExperimentResult, Series, Table } from './experiment.js';
import { CONTEXT_COLOR, experimentColors } from './html-colors.js';
import { tableStrings } from './format.js';
import { keysLine } from './terminal.js';
import type { LabReport } from './runner.js';
import { REPORT_CSS } from './html-style.js';
import { REPORT_SCRIPT } from './html-script.js';

export interface HtmlOptions {
  /** Wall time per experiment in ms (shown, not part of the JSON results). */
  timingsMs?: ReadonlyMap<string, number>;
  /** When the report was generated (shown in the header). */
  generatedAt?: Date;
}

let chartLibrary: string | undefined;
/** Chart.js's UMD build, read once from node_modules, source-map comment removed (it would name a file). */
export function chartJsSource(): string {
  if (chartLibrary === undefined) {
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const src = readFileSync(join(dirname(entry), 'chart.umd.js'), 'utf8');
    chartLibrary = src.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  }
  return chartLibrary;
}

/** Escape text for HTML element content and attribute values. O(n). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function sha256(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

function renderTable(t: Table): string {
  const [head, ...body] = tableStrings(t);
  const numeric = t.columns.map((_, i) => t.rows.some((r) => typeof r[i] === 'number'));
  const cls = (i: number) => (numeric[i] ? ' class="num"' : '');
  // A header wraps between words, never inside "n = 10" or "k = 4".
  const header = (h: string) => escapeHtml(h).replace(/ = /g, '\u00a0=\u00a0');
  // The title stays outside the scroll box (so it wraps in view); the cue is shown by the page script only when the table is wider than its box.
  return `<div class="table-block"><div class="table-head"><p class="table-title">${escapeHtml(t.title)}</p><p class="scroll-cue" hidden>Scroll sideways for all ${t.columns.length} columns →</p></div><div class="table-wrap"><table aria-label="${escapeHtml(t.title)}">
<thead><tr>${(head ?? []).map((h, i) => `<th${cls(i)}>${header(h)}</th>`).join('')}</tr></thead>
<tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div></div>`;
}

/** A series as the page draws it: its colour, and whether it is a strategy's line, a reference, or faint context. */
export interface PageSeries extends Series {
  readonly color: string;
  readonly role: 'main' | 'reference' | 'context';
}

/** One canvas of the page: a chart, or one panel of a chart's small multiples. */
export interface PageChart extends Omit<ChartSpec, 'series'> {
  readonly canvasId: string;
  readonly series: readonly PageSeries[];
  /** A small-multiple panel (legend on top, shorter plot). */
  readonly panel: boolean;
}

/**
 * The canvases of one experiment with their colours: strategies in their
 * fixed colour, other series in palette order (the same label keeps its
 * colour across the experiment's charts), references dark and dashed. A
 * small-multiples chart becomes one panel per solid series. O(series).
 */
export function pageCharts(e: ExperimentResult): PageChart[] {
  const colors = experimentColors();
  return e.charts.flatMap((c): PageChart[] => {
    let ref = 0;
    const series: PageSeries[] = c.series.map((s) => ({ ...s, color: colors.color(s.label, s.dashed === true, s.dashed ? ref++ : 0), role: s.dashed ? 'reference' : 'main' }));
    const canvasId = `chart-${e.id}-${c.id}`;
    if (!c.smallMultiples) return [{ ...c, canvasId, series, panel: false }];
    const mains = series.filter((s) => s.role === 'main');
    return mains.map((focus, i) => ({
      ...c,
      canvasId: `${canvasId}-${i}`,
      panel: true,
      series: [focus, ...series.filter((s) => s.role === 'reference'), ...mains.filter((s) => s !== focus).map((s) => ({ ...s, color: CONTEXT_COLOR, role: 'context' as const }))],
    }));
  });
}

function canvasHtml(id: string, label: string): string {
  return `<div class="canvas-box"><canvas id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(label)}"></canvas></div>`;
}

/** Full width for small multiples and charts with many lines or bars; two to a row otherwise. */
function isWide(c: ChartSpec): boolean {
  return c.smallMultiples === true || c.series.length > 6 || (c.categories?.length ?? 0) > 8;
}

/** Which charts of an experiment take a full row: the wide ones, and a half-width one that would be alone in its row. O(charts). */
export function fullRows(charts: readonly ChartSpec[]): boolean[] {
  const full = charts.map(isWide);
  let run = 0;
  for (let i = 0; i <= charts.length; i++) {
    if (i < charts.length && !full[i]) {
      run++;
      continue;
    }
    if (run % 2 === 1) full[i - 1] = true;
    run = 0;
  }
  return full;
}

function renderChart(c: ChartSpec, experimentId: string, fullRow: boolean): string {
  const id = `chart-${experimentId}-${c.id}`;
  const label = `${c.title}: ${c.y.label} (${c.y.unit}) against ${c.x.label}`;
  const caption = c.caption ? `<p class="caption">${escapeHtml(c.caption)}</p>` : '';
  if (c.smallMultiples) {
    const panels = c.series.filter((s) => !s.dashed).map((s, i) => `<div class="panel">${canvasHtml(`${id}-${i}`, `${label}: ${s.label}`)}</div>`);
    const refs = c.series.filter((s) => s.dashed).map((s) => `<span class="swatch reference"></span>${escapeHtml(s.label)}`);
    const key = `<p class="key">In every panel: ${[...refs, '<span class="swatch context"></span>the other strategies'].join(' · ')}</p>`;
    return `<figure class="chart wide multiples"><figcaption>${escapeHtml(c.title)}</figcaption>
${key}
<div class="panels">${panels.join('')}</div>
${caption}</figure>`;
  }
  const wide = fullRow ? ' wide' : '';
  return `<figure class="chart${wide}"><figcaption>${escapeHtml(c.title)}</figcaption>
${canvasHtml(id, label)}
${caption}</figure>`;
}

function renderExperiment(e: ExperimentResult, index: number, timingsMs?: ReadonlyMap<string, number>): string {
  const ms = timingsMs?.get(e.id);
  const badge = `<span class="badge ${e.verdict.held ? 'held' : 'failed'}">${escapeHtml(verdictText(e))}</span>`;
  return `<section class="experiment" id="${escapeHtml(e.id)}">
<header><h2><span class="num">${index + 1}</span> ${escapeHtml(e.title)}</h2>${badge}</header>
<blockquote class="claim"><strong>Claim.</strong> ${escapeHtml(e.claim)}</blockquote>
<div class="verdict"><h3>Verdict</h3><ul class="checks">${e.verdict.checks
    .map((c) => `<li class="${c.held ? 'ok' : 'bad'}"><span class="mark">${c.held ? '✓' : '✗'}</span><span><strong>${escapeHtml(c.claim)}</strong><br><span class="measured">${escapeHtml(c.measured)}</span></span></li>`)
    .join('')}</ul></div>
${e.notes?.length ? `<div class="notes">${e.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('')}</div>` : ''}
<div class="charts">${fullRows(e.charts).map((full, i) => renderChart(e.charts[i] as ChartSpec, e.id, full)).join('\n')}</div>
${e.tables.map(renderTable).join('\n')}
${ms === undefined ? '' : `<p class="timing">Ran in ${(ms / 1000).toFixed(1)} s.</p>`}
</section>`;
}

/** The verdict in words: `claim held (5 of 5 checks)` or `did not hold (1 of 11 checks failed)`. */
export function verdictText(e: ExperimentResult): string {
  const failed = e.verdict.checks.filter((c) => !c.held).length;
  const n = e.verdict.checks.length;
  return e.verdict.held ? `claim held (${n} of ${n} checks)` : `did not hold (${failed} of ${n} checks failed)`;
}

/** The report page as one string. O(size of the report + 210 KB of Chart.js). */
export function renderHtml(report: LabReport, options: HtmlOptions = {}): string {
  const env = report.environment;
  const charts = report.experiments.flatMap(pageCharts);
  const lib = chartJsSource();
  const app = REPORT_SCRIPT;
  const csp = `default-src 'none'; script-src ${sha256(lib)} ${sha256(app)}; style-src ${sha256(REPORT_CSS)}; img-src data:; base-uri 'none'; form-action 'none'`;
  const held = report.experiments.filter((e) => e.verdict.held).length;
  const envRows: Array<[string, string]> = [
    ['shardkit', env.shardkitVersion],
    ['Node.js', env.node],
    ['Platform', env.platform],
    ['CPU', `${env.cpuModel} (${env.cores} cores)`],
    ['Seed', `${report.seed}${report.quick ? ' (quick run)' : ''}`],
    ['Keys', keysLine(report)],
  ];
  if (options.generatedAt) envRows.push(['Generated', options.generatedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>shardkit lab — partitioning, measured</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header class="top">
<h1>shardkit lab <span>partitioning, measured</span></h1>
<p class="lead">Each claim of <em>Designing Data-Intensive Applications</em>, chapter 6 (partitioning), put to the test with shardkit's own strategies on this machine. ${held} of ${report.experiments.length} claims held.</p>
<dl class="env">${envRows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
<nav><ol>${report.experiments
    .map((e) => `<li><a href="#${escapeHtml(e.id)}">${escapeHtml(e.title)}</a> <span class="badge small ${e.verdict.held ? 'held' : 'failed'}">${escapeHtml(verdictText(e))}</span></li>`)
    .join('')}</ol></nav>
</header>
${report.experiments.map((e, i) => renderExperiment(e, i, options.timingsMs)).join('\n')}
<footer>Reproduce with <code>${escapeHtml(report.reproduce ?? `shardkit lab --seed ${report.seed}${report.quick ? ' --quick' : ''}`)}</code>. The same seed, options and key file give the same numbers.</footer>
</main>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${lib}</script>
<script>${app}</script>
</body>
</html>
`;
}
