import { describe, it, expect, vi, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCli } from './run-in-process.js';
import { SlotPlacement } from '../partitioning/slots.js';
import { ConsistentHashRing } from '../partitioning/ring.js';

const run = runCli;

/** A failing run: exit 2, nothing on stdout, the reason on the first line of stderr. */
async function expectOneLineError(args: string[], reason: RegExp): Promise<void> {
  const r = await run(...args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toMatch(reason);
}

afterEach(() => vi.restoreAllMocks());

describe('shardkit locate', () => {
  it('prints the node of each key, one per line, with its partition for partitioned strategies', async () => {
    const r = await run('locate', '--strategy', 'slots', '--nodes', 'a,b,c', '--partitions', '64', 'user:1', 'user:2');
    expect(r.code).toBe(0);
    const p = new SlotPlacement(['a', 'b', 'c'], { partitions: 64 });
    expect(r.stdout).toBe(`user:1 → ${p.locate('user:1')}  (partition ${p.partitionOf('user:1')})\nuser:2 → ${p.locate('user:2')}  (partition ${p.partitionOf('user:2')})\n`);
  });

  it('uses nodes a..e by default and agrees with the library', async () => {
    const r = await run('locate', '--strategy', 'ring', '--json', 'k1', 'k2', 'k3');
    const ring = new ConsistentHashRing(['a', 'b', 'c', 'd', 'e']);
    expect(JSON.parse(r.stdout)).toEqual(['k1', 'k2', 'k3'].map((key) => ({ key, node: ring.locate(key) })));
  });

  it('puts Redis keys in their Redis Cluster slot and prints preference lists with --replicas', async () => {
    const r = await run('locate', '--strategy', 'redis-slots', '--nodes', 'n1,n2,n3', '--replicas', '3', '--json', 'somekey', '{user1000}.following');
    const rows = JSON.parse(r.stdout) as { key: string; node: string; partition: number; preferenceList: string[] }[];
    expect(rows[0]).toMatchObject({ key: 'somekey', partition: 11058, node: 'n3', preferenceList: ['n3', 'n1', 'n2'] });
    expect(rows[1]?.preferenceList).toHaveLength(3);
  });

  it('takes weights as id=weight and strategy options', async () => {
    const r = await run('locate', '--strategy', 'tokens', '--nodes', 'a=2,b', '--tokens-per-node', '4', '--allocation', 'random', '--seed', '7', '--json', 'x');
    expect(r.code).toBe(0);
    expect(['a', 'b']).toContain(JSON.parse(r.stdout)[0].node);
  });

  it('--help documents the defaults and every option', async () => {
    const r = await run('locate', '--help');
    expect(r.code).toBe(0);
    for (const s of ['--strategy', '--nodes', 'a,b,c,d,e', '--partitions', '--vnodes', '--replicas', '--json', 'redis-slots']) expect(r.stdout).toContain(s);
  });

  it('bad input exits 2 with a one-line reason', async () => {
    await expectOneLineError(['locate', '--strategy', 'nope', 'k'], /unknown strategy "nope"; known: mod-n/);
    await expectOneLineError(['locate', 'k'], /--strategy/);
    await expectOneLineError(['locate', '--strategy', 'ring', '--partitions', '8', 'k'], /option partitions for strategy ring/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--partitions', 'x', 'k'], /--partitions must be an integer/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--replicas', '9', 'k'], /replica count.*node count \(5\)/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--nodes', 'a,,b', 'k'], /--nodes must be/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--nodes', 'a,a', 'k'], /distinct node ids/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--nodes', 'a=0', 'k'], /id=weight/);
    await expectOneLineError(['locate', '--strategy', 'slots', '--hash', 'sha1', 'k'], /unknown 32-bit hash algorithm "sha1"/);
    await expectOneLineError(['locate', '--strategy', 'slots'], /one or more keys, or --file/);
  });
});

describe('shardkit plan', () => {
  it('prints the moves when a node joins: only to it, the moved fraction at the lower bound', async () => {
    const r = await run('plan', '--strategy', 'slots', '--nodes', 'a,b,c', '--add', 'd');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a\s+→\s+d\s+8\.\d+%\s+\d+ partitions/);
    expect(r.stdout).toContain('total moved: 25.0% (exact, 3 moves)');
    expect(r.stdout).toContain('lower bound (share that changes hands): 25.0%');
  });

  it('shows mod-n moving far more than the lower bound', async () => {
    const r = await run('plan', '--strategy', 'mod-n', '--nodes', 'a,b,c,d', '--add', 'e', '--json');
    const plan = JSON.parse(r.stdout) as { movedFraction: number; lowerBound: number; after: string[] };
    expect(plan.after).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(plan.movedFraction).toBeCloseTo(0.8, 3);
    expect(plan.lowerBound).toBeCloseTo(0.2, 3);
  });

  it('prints the ranges a leaving node hands over', async () => {
    const r = await run('plan', '--strategy', 'tokens', '--nodes', 'a,b,c,d', '--remove', 'b', '--json');
    const plan = JSON.parse(r.stdout) as { moves: { from: string; ranges: unknown[] }[]; movedFraction: number };
    expect(plan.moves.every((m) => m.from === 'b' && m.ranges.length > 0)).toBe(true);
    expect(plan.movedFraction).toBeCloseTo(0.25, 2);
  });

  it('bad input exits 2 with a one-line reason', async () => {
    await expectOneLineError(['plan', '--strategy', 'ring', '--nodes', 'a,b'], /at least one of --add/);
    await expectOneLineError(['plan', '--strategy', 'ring', '--nodes', 'a,b', '--remove', 'zz'], /unknown node "zz"/);
    await expectOneLineError(['plan', '--strategy', 'ring', '--nodes', 'a,b', '--add', 'a'], /--add/);
    await expectOneLineError(['plan', '--strategy', 'slots', '--nodes', 'a', '--remove', 'a'], /last node/);
  });
});

describe('the shardkit binary', () => {
  it('runs locate end to end and exits 2 on a bad strategy', () => {
    const root = resolve(import.meta.dirname, '../..');
    const bin = join(root, 'bin/shardkit.js');
    const ok = spawnSync(process.execPath, [bin, 'locate', '--strategy', 'redis-slots', 'somekey'], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^somekey → \w+ {2}\(partition 11058\)\n$/);
    const bad = spawnSync(process.execPath, [bin, 'locate', '--strategy', 'bogus', 'k'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/unknown strategy "bogus"/);
  });
});
