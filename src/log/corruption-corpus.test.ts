/**
 * A seeded corpus of damage to a closed data directory, each case applied to
 * a fresh copy: a bit flipped in every header field of every batch (and in
 * record bytes, index files and metadata files), truncation at every batch
 * boundary and inside batches, every file deleted or cut to zero length,
 * neighbouring segments swapped. For each case, `Broker.open` or
 * `Broker.verify` must report the damage, or the log must read back exactly
 * as before (same topics, offsets, keys, values, timestamps): never a
 * silently shorter or relabelled log.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../util/clock.js';
import { mulberry32, randomInt } from '../util/random.js';
import { ShardkitError } from '../errors.js';
import { Broker } from './broker.js';
import { readBatchHeader } from './storage/record-batch.js';

const SEED = 20_261_202;
let root = '';
let pristine = '';
let expected = new Map<string, string>();

/** Header fields of a batch: name, first byte, byte count (layout in record-batch.ts). */
const FIELDS: [string, number, number][] = [
  ['baseOffset', 0, 8],
  ['batchLength', 8, 4],
  ['magic', 12, 1],
  ['crc', 13, 4],
  ['attributes', 17, 2],
  ['lastOffsetDelta', 19, 4],
  ['maxTimestampMs', 23, 8],
  ['recordCount', 31, 4],
];

function contents(b: Broker): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of b.topicNames()) {
    for (let p = 0; p < b.partitionCount(t); p++) {
      for (const r of b.read(t, p, 0, 1e9)) out.set(`${t}/${p}/${r.offset}`, `${r.key?.toString('hex') ?? '-'}|${r.value?.toString('hex') ?? '-'}|${r.timestampMs}`);
    }
  }
  return out;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-corpus-'));
  pristine = path.join(root, 'pristine');
  const clock = new ManualClock(1_000_000);
  const b = Broker.open({ dataDir: pristine, clock, topicDefaults: { fsync: 'never', segmentBytes: 900, indexIntervalBytes: 200 } });
  b.createTopic('plain', { partitions: 2 });
  b.createTopic('table', { partitions: 1, cleanupPolicy: 'compact', deleteRetentionMs: 0 });
  const random = mulberry32(SEED);
  const p = b.producer();
  for (let i = 0; i < 24; i++) {
    clock.advance(7);
    const n = 1 + randomInt(random, 4);
    p.sendBatch('plain', Array.from({ length: n }, (_, k) => ({ key: `k${randomInt(random, 9)}`, value: `plain-${i}-${k}-${'x'.repeat(randomInt(random, 30))}` })));
    p.sendBatch('table', Array.from({ length: n }, (_, k) => ({ key: `k${randomInt(random, 6)}`, value: `table-${i}-${k}` })));
  }
  b.cleanup();
  for (let i = 0; i < 5; i++) p.send('table', { key: `k${i}`, value: `after-${i}` });
  expected = contents(b);
  b.close();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Let the test runner's messages through between cases (each case is synchronous I/O). */
const yieldToRunner = () => new Promise((resolve) => setImmediate(resolve));

let caseNo = 0;
/** Apply `damage` to a fresh copy; returns null if reported or intact, else what went wrong silently. */
function check(damage: (dir: string) => void): string | null {
  const dir = path.join(root, `case-${caseNo++}`);
  fs.cpSync(pristine, dir, { recursive: true });
  try {
    damage(dir);
    let b: Broker;
    try {
      b = Broker.open({ dataDir: dir });
    } catch (e) {
      if (e instanceof ShardkitError) return null;
      return `open threw an untyped ${String(e)}`;
    }
    try {
      if (b.verify().problems.length > 0) return null;
      let got: Map<string, string>;
      try {
        got = contents(b);
      } catch (e) {
        return `verify said ok, but a read failed: ${String(e)}`;
      }
      const missing = [...expected.keys()].filter((k) => got.get(k) !== expected.get(k));
      const extra = [...got.keys()].filter((k) => !expected.has(k));
      if (missing.length > 0 || extra.length > 0) return `silently changed: ${missing.length} records missing or different (first ${missing[0]}), ${extra.length} extra (first ${extra[0]})`;
      return null;
    } finally {
      b.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function partitionDirs(dir: string): string[] {
  return fs.readdirSync(dir).filter((e) => /-\d+$/.test(e)).sort().map((e) => path.join(dir, e));
}
function segmentFiles(dir: string): string[] {
  return partitionDirs(dir).flatMap((p) => fs.readdirSync(p).filter((f) => f.endsWith('.log')).sort().map((f) => path.join(p, f)));
}
function batchStarts(file: string): number[] {
  const buf = fs.readFileSync(file);
  const out: number[] = [];
  for (let p = 0; p < buf.length; p += readBatchHeader(buf, p)!.sizeBytes) out.push(p);
  return out;
}
const rel = (file: string) => path.relative(pristine, file);
const inCase = (dir: string, file: string) => path.join(dir, rel(file));
function flip(file: string, byte: number, bit: number): void {
  const buf = fs.readFileSync(file);
  buf[byte]! ^= 1 << bit;
  fs.writeFileSync(file, buf);
}
function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir)) {
    const p = path.join(dir, e);
    if (fs.statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out.sort();
}

describe(`seeded corruption corpus (seed ${SEED}): every case is reported by open or verify, or reads back unchanged`, () => {
  it('a bit flipped in every header field (of a seeded batch in every segment), and in record bytes', async () => {
    const random = mulberry32(SEED + 1);
    const failures: string[] = [];
    let cases = 0;
    for (const file of segmentFiles(pristine)) {
      const size = fs.statSync(file).size;
      const starts = batchStarts(file);
      if (starts.length === 0) continue;
      for (const [field, at, len] of [...FIELDS, ['records', 35, 0] as [string, number, number]]) {
        const i = randomInt(random, starts.length);
        const start = starts[i]!;
        const span = len > 0 ? len : (starts[i + 1] ?? size) - start - 35;
        const byte = start + at + randomInt(random, span);
        const bit = randomInt(random, 8);
        cases++;
        const r = check((d) => flip(inCase(d, file), byte, bit));
        if (r !== null) failures.push(`${rel(file)} batch at ${start} field ${field} byte ${byte} bit ${bit}: ${r}`);
        await yieldToRunner();
      }
    }
    expect(cases).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 240_000);

  it('truncation at every batch boundary of every segment, and inside a seeded batch of each', async () => {
    const random = mulberry32(SEED + 2);
    const failures: string[] = [];
    for (const file of segmentFiles(pristine)) {
      const size = fs.statSync(file).size;
      const starts = batchStarts(file);
      if (starts.length === 0) continue;
      const i = randomInt(random, starts.length);
      const inside = starts[i]! + 1 + randomInt(random, (starts[i + 1] ?? size) - starts[i]! - 1);
      for (const at of [...starts, inside]) {
        const r = check((d) => fs.truncateSync(inCase(d, file), at));
        if (r !== null) failures.push(`${rel(file)} cut to ${at} of ${size}: ${r}`);
        await yieldToRunner();
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('every file deleted, every file cut to zero length, every partition directory deleted', async () => {
    const failures: string[] = [];
    for (const file of allFiles(pristine)) {
      const deleted = check((d) => fs.rmSync(inCase(d, file)));
      if (deleted !== null) failures.push(`${rel(file)} deleted: ${deleted}`);
      const zero = check((d) => fs.truncateSync(inCase(d, file), 0));
      if (zero !== null) failures.push(`${rel(file)} cut to zero: ${zero}`);
      await yieldToRunner();
    }
    for (const p of partitionDirs(pristine)) {
      const r = check((d) => fs.rmSync(inCase(d, p), { recursive: true }));
      if (r !== null) failures.push(`${rel(p)} deleted: ${r}`);
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('neighbouring segments swapped (the log files alone, and with their indexes)', async () => {
    const failures: string[] = [];
    for (const p of partitionDirs(pristine)) {
      const segs = fs.readdirSync(p).filter((f) => f.endsWith('.log')).sort();
      for (let i = 0; i + 1 < segs.length; i++) {
        for (const exts of [['.log'], ['.log', '.index', '.timeindex']]) {
          const r = check((d) => {
            for (const ext of exts) {
              const a = path.join(inCase(d, p), segs[i]!.replace('.log', ext));
              const b = path.join(inCase(d, p), segs[i + 1]!.replace('.log', ext));
              fs.renameSync(a, `${a}.swap`);
              fs.renameSync(b, a);
              fs.renameSync(`${a}.swap`, b);
            }
          });
          if (r !== null) failures.push(`${rel(p)} ${segs[i]} <-> ${segs[i + 1]} (${exts.join(' ')}): ${r}`);
          await yieldToRunner();
        }
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('bits flipped in index files and metadata files', async () => {
    const random = mulberry32(SEED + 3);
    const failures: string[] = [];
    const targets = allFiles(pristine).filter((f) => /\.(index|timeindex|json)$/.test(f));
    for (const file of targets) {
      const size = fs.statSync(file).size;
      if (size === 0) continue;
      for (let k = 0; k < 2; k++) {
        const byte = randomInt(random, size);
        const bit = randomInt(random, 8);
        const r = check((d) => flip(inCase(d, file), byte, bit));
        if (r !== null) failures.push(`${rel(file)} byte ${byte} bit ${bit}: ${r}`);
        await yieldToRunner();
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});
