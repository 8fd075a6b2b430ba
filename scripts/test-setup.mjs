/**
 * The set-up `npm test` does before it runs anything: the system packages
 * the tests use, the native addon, and dist/.
 *
 *   node scripts/test-setup.mjs     # on its own (npm test runs it first)
 *
 * 1. Every package in SYSTEM_PACKAGES below that is missing (checked with a
 *    file or a command on PATH first, then `dpkg-query`; nothing is spawned
 *    when all are found) is installed with apt-get: `apt-get update` once,
 *    then one `apt-get install`, as root or through `sudo -n`. Without apt-get
 *    or the rights to run it, it prints what to install and which tests need
 *    it, and goes on: those tests then fail with their own messages.
 *    SHARDKIT_TEST_INSTALL=0 checks and reports without installing.
 * 2. When the addon's build tools are all there and the addon is not built,
 *    or one of them was just installed, `npm rebuild @shardkit/native` builds
 *    it (against the headers installed with Node when there are some).
 * 3. dist/ is built when missing or older than src/ (the CLI tests run it).
 *
 * Quick and silent when everything is in place. Plain Node, Debian/Ubuntu
 * package names.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, distState, root } from './build.mjs';

/**
 * The packages, each with what shows it is installed (a file, or a command on
 * PATH or in /usr/sbin, /sbin) and what needs it. `addon: true` marks what
 * building the native addon needs. Add a package: add a line.
 */
export const SYSTEM_PACKAGES = [
  { name: 'redis-server', command: 'redis-server', for: 'src/hash/redis-slot.test.ts: a live redis-server in cluster mode is the oracle of key slots (CLUSTER KEYSLOT)' },
  { name: 'redis-tools', command: 'redis-cli', for: 'redis-cli and redis-benchmark, the real client and peer the cluster node is tested and measured with' },
  { name: 'chromium', command: 'chromium', for: "src/lab/report.e2e.test.ts: headless Chromium opens the lab report (or set SHARDKIT_CHROMIUM to a browser's path)" },
  { name: 'libisal-dev', file: '/usr/include/isa-l/crc.h', addon: true, for: 'the native addon (ISA-L CRC-32C, record scan, read-ahead): the storage suites run on it; CI requires it' },
  { name: 'make', command: 'make', addon: true, for: 'building the native addon with node-gyp' },
  { name: 'g++', command: 'g++', addon: true, for: 'building the native addon with node-gyp' },
  { name: 'python3', command: 'python3', addon: true, for: 'building the native addon with node-gyp' },
  { name: 'etcd-server', command: 'etcd', for: "the cluster's MetaStore suite against a real etcd (src/cluster/meta)" },
  { name: 'zookeeper', file: '/usr/share/zookeeper/bin/zkServer.sh', for: "the cluster's MetaStore suite against a real ZooKeeper (src/cluster/meta); it pulls in a Java runtime" },
  { name: 'nftables', command: 'nft', for: 'network-fault tests of the cluster processes (traffic dropped with nft rules)' },
  { name: 'iproute2', command: 'ip', for: 'network-fault tests of the cluster processes (ip; tc netem delays and losses)' },
];

const addonFile = join(root, 'native/addon/build/Release/shardkit_native.node');

function onPath(command) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Packages dpkg reports installed, among `names` (empty without dpkg). */
function dpkgInstalled(names) {
  if (names.length === 0 || !onPath('dpkg-query')) return new Set();
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...names], { encoding: 'utf8' });
  return new Set((r.stdout ?? '').split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]));
}

/** The packages in SYSTEM_PACKAGES not found on this machine. */
export function missingPackages() {
  const unseen = SYSTEM_PACKAGES.filter((p) => !(p.file !== undefined ? existsSync(p.file) : onPath(p.command)));
  const installed = dpkgInstalled(unseen.map((p) => p.name));
  return unseen.filter((p) => !installed.has(p.name));
}

/** How to run apt-get here: [] as root, ['sudo', '-n'] when sudo needs no password, or null. */
function aptPrefix() {
  if (!onPath('apt-get')) return null;
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

/** Run `argv`; its output is shown only when it fails (or always, with `show`). */
function run(argv, env = process.env, show = false) {
  const [command, ...args] = argv;
  const r = spawnSync(command, args, { stdio: ['ignore', show ? 'inherit' : 'pipe', show ? 'inherit' : 'pipe'], env, encoding: 'utf8' });
  if (r.status !== 0 && !show) process.stdout.write(`${argv.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.status === 0;
}

function install(packages) {
  const prefix = aptPrefix();
  const names = packages.map((p) => p.name);
  if (prefix === null || process.env.SHARDKIT_TEST_INSTALL === '0') return false;
  console.log(`test set-up: installing ${names.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return run([...prefix, 'apt-get', 'update', '-qq'], env) && run([...prefix, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names], env);
}

function explain(packages) {
  const why = !onPath('apt-get')
    ? 'apt-get is not available here'
    : process.env.SHARDKIT_TEST_INSTALL === '0'
      ? 'SHARDKIT_TEST_INSTALL=0'
      : aptPrefix() === null
        ? 'installing needs root or sudo without a password'
        : 'apt-get failed (see above)';
  const width = Math.max(...packages.map((p) => p.name.length));
  console.log(`test set-up: not installed (${why}):`);
  for (const p of packages) console.log(`  ${p.name.padEnd(width)}  ${p.for}`);
  console.log(`Install them (Debian/Ubuntu: sudo apt-get install -y ${packages.map((p) => p.name).join(' ')}) and run npm test again; meanwhile the tests that need them fail, saying what is missing.`);
}

/** Build the addon through npm, against the headers installed with Node when there are some (as .ci/run does). */
function rebuildAddon() {
  if (!existsSync(join(root, 'node_modules/@shardkit/native'))) {
    console.log('test set-up: the native addon is not in node_modules: run `npm ci` again to build it');
    return;
  }
  console.log('test set-up: building the native addon (npm rebuild @shardkit/native)');
  const prefix = dirname(dirname(process.execPath));
  const env = existsSync(join(prefix, 'include/node/node_api.h')) && !process.env.npm_config_nodedir ? { ...process.env, npm_config_nodedir: prefix } : process.env;
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  if (!run([...npm, 'rebuild', '@shardkit/native'], env) || !existsSync(addonFile)) {
    console.log('test set-up: the native addon did not build; the tests run on JavaScript and @node-rs/crc32');
  }
}

/** Everything above; returns nothing, fails only when dist/ cannot be built. */
export function setUp() {
  const missing = missingPackages();
  let still = missing;
  if (missing.length > 0) {
    install(missing);
    still = missingPackages();
    if (still.length > 0) explain(still);
  }
  const addonToolsThere = !still.some((p) => p.addon);
  const addonToolJustInstalled = missing.some((p) => p.addon && !still.includes(p));
  if (addonToolsThere && (addonToolJustInstalled || !existsSync(addonFile))) rebuildAddon();
  const state = distState();
  if (state !== 'fresh') {
    console.log(`test set-up: building dist/ (${state === 'missing' ? 'not built yet' : 'sources changed since the last build'})`);
    build();
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  try {
    setUp();
  } catch (e) {
    console.error(`test set-up: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
