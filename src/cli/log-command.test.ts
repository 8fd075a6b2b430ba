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
    const r = await run('log', 'produce', 'nope', 'x', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown topic "nope"');
  });
});
