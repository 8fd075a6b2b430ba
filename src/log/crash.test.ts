/**
 * Crash tests with real processes (the durability promise of fsync `always`):
 * a child produces continuously and prints each acknowledged offset; we
 * SIGKILL it at seeded random moments, reopen the log each time, and check
 * that every acknowledged message is there with the same content, offsets are
 * unique and increasing, and every batch's CRC-32C is valid (reads check it).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { mulberry32, randomInt } from '../util/random.js';
import { Broker } from './broker.js';
import { SegmentCorruptionError } from './storage/segment.js';
import { BATCH_HEADER_BYTES, readBatchHeader } from './storage/record-batch.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
// Bundled once into node_modules/.cache so the child starts in milliseconds and
// still resolves the native CRC-32C module from the project's node_modules.
const bundleDir = path.join(root, 'node_modules', '.cache', 'shardkit-crash-test');
let bundle = '';
const dirs: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(bundleDir, { recursive: true });
  bundle = path.join(bundleDir, `crash-producer-${process.pid}.mjs`);
  await build({ entryPoints: [path.join(here, 'testing', 'crash-producer.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, external: ['@node-rs/crc32'], logLevel: 'silent' });
});
afterAll(() => {
  fs.rmSync(bundle, { force: true });
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-crash-'));
  dirs.push(d);
  return d;
}

interface Ack {
  partition: number;
  offset: number;
  value: string;
}

/** Run the child until `killAfterMs` after it is ready (or until `minAcks` acks), SIGKILL it, and return its acks. */
function runAndKill(dataDir: string, seed: number, run: number, killAfterMs: number, minAcks = 0): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dataDir, String(seed), String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    let acks = 0;
    let due = false;
    const maybeKill = () => {
      if (due && acks >= minAcks) child.kill('SIGKILL');
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      acks += chunk.split('\nack ').length - 1;
      if (timer === null && out.startsWith('ready\n')) {
        timer = setTimeout(() => {
          due = true;
          maybeKill();
        }, killAfterMs);
      }
      maybeKill();
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 8_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`child exited with ${code}/${signal}: ${err}`));
      // Only complete lines are acknowledgements.
      const lines = out.slice(0, out.lastIndexOf('\n') + 1).split('\n');
      const result: Ack[] = [];
      for (const line of lines) {
        if (!line.startsWith('ack ')) continue;
        const [, p, o, value] = line.split(' ');
        result.push({ partition: Number(p), offset: Number(o), value: value! });
      }
      resolve(result);
    });
  });
}

/** Reopen the log and check every acknowledged message; returns the number of records per partition. */
function verify(dataDir: string, acked: Map<string, string>): number[] {
  const broker = Broker.open({ dataDir });
  try {
    broker.checkInvariants();
    const counts: number[] = [];
    for (let p = 0; p < broker.partitionCount('crash'); p++) {
      const all = broker.read('crash', p, 0, 1e9);
      for (let i = 1; i < all.length; i++) expect(all[i]!.offset).toBeGreaterThan(all[i - 1]!.offset);
      const byOffset = new Map(all.map((r) => [r.offset, r.value!.toString()]));
      for (const [k, v] of acked) {
        const [tp, o] = k.split('/').map(Number) as [number, number];
        if (tp === p) expect(byOffset.get(o)).toBe(v);
      }
      counts.push(all.length);
    }
    return counts;
  } finally {
    broker.close();
  }
}

describe('crash safety with real processes and SIGKILL', () => {
  it('every acknowledged message survives 20+ SIGKILLs with the same content; offsets unique and increasing; CRCs valid', async () => {
    const dataDir = tempDir();
    const seed = 20_261_122;
    const random = mulberry32(seed);
    const acked = new Map<string, string>();
    let runs = 0;
    for (let run = 0; run < 22; run++) {
      // At least a few acknowledgements per run, however slow the machine is to start the child.
      const acks = await runAndKill(dataDir, seed + run, run, 5 + randomInt(random, 80), 6);
      for (const a of acks) {
        const k = `${a.partition}/${a.offset}`;
        // An offset acknowledged twice would mean a crash lost an acknowledged write and reused its offset.
        expect(acked.has(k)).toBe(false);
        acked.set(k, a.value);
      }
      verify(dataDir, acked);
      runs++;
    }
    expect(runs).toBeGreaterThanOrEqual(20);
    expect(acked.size).toBeGreaterThan(100);
  }, 60_000);

  it('bytes flipped in the tail of a segment after a crash are truncated on recovery; acknowledged earlier batches stay', async () => {
    const dataDir = tempDir();
    const acks = await runAndKill(dataDir, 99, 0, 0, 200);
    const acked = new Map(acks.map((a) => [`${a.partition}/${a.offset}`, a.value]));
    const segDir = path.join(dataDir, 'crash-0');
    const last = fs.readdirSync(segDir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
    const file = path.join(segDir, last);
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(0);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, size - 3);
    fs.closeSync(fd);
    const broker = Broker.open({ dataDir });
    const recovered = broker.read('crash', 0, 0, 1e9);
    const end = broker.latestOffset('crash', 0);
    broker.close();
    expect(fs.statSync(file).size).toBeLessThan(size);
    // Everything acknowledged below the truncated batch is intact.
    const byOffset = new Map(recovered.map((r) => [r.offset, r.value!.toString()]));
    for (const [k, v] of acked) {
      const [p, o] = k.split('/').map(Number) as [number, number];
      if (p === 0 && o < end) expect(byOffset.get(o)).toBe(v);
    }
    expect(end).toBeGreaterThan(0);
  }, 30_000);

  it('bytes flipped in the middle of a segment are reported with the segment file and offset, never skipped', async () => {
    const dataDir = tempDir();
    await runAndKill(dataDir, 7, 0, 0, 300);
    const segDir = path.join(dataDir, 'crash-1');
    const segments = fs.readdirSync(segDir).filter((f) => f.endsWith('.log')).sort();
    // The newest segment holding at least two batches: damage its first batch, so valid data follows.
    const batchesIn = (f: string) => {
      const buf = fs.readFileSync(path.join(segDir, f));
      let n = 0;
      for (let p = 0; p < buf.length; n++) p += readBatchHeader(buf, p)!.sizeBytes;
      return n;
    };
    const victim = [...segments].reverse().find((f) => batchesIn(f) >= 2)!;
    const isActive = victim === segments.at(-1);
    const file = path.join(segDir, victim);
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x42, 0x43]), 0, 2, BATCH_HEADER_BYTES + 10);
    fs.closeSync(fd);
    let err: unknown;
    try {
      const broker = Broker.open({ dataDir });
      // A sealed segment is below the recovery point: not rescanned at open, but every read checks CRCs.
      expect(isActive).toBe(false);
      try {
        broker.read('crash', 1, 0, 1e9);
      } finally {
        broker.close();
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SegmentCorruptionError);
    const c = err as SegmentCorruptionError;
    expect(c.segment).toBe(`crash-1/${victim}`);
    expect(c.offset).toBe(Number(victim.slice(0, 20)));
    expect(c.position).toBe(0);
    expect(c.message).toContain(victim);
    // Nothing was cut: the file is as we left it.
    expect(fs.statSync(file).size).toBe(size);
  }, 30_000);
});
