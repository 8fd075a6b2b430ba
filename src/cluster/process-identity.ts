/**
 * Who a process is, beyond its pid: pids are reused, so a pid file or a lock
 * file also records the process's start time, read from /proc/<pid>/stat
 * (Linux; field 22, clock ticks since boot). Used by the metadata service's
 * directory lock and by `shardkit cluster down`, which must stop only the
 * processes it started.
 */
import * as fs from 'node:fs';

/** The start time of process `pid` as /proc reports it, or undefined when there is no such process (or no /proc). O(1). */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Fields 3… of /proc/<pid>/stat (state first), or undefined. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` has exited but was not reaped yet (a zombie): it runs no more. */
export function processIsZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === 'Z' || state === 'X';
}

/** The command line of process `pid` (arguments split on NUL), or undefined. */
export function processCommandLine(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (signal 0). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` is still the process that had `startTime`: alive and not a
 * reused pid. Without /proc, falls back to "a process with this pid exists".
 */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!processExists(pid) || processIsZombie(pid)) return false;
  const now = processStartTime(pid);
  if (now === undefined || startTime === undefined) return true;
  return now === startTime;
}
