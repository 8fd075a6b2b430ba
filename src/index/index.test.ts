/**
 * The public API of `shardkit/index`, end to end, as the README shows it, and
 * the placement promise: the same primary key lands on the same partition in
 * every process (recorded vectors: MurmurHash3 x86_32 mod 16).
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ManualClock } from '../util/clock.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { DocumentPartitionedDB, TermPartitionedDB, RangeTermPartitioner, compareStrategies, tailLatencyStudy } from './index.js';

const RECORDED: Record<string, number> = { 'user:1': 15, 'user:2': 6, 'user:42': 5, 'order:7': 13, 'héllo': 8, '🙂': 3, a: 2, zzzz: 8 };

describe('shardkit/index public API', () => {
  it('the README example runs as written', () => {
    const local = new DocumentPartitionedDB({ partitions: 16, fields: ['color', 'make'] });
    local.put('191', { color: 'red', make: 'Honda' });
    expect(local.queryByField('color', 'red').partitions.length).toBe(16);

    const clock = new ManualClock();
    const global = new TermPartitionedDB({ partitions: 16, fields: ['color', 'make'], indexMode: 'async', pendingMax: 10_000, clock });
    expect(global.put('191', { color: 'red', make: 'Honda' }).partitions.length).toBe(1);
    clock.advance(30);
    expect(global.queryByField('color', 'red').hits).toEqual([]);
    expect(global.indexLag()).toMatchObject({ pending: 2, oldestPendingAgeMs: 30 });
    expect(global.queryByField('color', 'red', { consistency: 'strong' }).hits.map((h) => h[0])).toEqual(['191']);
    expect(global.flushIndex()).toBe(1);

    const ages = new TermPartitionedDB({ partitions: 8, fields: ['age'], termPartitioner: RangeTermPartitioner.fromSample(8, { age: [18, 25, 31, 40, 52, 67, 80] }) });
    ages.put('u1', { age: 33 });
    expect(ages.queryRange('age', 30, 35).indexPartitions.length).toBeLessThan(8);

    const cmp = compareStrategies([['1', { color: 'red' }]], [['color', 'red']], 16, ['color']);
    expect(cmp.summary.lines.length).toBeGreaterThan(0);
    expect(tailLatencyStudy({ partitionCounts: [4], queries: 100 }).length).toBe(6);
  });

  it('places a primary key on the same partition in every process (recorded vectors, and a fresh process)', () => {
    const db = new DocumentPartitionedDB({ partitions: 16, fields: ['a'] });
    const here = Object.fromEntries(Object.keys(RECORDED).map((k) => [k, db.partitionOfKey(k)]));
    expect(here).toEqual(RECORDED);
    for (const k of Object.keys(RECORDED)) expect(RECORDED[k]).toBe(murmur3x86_32(k) % 16);
    const dir = dirname(fileURLToPath(import.meta.url));
    const script = `import { DocumentPartitionedDB } from ${JSON.stringify(join(dir, 'document-partitioned.ts'))};
      const db = new DocumentPartitionedDB({ partitions: 16, fields: ['a'] });
      process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(Object.keys(RECORDED))}.map((k) => [k, db.partitionOfKey(k)]))));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(RECORDED);
  });
});
