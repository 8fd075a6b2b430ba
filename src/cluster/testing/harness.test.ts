import { describe, expect, it } from 'vitest';
import { RUN_TIMEOUT_MS, run, timeLimitFor } from './harness.js';

describe('run', () => {
  it('returns the output of a command that exits 0', async () => {
    const r = await run('sh', ['-c', 'cat; echo done'], { input: 'in\n' });
    expect(r.stdout).toBe('in\ndone\n');
  });

  it('says a command was killed at its time limit, with the limit, rather than only that it failed', async () => {
    await expect(run('sh', ['-c', 'echo started; sleep 5'], { timeoutMs: 200 })).rejects.toThrow(/killed at its time limit of 200 ms[\s\S]*started/);
  });

  it('says a command exited non-zero, with its status and output', async () => {
    await expect(run('sh', ['-c', 'echo oops >&2; exit 3'])).rejects.toThrow(/exited with status 3[\s\S]*oops/);
  });
});

describe('timeLimitFor', () => {
  it('grows with the operations, so a long benchmark on a slow machine is not killed at the default limit', () => {
    // The benchmark's 200,000 requests at P=1 ran at about 5,300/s on a busy machine: 38 s, beyond the 30 s default.
    const limit = timeLimitFor(200_000);
    expect(limit).toBeGreaterThan((200_000 / 5_300) * 1000 * 4);
    expect(timeLimitFor(2_000)).toBeGreaterThanOrEqual(RUN_TIMEOUT_MS);
    expect(timeLimitFor(400_000)).toBeGreaterThan(limit);
  });
});
