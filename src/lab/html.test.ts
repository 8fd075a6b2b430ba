import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { escapeHtml, renderHtml } from './html.js';
import type { LabReport } from './runner.js';

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
