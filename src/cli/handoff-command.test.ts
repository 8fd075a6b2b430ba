import { describe, it, expect, vi, afterEach } from 'vitest';
import { runCli } from './run-in-process.js';

const run = runCli;

afterEach(() => vi.restoreAllMocks());

describe('shardkit handoff', () => {
  it('prints sloppy and strict quorum side by side, with every check holding', async () => {
    const r = await run('handoff', '--seeds', '20');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/20 seeded histories per mode \(seeds 1…20\), 6 nodes, N=3 W=2 R=2/);
    expect(lines[1]).toMatch(/^quorum\s+writes ok\s+sloppy\s+hints stored/);
    expect(lines[2]).toMatch(/^sloppy .* ok\s*$/);
    expect(lines[3]).toMatch(/^strict .* ok\s*$/);
  });

  it('prints the same totals as JSON for the same seeds (reproducible)', async () => {
    const a = JSON.parse((await run('handoff', '--seeds', '5', '--json')).stdout);
    const b = JSON.parse((await run('handoff', '--seeds', '5', '--json')).stdout);
    expect(a).toEqual(b);
    expect(a.sloppy.writes.attempted).toBeGreaterThan(0);
    expect(a.strict.reads.stale).toBe(0);
  });

  it('rejects bad options with a one-line reason and exit code 2', async () => {
    const r = await run('handoff', '--n', '7');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/replication factor.*got 7/);
    const p = await run('handoff', '--failure-rate', '2');
    expect(p.code).toBe(2);
  });
});
