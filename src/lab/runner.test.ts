import { describe, expect, it } from 'vitest';
import { experiments } from './experiments/index.js';
import { reportJson } from './output.js';
import { experimentSeed, runLab, selectExperiments } from './runner.js';
import type { Experiment } from './experiment.js';
import { NotFoundError, InvalidArgumentError } from '../errors.js';

describe('runLab', () => {
  // The determinism of every experiment (same seed, same JSON, across processes) and the shape of
  // every experiment's output are checked in report.e2e.test.ts, on the run it opens in Chromium.
  it('the same seed gives byte-identical JSON results; another seed changes the random parts', async () => {
    const cheap = ['hot-keys', 'consumer-groups', 'hinted-handoff'];
    const a = await runLab(experiments, { seed: 7, quick: true, only: cheap });
    const b = await runLab(experiments, { seed: 7, quick: true, only: cheap });
    expect(reportJson(a.report)).toBe(reportJson(b.report));
    const c = await runLab(experiments, { seed: 8, quick: true, only: cheap });
    expect(reportJson(c.report)).not.toBe(reportJson(a.report));
  });

  it('an experiment gives the same numbers alone (--only) as within a selection', async () => {
    const both = await runLab(experiments, { seed: 3, quick: true, only: ['hot-keys', 'consumer-groups'] });
    const alone = await runLab(experiments, { seed: 3, quick: true, only: ['consumer-groups'] });
    expect(JSON.stringify(alone.report.experiments[0])).toBe(JSON.stringify(both.report.experiments[1]));
  });

  it('reports progress from 0 to 1, never backwards', async () => {
    const seen: number[] = [];
    await runLab(experiments, { seed: 1, quick: true, only: ['hot-keys'], onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i] as number).toBeGreaterThanOrEqual(seen[i - 1] as number);
  });

  it('uses the given keys and names their source', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `order-${i * 7}`);
    const { report } = await runLab(experiments, { seed: 1, quick: true, only: ['hot-keys'], keys, keySource: { kind: 'file', description: 'orders.txt', linesRead: 3000 } });
    expect(report.sampleSize).toBe(3000);
    expect(report.keySource.description).toBe('orders.txt');
    expect(report.experiments[0]?.notes?.join(' ')).toContain('"order-0"');
  });

  it('rejects unknown experiment ids, naming the known ones, and bad seeds', async () => {
    expect(() => selectExperiments(experiments, ['nope'])).toThrow(NotFoundError);
    expect(() => selectExperiments(experiments, ['nope'])).toThrow(/unknown experiment "nope"; known: rebalancing/);
    await expect(runLab(experiments, { seed: -1, quick: true })).rejects.toThrow(InvalidArgumentError);
    await expect(runLab(experiments, { seed: 1.5, quick: true })).rejects.toThrow(InvalidArgumentError);
    await expect(runLab(experiments, { seed: 1, quick: true, keys: [] })).rejects.toThrow(InvalidArgumentError);
  });

  it('an experiment with no checks does not count as held', async () => {
    const empty: Experiment = { id: 'empty', title: 'empty', claim: 'nothing', run: () => ({ tables: [], charts: [], checks: [] }) };
    const { report } = await runLab([empty], { seed: 1, quick: true });
    expect(report.experiments[0]?.verdict.held).toBe(false);
  });

  it('derives a different stream per experiment from one seed', () => {
    expect(experimentSeed(1, 'a')).not.toBe(experimentSeed(1, 'b'));
    expect(experimentSeed(1, 'a')).toBe(experimentSeed(1, 'a'));
    expect(experimentSeed(2, 'a')).not.toBe(experimentSeed(1, 'a'));
  });
});
