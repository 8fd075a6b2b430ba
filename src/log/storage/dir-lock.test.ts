import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { StateError } from '../../errors.js';
import { tempDirs } from '../testing/temp-dirs.js';
import { DirectoryLock, isLockEntry, processStartTime } from './dir-lock.js';
import { FsDirectory } from './fs-directory.js';

const tempDir = tempDirs('dirlock');
const gen = (g: number) => `shardkit-log.lock.${String(g).padStart(15, '0')}`;

/** Plant a held lock at generation `g` whose owner file names `pid`/`start` (as a crashed or live owner leaves it). */
function plant(dir: string, g: number, pid: number, start: string): void {
  const owner = path.join(dir, `shardkit-log.lock-owner.${pid}.${start}.0`);
  fs.writeFileSync(owner, '');
  fs.linkSync(owner, path.join(dir, gen(g)));
}

function lockError(fn: () => unknown): StateError {
  try {
    fn();
  } catch (e) {
    return e as StateError;
  }
  throw new Error('expected a DIRECTORY_LOCKED error');
}

describe('directory lock', () => {
  it('a live owner keeps the lock: a second claim gets a retriable DIRECTORY_LOCKED naming its pid', () => {
    const d = tempDir();
    const first = DirectoryLock.acquire(d);
    const err = lockError(() => DirectoryLock.acquire(d));
    expect(err).toBeInstanceOf(StateError);
    expect(err.code).toBe('DIRECTORY_LOCKED');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain(`locked by pid ${process.pid}`);
    first.release();
    const again = DirectoryLock.acquire(d);
    expect(again.generation).toBe(first.generation + 1);
    again.release();
  });

  it('a lock of a dead process is taken over at the next generation; lower generations and dead owner files are removed', () => {
    const d = tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    plant(d, 1, dead, '1');
    plant(d, 2, dead, '2');
    const l = DirectoryLock.acquire(d);
    expect(l.generation).toBe(3);
    expect(fs.readdirSync(d).filter((n) => n.startsWith('shardkit-log.lock.'))).toEqual([gen(3)]);
    expect(fs.readdirSync(d).filter((n) => n.includes(`.${dead}.`))).toEqual([]);
    l.release();
  });

  it('a pid reused by another process is not taken for the owner: the start time must match', () => {
    const d = tempDir();
    const mine = processStartTime(process.pid);
    expect(mine).not.toBeNull();
    plant(d, 5, process.pid, String(Number(mine) + 1));
    const l = DirectoryLock.acquire(d);
    expect(l.generation).toBe(6);
    l.release();
  });

  it('release leaves the highest generation in place, ownerless, so a claimer with an old listing cannot reuse its number', () => {
    const d = tempDir();
    const l = DirectoryLock.acquire(d);
    l.release();
    l.release();
    expect(fs.readdirSync(d)).toEqual([gen(l.generation)]);
    fs.writeFileSync(path.join(d, 'other'), '');
    expect(() => fs.linkSync(path.join(d, 'other'), path.join(d, gen(l.generation)))).toThrow(/EEXIST/);
  });

  it('lock file names are recognised (a directory holding only them counts as empty)', () => {
    expect(isLockEntry('shardkit-log.lock')).toBe(true);
    expect(isLockEntry(gen(7))).toBe(true);
    expect(isLockEntry('shardkit-log.lock-owner.12.34.0')).toBe(true);
    expect(isLockEntry('shardkit-log.json')).toBe(false);
  });

  it('FsDirectory.close releases the lock even after a descriptor fails to close', () => {
    const d = tempDir();
    const a = new FsDirectory(d);
    a.lock();
    a.append('x.log', Buffer.from('abc'));
    const fd = a.descriptor('x.log');
    fs.closeSync(fd);
    expect(() => a.close()).toThrow(/EBADF/);
    const b = new FsDirectory(d);
    b.lock();
    b.close();
  });
});
