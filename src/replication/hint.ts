/**
 * Hints (DDIA ch. 5, "Sloppy Quorums and Hinted Handoff"): a write held by a
 * node outside the key's preference list on behalf of a preferred node that
 * was unavailable, to be handed off when that node comes back.
 */
import { InvalidArgumentError, describeThrown, invariant } from '../errors.js';
import { type Version, readVersion } from './version.js';

/** A hint before a store has given it an id. */
export interface NewHint {
  /** The preferred node the write was meant for. */
  readonly target: string;
  readonly key: string;
  readonly value: string;
  readonly version: Version;
  /** Clock time the hint was stored. */
  readonly createdAtMs: number;
  /** Time to live: the hint expires at `createdAtMs + ttlMs`. */
  readonly ttlMs: number;
}

/** A stored hint; `id` is unique within its holder's store and increases with every add. */
export interface Hint extends NewHint {
  readonly id: number;
}

/** Expiry time of a hint: created at t with TTL d, it expires at t + d. O(1). */
export function hintExpiresAtMs(h: NewHint): number {
  const { createdAtMs, ttlMs } = readTimes(h);
  return createdAtMs + ttlMs;
}

/** The two times of a hint from outside, each read once and checked. O(1). */
function readTimes(h: unknown): { createdAtMs: number; ttlMs: number } {
  if (h === null || typeof h !== 'object') throw new InvalidArgumentError('hint', h, 'a hint { createdAtMs, ttlMs, ... }');
  let createdAtMs: unknown;
  let ttlMs: unknown;
  try {
    ({ createdAtMs, ttlMs } = h as Partial<NewHint>);
  } catch (e) {
    throw new InvalidArgumentError('hint', h, `a hint whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
  if (typeof createdAtMs !== 'number' || !Number.isFinite(createdAtMs)) throw new InvalidArgumentError('hint createdAtMs', createdAtMs, 'a finite number');
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) throw new InvalidArgumentError('hint ttlMs', ttlMs, 'a finite number > 0');
  return { createdAtMs, ttlMs };
}

/** True when the hint has expired at `nowMs` (now ≥ createdAt + TTL). O(1). */
export function isHintExpired(h: NewHint, nowMs: number): boolean {
  if (typeof nowMs !== 'number' || Number.isNaN(nowMs)) throw new InvalidArgumentError('nowMs', nowMs, 'a number of milliseconds (not NaN)');
  const { createdAtMs, ttlMs } = readTimes(h);
  return nowMs >= createdAtMs + ttlMs;
}

/** Validate a hint from outside (a file, the network). Throws InvalidArgumentError. */
export function assertHint(h: unknown): asserts h is Hint {
  readHint(h);
}

/** A validated copy of a stored hint from outside (id included), each field read once. Throws InvalidArgumentError. O(1). */
export function readHint(h: unknown): Hint {
  const fields = readNewHint(h);
  let id: unknown;
  try {
    id = (h as Partial<Hint>).id;
  } catch (e) {
    throw new InvalidArgumentError('hint', h, `a hint whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError('hint id', id, 'an integer ≥ 1');
  return { ...fields, id };
}

/**
 * A validated copy of a hint from outside (before a store gives it an id),
 * each field read exactly once: what a store keeps, so a getter cannot store
 * one thing and log another. Throws InvalidArgumentError. O(1).
 */
export function readNewHint(h: unknown): NewHint {
  if (h === null || typeof h !== 'object') throw new InvalidArgumentError('hint', h, 'an object { target, key, value, version, createdAtMs, ttlMs }');
  let o: Partial<NewHint>;
  try {
    const { target, key, value, version, createdAtMs, ttlMs } = h as Partial<NewHint>;
    o = { target, key, value, version, createdAtMs, ttlMs };
  } catch (e) {
    throw new InvalidArgumentError('hint', h, `a hint whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
  if (typeof o.target !== 'string' || o.target.length === 0) throw new InvalidArgumentError('hint target', o.target, 'a non-empty node id');
  if (typeof o.key !== 'string') throw new InvalidArgumentError('hint key', o.key, 'a string');
  if (typeof o.value !== 'string') throw new InvalidArgumentError('hint value', o.value, 'a string');
  const version = readVersion(o.version, 'hint version');
  const { createdAtMs, ttlMs } = readTimes(o);
  return { target: o.target, key: o.key, value: o.value, version, createdAtMs, ttlMs };
}

/**
 * The in-memory index every hint store keeps: hints by target, each target's
 * hints in insertion (id) order. add/remove O(1), `forTarget` iterates oldest
 * first without copying.
 */
export class HintIndex {
  private readonly byTarget = new Map<string, Map<number, Hint>>();
  private readonly targetOf = new Map<number, string>();
  private lastId = 0;

  get count(): number {
    return this.targetOf.size;
  }
  /** The largest id ever added (ids of new hints must exceed it). */
  get maxId(): number {
    return this.lastId;
  }

  add(h: Hint): void {
    invariant(h.id > this.lastId, () => `hint index: id ${h.id} is not above ${this.lastId}`);
    this.lastId = h.id;
    let m = this.byTarget.get(h.target);
    if (!m) {
      m = new Map();
      this.byTarget.set(h.target, m);
    }
    m.set(h.id, h);
    this.targetOf.set(h.id, h.target);
  }

  /** Remove by id; returns the removed hint or undefined when absent. */
  remove(id: number): Hint | undefined {
    const target = this.targetOf.get(id);
    if (target === undefined) return undefined;
    const m = this.byTarget.get(target) as Map<number, Hint>;
    const h = m.get(id) as Hint;
    m.delete(id);
    if (m.size === 0) this.byTarget.delete(target);
    this.targetOf.delete(id);
    return h;
  }

  has(id: number): boolean {
    return this.targetOf.has(id);
  }

  forTarget(target: string): IterableIterator<Hint> {
    return (this.byTarget.get(target) ?? EMPTY).values();
  }

  countFor(target: string): number {
    return this.byTarget.get(target)?.size ?? 0;
  }

  targets(): IterableIterator<string> {
    return this.byTarget.keys();
  }

  *all(): IterableIterator<Hint> {
    for (const m of this.byTarget.values()) yield* m.values();
  }

  clear(): void {
    this.byTarget.clear();
    this.targetOf.clear();
  }

  checkInvariants(): void {
    let n = 0;
    for (const [target, m] of this.byTarget) {
      invariant(m.size > 0, () => `hint index: empty bucket for ${target}`);
      let prev = 0;
      for (const [id, h] of m) {
        invariant(h.id === id && h.target === target, () => `hint index: hint ${id} filed under the wrong id or target`);
        invariant(id > prev, () => `hint index: ids for ${target} out of order`);
        invariant(id <= this.lastId, 'hint index: id above the last issued id');
        invariant(this.targetOf.get(id) === target, () => `hint index: reverse map disagrees for ${id}`);
        prev = id;
        n++;
      }
    }
    invariant(n === this.targetOf.size, 'hint index: reverse map size differs from the hints held');
  }
}
const EMPTY: ReadonlyMap<number, Hint> = new Map();
