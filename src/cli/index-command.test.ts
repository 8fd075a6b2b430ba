import { describe, it, expect, vi, afterEach } from 'vitest';
import { runCli } from './run-in-process.js';

const run = runCli;

afterEach(() => vi.restoreAllMocks());

describe('shardkit secondary-index', () => {
  it('prints partitions touched per write and per query for both strategies', async () => {
    const r = await run('secondary-index', '--documents', '2000', '--queries', '200', '--partitions', '8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2000 documents, 8 partitions/);
    expect(r.stdout).toMatch(/local touches 1\.00 partitions per write/);
    expect(r.stdout).toMatch(/local touches 8\.00 partitions per query/);
    expect(r.stdout).toMatch(/both strategies returned the same hits/);
    expect(r.stdout).toMatch(/^global\s+\d/m);
  });

  it('--json gives both stats, the latency and the summary; the same seed gives the same numbers', async () => {
    const a = await run('secondary-index', '--documents', '500', '--queries', '50', '--json', '--seed', '9');
    const b = await run('secondary-index', '--documents', '500', '--queries', '50', '--json', '--seed', '9');
    const j = JSON.parse(a.stdout) as { documentPartitioned: { writes: number }; summary: { resultsAgree: boolean } };
    expect(j.documentPartitioned.writes).toBe(500);
    expect(j.summary.resultsAgree).toBe(true);
    expect(a.stdout).toBe(b.stdout);
  });

  it('--latency adds the tail-latency table over partition counts', async () => {
    const r = await run('secondary-index', '--documents', '200', '--queries', '20', '--latency');
    expect(r.stdout).toMatch(/128\s+slow partition, hedged\s+scatter-gather/);
  });

  it('a bad option exits 2 with a one-line reason and prints nothing on stdout', async () => {
    const r = await run('secondary-index', '--partitions', '0');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(/--partitions must be an integer from 1 to 4,096/);
  });
});
