/**
 * The lock that gives one process at a time the use of a data directory,
 * built only from operations the kernel does atomically (`open` with
 * `O_EXCL`, `link`), so that any number of processes opening the directory at
 * once end with one owner, and a lock left by a dead process is taken over by
 * exactly one of them.
 *
 * Files, all in the directory's root:
 * - `shardkit-log.lock-owner.<pid>.<start>.<n>`: an empty file whose name
 *   says who wants the lock: the pid and the process's start time (field 22
 *   of `/proc/<pid>/stat`, so a pid reused by another process is not taken
 *   for the owner). It exists from before the owner's claim until release.
 * - `shardkit-log.lock.<generation>`: a hard link to an owner file. The lock
 *   is held by the owner of the highest generation, if that owner file still
 *   exists (same inode) and its process is alive.
 *
 * Taking the lock: create the owner file, read the highest generation `g`;
 * if its owner is alive, fail (retriable, naming the pid); otherwise `link`
 * the owner file to generation `g + 1`. `link` fails if that name exists, so
 * of all the processes that saw `g` free exactly one creates `g + 1`: the
 * takeover is decided by that one atomic step. The highest generation file is
 * never deleted (releasing deletes the owner file; the winner of `g + 1`
 * deletes only lower generations), so the highest generation never goes
 * down and a process that read an old listing cannot recreate a number that
 * was already used and then released. A claimer that finds a higher
 * generation after its link lost the race and withdraws. The file's content
 * is never read or written, so no reader can see a half-written lock, and a
 * full disk does not stop a read-only open.
 */
import * as fs from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InvalidArgumentError, StateError } from '../../errors.js';

/**
 * Validate a data directory's root: an absolute path (a relative one would
 * land wherever the process happens to run), well-formed, without NUL, at
 * most 4096 characters. Returns it; InvalidArgumentError otherwise. O(length).
 */
export function checkRoot(root: unknown): string {
  if (typeof root !== 'string' || root.length === 0 || root.length > 4096 || root.includes('\0') || !(root as unknown as { isWellFormed(): boolean }).isWellFormed() || !isAbsolute(root)) {
    throw new InvalidArgumentError('root', root, 'an absolute directory path (a well-formed string without NUL, at most 4096 characters)');
  }
  return root;
}

/** The single lock file of earlier versions (still honoured when its pid is alive, and removed when dead). */
export const LEGACY_LOCK_FILE = 'shardkit-log.lock';
const GEN_PREFIX = 'shardkit-log.lock.';
const OWNER_PREFIX = 'shardkit-log.lock-owner.';
const GEN_DIGITS = 15;
const GEN_RE = /^shardkit-log\.lock\.(\d{15})$/;
const OWNER_RE = /^shardkit-log\.lock-owner\.(\d+)\.(\d*)\.(\d+)$/;
/** Claims retried when another claimer got in between (each retry means someone else progressed). */
const MAX_ATTEMPTS = 64;

let claimSeq = 0;

/** True for every name the lock uses (the directory counts as empty when only these are present). */
export function isLockEntry(name: string): boolean {
  return name === LEGACY_LOCK_FILE || name.startsWith(GEN_PREFIX) || name.startsWith(OWNER_PREFIX);
}

/** Start time of process `pid` in clock ticks since boot, from /proc; `null` where /proc is not readable. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** True when process `pid` exists and, if `start` is known, started at `start` (not a reused pid). */
function ownerAlive(pid: number, start: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === '') return true;
  const now = processStartTime(pid);
  return now === null || now === start;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function removeQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw e;
  }
}

/** An owner named by an owner file. */
interface Owner {
  pid: number;
  start: string;
}

function parseOwner(name: string): Owner | null {
  const m = OWNER_RE.exec(name);
  return m === null ? null : { pid: Number(m[1]), start: m[2] as string };
}

/** Owner of generation file `gen`: the owner file sharing its inode, `null` if none, `'vanished'` if the file went away. */
function ownerOf(root: string, gen: string, names: readonly string[]): Owner | null | 'vanished' {
  let st: fs.Stats;
  try {
    st = fs.statSync(join(root, gen));
  } catch (e) {
    if (code(e) === 'ENOENT') return 'vanished';
    throw e;
  }
  for (const n of names) {
    const o = parseOwner(n);
    if (o === null) continue;
    try {
      const os = fs.statSync(join(root, n));
      if (os.ino === st.ino && os.dev === st.dev) return o;
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }
  return null;
}

function generations(names: readonly string[]): number[] {
  const out: number[] = [];
  for (const n of names) {
    const m = GEN_RE.exec(n);
    if (m !== null) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

function genName(g: number): string {
  return `${GEN_PREFIX}${String(g).padStart(GEN_DIGITS, '0')}`;
}

function locked(root: string, pid: number): StateError {
  return new StateError(`data directory ${root} is locked by pid ${pid} (another process uses it; retry when it has closed)`, { code: 'DIRECTORY_LOCKED', retriable: true });
}

/** The legacy lock's pid when that process is alive, else null (and the stale file is removed). */
function legacyOwner(root: string, names: readonly string[]): number | null {
  if (!names.includes(LEGACY_LOCK_FILE)) return null;
  let pid = NaN;
  try {
    pid = Number.parseInt(fs.readFileSync(join(root, LEGACY_LOCK_FILE), 'utf8'), 10);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw e;
  }
  return Number.isInteger(pid) && pid > 0 && ownerAlive(pid, '') ? pid : null;
}

/** A held lock on a directory; `release()` gives it up. */
export class DirectoryLock {
  private constructor(
    private readonly root: string,
    private readonly ownerFile: string,
    /** The generation this lock holds. */
    readonly generation: number,
  ) {}

  /**
   * Take the lock on `root`, or throw StateError `DIRECTORY_LOCKED`
   * (retriable) naming the live owner's pid; InvalidArgumentError unless
   * `root` is an absolute path. O(lock files in the root).
   */
  static acquire(root: string): DirectoryLock {
    checkRoot(root);
    const start = processStartTime(process.pid) ?? '';
    const ownerFile = join(root, `${OWNER_PREFIX}${process.pid}.${start}.${claimSeq++}`);
    fs.closeSync(fs.openSync(ownerFile, 'wx'));
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const names = fs.readdirSync(root);
        const legacy = legacyOwner(root, names);
        if (legacy !== null) throw locked(root, legacy);
        const gens = generations(names);
        const top = gens.length === 0 ? 0 : (gens[gens.length - 1] as number);
        if (top > 0) {
          const owner = ownerOf(root, genName(top), names);
          if (owner === 'vanished') continue;
          if (owner !== null && ownerAlive(owner.pid, owner.start)) throw locked(root, owner.pid);
        }
        const mine = top + 1;
        try {
          fs.linkSync(ownerFile, join(root, genName(mine)));
        } catch (e) {
          if (code(e) === 'EEXIST') continue;
          throw e;
        }
        const after = generations(fs.readdirSync(root));
        if ((after[after.length - 1] as number) > mine) {
          // A higher generation appeared: this claim lost (it can only be
          // higher if its claimer saw ours free, i.e. we never owned it).
          removeQuietly(join(root, genName(mine)));
          continue;
        }
        const lock = new DirectoryLock(root, ownerFile, mine);
        lock.tidy(names);
        return lock;
      }
    } catch (e) {
      removeQuietly(ownerFile);
      throw e;
    }
    removeQuietly(ownerFile);
    throw new StateError(`could not lock data directory ${root}: other processes kept claiming it`, { code: 'DIRECTORY_LOCKED', retriable: true });
  }

  /** Remove lower generations, owner files of dead processes and a dead legacy lock (never the highest generation). */
  private tidy(names: readonly string[]): void {
    for (const n of names) {
      const m = GEN_RE.exec(n);
      if (m !== null && Number(m[1]) < this.generation) removeQuietly(join(this.root, n));
      const o = parseOwner(n);
      if (o !== null && join(this.root, n) !== this.ownerFile && !ownerAlive(o.pid, o.start)) removeQuietly(join(this.root, n));
      if (n === LEGACY_LOCK_FILE) removeQuietly(join(this.root, n));
    }
  }

  /** Give the lock up (delete the owner file; the generation file stays, ownerless). Idempotent. */
  release(): void {
    removeQuietly(this.ownerFile);
  }
}
