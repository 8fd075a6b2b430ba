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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const reports = mkdtempSync(join(tmpdir(), 'shardkit-test-report-'));
const userReporter = extra.some((a) => a.startsWith('--reporter'));

/**
 * One vitest pass. Unless the caller chose a reporter, a JSON report goes
 * beside the default one, so that the failures of every pass can be listed
 * again at the very end: a log read from its tail still shows which test
 * failed and why, whichever pass it was in.
 */
function pass(name, args, env) {
  const json = join(reports, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
  const reporting = userReporter ? [] : ['--reporter=default', '--reporter=json', `--outputFile.json=${json}`];
  const r = spawnSync(process.execPath, [vitest, 'run', ...reporting, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return { name, status: r.status ?? 1, failures: userReporter ? [] : failuresIn(json) };
}

/** The failed tests (and files that failed outside a test) of a JSON report, each with the start of its message. */
function failuresIn(json) {
  let report;
  try {
    report = JSON.parse(readFileSync(json, 'utf8'));
  } catch {
    return ['(no JSON report was written: vitest stopped before reporting)'];
  }
  const out = [];
  const brief = (text) => String(text).split('\n').filter((l) => !/node_modules|node:internal|<anonymous>/.test(l)).slice(0, 12).map((l) => `      ${l}`).join('\n');
  for (const file of report.testResults ?? []) {
    const where = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failed) out.push(`  ✗ ${where} > ${t.fullName}\n${brief((t.failureMessages ?? []).join('\n'))}`);
    if (failed.length === 0 && file.status === 'failed') out.push(`  ✗ ${where} (outside any test)\n${brief(file.message ?? '')}`);
  }
  return out;
}

const results = [pass('all tests', extra, {})];
if (!filtered) results.push(pass(`${NO_ADDON_SUITES.join(', ')} without the native addon (SHARDKIT_NATIVE=0)`, [...NO_ADDON_SUITES, ...extra], { SHARDKIT_NATIVE: '0' }));
else console.log('npm test: file filters given, so the pass without the native addon is skipped');
rmSync(reports, { recursive: true, force: true });

console.log('');
for (const r of results) {
  if (r.status === 0 || r.failures.length === 0) continue;
  console.log(`npm test: what failed in "${r.name}":`);
  for (const f of r.failures) console.log(f);
}
for (const r of results) console.log(`npm test: ${r.name}: ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`}`);
process.exitCode = results.some((r) => r.status !== 0) ? 1 : 0;
