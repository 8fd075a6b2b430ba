/**
 * An append-only file, behind an interface: the only I/O the replication
 * module does (ARCHITECTURE.md, principle 3). `NodeLogFile` is the real file
 * (synchronous fs calls, fsync); `MemoryLogFile` models one in memory,
 * including what a crash does: bytes appended but not yet synced are lost,
 * or only partly written (a torn tail), which is what the simulation and the
 * tests use.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync, existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, StateError, asDiskFull, isInstance, requireInt } from '../errors.js';

/** Throw InvalidArgumentError unless `bytes` is a Uint8Array (a Buffer is one). O(1). */
function assertBytes(parameter: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!isInstance(bytes, Uint8Array)) throw new InvalidArgumentError(parameter, bytes, 'a Uint8Array');
}

/** An append-only byte file. */
export interface LogFile {
  /** What to call the file in messages (its path, for a file on disk). */
  readonly name: string;
  /** Every byte currently in the file (synced or not). */
  read(): Uint8Array;
  /** Append bytes at the end (not durable until `sync`). */
  append(bytes: Uint8Array): void;
  /** Make every appended byte durable (fsync). */
  sync(): void;
  /** Cut the file to `length` bytes, durably. */
  truncate(length: number): void;
  /**
   * Replace the whole content atomically and durably (write a temporary file,
   * fsync, rename, fsync the directory). On failure the file is unchanged and
   * still usable, and the temporary file is removed.
   */
  replace(bytes: Uint8Array): void;
  /** Keep `bytes` durably in a new file beside this one (a copy before a repair); returns its name. */
  keepCopy(bytes: Uint8Array): string;
  /** Simulate a process restart: forget buffered state and reopen; only synced bytes are guaranteed to remain. */
  reopen(): void;
  close(): void;
}

/**
 * A log file on disk. Appends go straight to the OS (`writeSync`); `sync`
 * calls `fsync`. Single writer: two instances on one path corrupt it.
 * Opening removes a temporary file a crash left in the middle of `replace`
 * (the log itself is whole: the rename is atomic). A full disk (ENOSPC,
 * EDQUOT) surfaces as a retriable DiskFullError naming the file.
 */
export class NodeLogFile implements LogFile {
  private fd: number | undefined;
  private readonly tmp: string;

  constructor(readonly path: string) {
    const allowed = 'a non-empty file path: well-formed UTF-16 (a lone surrogate would name another file), without NUL';
    if (typeof path !== 'string' || path.length === 0 || !(path as unknown as { isWellFormed(): boolean }).isWellFormed() || path.includes('\0')) throw new InvalidArgumentError('path', path, allowed);
    this.tmp = `${path}.tmp`;
    const tooLong = (e: unknown): unknown =>
      (e as { code?: unknown } | null)?.code === 'ENAMETOOLONG' ? new InvalidArgumentError('path', path, `${allowed}, short enough for the file system (ENAMETOOLONG)`) : e;
    try {
      rmSync(this.tmp, { force: true });
    } catch (e) {
      throw tooLong(e);
    }
    const created = !existsSync(path);
    this.fd = io(path, 'creating', () => {
      try {
        return openSync(path, 'a+');
      } catch (e) {
        throw tooLong(e);
      }
    });
    // A new file's directory entry must be durable too, or a crash could lose the whole file.
    if (created) syncDirectory(dirname(path));
  }

  get name(): string {
    return this.path;
  }

  private handle(): number {
    if (this.fd === undefined) throw new StateError(`log file ${this.path} is closed`);
    return this.fd;
  }

  read(): Uint8Array {
    this.handle();
    return readFileSync(this.path);
  }

  append(bytes: Uint8Array): void {
    assertBytes('bytes', bytes);
    const fd = this.handle();
    let off = 0;
    io(this.path, 'appending to', () => {
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    });
  }

  sync(): void {
    const fd = this.handle();
    io(this.path, 'syncing', () => fsyncSync(fd));
  }

  truncate(length: number): void {
    const fd = this.handle();
    requireInt('length', length, 0, fstatSync(fd).size);
    io(this.path, 'truncating', () => {
      ftruncateSync(fd, length);
      fsyncSync(fd);
    });
  }

  replace(bytes: Uint8Array): void {
    assertBytes('bytes', bytes);
    this.handle();
    try {
      writeDurably(this.tmp, bytes, 'w');
      renameSync(this.tmp, this.path);
    } catch (e) {
      rmSync(this.tmp, { force: true });
      throw asDiskFull(e, this.path, 'replacing');
    }
    // The rename is done: the new content is the file. Point the descriptor at it.
    closeSync(this.handle());
    this.fd = openSync(this.path, 'a+');
    syncDirectory(dirname(this.path));
  }

  keepCopy(bytes: Uint8Array): string {
    assertBytes('bytes', bytes);
    let n = 1;
    while (existsSync(`${this.path}.damaged-${n}`)) n++;
    const copy = `${this.path}.damaged-${n}`;
    try {
      writeDurably(copy, bytes, 'wx');
    } catch (e) {
      rmSync(copy, { force: true });
      throw asDiskFull(e, copy, 'writing');
    }
    syncDirectory(dirname(copy));
    return copy;
  }

  reopen(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.path, 'a+');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Run an fs call, turning ENOSPC/EDQUOT into a DiskFullError. */
function io<T>(file: string, operation: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asDiskFull(e, file, operation);
  }
}

/** Write `bytes` to a file opened with `flag` and fsync it before closing. */
function writeDurably(path: string, bytes: Uint8Array, flag: 'w' | 'wx'): void {
  const fd = openSync(path, flag);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A log file in memory that models crashes: `reopen()` keeps the synced
 * bytes, and of the unsynced ones only the prefix chosen with
 * `tearOnNextReopen(bytes)` (default: none), like a power cut in the middle
 * of a write. Appends are O(bytes); `read` copies.
 */
export class MemoryLogFile implements LogFile {
  private buf = new Uint8Array(256);
  private length = 0;
  private syncedLength = 0;
  private keepUnsynced = 0;
  private closed = false;
  /** How many times `sync` was called (fsync count). */
  syncs = 0;
  /** Copies kept by `keepCopy`, by name. */
  readonly copies = new Map<string, Uint8Array>();
  readonly name: string;

  constructor(name = 'memory log file') {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('name', name, 'a non-empty string');
    this.name = name;
  }

  keepCopy(bytes: Uint8Array): string {
    assertBytes('bytes', bytes);
    const name = `${this.name}.damaged-${this.copies.size + 1}`;
    this.copies.set(name, bytes.slice());
    return name;
  }

  read(): Uint8Array {
    this.open();
    return this.buf.slice(0, this.length);
  }

  append(bytes: Uint8Array): void {
    assertBytes('bytes', bytes);
    this.open();
    if (this.length + bytes.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  sync(): void {
    this.open();
    this.syncedLength = this.length;
    this.syncs++;
  }

  truncate(length: number): void {
    this.open();
    requireInt('length', length, 0, this.length);
    this.length = length;
    this.syncedLength = length;
  }

  replace(bytes: Uint8Array): void {
    assertBytes('bytes', bytes);
    this.open();
    this.buf = new Uint8Array(Math.max(256, bytes.length));
    this.buf.set(bytes);
    this.length = bytes.length;
    this.syncedLength = bytes.length;
  }

  /** Bytes not yet synced (lost or torn by the next reopen). */
  get unsyncedBytes(): number {
    return this.length - this.syncedLength;
  }

  /** Make the next `reopen()` keep `bytes` of the unsynced tail (a torn write); the rest is lost. */
  tearOnNextReopen(bytes: number): void {
    this.keepUnsynced = Math.max(0, Math.floor(bytes));
  }

  reopen(): void {
    this.length = Math.min(this.length, this.syncedLength + this.keepUnsynced);
    this.syncedLength = this.length;
    this.keepUnsynced = 0;
    this.closed = false;
  }

  close(): void {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new StateError('memory log file is closed');
  }
}
