import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-in-process.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const fresh = (): string => {
  const d = fs.mkdtempSync(join(tmpdir(), 'shardkit-cli-cluster-'));
  dirs.push(d);
  return d;
};

describe('shardkit cluster / meta (argument errors, no processes)', () => {
  it('status and down on a directory without a cluster say so and how to start one', async () => {
    const dir = fresh();
    for (const action of ['status', 'down']) {
      const r = await runCli('cluster', action, '--dir', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no cluster in ${dir}`);
      expect(r.stderr).toContain('shardkit cluster up');
    }
  });

  it('up refuses bad options before starting anything', async () => {
    const dir = fresh();
    const cases: Array<[string[], RegExp]> = [
      [['--nodes', '0'], /--nodes must be an integer from 1 to 64 \(given: 0\)/],
      [['--nodes', 'x'], /--nodes must be an integer from 1 to 64 \(given: x\)/],
      [['--port', '70000'], /invalid --port/],
      [['--strategy', 'nope'], /unknown strategy "nope"/],
      [['--fsync', 'sometimes'], /invalid --fsync/],
      [['--port', '7001', '--meta-port', '7002'], /invalid --meta-port/],
      [['--meta', 'consul'], /invalid --meta: got "consul"; allowed: embedded, zookeeper/],
      [['--meta', 'zk://127.0.0.1:99999'], /invalid ZooKeeper server: got "127.0.0.1:99999"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('cluster', 'up', '--dir', dir, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('meta refuses a bad port', async () => {
    const r = await runCli('meta', '--data', fresh(), '--port', 'seven');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --port: got "seven"/);
  });
});
