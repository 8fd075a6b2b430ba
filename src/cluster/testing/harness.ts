/**
 * The process harness for tests with real processes (ARCHITECTURE.md,
 * "Processes in tests"): start shardkit nodes (from a CLI bundle built once
 * per test process with esbuild, so starts take milliseconds) and
 * redis-server processes on free loopback ports; keep their stdout/stderr for
 * the failure message; wait until they serve; always stop them by pid
 * (SIGTERM, then SIGKILL after a grace period), also when a test fails —
 * call `stopAll()` in afterEach/afterAll.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ChildProcess, spawn, execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type ClusterMap, encodeMap, initialMap } from '../map.js';
import type { CreateOptions } from '../../partitioning/registry.js';
import { RespClient } from './resp-client.js';
import { systemClock } from '../../util/clock.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
let bundlePromise: Promise<string> | undefined;

/** The CLI as one ESM file under node_modules/.cache (native modules stay external). Built once per process. */
export function cliBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const dir = path.join(root, 'node_modules', '.cache', 'shardkit-cluster-harness');
    fs.mkdirSync(dir, { recursive: true });
    const out = path.join(dir, `shardkit-${process.pid}.mjs`);
    await build({
      entryPoints: [path.join(here, 'cli-entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      external: ['lmdb', '@node-rs/crc32', '@node-rs/xxhash', '@shardkit/native', 'tsx', 'playwright-core', 'etcd3', 'node-zookeeper-client'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'silent',
    });
    process.once('exit', () => fs.rmSync(out, { force: true }));
    return out;
  })();
  return bundlePromise;
}

/** `n` distinct free loopback ports (bound and released at once; a later bind may still race). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** A started process and its captured output. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => (this.stdout += c));
    child.stderr?.on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      }),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Send a signal by pid. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const t = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }

  /** Output for a failure message. */
  logs(): string {
    return `--- ${this.name} (pid ${this.child.pid}) stdout:\n${this.stdout.slice(-4000)}\n--- stderr:\n${this.stderr.slice(-4000)}`;
  }
}

/** Wait until something on host:`port` answers PING with PONG. */
export async function waitUntilServing(port: number, timeoutMs = 15000, proc?: Proc, host = '127.0.0.1'): Promise<void> {
  const deadline = systemClock.now() + timeoutMs;
  for (;;) {
    if (proc !== undefined && !proc.running) throw new Error(`${proc.name} exited before serving\n${proc.logs()}`);
    try {
      const c = await RespClient.connect(port, host);
      try {
        if ((await c.call('PING')) === 'PONG') return;
      } finally {
        c.close();
      }
    } catch {
      // not yet
    }
    if (systemClock.now() > deadline) throw new Error(`nothing served on port ${port} within ${timeoutMs} ms${proc ? `\n${proc.logs()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Options of a shardkit node started by the harness. */
export interface NodeProcOptions {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  /** A static map file, or… */
  readonly mapFile?: string;
  /** …the metadata service's URL (and the cluster name under which the map is kept). */
  readonly meta?: { readonly url: string; readonly cluster: string };
  readonly fsync?: 'always' | 'interval' | 'never';
  readonly forward?: boolean;
  readonly extraArgs?: readonly string[];
}

/** A shardkit cluster started by the harness. */
export interface ShardkitCluster {
  readonly map: ClusterMap;
  readonly mapFile: string;
  readonly ports: readonly number[];
  readonly procs: Proc[];
  readonly dir: string;
  /** Restart node i (after it was stopped or killed) with the same options. */
  restart(i: number): Promise<Proc>;
}

/** Tracks every process and temp directory a test file starts; stops and removes them all. */
export class Harness {
  private readonly procs: Proc[] = [];
  private readonly dirs: string[] = [];

  /** A fresh temporary directory, removed by `stopAll`. */
  tempDir(prefix = 'shardkit-cluster-'): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  /** Spawn `command args`, captured and tracked. */
  spawn(name: string, command: string, args: readonly string[], cwd?: string): Proc {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  /** Start one shardkit node and wait until it serves. */
  async startNode(o: NodeProcOptions): Promise<Proc> {
    const bundle = await cliBundle();
    const source = o.meta !== undefined ? ['--meta', o.meta.url, '--cluster', o.meta.cluster] : ['--map', o.mapFile as string];
    const args = [bundle, 'node', '--id', o.id, '--port', String(o.port), '--data', o.dataDir, ...source, '--fsync', o.fsync ?? 'always'];
    if (o.forward) args.push('--forward');
    args.push(...(o.extraArgs ?? []));
    const p = this.spawn(`shardkit node ${o.id}`, process.execPath, args);
    await waitUntilServing(o.port, 20000, p);
    // The startup line comes after the registration with the map source: wait for it too.
    const deadline = systemClock.now() + 20000;
    while (!/serving \S+ epoch \d+/.test(p.stdout)) {
      if (!p.running || systemClock.now() > deadline) throw new Error(`${p.name} did not print its serving line\n${p.logs()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  /** Start the embedded metadata service (`shardkit meta`) on a free port; resolves with its URL once it answers. */
  async startMeta(): Promise<{ url: string; proc: Proc }> {
    const bundle = await cliBundle();
    const [port] = await freePorts(1);
    const proc = this.spawn('shardkit meta', process.execPath, [bundle, 'meta', '--port', String(port), '--data', this.tempDir('shardkit-meta-')]);
    const url = `http://127.0.0.1:${port}`;
    const deadline = systemClock.now() + 20000;
    for (;;) {
      if (!proc.running) throw new Error(`shardkit meta exited\n${proc.logs()}`);
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect({ port: port as number, host: '127.0.0.1' }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (up) return { url, proc };
      if (systemClock.now() > deadline) throw new Error(`shardkit meta did not listen on ${port}\n${proc.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Start `n` shardkit nodes under one static map of `strategy`. */
  async startShardkitCluster(n: number, o: { strategy?: string; options?: Omit<CreateOptions, 'nodes'>; fsync?: NodeProcOptions['fsync']; forward?: boolean } = {}): Promise<ShardkitCluster> {
    const dir = this.tempDir();
    const ports = await freePorts(n);
    const map = initialMap(o.strategy ?? 'redis-slots', o.options ?? {}, ports.map((port, i) => ({ id: `n${i + 1}`, weight: 1, host: '127.0.0.1', port })));
    const mapFile = path.join(dir, 'map.json');
    fs.writeFileSync(mapFile, encodeMap(map));
    const nodeOpts = (i: number): NodeProcOptions => ({ id: `n${i + 1}`, port: ports[i] as number, dataDir: path.join(dir, `n${i + 1}`), mapFile, fsync: o.fsync, forward: o.forward });
    const procs = await Promise.all(ports.map((_p, i) => this.startNode(nodeOpts(i))));
    const cluster: ShardkitCluster = {
      map,
      mapFile,
      ports,
      procs,
      dir,
      restart: async (i) => {
        const p = await this.startNode(nodeOpts(i));
        procs[i] = p;
        return p;
      },
    };
    return cluster;
  }

  /** Start `n` redis-server masters with cluster mode, create the cluster, wait for cluster_state:ok. */
  async startRedisCluster(n: number, o: { appendfsync?: 'always' | 'everysec' } = {}): Promise<{ ports: number[]; procs: Proc[] }> {
    const dir = this.tempDir('shardkit-redis-');
    const ports = await freePorts(n);
    const persistence = o.appendfsync === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', o.appendfsync];
    const procs = ports.map((port) => {
      // One directory per server: the AOF directory and the cluster config are per process.
      const own = path.join(dir, String(port));
      fs.mkdirSync(own);
      return this.spawn(`redis-server ${port}`, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--save', '', ...persistence, '--dir', own, '--daemonize', 'no'], own);
    });
    await Promise.all(ports.map((p, i) => waitUntilServing(p, 10000, procs[i])));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes']);
    const deadline = systemClock.now() + 20000;
    for (const port of ports) {
      for (;;) {
        const c = await RespClient.connect(port);
        const info = await c.call('CLUSTER', 'INFO');
        c.close();
        if (Buffer.isBuffer(info) && info.toString().includes('cluster_state:ok')) break;
        if (systemClock.now() > deadline) throw new Error(`redis cluster on ${port} not ok: ${String(info)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { ports, procs };
  }

  /** Everything captured, for a failure message. */
  logs(): string {
    return this.procs.map((p) => p.logs()).join('\n');
  }

  /** Stop every process (SIGTERM, SIGKILL fallback) and remove temp directories. */
  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    this.procs.length = 0;
    for (const d of this.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** Options of `run`. */
export interface RunOptions {
  /** Written to the command's stdin, then closed. */
  readonly input?: string;
  /**
   * The command is killed (SIGTERM) after this long and `run` rejects saying
   * so (default 30 s). A benchmark's time grows with its request count: give
   * it a limit that grows too (`timeLimitFor`).
   */
  readonly timeoutMs?: number;
}

/** The default time limit of `run`. */
export const RUN_TIMEOUT_MS = 30_000;

/**
 * A time limit for a command that performs `operations` at no less than
 * `floorPerSecond` (a rate well below any healthy run), plus `baseMs` of
 * start-up: a slow machine slows the run, it does not kill it.
 */
export function timeLimitFor(operations: number, floorPerSecond = 500, baseMs = RUN_TIMEOUT_MS): number {
  return baseMs + Math.ceil((operations / floorPerSecond) * 1000);
}

/**
 * Run a command to completion; rejects with its output when it exits
 * non-zero, dies of a signal, or is killed at its time limit (the message
 * says which).
 */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const timeoutMs = options.timeoutMs ?? RUN_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const t0 = systemClock.now();
    const child = execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const e = err as Error & { code?: number | string; signal?: string | null; killed?: boolean };
      const elapsed = systemClock.now() - t0;
      const why =
        e.killed === true && elapsed >= timeoutMs
          ? `killed at its time limit of ${timeoutMs} ms (still running after ${elapsed} ms)`
          : typeof e.signal === 'string'
            ? `killed by ${e.signal}`
            : typeof e.code === 'number'
              ? `exited with status ${e.code}`
              : e.message;
      reject(new Error(`${command} ${args.join(' ')}: ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
