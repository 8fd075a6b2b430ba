/**
 * Starting and stopping the processes of a local cluster, by pid. Each child
 * runs the shardkit CLI (./cli-entry.ts) in its own process group (so a
 * Ctrl-C in the terminal reaches only `cluster up`, which then stops each
 * child itself, in order), with stdout and stderr appended to its log file.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { processExists } from '../process-identity.js';
import { cliCommand } from './cli-entry.js';
import { type PidRecord, paths, removePid, stillOurs, writePid } from './cluster-dir.js';

/** A child `up` started. */
export interface Started {
  readonly rec: PidRecord;
  /** Resolves with the exit code (or signal) when the child exits. */
  readonly exited: Promise<string>;
}

/** Start `shardkit <args>` as `name`, logging to <dir>/logs/<name>.log, and write its pid file. */
export function startChild(dir: string, name: string, args: readonly string[]): Started {
  const cli = cliCommand();
  return startCommand(dir, name, cli.file, [...cli.args, ...args]);
}

/** Start `file argv` (the shardkit CLI, or a server such as ZooKeeper) as `name`, the same way. */
export function startCommand(dir: string, name: string, file: string, argv: readonly string[]): Started {
  fs.mkdirSync(paths.logs(dir), { recursive: true });
  const log = fs.openSync(paths.log(dir, name), 'a');
  const child = spawn(file, argv, { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name} (${file} ${argv.join(' ')})`);
  const rec = writePid(dir, name, child.pid, [file, ...argv]);
  return { rec, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Stop the process of `rec` if it is still the one started: SIGTERM, then
 * SIGKILL after `graceMs`. Removes its pid file. Returns what happened.
 */
export async function stopChild(dir: string, rec: PidRecord, graceMs = 10_000): Promise<'stopped' | 'killed' | 'not running' | 'not ours'> {
  if (!stillOurs(rec)) {
    removePid(dir, rec.name);
    return processExists(rec.pid) ? 'not ours' : 'not running'; // a reused pid is left alone
  }
  process.kill(rec.pid, 'SIGTERM');
  const start = performance.now();
  while (performance.now() - start < graceMs) {
    await sleep(50);
    if (!stillOurs(rec)) {
      removePid(dir, rec.name);
      return 'stopped';
    }
  }
  if (stillOurs(rec)) process.kill(rec.pid, 'SIGKILL');
  while (stillOurs(rec)) await sleep(20);
  removePid(dir, rec.name);
  return 'killed';
}
