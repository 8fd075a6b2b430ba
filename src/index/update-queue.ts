/**
 * The pending updates of an asynchronous secondary index (DDIA ch. 6: "updates
 * to global secondary indexes are often asynchronous").
 *
 * Updates are grouped by the index partition they go to, so a flush sends one
 * message (a batch) per index partition, as a real system would. The queue is
 * bounded by `pendingMax` updates in total; it never drops an update: the
 * owner decides what a write does when it would not fit (see
 * `IndexedDBOptions.whenFull`). Order is kept within each partition, which is
 * enough: every update for one (field, value) goes to the same partition.
 * The lag is observable: pending count and the age of the oldest pending
 * update on the injected clock.
 */
import type { Clock } from '../util/clock.js';
import { CapacityError, invariant, requireInt } from '../errors.js';
import type { FieldValue } from './values.js';

/** Add or remove one index entry. */
export interface IndexUpdate {
  readonly op: 'add' | 'remove';
  readonly field: string;
  readonly value: FieldValue;
  readonly pk: string;
  /** Clock time when the write that caused it returned. */
  readonly enqueuedAtMs: number;
}

/** One flush message: every pending update for one index partition, in order. */
export interface UpdateBatch {
  readonly partition: number;
  readonly updates: readonly IndexUpdate[];
}

/**
 * Bounded queue of pending index updates, one FIFO list per index partition.
 * Enqueue O(n) all-or-nothing; drain O(pending + P); lag O(P). See the file
 * comment for why it is grouped and bounded.
 */
export class IndexUpdateQueue {
  readonly pendingMax: number;
  private readonly byPartition: IndexUpdate[][];
  private count = 0;

  /** O(P). `pendingMax` ≥ 1 bounds the total number of pending updates. */
  constructor(
    partitionCount: number,
    pendingMax: number,
    private readonly clock: Clock,
  ) {
    requireInt('partition count', partitionCount, 1);
    this.pendingMax = requireInt('pendingMax', pendingMax, 1);
    this.byPartition = Array.from({ length: partitionCount }, () => []);
  }

  /** Pending updates in total. O(1). */
  get pending(): number {
    return this.count;
  }

  /** Whether `n` more updates fit. O(1). */
  canAccept(n: number): boolean {
    return this.count + n <= this.pendingMax;
  }

  /**
   * Append updates (each with its target partition), all or nothing: throws
   * a retriable CapacityError, enqueuing none, when they do not all fit.
   * O(n).
   */
  enqueue(targets: readonly { partition: number; op: 'add' | 'remove'; field: string; value: FieldValue; pk: string }[]): void {
    if (!this.canAccept(targets.length)) {
      throw new CapacityError(
        `index update queue is full: ${this.count} of pendingMax ${this.pendingMax} pending, this write needs ${targets.length} more; flush the index (flushIndex) and retry`,
      );
    }
    const at = this.clock.now();
    for (const t of targets) {
      const list = this.byPartition[t.partition];
      invariant(list !== undefined, () => `update queue: no index partition ${t.partition}`);
      list.push({ op: t.op, field: t.field, value: t.value, pk: t.pk, enqueuedAtMs: at });
    }
    this.count += targets.length;
  }

  /** Remove and return every pending update as one batch per non-empty partition, ascending. O(pending + P). */
  drainAll(): UpdateBatch[] {
    const out: UpdateBatch[] = [];
    this.byPartition.forEach((updates, partition) => {
      if (updates.length > 0) {
        out.push({ partition, updates: updates.splice(0) });
      }
    });
    this.count = 0;
    return out;
  }

  /**
   * Remove and return, in order, the pending updates of `partition` that
   * satisfy `match` (a strong-consistency query takes the ones for its terms).
   * O(pending in that partition).
   */
  drainMatching(partition: number, match: (u: IndexUpdate) => boolean): IndexUpdate[] {
    const list = this.byPartition[partition];
    if (list === undefined || list.length === 0) return [];
    const taken: IndexUpdate[] = [];
    const kept: IndexUpdate[] = [];
    for (const u of list) (match(u) ? taken : kept).push(u);
    if (taken.length > 0) {
      this.byPartition[partition] = kept;
      this.count -= taken.length;
    }
    return taken;
  }

  /** Age of the oldest pending update on the clock (0 when none). O(P): each partition's head is its oldest. */
  oldestPendingAgeMs(): number {
    let oldest = Infinity;
    for (const list of this.byPartition) {
      const head = list[0];
      if (head !== undefined && head.enqueuedAtMs < oldest) oldest = head.enqueuedAtMs;
    }
    return oldest === Infinity ? 0 : this.clock.now() - oldest;
  }

  /** Pending updates per index partition. O(P). */
  pendingByPartition(): number[] {
    return this.byPartition.map((l) => l.length);
  }

  /** Pending updates of one partition, in order (read-only view). */
  pendingIn(partition: number): readonly IndexUpdate[] {
    return this.byPartition[partition] ?? [];
  }

  /** Throws InvariantError: count matches, bound holds, times non-decreasing per partition. O(pending). */
  checkInvariants(): void {
    let n = 0;
    this.byPartition.forEach((list, p) => {
      for (let i = 1; i < list.length; i++) {
        invariant((list[i - 1] as IndexUpdate).enqueuedAtMs <= (list[i] as IndexUpdate).enqueuedAtMs, () => `update queue: partition ${p} out of order at ${i}`);
      }
      n += list.length;
    });
    invariant(n === this.count, () => `update queue: count ${this.count} but ${n} stored`);
    invariant(this.count <= this.pendingMax, () => `update queue: ${this.count} pending exceeds pendingMax ${this.pendingMax}`);
  }
}
