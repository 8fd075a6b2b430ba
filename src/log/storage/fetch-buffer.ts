/**
 * A reusable read window over one partition's segment files: one `readSync`
 * fills it with up to `capacityBytes` of a segment, and later reads of byte
 * ranges inside the window are served from memory. This is what lets the
 * batch read path (`PartitionLog.readBatches`, `Consumer.pollBatches`) read
 * whole runs of batches with one system call into one buffer that is never
 * reallocated, instead of a fresh buffer per poll (Kafka's consumer sizes its
 * fetches the same way, with `max.partition.fetch.bytes`).
 *
 * Rule of use: every refill bumps `generation`; batch views created from an
 * older generation refuse to be read (StateError), so a view kept past the
 * next poll fails loudly instead of showing another batch's bytes.
 */
import { InvalidArgumentError, requireInt } from '../../errors.js';
import type { StorageDirectory } from './directory.js';
import type { Segment } from './segment.js';

/** Default window size: large enough to amortise the system call, small enough to stay in L2. */
export const DEFAULT_FETCH_BUFFER_BYTES = 1024 * 1024;

/** A read window over one segment at a time. O(1) memory beyond its buffer. */
export class FetchBuffer {
  /** Bytes read per refill (a larger batch gets a window of its own size). */
  readonly capacityBytes: number;
  /** Bumped on every refill: views of older generations are stale. */
  generation = 0;
  private bytes: Buffer;
  private view: DataView;
  private seg: Segment | null = null;
  /** Record index space for the batch views of the current generation (see `reserveIndex`). */
  private indexArena: Int32Array = new Int32Array(0);
  private indexUsed = 0;
  private segVersion = -1;
  private filePos = 0;
  private length = 0;

  constructor(capacityBytes: number = DEFAULT_FETCH_BUFFER_BYTES) {
    this.capacityBytes = requireInt('fetchBufferBytes', capacityBytes, 4096, 256 * 1024 * 1024);
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

  /** True when bytes [pos, pos + n) of `seg` are in the window. O(1). */
  covers(seg: Segment, pos: number, n: number): boolean {
    return this.seg === seg && this.segVersion === seg.version && pos >= this.filePos && pos + n <= this.filePos + this.length;
  }

  /** Index in `buffer` of byte `pos` of the windowed segment (only after `covers` said yes). */
  indexOf(pos: number): number {
    return pos - this.filePos;
  }

  /**
   * Refill the window with `seg`'s bytes from `pos`: at least `n` bytes (it
   * must hold them: `pos + n ≤ seg.sizeBytes`), up to `capacityBytes` or the
   * end of the segment. Invalidates every view of the previous generation.
   * One read call. O(bytes read).
   */
  fill(dir: StorageDirectory, seg: Segment, pos: number, n: number): void {
    const want = Math.min(seg.sizeBytes - pos, Math.max(n, this.capacityBytes));
    if (want < n) throw new InvalidArgumentError('fetch length', n, `at most ${seg.sizeBytes - pos} (the rest of ${seg.logPath})`);
    this.generation++;
    this.indexUsed = 0;
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

  /**
   * `slots` Int32 slots of record index for a batch view of the current
   * generation: returns the array and the first slot. Space is handed out
   * from one arena reused by every generation, so walking batches allocates
   * nothing once the arena has grown to the largest fill; a view of an older
   * generation is stale anyway, so its slots can be reused. O(1), or
   * O(slots) when the arena grows.
   */
  reserveIndex(slots: number): { index: Int32Array; at: number } {
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
}
