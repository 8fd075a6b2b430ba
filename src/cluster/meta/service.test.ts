import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../util/random.js';
import { cliCommand } from '../ops/cli-entry.js';
import { HttpMetaStore } from './http/client.js';
import type { WatchEvent } from './types.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

interface Proc {
  child: ChildProcess;
  log: string[];
  exited: Promise<number | null>;
}
const started: Proc[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const p of started.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Start `shardkit meta` and wait for its serving line; the log is kept for failure messages. */
async function startMeta(dir: string, port: number): Promise<Proc> {
  const cli = cliCommand();
  const child = spawn(cli.file, [...cli.args, 'meta', '--port', String(port), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const p = { child, log, exited };
  started.push(p);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`meta did not start in 30 s; log:\n${log.join('')}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      log.push(d.toString());
      if (log.join('').includes('serving')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`meta exited with ${code}; log:\n${log.join('')}`));
    });
  });
  return p;
}

describe('shardkit meta (a real process)', () => {
  it('SIGKILL at random moments under concurrent writes loses no acknowledged write; a watch resumes across restarts', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'shardkit-meta-proc-'));
    dirs.push(dir);
    const port = await freePort();
    let proc = await startMeta(dir, port);
    const client = new HttpMetaStore(`http://127.0.0.1:${port}`, { retryBudgetMs: 60_000, heartbeatMs: 1000 });
    const watched: WatchEvent[] = [];
    const watchErrors: Error[] = [];
    const watch = client.watch('k/', 0, { onEvents: (e) => void watched.push(...e), onError: (e) => void watchErrors.push(e) });
    const acked = new Map<string, { value: string; revision: number }>();
    const random = mulberry32(1403);
    let seq = 0;
    let writing = true;
    const writer = async (w: number): Promise<void> => {
      while (writing) {
        const key = `k/${w}/${seq % 5}`;
        const value = `v${seq++}`;
        try {
          const r = await client.put(key, new TextEncoder().encode(value));
          const prev = acked.get(key);
          if (prev === undefined || prev.revision < r.revision) acked.set(key, { value, revision: r.revision });
        } catch {
          // Not acknowledged (the service was down, or the answer was lost): may or may not be there.
        }
      }
    };
    const writers = [0, 1, 2].map(writer);
    try {
      for (let kill = 0; kill < 5; kill++) {
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 400)));
        process.kill(proc.child.pid as number, 'SIGKILL');
        await proc.exited;
        proc = await startMeta(dir, port);
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    expect(acked.size).toBeGreaterThan(0);
    for (const [key, { value, revision }] of acked) {
      const kv = await client.get(key);
      expect(kv, `acknowledged ${key}=${value} @${revision} is missing; log:\n${proc.log.join('')}`).toBeDefined();
      // A later write of the same key may have landed without its answer: never an older one.
      expect(kv!.modRevision, `${key}`).toBeGreaterThanOrEqual(revision);
      if (kv!.modRevision === revision) expect(text(kv!.value)).toBe(value);
    }
    const final = (await client.list('k/')).revision;
    for (let i = 0; i < 500 && (watched.at(-1)?.revision ?? 0) < final && watchErrors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    watch.close();
    expect(watchErrors).toEqual([]);
    const revs = watched.map((e) => e.revision);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    expect(new Set(revs).size).toBe(revs.length);
    for (const { revision } of acked.values()) expect(revs).toContain(revision);
    await client.close();
    process.kill(proc.child.pid as number, 'SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(fs.existsSync(join(dir, 'meta.lock')), 'a clean stop releases the directory').toBe(false);
  }, 180_000);

  it('a second service on the same directory refuses to start and says who holds it', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'shardkit-meta-proc-'));
    dirs.push(dir);
    const first = await startMeta(dir, await freePort());
    const second = startMeta(dir, await freePort());
    await expect(second).rejects.toThrow(new RegExp(`is locked by pid ${first.child.pid}`));
    process.kill(first.child.pid as number, 'SIGTERM');
    expect(await first.exited).toBe(0);
  }, 90_000);
});
