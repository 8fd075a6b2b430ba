/**
 * A reusable read window over one partition's segment files: one read call
 * fills it with up to `capacityBytes` of a segment, and later reads of byte
 * ranges inside the window are served from memory. This is what lets the
 * batch read path (`PartitionLog.readBatches`, `Consumer.pollBatches`) read
 * whole runs of batches with one system call into a buffer that is reused,
 * instead of a fresh buffer per poll (Kafka's consumer sizes its fetches the
 * same way, with `max.partition.fetch.bytes`).
 *
 * Read-ahead (on by default where it can run: the native addon is installed
 * and the directory has file descriptors): after each fill, the window after
 * this one is read by the addon's read-ahead thread into a second buffer.
 * When the reader asks for exactly that window next (a consumer reading in
 * order), the fill takes the second buffer instead of reading. So the next
 * window is read on another core while the application works through this
 * one, as a Kafka consumer's next fetch is in flight while it processes the
 * last one. A window that does not match (a seek, a segment rewritten by
 * compaction) is dropped. CRCs are checked by the reader, as without
 * read-ahead (checking them on the read-ahead thread was measured slower).
 *
 * Rule of use: every refill bumps `generation`; batch views created from an
 * older generation refuse to be read (StateError), so a view kept past the
 * next poll fails loudly instead of showing another batch's bytes.
 */
import { InvalidArgumentError, isInstance, readOptions, requireInt } from '../../errors.js';
import { native } from '../../native.js';
import { requireMethods } from '../message.js';
import type { StorageDirectory } from './directory.js';
import { BATCH_HEADER_BYTES } from './record-batch.js';
import { Segment } from './segment.js';

/** Most Int32 slots `reserveIndex` hands out at once (a 1 GiB arena). */
const MAX_INDEX_SLOTS = 2 ** 28;

/**
 * Default window size: Kafka's default `max.partition.fetch.bytes` (1 MiB),
 * large enough to amortise the system call, small enough to stay in a core's
 * L2 cache while its batches are checked and walked.
 */
export const DEFAULT_FETCH_BUFFER_BYTES = 1024 * 1024;

/** A window being read ahead by the addon's thread. */
interface AheadRead {
  job: object;
  buf: Buffer;
  seg: Segment;
  segVersion: number;
  pos: number;
  len: number;
}

/** Options of a `FetchBuffer`. */
export interface FetchBufferOptions {
  /**
   * Read the next window ahead on the native addon's thread (default true).
   * Ignored where it cannot run (no addon, or a directory without file
   * descriptors such as `MemoryDirectory`). Memory: a second buffer.
   */
  readAhead?: boolean;
  /**
   * When the reader needs the window read ahead and the thread has not
   * started reading it yet, read it here instead of waiting (default true:
   * the scheduler may not run the thread soon). false: always wait, so that
   * every window asked for in order comes from the read-ahead (tests).
   */
  cancelUnstarted?: boolean;
}

/** A read window over one segment at a time. O(1) memory beyond its buffers. */
export class FetchBuffer {
  /** Bytes read per refill (a larger batch gets a window of its own size). */
  readonly capacityBytes: number;
  /** True when this buffer reads ahead (asked for, and possible in this install). */
  readonly readAhead: boolean;
  private readonly cancelUnstarted: boolean;
  /** Bumped on every refill: views of older generations are stale. */
  generation = 0;
  /** Fills served from a window read ahead (for tests and monitoring). */
  readAheadHits = 0;
  /** Windows read ahead that were not used: the reader went elsewhere, or read it itself as the thread had not started. */
  readAheadMisses = 0;
  private bytes: Buffer;
  private view: DataView;
  private seg: Segment | null = null;
  private segVersion = -1;
  private filePos = 0;
  private length = 0;
  private ahead: AheadRead | null = null;
  private spare: Buffer | null = null;
  /** Record index space for the batch views of the current generation (see `reserveIndex`). */
  private indexArena: Int32Array = new Int32Array(0);
  private indexUsed = 0;

  /**
   * `capacityBytes` an integer from 4096 to 256 MiB; `options` read once
   * (each field true, false or absent). InvalidArgumentError otherwise.
   */
  constructor(capacityBytes: number = DEFAULT_FETCH_BUFFER_BYTES, options: FetchBufferOptions = {}) {
    this.capacityBytes = requireInt('fetchBufferBytes', capacityBytes, 4096, 256 * 1024 * 1024);
    const o = readOptions('options', options, ['readAhead', 'cancelUnstarted'], 'fetch buffer options { readAhead?, cancelUnstarted? }');
    if (o.readAhead !== undefined && typeof o.readAhead !== 'boolean') throw new InvalidArgumentError('readAhead', o.readAhead, 'true or false');
    this.readAhead = (o.readAhead ?? true) && native !== null;
    if (o.cancelUnstarted !== undefined && typeof o.cancelUnstarted !== 'boolean') throw new InvalidArgumentError('cancelUnstarted', o.cancelUnstarted, 'true or false');
    this.cancelUnstarted = o.cancelUnstarted ?? true;
    this.bytes = Buffer.allocUnsafe(0);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, 0);
  }

  /** The buffer holding the window (valid for the current generation only). */
  get buffer(): Buffer {
    return this.bytes;
  }

  /** A DataView over `buffer`. */
  get dataView(): DataView {
    return this.view;
  }

  /**
   * True when bytes [pos, pos + n) of `seg` are in the window (false for
   * anything that is not the windowed segment). `pos` and `n` integers ≥ 0,
   * InvalidArgumentError otherwise. O(1).
   */
  covers(seg: Segment, pos: number, n: number): boolean {
    requireInt('position', pos, 0);
    requireInt('length', n, 0);
    return this.seg !== null && this.seg === seg && this.segVersion === seg.version && pos >= this.filePos && pos + n <= this.filePos + this.length;
  }

  /** Index in `buffer` of byte `pos` (an integer ≥ 0) of the windowed segment (only after `covers` said yes). */
  indexOf(pos: number): number {
    return requireInt('position', pos, 0) - this.filePos;
  }

  /**
   * Refill the window with `seg`'s bytes from `pos`: at least `n` bytes (it
   * must hold them: `pos + n ≤ seg.sizeBytes`), up to `capacityBytes` or the
   * end of the segment. Invalidates every view of the previous generation.
   * One read call, or none when the window was read ahead. O(bytes read).
   * `dir` a StorageDirectory (its `descriptor`, if any, a function), `seg` a
   * Segment, `pos` and `n` integers ≥ 0 within it; InvalidArgumentError
   * otherwise, before the window or its views change.
   */
  fill(dir: StorageDirectory, seg: Segment, pos: number, n: number): void {
    requireMethods('dir', dir, ['readInto'], 'a StorageDirectory');
    const descriptor: unknown = readOptions('dir', dir, ['descriptor'], 'a StorageDirectory').descriptor;
    if (descriptor !== undefined && typeof descriptor !== 'function') throw new InvalidArgumentError('dir.descriptor', descriptor, 'a function (path) => file descriptor, or absent');
    if (!isInstance(seg, Segment)) throw new InvalidArgumentError('segment', seg, 'a Segment of a partition log');
    requireInt('position', pos, 0, seg.sizeBytes);
    requireInt('fetch length', n, 0);
    const want = Math.min(seg.sizeBytes - pos, Math.max(n, this.capacityBytes));
    if (want < n) throw new InvalidArgumentError('fetch length', n, `at most ${seg.sizeBytes - pos} (the rest of ${seg.logPath})`);
    // The read-ahead's descriptor, asked for (and checked) before the window changes.
    let fd: number | undefined;
    if (this.readAhead && descriptor !== undefined) {
      const answer: unknown = (descriptor as (path: string) => unknown).call(dir, seg.logPath);
      fd = requireInt(`dir.descriptor(${JSON.stringify(seg.logPath)})`, answer, 0, 2 ** 31 - 1);
    }
    this.generation++;
    this.indexUsed = 0;
    if (!this.takeAhead(seg, pos, n)) {
      if (this.bytes.length < want) {
        this.bytes = Buffer.allocUnsafe(Math.max(want, Math.min(this.capacityBytes, seg.sizeBytes)));
        this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
      }
      this.seg = seg;
      this.segVersion = seg.version;
      this.filePos = pos;
      this.length = 0;
      this.length = dir.readInto(seg.logPath, pos, want, this.bytes);
    }
    if (fd !== undefined) this.startAhead(fd, seg);
  }

  /** Use the window read ahead if it is the one asked for; drop it otherwise. */
  private takeAhead(seg: Segment, pos: number, n: number): boolean {
    const a = this.ahead;
    if (a === null) return false;
    this.ahead = null;
    let read: number;
    try {
      read = (native as NonNullable<typeof native>).readAheadWait(a.job, this.cancelUnstarted);
    } catch {
      // A failed read ahead is not an error of this fill: read again, synchronously.
      this.spare = a.buf;
      return false;
    }
    // read < 0: the thread had not started the read, and it was cancelled (reading now is quicker).
    if (read < 0 || a.seg !== seg || a.segVersion !== seg.version || a.pos !== pos || read < n) {
      this.spare = a.buf;
      this.readAheadMisses++;
      return false;
    }
    this.spare = this.bytes.length >= this.capacityBytes ? this.bytes : null;
    this.bytes = a.buf;
    this.view = new DataView(a.buf.buffer, a.buf.byteOffset, a.buf.length);
    this.seg = seg;
    this.segVersion = seg.version;
    this.filePos = pos;
    this.length = read;
    this.readAheadHits++;
    return true;
  }

  /** Start reading the window that follows the whole batches of this one, if it is in the same segment. */
  private startAhead(fd: number, seg: Segment): void {
    // Where the next fill will start: after the last whole batch in the window.
    const dv = this.view;
    let p = 0;
    while (p + BATCH_HEADER_BYTES <= this.length) {
      const size = dv.getUint32(p + 8, true) + 12;
      if (size < BATCH_HEADER_BYTES || p + size > this.length) break;
      p += size;
    }
    const next = this.filePos + p;
    if (p === 0 || next >= seg.sizeBytes) return;
    const len = Math.min(this.capacityBytes, seg.sizeBytes - next);
    let buf = this.spare;
    if (buf === null || buf.length < len) buf = Buffer.allocUnsafe(this.capacityBytes);
    this.spare = null;
    const job = (native as NonNullable<typeof native>).readAheadSubmit(fd, buf, next, len);
    this.ahead = { job, buf, seg, segVersion: seg.version, pos: next, len };
  }

  /**
   * `slots` Int32 slots of record index for a batch view of the current
   * generation: returns the array and the first slot. Space is handed out
   * from one arena reused by every generation, so walking batches allocates
   * nothing once the arena has grown to the largest fill; a view of an older
   * generation is stale anyway, so its slots can be reused. O(1), or
   * O(slots) when the arena grows. `slots` an integer from 0 to 2^28.
   */
  reserveIndex(slots: number): { index: Int32Array; at: number } {
    requireInt('slots', slots, 0, MAX_INDEX_SLOTS);
    if (this.indexUsed + slots > this.indexArena.length) {
      // A new arena: views of this generation that reserved earlier keep the old one.
      this.indexArena = new Int32Array(Math.max(slots, 2 * this.indexArena.length, 4096));
      this.indexUsed = 0;
    }
    const at = this.indexUsed;
    this.indexUsed += slots;
    return { index: this.indexArena, at };
  }

  /** Forget the window (e.g. after the log changed under it). Views become stale. */
  clear(): void {
    this.generation++;
    this.indexUsed = 0;
    this.seg = null;
    this.length = 0;
  }

  /**
   * Wait for a read still running ahead and drop it (when the reader is done
   * with this buffer, e.g. a consumer closing). O(1) after that read.
   */
  release(): void {
    const a = this.ahead;
    if (a === null) return;
    this.ahead = null;
    try {
      (native as NonNullable<typeof native>).readAheadWait(a.job);
    } catch {
      // Its result is not wanted.
    }
    this.spare = a.buf;
  }
}
