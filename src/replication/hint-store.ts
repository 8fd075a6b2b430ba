/**
 * Where a node keeps the hints it holds for other nodes, behind an interface:
 * `MemoryHintStore` (volatile, the seed's behaviour: a restart loses every
 * hint, and says how many) and `DurableHintStore` (durable-hint-store.ts:
 * append-only checksummed records, fsync per change, survives restarts).
 */
import type { Hint, NewHint } from './hint.js';
import { HintIndex, readNewHint } from './hint.js';
import { InvalidArgumentError, readArray } from '../errors.js';

/** Validated hint ids from outside: an array of integers ≥ 1 (read once). O(ids). */
export function readHintIds(ids: unknown): number[] {
  const list = readArray('hint ids', ids, 'an array of hint ids (integers ≥ 1)');
  for (const id of list) if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('hint id', id, 'an integer ≥ 1');
  return list as number[];
}

/** Throw InvalidArgumentError unless `target` is a string (a node id). O(1). */
export function assertTarget(target: unknown): asserts target is string {
  if (typeof target !== 'string') throw new InvalidArgumentError('target', target, 'a node id (a string)');
}

/** What a store found when it restarted. */
export interface RestartReport {
  /** Hints held after the restart. */
  readonly recovered: number;
  /** Hints held before the restart that are gone after it (volatile stores; never for durable ones). */
  readonly lost: number;
  /** Bytes of an incomplete last record (a torn write) that were cut off. */
  readonly tornBytes: number;
}

/** One node's hint storage. Bounds are enforced by the coordinator (`hintsMax`). */
export interface HintStore {
  /** Hints held. */
  readonly count: number;
  /** Whether hints survive `restart()`. */
  readonly durable: boolean;
  /** Store a hint and return it with its id; durable on return for durable stores. Throws on I/O failure (the hint is then not stored). */
  add(hint: NewHint): Hint;
  /** Remove hints by id (unknown ids are ignored); durable on return. Returns how many were removed. */
  remove(ids: readonly number[]): number;
  /** The hints for `target`, oldest first. Do not add or remove while iterating. */
  forTarget(target: string): IterableIterator<Hint>;
  /** Number of hints for `target`. O(1). */
  countFor(target: string): number;
  /** Targets with at least one hint. */
  targets(): IterableIterator<string>;
  /** Every hint held. */
  all(): IterableIterator<Hint>;
  /** Simulate a process restart: drop in-memory state and rebuild from durable storage. */
  restart(): RestartReport;
  /** Release files; the store is unusable afterwards. */
  close(): void;
  /** Throws InvariantError when a rule is broken. */
  checkInvariants(): void;
}

/**
 * Hints in memory only: O(1) add and remove. A restart loses every hint (the
 * seed's `hinted_handoff.py` behaviour) and reports the loss in `lost`; use
 * `DurableHintStore` when hints must survive.
 */
export class MemoryHintStore implements HintStore {
  readonly durable = false;
  private readonly index = new HintIndex();
  private nextId = 1;

  get count(): number {
    return this.index.count;
  }

  add(hint: NewHint): Hint {
    const h: Hint = { ...readNewHint(hint), id: this.nextId++ };
    this.index.add(h);
    return h;
  }

  remove(ids: readonly number[]): number {
    let n = 0;
    for (const id of readHintIds(ids)) if (this.index.remove(id)) n++;
    return n;
  }

  forTarget(target: string): IterableIterator<Hint> {
    assertTarget(target);
    return this.index.forTarget(target);
  }

  countFor(target: string): number {
    assertTarget(target);
    return this.index.countFor(target);
  }

  targets(): IterableIterator<string> {
    return this.index.targets();
  }

  all(): IterableIterator<Hint> {
    return this.index.all();
  }

  restart(): RestartReport {
    const lost = this.index.count;
    this.index.clear();
    return { recovered: 0, lost, tornBytes: 0 };
  }

  close(): void {
    this.index.clear();
  }

  checkInvariants(): void {
    this.index.checkInvariants();
  }
}
