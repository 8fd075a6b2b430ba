import { describe, expect, it } from 'vitest';
import { runLab } from '../runner.js';
import { experiments } from './index.js';

async function run(seed: number) {
  const { report } = await runLab(experiments, { seed, quick: true, only: ['request-routing'] });
  const r = report.experiments[0];
  if (r === undefined) throw new Error('request-routing did not run');
  return r;
}

describe('request-routing experiment', () => {
  it('is deterministic for a seed: the same seed gives the same numbers, another seed others', async () => {
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    const strip = (x: typeof a) => JSON.stringify({ ...x, durationMs: undefined });
    expect(strip(a)).toBe(strip(b));
    expect(strip(a)).not.toBe(strip(c));
  }, 60_000);

  it.each([1, 2, 3])('seed %i: every check holds (hops 1 / 2 / 1 + (n-1)/n, hop latency, who learns the map, no failed request through a client or the tier)', async (seed) => {
    const r = await run(seed);
    for (const c of r.checks) expect(c.held, `seed ${seed}: ${c.claim} — ${c.measured}`).toBe(true);
    const steady = r.tables[0];
    expect(steady?.rows.length).toBe(9);
    for (const row of steady?.rows ?? []) {
      const [, style, , , , hops] = row as [string, string, number, number, number, number];
      if (style === 'partition-aware client') expect(hops).toBe(1);
      if (style === 'routing tier') expect(hops).toBe(2);
      if (style === 'any-node forwarding') expect(Math.abs(hops - 5 / 3)).toBeLessThan(0.05);
    }
    expect(r.charts.map((ch) => ch.id)).toEqual(['routing-throughput', 'routing-latency', 'routing-hops', 'routing-map-change']);
  }, 60_000);
});
