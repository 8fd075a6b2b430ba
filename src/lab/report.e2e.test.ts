/**
 * End to end, as a person uses the lab: run `shardkit lab --quick` in a child
 * process, open the report it wrote in real headless Chromium (Debian's
 * `chromium`, installed by .ci/run), and check that every experiment's charts
 * rendered with data, that nothing but the file itself was requested, and that
 * the page's Content Security Policy was never violated. Saves a screenshot
 * beside the report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { type LabReport, runLab } from './runner.js';
import { experiments } from './experiments/index.js';
import { reportJson } from './output.js';

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

describe('shardkit lab --quick, opened in headless Chromium', () => {
  it('renders every experiment with charts that have data, requesting nothing but the file', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium, as .ci/run does) or set SHARDKIT_CHROMIUM to its path`);
    }
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const htmlPath = join(out, 'index.html');
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as LabReport;
    const expectedCharts = report.experiments.flatMap((e) => e.charts.map((c) => `chart-${e.id}-${c.id}`));
    expect(report.experiments.length).toBeGreaterThanOrEqual(3);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const fileUrl = pathToFileURL(htmlPath).href;
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

    const charts = await page.evaluate(() => {
      type ChartLike = {
        config: { type: string };
        data: { datasets: Array<{ data: unknown[] }> };
        options: { scales: Record<string, { title?: { text?: string } }>; plugins: { legend?: { display?: boolean } } };
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
          xTitle: chart?.options.scales.x?.title?.text ?? '',
          yTitle: chart?.options.scales.y?.title?.text ?? '',
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
