/**
 * Many processes opening one data directory at once, repeatedly: on an empty
 * directory, and over a stale lock left by a SIGKILLed owner. At most one of
 * them may own the directory at any time (an O_EXCL witness file catches a
 * second owner), the others get a retriable DIRECTORY_LOCKED error, and every
 * message acknowledged by any owner (fsync `always`) is in the log afterwards
 * at the offset it was acknowledged with.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Broker } from './broker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bundleDir = path.join(root, 'node_modules', '.cache', 'shardkit-lock-race-test');
let bundle = '';
const dirs: string[] = [];
const live = new Set<ChildProcess>();

beforeAll(async () => {
  fs.mkdirSync(bundleDir, { recursive: true });
  bundle = path.join(bundleDir, `lock-racer-${process.pid}.mjs`);
  await build({ entryPoints: [path.join(here, 'testing', 'lock-racer.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, external: ['@node-rs/crc32'], logLevel: 'silent' });
});
afterAll(() => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  fs.rmSync(bundle, { force: true });
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-lockrace-'));
  dirs.push(d);
  return d;
}

interface Racer {
  child: ChildProcess;
  out: string;
  err: string;
  ready: Promise<void>;
  exited: Promise<void>;
}

function startRacer(dataDir: string, witnessDir: string, goFile: string, name: string, hold = false): Racer {
  const child = spawn(process.execPath, [bundle, dataDir, witnessDir, goFile, name, hold ? 'hold' : 'close'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const r: Racer = { child, out: '', err: '', ready: Promise.resolve(), exited: Promise.resolve() };
  child.stdout!.setEncoding('utf8');
  child.stderr!.on('data', (c: Buffer) => (r.err += c.toString()));
  r.ready = new Promise((resolve) => {
    child.stdout!.on('data', (c: string) => {
      r.out += c;
      if (r.out.startsWith('ready\n')) resolve();
    });
  });
  r.exited = new Promise((resolve) => child.on('exit', () => {
    live.delete(child);
    resolve();
  }));
  return r;
}

function lines(r: Racer): string[] {
  return r.out.slice(0, r.out.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
}

/** Run `count` racers released together; returns them after all exited (a `hold` racer is killed once it holds). */
async function race(dataDir: string, trial: number, count: number): Promise<Racer[]> {
  const witnessDir = tempDir();
  const goFile = path.join(witnessDir, 'go');
  const racers = Array.from({ length: count }, (_, i) => startRacer(dataDir, witnessDir, goFile, `t${trial}r${i}`));
  await Promise.all(racers.map((r) => r.ready));
  fs.writeFileSync(goFile, '');
  const guard = setTimeout(() => racers.forEach((r) => r.child.kill('SIGKILL')), 30_000);
  await Promise.all(racers.map((r) => r.exited));
  clearTimeout(guard);
  return racers;
}

/** A racer that takes the directory, acknowledges some messages and is SIGKILLed while it holds the lock. */
async function killedOwner(dataDir: string, trial: number): Promise<Racer> {
  const witnessDir = tempDir();
  const goFile = path.join(witnessDir, 'go');
  fs.writeFileSync(goFile, '');
  const r = startRacer(dataDir, witnessDir, goFile, `t${trial}k`, true);
  await new Promise<void>((resolve) => {
    const check = () => (r.out.includes('holding\n') || r.child.exitCode !== null ? resolve() : setTimeout(check, 5));
    check();
  });
  r.child.kill('SIGKILL');
  await r.exited;
  return r;
}

describe('one owner per data directory, with many processes opening it at once', () => {
  it('racing openers on an empty directory and over a stale lock: one owner at a time, the rest get a retriable DIRECTORY_LOCKED error, nothing acknowledged is lost', async () => {
    const dataDir = tempDir();
    const acked = new Map<number, string>();
    const record = (r: Racer) => {
      for (const l of lines(r)) {
        if (!l.startsWith('ack ')) continue;
        const [, o, v] = l.split(' ');
        // An offset acknowledged twice means two owners appended to the same log.
        expect(acked.has(Number(o)), `offset ${o} acknowledged twice (${acked.get(Number(o))} and ${v})`).toBe(false);
        acked.set(Number(o), v!);
      }
    };
    const failures: string[] = [];
    for (let trial = 0; trial < 8; trial++) {
      if (trial > 0) record(await killedOwner(dataDir, trial));
      const racers = await race(dataDir, trial, 7);
      let owners = 0;
      for (const r of racers) {
        const ls = lines(r);
        record(r);
        if (ls.some((l) => l.startsWith('double'))) failures.push(`trial ${trial}: a second owner while another held the directory: ${ls.join(' | ')}`);
        if (ls.includes('owner')) owners++;
        const err = ls.find((l) => l.startsWith('error '));
        if (err !== undefined && !err.startsWith('error DIRECTORY_LOCKED true')) failures.push(`trial ${trial}: ${err}`);
        if (err === undefined && !ls.includes('closed')) failures.push(`trial ${trial}: racer ended without closing: ${ls.join(' | ')} ${r.err}`);
      }
      if (owners < 1) failures.push(`trial ${trial}: nobody took the directory`);
    }
    expect(failures).toEqual([]);
    const broker = Broker.open({ dataDir });
    try {
      broker.checkInvariants();
      const all = broker.read('race', 0, 0, 1e9);
      const byOffset = new Map(all.map((r) => [r.offset, r.value!.toString()]));
      for (const [o, v] of acked) expect(byOffset.get(o), `offset ${o}`).toBe(v);
      expect(acked.size).toBeGreaterThan(100);
    } finally {
      broker.close();
    }
  }, 240_000);
});
