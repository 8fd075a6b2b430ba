/**
 * `StorageDirectory` over real files. Appends go through a cached file
 * descriptor per file (bounded: the least recently used is closed when
 * `maxOpenFiles` is reached); `sync` is `fdatasync`; atomic writes are
 * write-temp, fsync, rename, fsync directory (the recipe from Pillai et al.,
 * "All File Systems Are Not Created Equal", OSDI 2014).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { requireInt } from '../../errors.js';
import { DirectoryLock } from './dir-lock.js';
import { checkPath, parentOf, type StorageDirectory } from './directory.js';


/** Options for `FsDirectory`. */
export interface FsDirectoryOptions {
  /** Open descriptors kept for reuse (default 128). */
  maxOpenFiles?: number;
}

/** A `StorageDirectory` rooted at an absolute directory on disk. */
export class FsDirectory implements StorageDirectory {
  readonly root: string;
  private readonly fds = new Map<string, number>();
  private readonly maxOpenFiles: number;
  private held: DirectoryLock | null = null;

  constructor(root: string, options: FsDirectoryOptions = {}) {
    this.root = root;
    this.maxOpenFiles = requireInt('maxOpenFiles', options.maxOpenFiles ?? 128, 1, 1_000_000);
    fs.mkdirSync(root, { recursive: true });
  }

  private abs(path: string): string {
    return path === '' ? this.root : join(this.root, checkPath(path));
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
    const p = this.abs(dir);
    if (!fs.existsSync(p)) return [];
    return fs.readdirSync(p).sort();
  }

  exists(path: string): boolean {
    return fs.existsSync(this.abs(path));
  }

  mkdir(path: string): void {
    fs.mkdirSync(this.abs(path), { recursive: true });
  }

  size(path: string): number {
    const fd = this.fds.get(path);
    return fd !== undefined ? fs.fstatSync(fd).size : fs.statSync(this.abs(path)).size;
  }

  read(path: string, position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    const n = this.readInto(path, position, length, buf);
    return n === length ? buf : buf.subarray(0, n);
  }

  descriptor(path: string): number {
    return this.fds.get(path) ?? this.fd(path);
  }

  readInto(path: string, position: number, length: number, target: Buffer): number {
    const fd = this.fds.get(path) ?? this.fd(path);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, target, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  append(path: string, data: Uint8Array): void {
    const fd = this.fd(path);
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
  }

  sync(path: string): void {
    fs.fdatasyncSync(this.fd(path));
  }

  truncate(path: string, length: number): void {
    const fd = this.fd(path);
    fs.ftruncateSync(fd, length);
    fs.fsyncSync(fd);
  }

  remove(path: string): void {
    this.drop(path);
    fs.rmSync(this.abs(path), { force: true });
  }

  removeDir(path: string): void {
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
    const tmp = `${path}.tmp`;
    this.drop(path);
    this.mkdir(parentOf(path));
    const fd = fs.openSync(this.abs(tmp), 'w');
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
    this.drop(from);
    this.drop(to);
    fs.renameSync(this.abs(from), this.abs(to));
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
