/**
 * The package as another project gets it: `npm pack`, then the tarball
 * installed into a temporary project with no dev dependencies, offline
 * (a lock file made from this repository's, so every dependency comes from
 * npm's cache, as `npm ci` left it). Then plain `node` imports every subpath
 * (ESM and require), the installed `shardkit` command runs, and a strict
 * TypeScript consumer (test/package/consumer.ts) type-checks against the
 * shipped declarations under moduleResolution node16 and bundler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const subpaths = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));

/**
 * One call per subpath, as a JavaScript expression over its module `m`, and
 * the value it must give (JSON). A subpath added to package.json without a
 * line here fails the first test.
 */
const calls: ReadonlyMap<string, readonly [string, unknown]> = new Map<string, readonly [string, unknown]>([
  ['shardkit', ['m.hash.redisKeySlot("foo")', 12182]],
  ['shardkit/hash', ['m.redisKeySlot("foo{hash_tag}")', 2515]],
  ['shardkit/partitioning', ['new m.ConsistentHashRing(["a", "b", "c"]).preferenceList("user:42", 3).length', 3]],
  ['shardkit/errors', ['new m.InvalidArgumentError("n", -1, "a count ≥ 0") instanceof m.ShardkitError', true]],
  ['shardkit/index', ['new m.DocumentPartitionedDB({ partitions: 4, fields: ["color"] }).put("1", { color: "red" }).indexPartitions.length', 1]],
  ['shardkit/log', ['m.assign("range", ["a", "b"], { t: 4 }).assignment.get("a")?.length', 2]],
  ['shardkit/replication', ['new m.Coordinator({ nodes: ["a", "b", "c"], n: 3, w: 2, r: 2, hintTtlMs: 1000, clock: { now: () => 0 } }).write("k", "v").ok', true]],
  ['shardkit/range', ['(() => { const s = new m.RangeStore(); s.put("k", 1); return s.get("k"); })()', 1]],
  ['shardkit/util', ['m.mulberry32(1)() === m.mulberry32(1)()', true]],
  ['shardkit/cluster', ['m.decodeMap(m.encodeMap(m.initialMap("redis-slots", {}, [{ id: "n1", weight: 1, host: "127.0.0.1", port: 7001 }]))).owners.length', 1]],
]);

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Children still running, stopped by pid in afterAll if a test gives up on them. */
const running = new Set<ChildProcess>();

/**
 * Run a command to its end without blocking this worker (a spawnSync of this
 * length starves vitest's own messages); killed after 120 s.
 */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function ok(r: RunResult, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  version?: string;
  resolved?: string;
  integrity?: string;
}

/**
 * A registry entry with its tarball URL: npm leaves `resolved` out of some
 * entries, and without it an offline install must find the version in a
 * cached registry listing, which may be older than the lock; with it, npm
 * takes the tarball from the cache by its integrity.
 */
function withResolved(key: string, entry: LockEntry): LockEntry {
  if (entry.resolved !== undefined || entry.version === undefined || entry.integrity === undefined) return entry;
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const base = name.slice(name.lastIndexOf('/') + 1);
  return { ...entry, resolved: `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz` };
}

/**
 * package-lock.json for a project whose one dependency is the tarball: the
 * non-dev entries of this repository's lock (the same versions, resolved
 * URLs and integrity, so `npm ci --offline` finds all of them in the cache),
 * with the optional addon linked where npm puts it for a packed dependency.
 */
function consumerLock(tarball: string, integrity: string): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, object> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [name, spec] of Object.entries(pkg.optionalDependencies)) {
    const dir = spec.replace(/^file:/, '');
    packages[`node_modules/${name}`] = { resolved: `node_modules/${pkg.name}/${dir}`, link: true };
    packages[`node_modules/${pkg.name}/${dir}`] = lock.packages[dir] ?? {};
  }
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key.startsWith('node_modules/') && !entry.dev && !entry.link) packages[key] = withResolved(key, entry);
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

describe('the packed package, installed in a project without dev dependencies', () => {
  let work = '';
  let consumer = '';
  let packed: string[] = [];
  let installLog = '';

  beforeAll(async () => {
    ok(await run(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], root), 'node scripts/build.mjs --if-stale');
    work = mkdtempSync(join(tmpdir(), 'shardkit-pack-'));
    const pack = JSON.parse(ok(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root), 'npm pack')) as { filename: string; files: { path: string }[] }[];
    const [{ filename, files }] = pack as [(typeof pack)[number]];
    packed = files.map((f) => f.path);

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    copyFileSync(join(work, filename), join(consumer, filename));
    const integrity = `sha512-${createHash('sha512').update(readFileSync(join(consumer, filename))).digest('base64')}`;
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { [pkg.name]: `file:${filename}` } }, null, 2));
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLock(filename, integrity), null, 2));
    // node-gyp (for the optional addon) uses the headers installed with Node when there are some, as in .ci/run.
    const prefix = dirname(dirname(process.execPath));
    const env = existsSync(join(prefix, 'include/node/node_api.h')) ? { ...process.env, npm_config_nodedir: prefix } : process.env;
    const install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], consumer, env);
    installLog = `${install.stdout}\n${install.stderr}`;
    ok(install, 'npm ci in the consumer project');
  }, 300_000);

  afterAll(() => {
    for (const child of running) child.kill('SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds the build, bin, README, LICENSE and the sources of the maps, and no tests or benchmark results', () => {
    expect([...calls.keys()].sort()).toEqual([...subpaths].sort());
    for (const must of ['package.json', 'README.md', 'LICENSE', 'bin/shardkit.js', 'dist/index.js', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/cli/main.js', 'dist/runtime-info.js', 'src/index.ts']) {
      expect(packed).toContain(must);
    }
    for (const entry of Object.values(pkg.exports)) {
      for (const [condition, target] of Object.entries(typeof entry === 'string' ? { default: entry } : entry)) {
        expect(packed, `${condition}: ${target}`).toContain(target.replace(/^\.\//, ''));
      }
    }
    const unwanted = packed.filter((p) => /\.test\.|\.suite\.|\/testing\/|test-helpers|^test\/|^bench\/|results\.json$|\.tsbuildinfo$|\.build-stamp$|^native\/addon\/build\/|^node_modules\//.test(p));
    expect(unwanted).toEqual([]);
  });

  it('every subpath imports with plain node, as ESM and through require(esm), and works', async () => {
    const lines = [...calls].map(([spec, [expr]]) => `{ const m = await import(${JSON.stringify(spec)}); out[${JSON.stringify(spec)}] = ${expr}; }`);
    writeFileSync(join(consumer, 'esm.mjs'), `const out = {};\n${lines.join('\n')}\nconsole.log(JSON.stringify(out));\n`);
    const cjs = [...calls].map(([spec, [expr]]) => `{ const m = require(${JSON.stringify(spec)}); out[${JSON.stringify(spec)}] = ${expr}; }`);
    writeFileSync(join(consumer, 'cjs.cjs'), `const out = {};\n${cjs.join('\n')}\nconsole.log(JSON.stringify(out));\n`);
    const expected = Object.fromEntries([...calls].map(([spec, [, value]]) => [spec, value]));
    for (const script of ['esm.mjs', 'cjs.cjs']) {
      const r = await run(process.execPath, [script], consumer);
      expect(JSON.parse(ok(r, `node ${script}`)), script).toEqual(expected);
      expect(r.stderr, `${script} prints no warning`).toBe('');
    }
  });

  it('runtimeInfo() reports the installed version, and the addon when this machine can build it', async () => {
    writeFileSync(join(consumer, 'info.mjs'), `import { runtimeInfo } from 'shardkit';\nconsole.log(JSON.stringify(runtimeInfo()));\n`);
    const info = JSON.parse(ok(await run(process.execPath, ['info.mjs'], consumer), 'node info.mjs')) as { version: string; node: string; nativeAddon: boolean; crc32cBackend: string };
    expect(info.version).toBe(pkg.version);
    expect(info.node).toBe(process.version);
    expect(info.crc32cBackend).toBe(info.nativeAddon ? 'isa-l' : '@node-rs/crc32');
    // CI requires the addon to build (libisal-dev and a compiler present): then a consumer gets it too.
    if (process.env.SHARDKIT_EXPECT_NATIVE === '1') expect(info.nativeAddon, installLog).toBe(true);
  });

  it('the installed shardkit command runs the compiled CLI: `shardkit hash redis-slot foo` prints 12182', async () => {
    const r = await run(join(consumer, 'node_modules/.bin/shardkit'), ['hash', 'redis-slot', 'foo'], consumer);
    expect(ok(r, 'node_modules/.bin/shardkit').trim()).toBe('12182');
  });

  it('a strict TypeScript consumer type-checks against the shipped declarations (node16 and bundler resolution)', async () => {
    copyFileSync(join(root, 'test/package/consumer.ts'), join(consumer, 'consumer.ts'));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const strict = {
      strict: true,
      exactOptionalPropertyTypes: true,
      noPropertyAccessFromIndexSignature: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      noEmit: true,
      target: 'ES2022',
      types: ['node'],
      // The consumer has no @types/node of its own; use this repository's.
      typeRoots: [join(root, 'node_modules/@types')],
    };
    const checks = (
      [
        ['node16', { module: 'node16', moduleResolution: 'node16' }],
        ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
      ] as const
    ).map(async ([name, resolution]) => {
      const config = `tsconfig.${name}.json`;
      writeFileSync(join(consumer, config), JSON.stringify({ compilerOptions: { ...strict, ...resolution }, files: ['consumer.ts'] }, null, 2));
      const r = await run(process.execPath, [tsc, '-p', config], consumer);
      return { config, status: r.status, output: `${r.stdout}${r.stderr}` };
    });
    for (const { config, status, output } of await Promise.all(checks)) {
      expect(output, `tsc -p ${config}`).toBe('');
      expect(status, `tsc -p ${config}`).toBe(0);
    }
  }, 180_000);
});
