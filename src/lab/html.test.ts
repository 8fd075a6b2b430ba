import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { escapeHtml, fullRows, pageCharts, renderHtml } from './html.js';
import { CONTEXT_COLOR, STRATEGY_COLORS, strategyColor } from './html-colors.js';
import type { ExperimentResult } from './experiment.js';
import type { LabReport } from './runner.js';
import { mainCases, pointFamilies, rebalancingCases } from './strategies.js';

const report: LabReport = {
  tool: 'shardkit lab',
  environment: { shardkitVersion: '0.1.0', node: 'v20.0.0', platform: 'linux x64', cpuModel: 'Test CPU', cores: 2 },
  seed: 9,
  quick: true,
  keySource: { kind: 'file', description: '<script>alert(1)</script>.txt', linesRead: 10 },
  sampleSize: 10,
  experiments: [
    {
      id: 'x',
      title: 'A title with <b>markup</b>',
      claim: 'A claim & "quotes" that must be escaped, long enough to read.',
      verdict: { held: false, checks: [{ claim: 'c1', held: true, measured: '1 < 2' }, { claim: 'c2', held: false, measured: 'no' }] },
      checks: [],
      tables: [{ title: 't', columns: [{ label: 'name' }, { label: 'share', format: 'percent' }], rows: [['a', 0.5]] }],
      charts: [{ id: 'c', title: 'chart </script><script>x()</script>', type: 'line', x: { label: 'n', unit: 'nodes' }, y: { label: 'moved', unit: '%' }, series: [{ label: 's', points: [{ x: 1, y: 2 }] }] }],
    },
  ],
};

describe('renderHtml', () => {
  const html = renderHtml(report);

  it('escapes every text that comes from results or input', () => {
    expect(html.includes('<script>alert(1)</script>')).toBe(false);
    expect(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;.txt')).toBe(true);
    expect(html.includes('A title with &lt;b&gt;markup&lt;/b&gt;')).toBe(true);
    expect(html.includes('A claim &amp; &quot;quotes&quot;')).toBe(true);
    // Chart data cannot close its script element.
    expect(html.includes('chart </script>')).toBe(false);
    expect(html.includes('chart \\u003c/script>')).toBe(true);
  });

  it('allows exactly its own inline scripts and style by hash, and nothing from the network', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replace(/&#39;/g, "'") ?? '';
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>\n/g)].map((m) => m[1] as string);
    expect(scripts).toHaveLength(2);
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(/(src|href)="https?:/.test(html)).toBe(false);
    expect(html.includes('sourceMappingURL')).toBe(false);
  });

  it('shows the environment, the verdict with its failed checks, and tables with units', () => {
    // (includes() keeps a failure message short: the page inlines 200 KB of Chart.js.)
    for (const s of ['v20.0.0', 'Test CPU (2 cores)', '9 (quick run)', '10 sampled of 10 read', 'did not hold (1 of 2 checks failed)', '<th class="num">share (%)</th>', '<td class="num">50.0%</td>']) {
      expect(html.includes(s), s).toBe(true);
    }
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

const line = (label: string, dashed = false) => ({ label, dashed, points: [{ x: 1, y: 1 }] });
const experiment = (charts: ExperimentResult['charts']): ExperimentResult => ({
  id: 'e',
  title: 't',
  claim: 'c',
  verdict: { held: true, checks: [] },
  tables: [],
  checks: [],
  charts,
});
const chart = (id: string, series: ReturnType<typeof line>[], smallMultiples = false) =>
  ({ id, title: id, type: 'line' as const, x: { label: 'n', unit: 'nodes' }, y: { label: 'moved', unit: '%' }, series, ...(smallMultiples ? { smallMultiples } : {}) });

describe('the report\'s colours', () => {
  it('every strategy the lab compares has its own colour, and a family or a measure of it takes the same one', () => {
    const labels = [...new Set([...rebalancingCases(), ...mainCases()].map((s) => s.label))];
    const colours = labels.map((l) => strategyColor(l));
    for (const [i, c] of colours.entries()) expect(c, labels[i]).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(colours).size).toBe(labels.length);
    expect([...STRATEGY_COLORS.keys()].sort()).toEqual([...labels].sort());
    for (const f of pointFamilies()) expect(strategyColor(f.label), f.label).toBe(strategyColor(f.make(f.label.startsWith('ring') ? 150 : 16).label));
    expect(strategyColor('jump: distinct nodes contacted')).toBe(strategyColor('jump'));
    expect(strategyColor('uniform random keys')).toBeUndefined();
  });

  it('a strategy keeps its colour whatever its position in a chart; other series keep theirs across an experiment\'s charts', () => {
    const e = experiment([chart('a', [line('jump'), line('rendezvous'), line('range'), line('optimum', true)]), chart('b', [line('sticky'), line('range'), line('rendezvous'), line('jump')])]);
    const [a, b] = pageCharts(e);
    const colourIn = (c: typeof a, label: string) => c?.series.find((s) => s.label === label)?.color;
    expect(colourIn(a, 'jump')).toBe(strategyColor('jump'));
    expect(colourIn(b, 'jump')).toBe(strategyColor('jump'));
    expect(colourIn(b, 'rendezvous')).toBe(colourIn(a, 'rendezvous'));
    expect(colourIn(b, 'range')).toBe(colourIn(a, 'range'));
    expect(colourIn(b, 'sticky')).not.toBe(colourIn(b, 'range'));
    expect(a?.series.find((s) => s.dashed)?.role).toBe('reference');
  });

  it('small multiples: one panel per solid series, its own line in colour, the references, the others grey behind', () => {
    const panels = pageCharts(experiment([chart('join', [line('hash mod N'), line('jump'), line('rendezvous'), line('optimum', true)], true)]));
    expect(panels.map((p) => p.canvasId)).toEqual(['chart-e-join-0', 'chart-e-join-1', 'chart-e-join-2']);
    const jump = panels[1];
    expect(jump?.panel).toBe(true);
    expect(jump?.series.map((s) => [s.label, s.role])).toEqual([['jump', 'main'], ['optimum', 'reference'], ['hash mod N', 'context'], ['rendezvous', 'context']]);
    expect(jump?.series[0]?.color).toBe(strategyColor('jump'));
    expect(jump?.series.filter((s) => s.role === 'context').map((s) => s.color)).toEqual([CONTEXT_COLOR, CONTEXT_COLOR]);
    const html = renderHtml({ ...report, experiments: [experiment([chart('join', [line('jump'), line('rendezvous'), line('optimum', true)], true)])] });
    for (const id of ['chart-e-join-0', 'chart-e-join-1']) expect(html.includes(`<canvas id="${id}"`), id).toBe(true);
    expect(html.includes('<canvas id="chart-e-join"')).toBe(false);
  });
});

describe('tables in the report', () => {
  const wide: LabReport = {
    ...report,
    experiments: [{ ...experiment([]), tables: [{ title: 'T', columns: [{ label: 'strategy' }, { label: 'k = 4', unit: 'nodes', format: 'int' }], rows: [['jump', 3]] }] }],
  };
  const html = renderHtml(wide);

  it('a header wraps between words but never inside "k = 4"', () => {
    expect(html.includes('<th class="num">k\u00a0=\u00a04 (nodes)</th>')).toBe(true);
  });

  it('the title sits outside the scroll box, with a scroll cue that starts hidden (the page shows it only when the table overflows)', () => {
    expect(html.includes('<p class="table-title">T</p><p class="scroll-cue" hidden>Scroll sideways for all 2 columns →</p></div><div class="table-wrap"><table aria-label="T">')).toBe(true);
  });
});

describe('chart rows', () => {
  it('small multiples and charts with many series take a full row; a half-width chart that would sit alone takes one too', () => {
    const few = chart('few', [line('a'), line('b')]);
    const many = chart('many', ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((l) => line(l)));
    const panels = chart('panels', [line('a'), line('b')], true);
    expect(fullRows([few, few])).toEqual([false, false]);
    expect(fullRows([few, few, few])).toEqual([false, false, true]);
    expect(fullRows([many, few, many])).toEqual([true, true, true]);
    expect(fullRows([panels, few, few])).toEqual([true, false, false]);
    expect(fullRows([])).toEqual([]);
  });
});
