/**
 * Builds the package: `tsc -p tsconfig.build.json` compiles src/ (without
 * tests, suites and test helpers) to ESM JavaScript, `.d.ts` files and their
 * maps in dist/, then stamps dist/.build-stamp.
 *
 *   node scripts/build.mjs              # always build (npm run build, prepare)
 *   node scripts/build.mjs --if-stale   # only when dist/ is missing or older than its inputs
 *
 * `distState()` compares the stamp with the newest input (every .ts under
 * src/ that is built, and the two tsconfig files), by modification time: tsc's incremental
 * build leaves its own files untouched when nothing changed, so they cannot
 * tell "built from these sources" apart from "built before this edit".
 * Plain Node, no dependency but the repository's own typescript.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

/** What tsconfig.build.json leaves out of the build (kept in step with its "exclude"). */
const notBuilt = (name) => /\.(?:test|suite)\.ts$/.test(name) || name === 'test-helpers.ts' || name === 'testing';

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (notBuilt(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** 'missing' (no finished build), 'stale' (an input changed since) or 'fresh'. */
export function distState() {
  if (!existsSync(stamp)) return 'missing';
  const inputs = Math.max(newestMtimeMs(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs));
  return inputs > statSync(stamp).mtimeMs ? 'stale' : 'fresh';
}

/**
 * Delete outputs whose source is gone (tsc never deletes what it once
 * emitted), so that a renamed or removed module is not packed. Returns how many.
 */
function removeOrphans(dir = join(root, 'dist'), rel = '') {
  let removed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      removed += removeOrphans(path, join(rel, entry.name));
      continue;
    }
    const stem = entry.name.match(/^(.*?)\.js(?:\.map)?$|^(.*?)\.d\.ts(?:\.map)?$/);
    const base = stem?.[1] ?? stem?.[2];
    if (base !== undefined && !existsSync(join(root, 'src', rel, `${base}.ts`))) {
      rmSync(path);
      removed++;
    }
  }
  return removed;
}

/** Run tsc on tsconfig.build.json, drop orphaned outputs and stamp dist/; throws with tsc's output when it fails. */
export function build() {
  let tsc;
  try {
    tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('typescript is not installed (it is a dev dependency: run `npm ci` without --omit=dev), so dist/ cannot be built');
  }
  const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${r.stdout}${r.stderr}`);
  removeOrphans();
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  try {
    const state = process.argv.includes('--if-stale') ? distState() : 'forced';
    if (state !== 'fresh') {
      if (state !== 'forced') console.log(`building dist/ (${state === 'missing' ? 'not built yet' : 'sources changed since the last build'})`);
      build();
    }
  } catch (e) {
    console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
