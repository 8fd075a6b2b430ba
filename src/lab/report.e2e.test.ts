/**
 * End to end, as a person uses the lab: run `shardkit lab --quick` in a child
 * process, open the report it wrote in real headless Chromium (Debian's
 * `chromium`, installed by .ci/run), and check that every experiment's charts
 * rendered with data, that nothing but the file itself was requested, and that
 * the page's Content Security Policy was never violated. Saves a screenshot
 * beside the report. Then, at a desktop (1400 px) and a phone (400 px) width,
 * checks the layout: nothing wider than its container (except a table in a
 * scroll container that says it scrolls), every legend inside its canvas,
 * every axis title shorter than its axis, log axes ticked 1-2-5 or in powers
 * of ten, and one colour per strategy across every chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type LabReport, runLab } from './runner.js';
import { experiments } from './experiments/index.js';
import { reportJson } from './output.js';
import { mainCases, rebalancingCases } from './strategies.js';

const CHROMIUM = process.env.SHARDKIT_CHROMIUM ?? '/usr/bin/chromium';
const root = resolve(import.meta.dirname, '../..');
let out: string;
let browser: Browser | undefined;
let run: SpawnSyncReturns<string>;

// The command under test, run once: both tests below read what it wrote.
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'shardkit-lab-e2e-'));
  run = spawnSync(process.execPath, [join(root, 'bin/shardkit.js'), 'lab', '--quick', '--seed', '7', '--no-progress', '--out', out], { encoding: 'utf8', timeout: 120_000 });
});
afterAll(async () => {
  await browser?.close();
  // Keep the report and screenshot when asked to (SHARDKIT_KEEP_REPORT=1), to look at them.
  if (process.env.SHARDKIT_KEEP_REPORT !== '1') rmSync(out, { recursive: true, force: true });
  else process.stderr.write(`report kept in ${out}\n`);
});

interface ChartState {
  id: string;
  type: string;
  datasets: number;
  points: number[];
  xTitle: string;
  yTitle: string;
  legend: boolean;
  inkPixels: number;
}

/** What the layout check found on the page: one line per problem, every list empty when the layout is right. */
interface LayoutProblems {
  overflow: string[];
  legends: string[];
  axisTitles: string[];
  logTicks: string[];
  colours: string[];
}

/**
 * Runs in the page (so it refers to nothing outside itself). Reads the layout
 * from the DOM and the chart geometry from the Chart.js instances.
 */
function measureLayout(strategies: string[]): LayoutProblems {
  type Box = { left: number; top: number; width: number; height: number };
  type Scale = {
    id: string;
    type: string;
    width: number;
    height: number;
    options: { display?: boolean | string; title: { display: boolean; text: string | string[]; font: unknown } };
    ticks: Array<{ value: number; label?: string | string[] }>;
    isHorizontal(): boolean;
    getPixelForValue(v: number): number;
  };
  type ChartLike = {
    width: number;
    height: number;
    ctx: CanvasRenderingContext2D;
    legend?: Box & { options: { display: boolean }; right: number; bottom: number; legendHitBoxes: Box[]; legendItems: Array<{ text: string }> };
    scales: Record<string, Scale>;
    data: { datasets: Array<{ label: string; borderColor: string; role?: string }> };
  };
  type Lib = { getChart(c: HTMLCanvasElement): ChartLike | undefined; helpers: { toFont(f: unknown): { string: string; size: number } } };
  const lib = (window as unknown as { Chart: Lib }).Chart;
  const out: LayoutProblems = { overflow: [], legends: [], axisTitles: [], logTicks: [], colours: [] };
  const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${[...el.classList].map((c) => `.${c}`).join('')}`;
  const px = (n: number) => Math.round(n);
  // A scroll container that says so: marked, with its cue visible.
  const isCued = (el: Element) => el.hasAttribute('data-scrolls') && [...el.parentElement?.querySelectorAll('.scroll-cue') ?? []].some((c) => (c as HTMLElement).offsetHeight > 0);
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.overflow.push(`the page scrolls sideways: ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
  for (const el of document.body.querySelectorAll('*')) {
    const parent = el.parentElement;
    if (!parent || el.closest('script, style')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const scroller = parent.closest('[data-scrolls]');
    if (scroller && isCued(scroller)) continue;
    const p = parent.getBoundingClientRect();
    if (r.left < p.left - 1 || r.right > p.right + 1) {
      out.overflow.push(`${name(el)} (${px(r.left)}–${px(r.right)}, ${px(r.width)} px) outside its container ${name(parent)} (${px(p.left)}–${px(p.right)}, ${px(p.width)} px)`);
    }
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && (style.overflowX === 'auto' || style.overflowX === 'scroll') && !isCued(el)) {
      out.overflow.push(`${name(el)} scrolls sideways (${el.scrollWidth} px of content in ${el.clientWidth} px) with no cue`);
    }
  }
  const colourOf = new Map<string, Set<string>>();
  for (const canvas of document.querySelectorAll('canvas')) {
    const chart = lib.getChart(canvas);
    if (!chart) continue;
    const id = canvas.id;
    const lg = chart.legend;
    if (lg && lg.options.display) {
      const inside = (b: Box) => b.left >= -0.5 && b.top >= -0.5 && b.left + b.width <= chart.width + 0.5 && b.top + b.height <= chart.height + 0.5;
      if (!inside(lg)) out.legends.push(`${id}: legend box ${px(lg.left)}–${px(lg.right)} × ${px(lg.top)}–${px(lg.bottom)} outside the ${chart.width} × ${chart.height} canvas`);
      lg.legendHitBoxes.forEach((b, i) => {
        const inLegend = b.top + b.height <= lg.bottom + 0.5 && b.left >= lg.left - 0.5 && b.left + b.width <= lg.right + 0.5;
        if (!inside(b) || !inLegend) {
          out.legends.push(`${id}: legend item "${lg.legendItems[i]?.text}" at ${px(b.left)}–${px(b.left + b.width)} × ${px(b.top)}–${px(b.top + b.height)}, outside the legend or the ${chart.width} × ${chart.height} canvas`);
        }
      });
    }
    for (const scale of Object.values(chart.scales)) {
      if (scale.options.display === false) continue;
      const t = scale.options.title;
      const length = scale.isHorizontal() ? scale.width : scale.height;
      if (t.display) {
        chart.ctx.font = lib.helpers.toFont(t.font).string;
        const lines = Array.isArray(t.text) ? t.text : [t.text];
        const widest = Math.max(...lines.map((l) => chart.ctx.measureText(l).width));
        if (widest > length + 0.5) out.axisTitles.push(`${id}: ${scale.id} title "${lines.join(' ')}" is ${px(widest)} px on a ${px(length)} px axis`);
      }
      if (scale.type === 'logarithmic') {
        const labelled = scale.ticks.filter((k) => (Array.isArray(k.label) ? k.label.join('') : (k.label ?? '')) !== '');
        const bad = labelled.filter((k) => {
          const m = k.value / 10 ** Math.floor(Math.log10(k.value) + 1e-9);
          return ![1, 2, 5].some((ok) => Math.abs(m - ok) < 1e-6);
        });
        if (bad.length) out.logTicks.push(`${id}: ${scale.id} labels ${bad.map((k) => k.value).join(', ')} (log axes label 1-2-5 or powers of ten)`);
        const pos = labelled.map((k) => scale.getPixelForValue(k.value)).sort((a, b) => a - b);
        const gaps = pos.slice(1).map((p, i) => p - (pos[i] as number));
        if (gaps.some((g) => g < 14)) out.logTicks.push(`${id}: ${scale.id} labels crowd: ${labelled.map((k) => k.value).join(', ')} only ${px(Math.min(...gaps))} px apart`);
        const values = labelled.map((k) => k.value).sort((a, b) => a - b);
        if (values.slice(1).some((v, i) => v / (values[i] as number) > 10.001)) out.logTicks.push(`${id}: ${scale.id} labels leave a gap of more than a decade: ${values.join(', ')}`);
      }
    }
    const seen = new Map<string, string>();
    for (const d of chart.data.datasets) {
      if (d.role === 'context') continue;
      const other = seen.get(d.borderColor);
      if (other !== undefined) out.colours.push(`${id}: "${d.label}" and "${other}" share the colour ${d.borderColor}`);
      seen.set(d.borderColor, d.label);
      if (strategies.includes(d.label)) colourOf.set(d.label, (colourOf.get(d.label) ?? new Set()).add(d.borderColor));
    }
  }
  for (const [label, colours] of colourOf) if (colours.size > 1) out.colours.push(`strategy "${label}" is drawn in ${colours.size} colours: ${[...colours].join(', ')}`);
  const owner = new Map<string, string>();
  for (const [label, colours] of colourOf) {
    for (const c of colours) {
      const other = owner.get(c);
      if (other !== undefined && other !== label) out.colours.push(`strategies "${other}" and "${label}" share the colour ${c}`);
      owner.set(c, label);
    }
  }
  return out;
}

/** Open the report at `width` px in Chromium (launched once), letting through no request but the file itself. */
async function openReport(width: number): Promise<{ page: Page; errors: string[]; requests: string[]; fileUrl: string }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does) or set SHARDKIT_CHROMIUM to its path`);
  }
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const fileUrl = pathToFileURL(join(out, 'index.html')).href;
  const requests: string[] = [];
  // Record every request; let only the report itself through.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    return url === fileUrl ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(fileUrl);
  await page.waitForSelector('html[data-charts-drawn]', { timeout: 30_000 });
  return { page, errors, requests, fileUrl };
}

describe('shardkit lab --quick, opened in headless Chromium', () => {
  it('renders every experiment with charts that have data, requesting nothing but the file', async () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as LabReport;
    // A small-multiples chart is one canvas per solid series.
    const expectedCharts = report.experiments.flatMap((e) =>
      e.charts.flatMap((c) => (c.smallMultiples ? c.series.filter((s) => !s.dashed).map((_, i) => `chart-${e.id}-${c.id}-${i}`) : [`chart-${e.id}-${c.id}`])),
    );
    expect(report.experiments.length).toBeGreaterThanOrEqual(3);

    const { page, errors, requests, fileUrl } = await openReport(1280);

    const charts = await page.evaluate(() => {
      type ChartLike = {
        config: { type: string };
        data: { datasets: Array<{ data: unknown[] }> };
        options: { scales: Record<string, { title?: { text?: string | string[] } }>; plugins: { legend?: { display?: boolean } } };
      };
      const lib = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): ChartLike | undefined } }).Chart;
      return [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = lib.getChart(canvas);
        const ctx = canvas.getContext('2d');
        let ink = 0;
        if (ctx) {
          const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
          for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) ink++;
        }
        return {
          id: canvas.id,
          type: chart?.config.type ?? 'none',
          datasets: chart?.data.datasets.length ?? 0,
          points: chart?.data.datasets.map((d) => d.data.length) ?? [],
          // A title too long for its axis is wrapped onto lines.
          xTitle: [chart?.options.scales.x?.title?.text ?? ''].flat().join(' '),
          yTitle: [chart?.options.scales.y?.title?.text ?? ''].flat().join(' '),
          legend: chart?.options.plugins.legend?.display !== false,
          inkPixels: ink,
        };
      });
    });

    const screenshot = join(out, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);

    expect(errors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
    expect((charts as ChartState[]).map((c) => c.id)).toEqual(expectedCharts);
    for (const c of charts as ChartState[]) {
      expect(c.type, c.id).not.toBe('none');
      expect(c.datasets, c.id).toBeGreaterThan(0);
      for (const n of c.points) expect(n, c.id).toBeGreaterThan(0);
      expect(c.xTitle, c.id).toMatch(/\S/);
      expect(c.yTitle, c.id).toMatch(/\S/);
      expect(c.legend, c.id).toBe(true);
      // Axes, lines and labels: a blank canvas has no ink at all.
      expect(c.inkPixels, c.id).toBeGreaterThan(5_000);
    }
    const sections = await page.$$eval('section.experiment', (s) => s.map((x) => ({ id: x.id, claim: x.querySelector('.claim')?.textContent ?? '', badge: x.querySelector('.badge')?.textContent ?? '' })));
    expect(sections.map((s) => s.id)).toEqual(report.experiments.map((e) => e.id));
    for (const s of sections) {
      expect(s.claim).toMatch(/^Claim\. .{40,}/);
      expect(s.badge).toMatch(/^(claim held \(\d+ of \d+ checks\)|did not hold \(\d+ of \d+ checks failed\))$/);
    }
    const env = await page.$eval('.env', (e) => e.textContent ?? '');
    for (const part of [process.version, `Seed${report.seed}`, report.environment.cpuModel, report.environment.shardkitVersion]) expect(env).toContain(part);
  });

  for (const width of [1400, 400]) {
    it(`at ${width} px: nothing wider than its container, legends inside their canvas, axis titles whole, clean log ticks, one colour per strategy`, async () => {
      expect(run.status).toBe(0);
      const { page, errors } = await openReport(width);
      const strategies = [...new Set([...rebalancingCases(), ...mainCases()].map((s) => s.label))];
      const found = await page.evaluate(measureLayout, strategies);
      await page.screenshot({ path: join(out, `report-${width}.png`), fullPage: true });
      await page.context().close();
      expect(errors).toEqual([]);
      expect(found).toEqual({ overflow: [], legends: [], axisTitles: [], logTicks: [], colours: [] } satisfies LayoutProblems);
    }, 120_000);
  }

  it('the same seed gives byte-identical results in another process, and every experiment has a claim, checks, charts with data and full tables', async () => {
    expect(run.status).toBe(0);
    const fromCli = readFileSync(join(out, 'results.json'), 'utf8');
    const { report } = await runLab(experiments, { seed: 7, quick: true });
    expect(reportJson(report)).toBe(fromCli);
    expect(report.experiments.map((e) => e.id)).toEqual(experiments.map((e) => e.id));
    for (const e of report.experiments) {
      expect(e.claim.length).toBeGreaterThan(40);
      expect(e.verdict.checks.length).toBeGreaterThan(0);
      expect(e.verdict.held).toBe(e.verdict.checks.every((c) => c.held));
      expect(e.charts.length).toBeGreaterThan(0);
      for (const c of e.charts) {
        expect(c.y.unit.length, `${e.id}/${c.id}`).toBeGreaterThan(0);
        for (const series of c.series) {
          const values = c.type === 'line' ? (series.points ?? []).flatMap((p) => [p.x, p.y]) : (series.values ?? []);
          expect(values.length, `${e.id}/${c.id}/${series.label}`).toBeGreaterThan(0);
          if (c.type === 'bar') expect(series.values?.length).toBe(c.categories?.length);
          for (const v of values) expect(Number.isFinite(v), `${e.id}/${c.id}/${series.label}`).toBe(true);
        }
      }
      for (const t of e.tables) for (const r of t.rows) expect(r.length, `${e.id}/${t.title}`).toBe(t.columns.length);
    }
  });
});
