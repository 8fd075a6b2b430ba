/**
 * startup: wall time of the compiled CLI answering one small question,
 * `node bin/shardkit.js hash redis-slot foo`, against bare `node -e ''` in
 * the same run. The two alternate, one of each per round, so drift in machine
 * load hits both alike; each figure is the median over the rounds, and the
 * target is the difference: at most 0.15 s above bare Node.
 *
 * Every run of the CLI must print 12182 (so an error exit is never timed as
 * a fast start). Needs dist/ (built first when missing or stale).
 *
 * Run: npm run bench -- --only startup (BENCH_QUICK=1 for 3 rounds).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, median, writeSuite, type BenchResult } from './harness.js';

const SUITE = 'startup';
const TARGET_ABOVE_BARE_S = 0.15;
const ROUNDS = QUICK ? 3 : 21;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) throw new Error('building dist/ failed');

const cli = [join(root, 'bin/shardkit.js'), 'hash', 'redis-slot', 'foo'];
const bare = ['-e', ''];

/** Wall milliseconds of one `node ...args` run, checking what it printed. */
function timeRun(args: readonly string[], expected: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 || r.stdout.trim() !== expected) {
    throw new Error(`node ${args.join(' ')} exited with ${r.status}, printed ${JSON.stringify(r.stdout)} (expected ${JSON.stringify(expected)}): ${r.stderr}`);
  }
  return ms;
}

// One untimed run of each: the first start reads everything from disk.
timeRun(bare, '');
timeRun(cli, '12182');

const cliMs: number[] = [];
const bareMs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first, so neither always follows the other.
  if (round % 2 === 0) {
    bareMs.push(timeRun(bare, ''));
    cliMs.push(timeRun(cli, '12182'));
  } else {
    cliMs.push(timeRun(cli, '12182'));
    bareMs.push(timeRun(bare, ''));
  }
}

const ours = median(cliMs);
const peer = median(bareMs);
const aboveBareS = (ours - peer) / 1000;
const row: BenchResult = {
  suite: SUITE,
  name: 'shardkit hash redis-slot foo (node bin/shardkit.js, compiled)',
  nsPerOp: ours * 1e6,
  opsPerSec: 1000 / ours,
  peer: "bare node -e ''",
  peerNsPerOp: peer * 1e6,
  ratio: peer / ours,
  target: `≤ ${TARGET_ABOVE_BARE_S} s above bare node`,
  met: aboveBareS <= TARGET_ABOVE_BARE_S,
  extra: { 'median ms': ours, 'bare node median ms': peer, 'above bare node s': aboveBareS, rounds: ROUNDS },
};
writeSuite(SUITE, [row]);
