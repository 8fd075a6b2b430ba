/**
 * Starting etcd and ZooKeeper from their Debian packages on free loopback
 * ports (tests; `cluster up --meta zookeeper` uses zooKeeperCommand), and a small
 * TCP proxy whose connections a test can cut. Every process is started with
 * its log kept (for failure messages) and stopped by its pid; its temporary
 * data directory is removed on stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateError } from '../../errors.js';

/** A started service: where it listens, its log so far, and how to stop it. */
export interface ExternalService {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr, interleaved). */
  log(): string;
  /** SIGSTOP / SIGCONT the process (a hung service: nothing answers, nothing closes). */
  pause(): void;
  resume(): void;
  /** Stop it by pid (SIGTERM, then SIGKILL after 5 s) and remove its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound then released: a small race, as every test that starts servers has). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Throw a StateError naming the Debian package when `binary` is not installed. */
export function requireBinary(binary: string, debianPackage: string): void {
  if (!fs.existsSync(binary)) throw new StateError(`${binary} is not installed: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`, { code: 'MISSING_BINARY' });
}

/** Spawn `file args`, wait until `ready(port)` (default: it accepts TCP connections) within `startMs`. */
async function startProcess(name: string, file: string, args: string[], port: number, dir: string, startMs: number, ready: (port: number) => Promise<boolean> = canConnect): Promise<ExternalService> {
  const child: ChildProcess = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const pid = child.pid as number;
  let stopped = false;
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const service: ExternalService = {
    host: '127.0.0.1',
    port,
    pid,
    log: () => chunks.join(''),
    pause: () => void process.kill(pid, 'SIGSTOP'),
    resume: () => void process.kill(pid, 'SIGCONT'),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (alive()) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => alive() && process.kill(pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const t0 = performance.now();
  for (;;) {
    if (!alive()) {
      await service.stop();
      throw new StateError(`${name} exited during start-up; log:\n${service.log()}`, { code: 'START_FAILED' });
    }
    if (await ready(port)) return service;
    if (performance.now() - t0 > startMs) {
      const log = service.log();
      await service.stop();
      throw new StateError(`${name} did not listen on port ${port} within ${startMs} ms; log:\n${log}`, { code: 'START_FAILED' });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** ZooKeeper's four-letter `ruok`: true when it answers `imok` (it serves; accepting TCP alone is not that). */
export function zooKeeperServes(port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let answer = '';
    const done = (ok: boolean): void => (clearTimeout(timer), s.destroy(), resolve(ok));
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => s.write('ruok'));
    s.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('imok')) done(true);
    });
    s.once('error', () => done(false));
    s.once('close', () => done(answer.includes('imok')));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * The command line of a single-member etcd (Debian `etcd-server`) serving
 * clients on host:port, its peer URL on host:peerPort (nobody joins it), data
 * in dataDir. Short heartbeat and election timeout: the minimum lease TTL is
 * 1.5 election timeouts rounded up to whole seconds (1 s here).
 */
export function etcdCommand(o: { readonly dataDir: string; readonly port: number; readonly peerPort: number; readonly host?: string; readonly binary?: string }): { file: string; args: string[] } {
  const binary = o.binary ?? '/usr/bin/etcd';
  requireBinary(binary, 'etcd-server');
  const host = o.host ?? '127.0.0.1';
  const c = `http://${host}:${o.port}`;
  const p = `http://${host}:${o.peerPort}`;
  const args = ['--name', 'default', '--data-dir', o.dataDir, '--listen-client-urls', c, '--advertise-client-urls', c, '--listen-peer-urls', p, '--initial-advertise-peer-urls', p, '--initial-cluster', `default=${p}`, '--heartbeat-interval', '100', '--election-timeout', '600', '--log-level', 'warn'];
  return { file: binary, args };
}

/** Start a single-member etcd (Debian `etcd-server`) offline on loopback, in a fresh temporary data directory. */
export async function startEtcd(options: { binary?: string; startMs?: number } = {}): Promise<ExternalService> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'shardkit-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  let command: { file: string; args: string[] };
  try {
    command = etcdCommand({ dataDir: join(dir, 'data'), port: client, peerPort: peer, ...(options.binary === undefined ? {} : { binary: options.binary }) });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return startProcess('etcd', command.file, command.args, client, dir, options.startMs ?? 30_000);
}

/** Where Debian's `zookeeper` package puts its jar, and the class path that starts the server standalone. */
export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const ZOOKEEPER_CLASSPATH = '/etc/zookeeper/conf:/usr/share/java/*';

/**
 * The command that runs a standalone ZooKeeper (Debian `zookeeper`, started
 * with java directly: `zkServer.sh` does not work here) on `host:port`, with
 * its data in `dataDir`; writes its zoo.cfg into `dir`. Tick `tickMs`
 * (sessions may last 2 to 200 ticks). `forceSync: false` skips the fsync of
 * its transaction log (for throwaway test servers on a busy disk; the default
 * syncs every write). Throws MISSING_BINARY naming the package when java or
 * ZooKeeper is not installed.
 */
export function zooKeeperCommand(o: { readonly dir: string; readonly dataDir: string; readonly port: number; readonly host?: string; readonly tickMs?: number; readonly java?: string; readonly forceSync?: boolean }): { file: string; args: string[] } {
  const java = o.java ?? '/usr/bin/java';
  requireBinary(java, 'default-jre-headless');
  requireBinary(ZOOKEEPER_JAR, 'zookeeper');
  const tick = o.tickMs ?? 100;
  const cfg = [`tickTime=${tick}`, `dataDir=${o.dataDir}`, `clientPort=${o.port}`, `clientPortAddress=${o.host ?? '127.0.0.1'}`, 'admin.enableServer=false', '4lw.commands.whitelist=ruok', `minSessionTimeout=${2 * tick}`, `maxSessionTimeout=${200 * tick}`, `forceSync=${o.forceSync === false ? 'no' : 'yes'}`, ''].join('\n');
  fs.mkdirSync(o.dir, { recursive: true });
  const file = join(o.dir, 'zoo.cfg');
  fs.writeFileSync(file, cfg);
  return { file: java, args: ['-Xmx256m', `-Dzookeeper.log.dir=${o.dir}`, '-cp', ZOOKEEPER_CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', file] };
}

/**
 * Start a standalone ZooKeeper (Debian `zookeeper`) offline on loopback, tick
 * 100 ms (sessions of 0.2 s to 20 s), in a fresh temporary directory, without
 * fsync (its data is thrown away; a disk busy with other processes' fsyncs
 * would otherwise stall its first requests for seconds). Started = it answers `ruok`.
 */
export async function startZooKeeper(options: { java?: string; startMs?: number; tickMs?: number } = {}): Promise<ExternalService> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'shardkit-zk-'));
  const port = await freePort();
  let command: { file: string; args: string[] };
  try {
    command = zooKeeperCommand({ dir, dataDir: join(dir, 'data'), port, tickMs: options.tickMs ?? 100, forceSync: false, ...(options.java === undefined ? {} : { java: options.java }) });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return startProcess('zookeeper', command.file, command.args, port, dir, options.startMs ?? 60_000, (p) => zooKeeperServes(p));
}

/** A TCP proxy to `port` on loopback whose open connections `cut()` destroys (clients must reconnect). */
export interface CuttableProxy {
  readonly port: number;
  cut(): void;
  /** While on, new connections are accepted and closed at once (a partition: reconnecting fails until it is off). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

/** Start a CuttableProxy in front of 127.0.0.1:`targetPort`. */
export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((down) => {
    if (refusing) return void down.destroy();
    const up = net.connect(targetPort, '127.0.0.1');
    sockets.add(down).add(up);
    const drop = (): void => {
      down.destroy();
      up.destroy();
      sockets.delete(down);
      sockets.delete(up);
    };
    down.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      for (const s of [...sockets]) s.destroy();
    },
    refuse: (on) => {
      refusing = on;
    },
    close: async () => {
      for (const s of [...sockets]) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
