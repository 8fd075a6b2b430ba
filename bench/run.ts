/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named with --only),
 * each in its own process with --expose-gc, then merges bench/results/*.json
 * into bench/results.json and regenerates the tables in BENCHMARKS.md from
 * the results and the notes in bench/notes/<suite>.md.
 *
 *   npm run bench                  # everything, full size
 *   npm run bench -- --only ring   # suites whose file name contains "ring"
 *   BENCH_QUICK=1 npm run bench    # small inputs, for a smoke run
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fmt, type BenchResult } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values } = parseArgs({ options: { only: { type: 'string', multiple: true }, 'no-run': { type: 'boolean' } } });

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !values.only || values.only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
if (!values['no-run']) {
  for (const f of files) {
    console.log(`\n== ${f}`);
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, f)], { stdio: 'inherit', cwd: root, env: process.env });
    if (r.status !== 0) {
      failed++;
      console.error(`!! ${f} exited with ${r.status}`);
    }
  }
}

// Merge every suite's rows.
const resultsDir = join(here, 'results');
const suites: { suite: string; quick: boolean; node: string; rows: BenchResult[] }[] = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')))
  : [];
const rows = suites.flatMap((s) => s.rows);
writeFileSync(join(here, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);

// BENCHMARKS.md: header, then per suite its notes and its table.
const out: string[] = [];
const headerFile = join(here, 'notes', '_header.md');
if (existsSync(headerFile)) out.push(readFileSync(headerFile, 'utf8').trim(), '');
for (const s of suites) {
  out.push(`## ${s.suite}`, '');
  const notes = join(here, 'notes', `${s.suite}.md`);
  if (existsSync(notes)) out.push(readFileSync(notes, 'utf8').trim(), '');
  if (s.quick) out.push('_Quick run (BENCH_QUICK=1): small inputs, not publishable figures._', '');
  out.push('| case | ns/op | ops/s | peer | peer ns/op | ratio (peer/ours) | target | other |', '|---|---:|---:|---|---:|---:|---|---|');
  for (const r of s.rows) {
    const extra = r.extra ? Object.entries(r.extra).map(([k, v]) => `${k}: ${typeof v === 'number' ? fmt(v) : v}`).join('; ') : '';
    const target = r.target ? `${r.met ? '✅' : '❌'} ${r.target}` : '';
    out.push(
      `| ${r.name} | ${fmt(r.nsPerOp)} | ${fmt(r.opsPerSec)} | ${r.peer ?? ''} | ${r.peerNsPerOp !== undefined ? fmt(r.peerNsPerOp) : ''} | ${r.ratio !== undefined ? r.ratio.toFixed(2) : ''} | ${target} | ${extra} |`,
    );
  }
  out.push('');
}
writeFileSync(join(root, 'BENCHMARKS.md'), `${out.join('\n').trim()}\n`);
console.log(`\nwrote bench/results.json (${rows.length} rows) and BENCHMARKS.md`);
if (failed) process.exit(1);
