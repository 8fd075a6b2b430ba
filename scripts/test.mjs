/**
 * `npm test`: the set-up of scripts/test-setup.mjs (system packages, native
 * addon, dist/), then two vitest passes, both always run:
 *
 *   1. every test (`vitest run`);
 *   2. the hash, log and replication suites again with the native addon
 *      ruled out (SHARDKIT_NATIVE=0), so the JavaScript and @node-rs/crc32
 *      paths are tested on machines that have the addon too.
 *
 * The exit code is non-zero when either pass failed. Extra arguments go to
 * vitest: options (`npm test -- --reporter verbose`) to both passes; with
 * file filters (`npm test -- src/range`) only the first pass runs, on them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './build.mjs';
import { setUp } from './test-setup.mjs';

const NO_ADDON_SUITES = ['src/hash', 'src/log', 'src/replication'];

const extra = process.argv.slice(2);
const filtered = extra.some((a) => !a.startsWith('-'));

try {
  setUp();
} catch (e) {
  console.error(`test set-up: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

const vitest = join(root, 'node_modules/vitest/vitest.mjs');
function pass(args, env) {
  const r = spawnSync(process.execPath, [vitest, 'run', ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

const results = [['all tests', pass(extra, {})]];
if (!filtered) results.push([`${NO_ADDON_SUITES.join(', ')} without the native addon (SHARDKIT_NATIVE=0)`, pass([...NO_ADDON_SUITES, ...extra], { SHARDKIT_NATIVE: '0' })]);
else console.log('npm test: file filters given, so the pass without the native addon is skipped');

console.log('');
for (const [name, status] of results) console.log(`npm test: ${name}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`}`);
process.exitCode = results.some(([, status]) => status !== 0) ? 1 : 0;
