import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { MemoryDirectory } from './directory.js';
import { PartitionLog } from './partition-log.js';
import { partitionConfig } from './partition-config.js';
import { compact } from './cleanup.js';
import type { RecordInput } from '../types.js';
import { tempDirs } from '../testing/temp-dirs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const bundleDir = path.join(root, 'node_modules', '.cache', 'shardkit-compact-memory-test');
let bundle = '';
const tempDir = tempDirs('compact');

beforeAll(async () => {
  fs.mkdirSync(bundleDir, { recursive: true });
  bundle = path.join(bundleDir, `compact-memory-child-${process.pid}.mjs`);
  await build({ entryPoints: [path.join(here, '..', 'testing', 'compact-memory-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, external: ['@node-rs/crc32'], logLevel: 'silent' });
});
afterAll(() => {
  fs.rmSync(bundle, { force: true });
});

function child(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', bundle, ...args], { encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`child ${args[0]} exited with ${r.status}/${r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as Record<string, unknown>;
}

describe('compaction memory', () => {
  it('compacting a 64 MiB log of 100 keys holds a few MiB at a time, not the log: memory follows keys and the read chunk, not bytes', () => {
    const dir = tempDir();
    const logBytes = 64 * 1024 * 1024;
    const segmentBytes = 1024 * 1024;
    const budgetKb = 8 * 1024;
    child(['write', dir, String(logBytes), String(8 * 1024), '100', String(segmentBytes)]);
    const r = child(['compact', dir, String(segmentBytes)]);
    const result = r.result as { recordsRemoved: number; bytesBefore: number; bytesAfter: number };
    expect(result.bytesBefore).toBeGreaterThan(logBytes * 0.9);
    expect(result.bytesAfter).toBeLessThan(2 * segmentBytes);
    const growthKb = (r.peakKb as number) - (r.rssBeforeKb as number);
    expect(r.heldKb as number, `compaction held ${r.heldKb as number} KiB at once (resident set grew by ${growthKb} KiB) compacting ${result.bytesBefore} bytes`).toBeLessThan(budgetKb);
  }, 300_000);
});

const rec = (key: string | null, value: string | null, timestampMs: number): RecordInput => ({ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestampMs, headers: [] });

describe('compaction semantics', () => {
  it('matches a model: the latest value per key wins, unkeyed records stay, old tombstones go, offsets are kept and appends continue', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('append' as const), records: fc.array(fc.record({ key: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }), tomb: fc.boolean(), size: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 6 }) }),
      fc.record({ op: fc.constant('compact' as const), advanceMs: fc.integer({ min: 0, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const clock = new ManualClock(0);
        const log = PartitionLog.open(new MemoryDirectory(), 't-0', partitionConfig({ segmentBytes: 600 }), clock);
        // The model: offset → record; compaction removes what the rule says.
        const model = new Map<number, { key: string | null; value: string | null; ts: number }>();
        let next = 0;
        for (const o of ops) {
          if (o.op === 'append') {
            const batch = o.records.map((r) => ({ key: r.key === null ? null : `k${r.key}`, value: r.tomb && r.key !== null ? null : `v${next}-${'x'.repeat(r.size)}`, ts: clock.now() }));
            expect(log.append(batch.map((b) => rec(b.key, b.value, b.ts)))).toBe(next);
            for (const b of batch) model.set(next++, b);
          } else {
            clock.advance(o.advanceMs);
            const latest = new Map<string, number>();
            for (const [off, r] of model) if (r.key !== null) latest.set(r.key, off);
            for (const [off, r] of [...model]) {
              if (r.key === null) continue;
              if (latest.get(r.key) !== off || (r.value === null && clock.now() - r.ts >= 1000)) model.delete(off);
            }
            compact(log, { nowMs: clock.now(), deleteRetentionMs: 1000 });
            log.checkInvariants();
          }
          expect(log.read(0, 1e9).map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([...model].map(([off, r]) => [off, r.key, r.value]));
          expect(log.nextOffset).toBe(next);
        }
      }),
      { seed: 0xc0ac7, numRuns: 150 },
    );
  });
});
