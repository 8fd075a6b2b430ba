/**
 * The storage adapter of the partitioned log: the only place `log/` touches a
 * disk (ARCHITECTURE.md, "Nothing below cluster/ does I/O except log/'s
 * storage adapter"). Everything above it (segments, indexes, recovery,
 * retention, compaction, the broker) is written against this interface, so the
 * same logic runs on `FsDirectory` (real files, fdatasync) and on
 * `MemoryDirectory` (tests, simulations of lost unsynced writes).
 *
 * Paths are relative, `/`-separated, and never contain `..`.
 */
import { InvalidArgumentError, NotFoundError, isInstance, requireInt } from '../../errors.js';

/** A directory of files the log stores its data in. All calls are synchronous. */
export interface StorageDirectory {
  /** Names (not paths) of the entries directly under `dir` (`''` = root), sorted. O(entries). */
  list(dir: string): string[];
  /** True when `path` is an existing file or directory. O(1). */
  exists(path: string): boolean;
  /**
   * Create `path` and its parents as directories (no-op if present). `path`
   * names a directory, not the root `''` (which always exists), as for
   * `removeDir`.
   */
  mkdir(path: string): void;
  /** Size of the file in bytes. */
  size(path: string): number;
  /** Read `length` bytes at `position` (fewer at end of file) into a fresh buffer. */
  read(path: string, position: number, length: number): Buffer;
  /** Read `length` bytes at `position` into `target` at offset 0; returns the count read. */
  readInto(path: string, position: number, length: number, target: Buffer): number;
  /** Append `data` at the end of the file, creating it if missing. Not durable until `sync`. */
  append(path: string, data: Uint8Array): void;
  /** Make the file's appended bytes durable (fdatasync). */
  sync(path: string): void;
  /** Cut the file to `length` bytes and make that durable. */
  truncate(path: string, length: number): void;
  /** Delete a file (no-op if missing). */
  remove(path: string): void;
  /**
   * A file descriptor open for reading `path`, for the fetch buffer's
   * read-ahead thread (which duplicates it at once); absent on directories
   * without descriptors.
   */
  descriptor?(path: string): number;
  /** Delete a directory and everything in it (no-op if missing). */
  removeDir(path: string): void;
  /**
   * Replace the file's content atomically and durably: write a temporary file,
   * fsync it, rename it over `path`, fsync the directory. A crash leaves either
   * the old content or the new, never a mix.
   */
  writeAtomic(path: string, data: Uint8Array): void;
  /** Atomically rename a file (durable: the directory is fsynced). */
  rename(from: string, to: string): void;
  /**
   * Take exclusive use of the directory for this process (a lock file naming
   * the owner); StateError (retriable) if a live process holds it. A lock left
   * by a process that no longer exists is taken over. Released by `close`.
   */
  lock(): void;
  /** Release the lock and open handles. The directory must not be used afterwards. */
  close(): void;
}

const PATH_ALLOWED = 'a relative path (a string) of names separated by "/": each name 1 to 255 UTF-8 bytes, well-formed UTF-16, not "." or "..", without "\\" or NUL; at most 4096 characters';

/**
 * Validate a relative path: a string of names separated by `/` (`''` is the
 * root), each name 1 to 255 UTF-8 bytes of well-formed UTF-16 (a lone
 * surrogate would be stored as U+FFFD, a different name), not `.` or `..`,
 * without a backslash or NUL; at most 4096 characters. Anything else is an
 * InvalidArgumentError saying so. O(length).
 */
export function checkPath(path: unknown, parameter = 'path'): string {
  if (typeof path !== 'string') throw new InvalidArgumentError(parameter, path, PATH_ALLOWED);
  if (path === '') return path;
  if (path.length > 4096 || !(path as unknown as { isWellFormed(): boolean }).isWellFormed()) throw new InvalidArgumentError(parameter, path, PATH_ALLOWED);
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\0') || Buffer.byteLength(part) > 255) {
      throw new InvalidArgumentError(parameter, path, PATH_ALLOWED);
    }
  }
  return path;
}

/** `checkPath` for a path that names a file (not the root `''`). */
export function checkFilePath(path: unknown, parameter = 'path'): string {
  if (path === '') throw new InvalidArgumentError(parameter, path, `the path of a file, not the root: ${PATH_ALLOWED}`);
  return checkPath(path, parameter);
}

/** Validate bytes given to a directory: a Uint8Array (a Buffer is one). O(1). */
export function checkData(parameter: string, data: unknown): Uint8Array {
  if (!isInstance(data, Uint8Array)) throw new InvalidArgumentError(parameter, data, 'a Uint8Array (or Buffer)');
  return data;
}

/**
 * Validate the arguments of `readInto`: a byte position ≥ 0, a length ≥ 0 that
 * fits `target`, and a Buffer target. O(1).
 */
export function checkReadInto(position: unknown, length: unknown, target: unknown): Buffer {
  requireInt('position', position, 0);
  if (!isInstance(target, Buffer)) throw new InvalidArgumentError('target', target, 'a Buffer');
  requireInt('length', length, 0, target.length);
  return target;
}

/** Parent directory of a relative path (`''` for the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

interface MemFile {
  chunks: Buffer[];
  length: number;
  /** Bytes that survive a simulated crash. */
  syncedLength: number;
}

/**
 * An in-memory `StorageDirectory` for logic tests and simulations. It tracks
 * which bytes were synced, so `crashed()` can return the directory as it would
 * look after power loss: every file cut back to its synced length (optionally
 * plus a torn prefix of the unsynced bytes). Renames and atomic writes are
 * durable at once, as on a journaling file system after the directory fsync.
 */
export class MemoryDirectory implements StorageDirectory {
  private readonly files = new Map<string, MemFile>();
  private readonly dirs = new Set<string>(['']);

  list(dir: string): string[] {
    checkPath(dir);
    const prefix = dir === '' ? '' : `${dir}/`;
    const out = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p !== dir && p.startsWith(prefix)) {
        const rest = p.slice(prefix.length);
        if (rest !== '') out.add(rest.split('/')[0] as string);
      }
    }
    return [...out].sort();
  }

  exists(path: string): boolean {
    return this.files.has(checkPath(path)) || this.dirs.has(path);
  }

  mkdir(path: string): void {
    this.ensureDir(checkFilePath(path));
  }

  /** `path` (a checked path; `''` is the root, always there) and its parents as directories. */
  private ensureDir(path: string): void {
    let p = path;
    while (p !== '') {
      this.dirs.add(p);
      p = parentOf(p);
    }
  }

  private file(path: string): MemFile {
    const f = this.files.get(checkPath(path));
    if (f === undefined) throw new NotFoundError('file', path);
    return f;
  }

  private flat(f: MemFile): Buffer {
    if (f.chunks.length !== 1) f.chunks = [Buffer.concat(f.chunks, f.length)];
    return f.chunks[0] as Buffer;
  }

  size(path: string): number {
    return this.file(checkFilePath(path)).length;
  }

  read(path: string, position: number, length: number): Buffer {
    const f = this.file(checkFilePath(path));
    requireInt('position', position, 0);
    requireInt('length', length, 0);
    const end = Math.min(f.length, position + length);
    return Buffer.from(this.flat(f).subarray(Math.min(position, end), end));
  }

  readInto(path: string, position: number, length: number, target: Buffer): number {
    const f = this.file(checkFilePath(path));
    checkReadInto(position, length, target);
    const end = Math.min(f.length, position + length);
    if (end <= position) return 0;
    return this.flat(f).copy(target, 0, position, end);
  }

  append(path: string, data: Uint8Array): void {
    checkData('data', data);
    let f = this.files.get(checkFilePath(path));
    if (f === undefined) {
      this.ensureDir(parentOf(path));
      f = { chunks: [], length: 0, syncedLength: 0 };
      this.files.set(path, f);
    }
    f.chunks.push(Buffer.from(data));
    f.length += data.length;
  }

  sync(path: string): void {
    const f = this.file(checkFilePath(path));
    f.syncedLength = f.length;
  }

  truncate(path: string, length: number): void {
    const f = this.file(checkFilePath(path));
    requireInt('length', length, 0);
    const b = this.flat(f).subarray(0, Math.min(length, f.length));
    f.chunks = [Buffer.from(b)];
    f.length = b.length;
    f.syncedLength = b.length;
  }

  remove(path: string): void {
    this.files.delete(checkFilePath(path));
  }

  removeDir(path: string): void {
    checkFilePath(path);
    const prefix = `${path}/`;
    for (const p of [...this.files.keys()]) if (p.startsWith(prefix)) this.files.delete(p);
    for (const d of [...this.dirs]) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
  }

  writeAtomic(path: string, data: Uint8Array): void {
    checkFilePath(path);
    checkData('data', data);
    this.ensureDir(parentOf(path));
    this.files.set(path, { chunks: [Buffer.from(data)], length: data.length, syncedLength: data.length });
  }

  rename(from: string, to: string): void {
    const f = this.file(checkFilePath(from, 'from'));
    checkFilePath(to, 'to');
    this.files.delete(from);
    this.files.set(to, f);
  }

  /** In memory there is no other process to exclude. */
  lock(): void {}

  close(): void {}

  /**
   * The directory as it would be after a crash: each file keeps its synced
   * bytes plus `tornBytes(path, unsynced)` of its unsynced tail (default 0).
   */
  crashed(tornBytes: (path: string, unsyncedBytes: number) => number = () => 0): MemoryDirectory {
    if (typeof tornBytes !== 'function') throw new InvalidArgumentError('tornBytes', tornBytes, 'a function (path, unsyncedBytes) => bytes kept');
    const copy = new MemoryDirectory();
    for (const d of this.dirs) copy.dirs.add(d);
    for (const [p, f] of this.files) {
      const torn: unknown = tornBytes(p, f.length - f.syncedLength);
      if (typeof torn !== 'number' || Number.isNaN(torn)) throw new InvalidArgumentError('tornBytes result', torn, 'a number of bytes (clamped to the unsynced tail)');
      const keep = Math.floor(Math.min(f.length, f.syncedLength + Math.max(0, torn)));
      const b = Buffer.from(this.flat(f).subarray(0, keep));
      copy.files.set(p, { chunks: [b], length: keep, syncedLength: keep });
    }
    return copy;
  }

  /** Overwrite bytes in place (for corruption tests). */
  corrupt(path: string, position: number, bytes: Uint8Array): void {
    const f = this.file(checkFilePath(path));
    checkData('bytes', bytes);
    requireInt('position', position, 0, f.length - bytes.length);
    this.flat(f).set(bytes, position);
  }
}
