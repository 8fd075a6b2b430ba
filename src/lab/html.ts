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
import type { ChartSpec, ExperimentResult, Table } from './experiment.js';
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
  return `<div class="table-wrap"><table><caption>${escapeHtml(t.title)}</caption>
<thead><tr>${(head ?? []).map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

function renderChart(c: ChartSpec, experimentId: string): string {
  const id = `chart-${experimentId}-${c.id}`;
  const wide = c.type === 'line' || (c.categories?.length ?? 0) > 8 ? ' wide' : '';
  return `<figure class="chart${wide}"><figcaption>${escapeHtml(c.title)}</figcaption>
<div class="canvas-box"><canvas id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(`${c.title}: ${c.y.label} (${c.y.unit}) against ${c.x.label}`)}"></canvas></div>
${c.caption ? `<p class="caption">${escapeHtml(c.caption)}</p>` : ''}</figure>`;
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
<div class="charts">${e.charts.map((c) => renderChart(c, e.id)).join('\n')}</div>
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
  const charts = report.experiments.flatMap((e) => e.charts.map((c) => ({ ...c, canvasId: `chart-${e.id}-${c.id}` })));
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
