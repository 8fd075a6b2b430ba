import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { native } from '../native.js';
import { buildProgram } from './main.js';
import { runCli } from './run-in-process.js';

afterEach(() => vi.restoreAllMocks());

/** Every command that has options of its own, with its path (`['log', 'assign']`). */
function commandsOf(c: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  const own = path.length > 0 ? [{ path, command: c }] : [];
  return [...own, ...c.commands.flatMap((s) => commandsOf(s, [...path, s.name()]))];
}

/** Options that take a count (or a seed, or milliseconds). */
const isCount = (o: Option) => /<(n|count|first|ms)>/.test(o.flags);

describe('shardkit --version', () => {
  it('-v and --version print the version, Node, whether the native addon is in use and the CRC-32C backend', async () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    for (const flag of ['-v', '--version']) {
      const r = await runCli(flag);
      expect(r.code, flag).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^shardkit ${version.replace(/\./g, '\\.')}\nnode ${process.version}\n`));
      expect(r.stdout).toContain(native !== null ? 'native addon: in use' : 'native addon: not in use');
      expect(r.stdout).toContain(native !== null ? 'crc32c: isa-l (native addon)' : 'crc32c: @node-rs/crc32');
    }
  });
});

describe('shardkit: options and help', () => {
  it('--help of locate and plan says --strategy is required', async () => {
    for (const cmd of ['locate', 'plan']) expect((await runCli(cmd, '--help')).stdout).toMatch(/--strategy <name>\s+placement strategy \(required\)/);
  });

  it('every count option documents its range in --help, and one above the maximum exits 2 naming the maximum', async () => {
    const found: string[] = [];
    for (const { path, command } of commandsOf(buildProgram())) {
      for (const o of command.options.filter(isCount)) {
        const m = /\((\d[\d,]*)–(\d[\d,]*)\)$/.exec(o.description);
        expect(m, `${path.join(' ')} ${o.long}: "${o.description}"`).not.toBeNull();
        const max = (m as RegExpExecArray)[2] as string;
        const r = await runCli(...path, o.long as string, String(Number(max.replace(/,/g, '')) + 1));
        expect(r.code, `${path.join(' ')} ${o.long}`).toBe(2);
        expect(r.stderr, `${path.join(' ')} ${o.long}`).toContain(`to ${max}`);
        found.push(`${path.join(' ')} ${o.long}`);
      }
    }
    for (const o of ['locate --partitions', 'locate --replicas', 'log assign --partitions', 'log create --partitions', 'log consume --max', 'lab --sample-size', 'lab --max-key-bytes', 'handoff --seeds', 'secondary-index --documents']) {
      expect(found).toContain(o);
    }
  });

  it('the placement size is bounded in all: 10,000 nodes × 100,000 vnodes exits 2 at once', async () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => `n${i}`).join(',');
    const r = await runCli('locate', '--strategy', 'ring', '--vnodes', '100000', '--nodes', nodes, 'k');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at most 10,000,000 points/);
    const tooMany = await runCli('locate', '--strategy', 'ring', '--nodes', `${nodes},x`, 'k');
    expect(tooMany.stderr).toMatch(/10,001 nodes given; the most is 10,000/);
  });

  it('handoff bounds seeds × steps', async () => {
    const r = await runCli('handoff', '--seeds', '100000', '--steps', '1000000');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/at most 100,000,000 simulated operations/);
  });
});

describe('shardkit plan: changes that are not changes', () => {
  it('--add c --remove c, and a node twice in --add, exit 2', async () => {
    const both = await runCli('plan', '--strategy', 'slots', '--nodes', 'a,b', '--add', 'c', '--remove', 'c');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/"c".*only one of --add and --remove/);
    const twice = await runCli('plan', '--strategy', 'slots', '--nodes', 'a,b', '--add', 'c,c');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/--add.*"c".*each node once/);
  });

  it('weights given on the command line reach the strategy, whose own rule decides (jump refuses them)', async () => {
    const r = await runCli('locate', '--strategy', 'jump', '--nodes', 'a=2,b', 'k');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weight of node "a": got 2/);
  });
});
