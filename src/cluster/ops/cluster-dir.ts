/**
 * The cluster directory of `shardkit cluster up|down|status`:
 *
 *     <dir>/cluster.json       topology: cluster name, metadata address, nodes (id, host, port), strategy
 *     <dir>/map.json           the initial cluster map (also in the metadata service under `map`)
 *     <dir>/meta/              the metadata service's data directory (ZooKeeper's zoo.cfg and data with --meta zookeeper)
 *     <dir>/<node id>/         each node's data directory
 *     <dir>/logs/<name>.log    stdout and stderr of each process
 *     <dir>/pids/<name>.pid    pid, start time and command line of each process `up` started
 *
 * Pid files let `down` (and a second `up`) find the processes, and the start
 * time and command line let them check a pid is still the process `up`
 * started, not a reused pid.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CorruptionError } from '../../errors.js';
import { isSameProcess, processCommandLine, processStartTime } from '../process-identity.js';

/** What cluster.json holds. */
export interface ClusterTopology {
  readonly format: 1;
  readonly name: string;
  readonly strategy: string;
  /** The metadata service; `kind` absent: the embedded one `up` starts (`shardkit meta`). */
  readonly meta: { readonly host: string; readonly port: number; readonly url: string; readonly kind?: 'zookeeper' | 'etcd' | 'external' };
  readonly nodes: readonly { readonly id: string; readonly host: string; readonly port: number }[];
}

/** A pid file's content. */
export interface PidRecord {
  readonly name: string;
  readonly pid: number;
  readonly startTime?: string;
  readonly argv: readonly string[];
}

export const paths = {
  topology: (dir: string) => join(dir, 'cluster.json'),
  map: (dir: string) => join(dir, 'map.json'),
  metaData: (dir: string) => join(dir, 'meta'),
  nodeData: (dir: string, id: string) => join(dir, id),
  logs: (dir: string) => join(dir, 'logs'),
  log: (dir: string, name: string) => join(dir, 'logs', `${name}.log`),
  pids: (dir: string) => join(dir, 'pids'),
  pid: (dir: string, name: string) => join(dir, 'pids', `${name}.pid`),
};

/** Write a file atomically (temp + rename), so a reader sees the old or the new content. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** The topology of `dir`, or undefined when it has none. CorruptionError when cluster.json is not one. */
export function readTopology(dir: string): ClusterTopology | undefined {
  let text: string;
  try {
    text = fs.readFileSync(paths.topology(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const t = JSON.parse(text) as ClusterTopology;
    if (t.format === 1 && Array.isArray(t.nodes) && typeof t.meta?.url === 'string') return t;
  } catch {
    // reported below
  }
  throw new CorruptionError(`${paths.topology(dir)} is not a shardkit cluster file`);
}

/** Record a started process. */
export function writePid(dir: string, name: string, pid: number, argv: readonly string[]): PidRecord {
  const rec: PidRecord = { name, pid, startTime: processStartTime(pid), argv };
  fs.mkdirSync(paths.pids(dir), { recursive: true });
  writeFileAtomic(paths.pid(dir, name), JSON.stringify(rec));
  return rec;
}

/** Every pid file of `dir` (unreadable ones are skipped and named in `bad`). */
export function readPids(dir: string): { records: PidRecord[]; bad: string[] } {
  const records: PidRecord[] = [];
  const bad: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(paths.pids(dir)).filter((f) => f.endsWith('.pid'));
  } catch {
    return { records, bad };
  }
  for (const f of names.sort()) {
    try {
      const r = JSON.parse(fs.readFileSync(join(paths.pids(dir), f), 'utf8')) as PidRecord;
      if (Number.isInteger(r.pid) && r.pid > 0 && typeof r.name === 'string' && Array.isArray(r.argv)) records.push(r);
      else bad.push(f);
    } catch {
      bad.push(f);
    }
  }
  return { records, bad };
}

/**
 * True when the pid of `rec` is still the process `up` started: it exists,
 * has the recorded start time, and its command line is the recorded one.
 */
export function stillOurs(rec: PidRecord): boolean {
  if (!isSameProcess(rec.pid, rec.startTime)) return false;
  const now = processCommandLine(rec.pid);
  if (now === undefined) return true; // no /proc: start time and existence are all we have
  return now.length === rec.argv.length && now.every((a, i) => a === rec.argv[i]);
}

/** Remove the pid file of `name`. */
export function removePid(dir: string, name: string): void {
  fs.rmSync(paths.pid(dir, name), { force: true });
}
