import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { META_LOCK_FILE } from './lock.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const work = fs.mkdtempSync(join(tmpdir(), 'shardkit-lock-race-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** A contender: waits for `go`, takes the lock, checks nobody else holds it, holds it a moment, releases. */
const CONTENDER = `
import * as fs from 'node:fs';
import { join } from 'node:path';
import { DirectoryLock } from ${JSON.stringify(join(here, 'lock.ts'))};
const [dir, go] = process.argv.slice(2);
while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 2));
let lock;
try {
  // Pause between judging the lock stale and taking it over: the window where a naive takeover races.
  lock = DirectoryLock.acquire(dir, { onStale: () => { const t = performance.now() + 5 * (process.pid % 7); while (performance.now() < t); } });
} catch (e) {
  console.log(e.code === 'DIRECTORY_LOCKED' ? 'locked' : 'error ' + e.message);
  process.exit(0);
}
const holders = fs.readdirSync(dir).filter((f) => f.startsWith('holder-'));
fs.writeFileSync(join(dir, 'holder-' + process.pid), '');
await new Promise((r) => setTimeout(r, 200));
fs.rmSync(join(dir, 'holder-' + process.pid));
lock.release();
console.log(holders.length === 0 ? 'got' : 'OVERLAP with ' + holders.join(','));
`;

describe('directory lock across processes', () => {
  it('processes racing to take over a stale lock: never two holders at once', async () => {
    const src = join(work, 'contender.ts');
    fs.writeFileSync(src, CONTENDER);
    const bundle = join(work, 'contender.mjs');
    await build({ entryPoints: [src], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    for (let round = 0; round < 3; round++) {
      const dir = join(work, `dir-${round}`);
      fs.mkdirSync(dir);
      // A lock left by a process that is gone: every contender sees it stale at once.
      fs.writeFileSync(join(dir, META_LOCK_FILE), JSON.stringify({ pid: 2 ** 30, startTime: '1', nonce: 'dead' }));
      const go = join(dir, 'go');
      const procs = Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, [bundle, dir, go], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        return { child, done: new Promise<string>((r) => child.on('exit', () => r(out.trim()))) };
      });
      try {
        await new Promise((r) => setTimeout(r, 500)); // let them all start and wait
        fs.writeFileSync(go, '');
        const results = await Promise.all(procs.map((p) => p.done));
        expect(results.filter((r) => r.startsWith('OVERLAP') || r.startsWith('error')), results.join(' | ')).toEqual([]);
        expect(results.filter((r) => r === 'got').length, results.join(' | ')).toBeGreaterThanOrEqual(1);
        expect(fs.existsSync(join(dir, META_LOCK_FILE))).toBe(false);
      } finally {
        for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      }
    }
  }, 60_000);
});
