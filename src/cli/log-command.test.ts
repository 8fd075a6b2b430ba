import { describe, it, expect, vi, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './run-in-process.js';

const run = runCli;

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('shardkit log', () => {
  it('creates a topic, produces keyed messages to one partition, consumes them with a group that resumes, and verifies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-log-cli-'));
    dirs.push(dir);
    expect((await run('log', 'create', 'orders', '--dir', dir, '--partitions', '3')).stdout).toBe('created orders with 3 partition(s)\n');
    const produced = await run('log', 'produce', 'orders', 'a', 'b', '--key', 'user-1', '--dir', dir);
    const lines = produced.stdout.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(new Set(lines.map((l) => l.split('@')[0])).size).toBe(1);
    const first = await run('log', 'consume', 'orders', '--dir', dir, '--group', 'g', '--max', '1');
    expect(first.stdout.trim().split('\t').slice(2)).toEqual(['user-1', 'a']);
    const second = await run('log', 'consume', 'orders', '--dir', dir, '--group', 'g');
    expect(second.stdout.trim().split('\t').slice(2)).toEqual(['user-1', 'b']);
    expect((await run('log', 'verify', '--dir', dir)).stdout).toBe('ok: 2 records in 1 topic(s), every batch CRC valid\n');
    expect((await run('log', 'topics', '--dir', dir)).stdout).toMatch(/^orders\t0:\[0,\d\) 1:\[0,\d\) 2:\[0,\d\)\n$/);
  });

  it('reports the partitions moved by an assignor, and refuses unknown topics and assignors with exit code 2', async () => {
    expect((await run('log', 'assign', '--assignor', 'round-robin')).stdout).toBe('round-robin: 50 of 60 partitions moved (minimum 10)\n');
    expect((await run('log', 'assign', '--assignor', 'cooperative-sticky')).stdout).toBe('cooperative-sticky: 10 of 60 partitions moved (minimum 10)\n');
    const bad = await run('log', 'assign', '--assignor', 'fastest');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown assignor "fastest"');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-log-cli-'));
    dirs.push(dir);
    await run('log', 'create', 'orders', '--dir', dir);
    const r = await run('log', 'produce', 'nope', 'x', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown topic "nope"');
  });

  it('read-only actions on a missing directory exit 2 and create nothing', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-log-cli-'));
    dirs.push(parent);
    const typo = path.join(parent, 'typo');
    for (const args of [['topics'], ['verify'], ['consume', 'orders'], ['consume', 'orders', '--group', 'g'], ['produce', 'orders', 'x']]) {
      const r = await run('log', ...args, '--dir', typo);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--dir.*typo.*an existing shardkit log directory.*no such directory/);
      expect(fs.existsSync(typo), args.join(' ')).toBe(false);
    }
  });

  it('read-only actions on a directory that is not a log exit 2 and write no shardkit-log.json into it', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-log-cli-'));
    dirs.push(empty);
    for (const action of ['topics', 'verify']) {
      const r = await run('log', action, '--dir', empty);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no shardkit-log\.json in it/);
      expect(fs.readdirSync(empty)).toEqual([]);
    }
    const file = path.join(empty, 'f');
    fs.writeFileSync(file, 'x');
    expect((await run('log', 'topics', '--dir', file)).stderr).toMatch(/not a directory/);
  });

  it('every count is bounded, the bound named in the error; 0 partitions is an error', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['assign', '--assignor', 'range', '--partitions', '1e9'], /--partitions must be an integer from 1 to 100,000 \(given: 1e9\)/],
      [['assign', '--assignor', 'range', '--partitions', '1000000000'], /from 1 to 100,000/],
      [['assign', '--assignor', 'range', '--partitions', '0'], /--partitions must be an integer from 1 to 100,000/],
      [['assign', '--assignor', 'range', '--before', '10001'], /--before must be an integer from 1 to 10,000/],
      [['assign', '--assignor', 'range', '--after', '0'], /--after must be an integer from 1 to 10,000/],
      [['create', 't', '--dir', '/nonexistent-never', '--partitions', '0'], /--partitions must be an integer from 1 to 10,000/],
      [['create', 't', '--dir', '/nonexistent-never', '--partitions', '10001'], /--partitions must be an integer from 1 to 10,000/],
      [['consume', 't', '--dir', '/nonexistent-never', '--max', '0'], /--max must be an integer from 1 to 1,000,000/],
    ];
    for (const [args, reason] of cases) {
      const r = await run('log', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(reason);
    }
    expect(fs.existsSync('/nonexistent-never')).toBe(false);
  });

  it('assign at its bounds finishes (100,000 partitions, 5 → 6 members)', async () => {
    const r = await run('log', 'assign', '--assignor', 'cooperative-sticky', '--partitions', '100000');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cooperative-sticky: \d+ of 100000 partitions moved/);
  });
});
