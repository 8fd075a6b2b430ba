import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildProgram, reportError } from './main.js';

const root = resolve(import.meta.dirname, '../..');
let dir: string;

/** The real command in a child process: exit code, stdout, stderr. */
function shardkit(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/shardkit.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same program in this process (fast): what main.ts does with the argv, and what it prints. */
async function inProcess(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const program = buildProgram();
  const capture = (c: Command) => {
    c.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s), outputError: (s, write) => write(s) });
    c.commands.forEach(capture);
  };
  capture(program);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  let code = 0;
  try {
    await program.parseAsync(['node', 'shardkit', ...args]);
  } catch (e) {
    code = reportError(e);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

/** A failing run: exit 2, the reason on the first stderr line, nothing on stdout. */
function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, reason: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0] ?? '').toMatch(reason);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shardkit-lab-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('shardkit lab: arguments', () => {
  it('lab --help explains every option', async () => {
    const r = await inProcess('lab', '--help');
    expect(r.code).toBe(0);
    for (const opt of ['--only', '--seed', '--quick', '--out', '--json', '--keys', '--column', '--sample-size', '--list', '--no-progress']) expect(r.stdout).toContain(opt);
  });

  it('shardkit --help lists the lab', async () => {
    const r = await inProcess('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lab \[options\]\s+run the lab/);
  });

  it('a seed that is not a 32-bit unsigned integer exits 2 with the reason', async () => {
    expectOneLineError(await inProcess('lab', '--seed', '-3'), /--seed must be an integer from 0 to 4,294,967,295/);
    expectOneLineError(await inProcess('lab', '--seed', '99999999999'), /--seed must be an integer/);
    expectOneLineError(await inProcess('lab', '--seed', '1.5'), /--seed must be an integer/);
  });

  it('an unknown experiment exits 2 naming the known ones', async () => {
    expectOneLineError(await inProcess('lab', '--only', 'rebalancing,nope'), /unknown experiment "nope"; known: rebalancing/);
  });

  it('a sample size out of range exits 2', async () => {
    expectOneLineError(await inProcess('lab', '--sample-size', '5'), /--sample-size must be an integer from 1,000 to 1,000,000/);
  });

  it('--column without --keys exits 2', async () => {
    expectOneLineError(await inProcess('lab', '--column', 'email'), /--column needs --keys/);
  });

  it('an unknown option exits 2', async () => {
    expectOneLineError(await inProcess('lab', '--frobnicate'), /unknown option '--frobnicate'/);
  });

  it('a binary keys file exits 2 with one line', async () => {
    writeFileSync(join(dir, 'garbage.bin'), Buffer.from([1, 2, 0, 255, 10, 0, 7]));
    const r = await inProcess('lab', '--keys', join(dir, 'garbage.bin'));
    expectOneLineError(r, /garbage\.bin: line 1 contains a NUL byte/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--out pointing at a file exits 2 with one line', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    expectOneLineError(await inProcess('lab', '--quick', '--only', 'hot-keys', '--out', join(dir, 'a-file')), /cannot write the report to .*a-file/);
  });
});

describe('shardkit lab: the real command', () => {
  it('a bad seed exits 2 with a one-line reason', () => {
    expectOneLineError(shardkit('lab', '--seed', 'abc'), /--seed must be an integer from 0 to 4,294,967,295/);
  });

  it('a missing keys file exits 2 with one line and writes nothing', () => {
    const r = shardkit('lab', '--keys', 'missing.txt', '--out', 'out-missing');
    expectOneLineError(r, /^shardkit: missing\.txt: no such file$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'out-missing'))).toBe(false);
  });

  it('--json prints the results as JSON and writes index.html and results.json; piped, progress is one line per experiment on stderr', () => {
    const r = shardkit('lab', '--quick', '--only', 'hot-keys', '--json', '--seed', '5', '--out', 'out-json');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { seed: number; experiments: Array<{ id: string }> };
    expect(parsed.seed).toBe(5);
    expect(parsed.experiments.map((e) => e.id)).toEqual(['hot-keys']);
    expect(readFileSync(join(dir, 'out-json/results.json'), 'utf8')).toBe(r.stdout);
    expect(readFileSync(join(dir, 'out-json/index.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(r.stderr).toMatch(/^shardkit lab: \[1\/1\] hot-keys (held|did not hold) \(\d+\.\d s\)\n$/);
  });
});

describe('shardkit lab: runs', () => {
  it('--keys with --column runs on the file and prints tables and the report path', async () => {
    writeFileSync(join(dir, 'keys.csv'), `id,email\n${Array.from({ length: 2000 }, (_, i) => `${i},person${i}@example.com`).join('\n')}\n`);
    const out = join(dir, 'out-keys');
    const r = await inProcess('lab', '--quick', '--only', 'hot-keys', '--keys', join(dir, 'keys.csv'), '--column', 'email', '--sample-size', '1500', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/keys: .*keys\.csv — 1,500 sampled of 2,000 read, 1,500 distinct/);
    expect(r.stdout).toMatch(/Hottest node's share of requests/);
    expect(r.stdout).toContain(`Report: ${out}/index.html`);
    const reproduce = `shardkit lab --seed 42 --quick --only hot-keys --keys ${join(dir, 'keys.csv')} --column email --sample-size 1500`;
    expect(r.stdout).toContain(`Reproduce with: ${reproduce}\n`);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(`Reproduce with <code>${reproduce}</code>`);
    expect(r.stderr).toMatch(/^shardkit lab: \[1\/1\] hot-keys (held|did not hold) \(\d+\.\d s\)\n$/);
  });

  it('keys longer than --max-key-bytes are cut, with a message on stderr saying so, and the option is in the reproduce line', async () => {
    writeFileSync(join(dir, 'long.txt'), `${Array.from({ length: 1200 }, (_, i) => `${i}-${'x'.repeat(5000)}`).join('\n')}\n`);
    const out = join(dir, 'out-long');
    const r = await inProcess('lab', '--quick', '--only', 'hot-keys', '--keys', join(dir, 'long.txt'), '--max-key-bytes', '64', '--no-progress', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('shardkit lab: 1,200 of 1,200 keys were longer than 64 bytes and were cut to their first 64 bytes (--max-key-bytes; 1,200 distinct keys remain in the sample)\n');
    expect(r.stdout).toContain(`Reproduce with: shardkit lab --seed 42 --quick --only hot-keys --keys ${join(dir, 'long.txt')} --max-key-bytes 64\n`);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { keySource: { truncated: number; maxKeyBytes: number } };
    expect(results.keySource).toMatchObject({ truncated: 1200, maxKeyBytes: 64 });
  });

  it('lab --help states no run time it cannot back, and points to README', async () => {
    const r = await inProcess('lab', '--help');
    expect(r.stdout).not.toMatch(/under \d|seconds|minutes/);
    expect(r.stdout).toContain('README');
  });

  it('--list names every experiment', async () => {
    const r = await inProcess('lab', '--list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rebalancing\s+/m);
    expect(r.stdout).toMatch(/^hot-keys\s+/m);
  });
});
