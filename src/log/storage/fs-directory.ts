/**
 * `StorageDirectory` over real files. Appends go through a cached file
 * descriptor per file (bounded: the least recently used is closed when
 * `maxOpenFiles` is reached); `sync` is `fdatasync`; atomic writes are
 * write-temp, fsync, rename, fsync directory (the recipe from Pillai et al.,
 * "All File Systems Are Not Created Equal", OSDI 2014).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError, readOptions, requireInt } from '../../errors.js';
import { DirectoryLock, checkRoot } from './dir-lock.js';
import { checkData, checkFilePath, checkPath, checkReadInto, parentOf, type StorageDirectory } from './directory.js';

/** The code of a Node file-system error, if it is one. */
function errCode(e: unknown): unknown {
  try {
    return (e as { code?: unknown } | null)?.code;
  } catch {
    return undefined;
  }
}

/**
 * Run a file-system call on `path`, turning the errors a caller's path can
 * cause into typed ones: a missing file is a NotFoundError, a directory where
 * a file is expected (or the reverse) an InvalidArgumentError. Others (a full
 * disk, EIO) pass through for the caller to type. O(1) besides `fn`.
 */
function onPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT') throw new NotFoundError('file', path);
    if (code === 'EISDIR' || code === 'ERR_FS_EISDIR') throw new InvalidArgumentError('path', path, 'the path of a file (this one names a directory)');
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') throw new InvalidArgumentError('path', path, `a path that does not cross or replace a file where a directory is needed (${String(code)})`);
    throw e;
  }
}


/** Options for `FsDirectory`. */
export interface FsDirectoryOptions {
  /** Open descriptors kept for reuse: an integer from 1 to 1,000,000 (absent or null: 128). */
  maxOpenFiles?: number;
}

/** A `StorageDirectory` rooted at an absolute directory on disk. */
export class FsDirectory implements StorageDirectory {
  readonly root: string;
  private readonly fds = new Map<string, number>();
  private readonly maxOpenFiles: number;
  private held: DirectoryLock | null = null;

  /**
   * `root`: an absolute directory path (created if missing); InvalidArgumentError
   * otherwise. `options` is read once (see FsDirectoryOptions).
   */
  constructor(root: string, options: FsDirectoryOptions = {}) {
    this.root = checkRoot(root);
    const o = readOptions('options', options, ['maxOpenFiles'], 'an options object { maxOpenFiles? }');
    this.maxOpenFiles = requireInt('maxOpenFiles', o.maxOpenFiles ?? 128, 1, 1_000_000);
    onPath(root, () => fs.mkdirSync(root, { recursive: true }));
  }

  private abs(path: string): string {
    return path === '' ? this.root : join(this.root, checkPath(path));
  }

  /** A cached descriptor for an existing file `path` (NotFoundError when it is missing: reads never create files). */
  private existing(path: string): number {
    const fd = this.fds.get(checkFilePath(path));
    if (fd !== undefined) return fd;
    if (!fs.existsSync(this.abs(path))) throw new NotFoundError('file', path);
    return onPath(path, () => this.fd(path));
  }

  /** A cached read/append descriptor for `path`, creating the file if missing. */
  private fd(path: string): number {
    let fd = this.fds.get(path);
    if (fd !== undefined) {
      // Refresh LRU order.
      this.fds.delete(path);
      this.fds.set(path, fd);
      return fd;
    }
    if (this.fds.size >= this.maxOpenFiles) {
      const [oldPath, oldFd] = this.fds.entries().next().value as [string, number];
      this.fds.delete(oldPath);
      fs.closeSync(oldFd);
    }
    fd = fs.openSync(this.abs(path), 'a+');
    this.fds.set(path, fd);
    return fd;
  }

  private drop(path: string): void {
    const fd = this.fds.get(path);
    if (fd !== undefined) {
      this.fds.delete(path);
      fs.closeSync(fd);
    }
  }

  list(dir: string): string[] {
    const p = this.abs(checkPath(dir, 'dir'));
    if (!fs.existsSync(p)) return [];
    return onPath(dir, () => fs.readdirSync(p).sort());
  }

  exists(path: string): boolean {
    return fs.existsSync(this.abs(checkPath(path)));
  }

  mkdir(path: string): void {
    onPath(path, () => fs.mkdirSync(this.abs(checkFilePath(path)), { recursive: true }));
  }

  size(path: string): number {
    const fd = this.fds.get(checkFilePath(path));
    return fd !== undefined ? fs.fstatSync(fd).size : onPath(path, () => fs.statSync(this.abs(path)).size);
  }

  /** Read up to `length` bytes at `position` (the buffer is at most the rest of the file, whatever `length` says). */
  read(path: string, position: number, length: number): Buffer {
    const fd = this.existing(path);
    requireInt('position', position, 0);
    requireInt('length', length, 0);
    const n0 = Math.max(0, Math.min(length, fs.fstatSync(fd).size - position));
    const buf = Buffer.allocUnsafe(n0);
    const n = this.readInto(path, position, n0, buf);
    return n === n0 ? buf : buf.subarray(0, n);
  }

  descriptor(path: string): number {
    return this.existing(path);
  }

  readInto(path: string, position: number, length: number, target: Buffer): number {
    const fd = this.existing(path);
    checkReadInto(position, length, target);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, target, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  append(path: string, data: Uint8Array): void {
    checkData('data', data);
    const fd = onPath(path, () => this.fd(checkFilePath(path)));
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
  }

  sync(path: string): void {
    fs.fdatasyncSync(this.existing(path));
  }

  truncate(path: string, length: number): void {
    const fd = this.existing(path);
    requireInt('length', length, 0);
    fs.ftruncateSync(fd, length);
    fs.fsyncSync(fd);
  }

  remove(path: string): void {
    checkFilePath(path);
    const abs = this.abs(path);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new InvalidArgumentError('path', path, 'the path of a file (this one names a directory: use removeDir)');
    this.drop(path);
    fs.rmSync(abs, { force: true });
  }

  removeDir(path: string): void {
    checkFilePath(path);
    const prefix = `${path}/`;
    for (const p of [...this.fds.keys()]) if (p.startsWith(prefix)) this.drop(p);
    fs.rmSync(this.abs(path), { recursive: true, force: true });
  }

  private syncDir(dir: string): void {
    const fd = fs.openSync(this.abs(dir), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  writeAtomic(path: string, data: Uint8Array): void {
    checkFilePath(path);
    checkData('data', data);
    const tmp = checkFilePath(`${path}.tmp`);
    if (fs.existsSync(this.abs(path)) && fs.statSync(this.abs(path)).isDirectory()) throw new InvalidArgumentError('path', path, 'the path of a file (this one names a directory)');
    this.drop(path);
    const parent = parentOf(path);
    if (parent !== '') this.mkdir(parent);
    const fd = onPath(path, () => fs.openSync(this.abs(tmp), 'w'));
    try {
      try {
        let done = 0;
        while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(this.abs(tmp), this.abs(path));
    } catch (e) {
      // A full disk, say: leave the old file and no half-written temporary.
      fs.rmSync(this.abs(tmp), { force: true });
      throw e;
    }
    this.syncDir(parentOf(path));
  }

  rename(from: string, to: string): void {
    checkFilePath(from, 'from');
    checkFilePath(to, 'to');
    if (!fs.existsSync(this.abs(from))) throw new NotFoundError('file', from);
    if (fs.existsSync(this.abs(to)) && fs.statSync(this.abs(to)).isDirectory()) throw new InvalidArgumentError('to', to, 'the path of a file (this one names a directory)');
    this.drop(from);
    this.drop(to);
    onPath(from, () => fs.renameSync(this.abs(from), this.abs(to)));
    this.syncDir(parentOf(to));
  }

  lock(): void {
    if (this.held === null) this.held = DirectoryLock.acquire(this.root);
  }

  /** Close every descriptor and release the lock, even when closing a descriptor fails (the first failure is rethrown after). */
  close(): void {
    let failure: unknown = null;
    for (const fd of this.fds.values()) {
      try {
        fs.closeSync(fd);
      } catch (e) {
        failure ??= e;
      }
    }
    this.fds.clear();
    const held = this.held;
    this.held = null;
    held?.release();
    if (failure !== null) throw failure;
  }
}
