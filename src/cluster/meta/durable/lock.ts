/**
 * One owner per data directory: a lock file holding the owner's pid, start
 * time and a random nonce. It is written whole to a temp file, synced, then
 * `link()`ed into place: link fails atomically when the lock exists, so two
 * processes never both create it, and a reader never sees a half-written
 * lock.
 *
 * A lock whose owner is dead (no such pid, or the pid now belongs to a
 * process with another start time) is stale and is taken over: renamed
 * away to a unique name (one rename wins), checked to be the very lock that
 * was judged stale (same nonce), and only then replaced. A process that
 * renamed away a lock that was not the stale one (someone else took over
 * first) puts it back with link() and reports the directory as locked.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../../../errors.js';
import { isSameProcess, processStartTime } from '../../process-identity.js';

/** Name of the lock file in the data directory. */
export const META_LOCK_FILE = 'meta.lock';

interface LockContent {
  readonly pid: number;
  readonly startTime?: string;
  readonly nonce: string;
}

function readLock(file: string): LockContent | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as LockContent;
    if (Number.isInteger(v.pid) && typeof v.nonce === 'string') return v;
  } catch {
    // fall through: a lock file we cannot read is reported, not taken over
  }
  throw new StateError(`lock file ${file} is not a shardkit lock (${JSON.stringify(text.slice(0, 80))}); remove it by hand if no process uses the directory`, { code: 'DIRECTORY_LOCKED' });
}

function locked(dir: string, owner: LockContent): StateError {
  return new StateError(`data directory ${dir} is in use by process ${owner.pid} (lock file ${META_LOCK_FILE})`, { code: 'DIRECTORY_LOCKED', retriable: true });
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A held directory lock. */
export class DirectoryLock {
  private held = true;
  private constructor(
    readonly dir: string,
    private readonly content: LockContent,
  ) {}

  /**
   * Take the lock of `dir` (which must exist). StateError DIRECTORY_LOCKED
   * (retriable) when a live process holds it. O(1) file operations.
   * `onStale` runs after a lock was judged stale and before it is taken over
   * (fault injection: tests widen the race window with it).
   */
  static acquire(dir: string, options: { onStale?: () => void } = {}): DirectoryLock {
    const file = join(dir, META_LOCK_FILE);
    const content: LockContent = { pid: process.pid, startTime: processStartTime(process.pid), nonce: randomBytes(8).toString('hex') };
    const tmp = join(dir, `${META_LOCK_FILE}.${content.nonce}.tmp`);
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeSync(fd, JSON.stringify(content));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          fs.linkSync(tmp, file);
          syncDir(dir);
          return new DirectoryLock(dir, content);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const owner = readLock(file);
        if (owner === undefined) continue; // released meanwhile: try again
        if (isSameProcess(owner.pid, owner.startTime)) throw locked(dir, owner);
        options.onStale?.();
        takeOverStale(dir, file, owner);
      }
      throw new StateError(`could not lock data directory ${dir}: the lock changed hands repeatedly`, { code: 'DIRECTORY_LOCKED', retriable: true });
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Release the lock, if this process still holds it (checked by nonce). Idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const file = join(this.dir, META_LOCK_FILE);
    const now = readLock(file);
    if (now?.nonce === this.content.nonce) fs.rmSync(file, { force: true });
  }
}

/** Move the stale lock `owner` out of the way, or throw if someone else's lock is there now. */
function takeOverStale(dir: string, file: string, stale: LockContent): void {
  const aside = join(dir, `${META_LOCK_FILE}.stale.${randomBytes(8).toString('hex')}`);
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it: try again
    throw e;
  }
  const moved = readLock(aside);
  if (moved?.nonce === stale.nonce) {
    fs.rmSync(aside, { force: true });
    return;
  }
  // We moved a fresh lock another process had just taken over with: put it back.
  try {
    fs.linkSync(aside, file);
  } finally {
    fs.rmSync(aside, { force: true });
  }
  throw locked(dir, moved ?? stale);
}
