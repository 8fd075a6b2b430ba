/**
 * Separate hosts for tests, on one machine: Linux network namespaces
 * (`ip netns`), each with its own address on a private /24, joined by veth
 * pairs to a bridge in the root namespace (which takes .1, so the test
 * process reaches every host as a client on another host would). Processes
 * run inside a namespace through `ip netns exec`, which enters the namespace
 * and then executes the command: the pid is the command's own, so stopping it
 * by pid stops it.
 *
 * Names and the subnet are derived from the test process's pid, so two test
 * runs at once do not collide. `close()` stops nothing by itself (the
 * harness stops the processes by pid first) and deletes the namespaces, the
 * veth pairs and the bridge; it is idempotent and never throws.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2; `netnsUnavailable()` says why a
 * machine cannot run these tests.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** One simulated host: its namespace and its address. */
export interface Host {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)';
  if (!fs.existsSync('/usr/sbin/ip') && !fs.existsSync('/sbin/ip') && !fs.existsSync('/usr/bin/ip')) return 'iproute2 (`ip`) is not installed: apt-get install iproute2';
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // already gone
  }
}

/** A set of hosts on one bridge. */
export class HostNetwork {
  readonly hosts: Host[] = [];
  /** The root namespace's address on the bridge (the test process's). */
  readonly gateway: string;
  private readonly bridge: string;
  private readonly prefix: string;
  private readonly tag: string;
  private closed = false;

  constructor(readonly id = process.pid) {
    this.tag = `sk${(id % 0xfffff).toString(36)}`;
    this.bridge = `${this.tag}br`;
    // 10.<a>.<b>.0/24 from the pid: distinct runs, distinct subnets.
    this.prefix = `10.${100 + ((id >> 8) % 100)}.${id & 255}`;
    this.gateway = `${this.prefix}.1`;
    try {
      ip('link', 'add', this.bridge, 'type', 'bridge');
      ip('addr', 'add', `${this.gateway}/24`, 'dev', this.bridge);
      ip('link', 'set', this.bridge, 'up');
    } catch (e) {
      this.close();
      throw new Error(`could not make the test bridge ${this.bridge}: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
    }
  }

  /** Add a host named `name` (a namespace with one address, loopback up). */
  add(name: string): Host {
    const n = this.hosts.length + 2;
    const netns = `${this.tag}-${name}`;
    const outer = `${this.tag}o${n}`;
    const inner = `${this.tag}i${n}`;
    const address = `${this.prefix}.${n}`;
    try {
      ip('netns', 'add', netns);
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', inner, 'netns', netns);
      ip('link', 'set', outer, 'master', this.bridge);
      ip('link', 'set', outer, 'up');
      ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inner);
      ip('netns', 'exec', netns, 'ip', 'link', 'set', inner, 'up');
      ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
      ip('netns', 'exec', netns, 'ip', 'route', 'add', 'default', 'via', this.gateway);
    } catch (e) {
      quietly(() => ip('netns', 'del', netns));
      quietly(() => ip('link', 'del', outer));
      throw new Error(`could not make test host ${name}: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
    }
    const host: Host = { name, netns, address };
    this.hosts.push(host);
    return host;
  }

  /** The command line that runs `command args` on `host`. */
  exec(host: Host, command: string, args: readonly string[]): { command: string; args: string[] } {
    return { command: 'ip', args: ['netns', 'exec', host.netns, command, ...args] };
  }

  /** The namespace a pid runs in (`ip netns identify`), or '' for the root namespace. */
  static netnsOf(pid: number): string {
    return execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
  }

  /** Delete every namespace, veth pair and the bridge. Stop the processes inside first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.hosts) quietly(() => ip('netns', 'del', h.netns));
    for (let n = 2; n < this.hosts.length + 2; n++) quietly(() => ip('link', 'del', `${this.tag}o${n}`));
    quietly(() => ip('link', 'del', this.bridge));
  }
}
