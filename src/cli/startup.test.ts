/**
 * The CLI loads only what a command needs: registering every subcommand (and
 * --help) loads no library module, and `hash` loads the hash functions and
 * nothing of the lab, the log, placement, indexes, ranges or replication.
 * Counted in a real process by a module loader hook that appends every
 * loaded file: URL to a file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const HOOKS = `import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(out, url + '\\n');
  return next(url, context);
}`;
const REGISTER = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { out: process.env.SHARDKIT_MODULE_LOG } });`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shardkit-startup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The src/ modules (paths relative to src/) that `shardkit <args>` loads. */
function srcModules(name: string, ...args: string[]): { modules: string[]; stdout: string } {
  const log = join(dir, `${name}.log`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SHARDKIT_MODULE_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  const all = [...new Set(readFileSync(log, 'utf8').trim().split('\n'))];
  return { modules: all.filter((u) => u.includes('/src/')).map((u) => u.slice(u.lastIndexOf('/src/') + 5)), stdout: r.stdout };
}

describe('CLI start-up loads only what the command runs', () => {
  it('--help loads the CLI files and no library module', () => {
    const { modules, stdout } = srcModules('help', '--help');
    expect(stdout).toContain('secondary-index');
    expect(modules.filter((m) => !m.startsWith('cli/'))).toEqual(expect.arrayContaining(['errors.ts']));
    expect(modules.filter((m) => !m.startsWith('cli/') && !['errors.ts', 'util/random.ts', 'lab/key-limits.ts'].includes(m))).toEqual([]);
  });

  it('hash redis-slot foo loads the hash functions, not the lab, log, placement, index, range or replication code', () => {
    const { modules, stdout } = srcModules('hash', 'hash', 'redis-slot', 'foo');
    expect(stdout).toBe('12182\n');
    expect(modules).toContain('hash/registry.ts');
    expect(modules.filter((m) => /^(lab|log|partitioning|index|range|replication)\//.test(m) && m !== 'lab/key-limits.ts')).toEqual([]);
    expect(modules.length).toBeLessThan(40);
  });
});
