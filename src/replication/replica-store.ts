/**
 * Node storage for replicated values, behind an interface so the coordinator
 * runs the same over memory (tests, simulation, benchmarks) and over a real
 * store later (the networked cluster).
 */
import { type Version, areConcurrent, compareVersions, readVersion } from './version.js';
import { InvalidArgumentError, describeThrown, invariant } from '../errors.js';

/** A validated copy of a versioned value from outside, each field read once. O(1). */
export function readVersioned(v: unknown, parameter = 'versioned value'): Versioned {
  const allowed = '{ value: string, version: { counter, coordinator } }';
  if (v === null || typeof v !== 'object') throw new InvalidArgumentError(parameter, v, allowed);
  let value: unknown;
  let version: unknown;
  try {
    ({ value, version } = v as Partial<Versioned>);
  } catch (e) {
    throw new InvalidArgumentError(parameter, v, `${allowed} whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
  if (typeof value !== 'string') throw new InvalidArgumentError(`${parameter}.value`, value, 'a string');
  return { value, version: readVersion(version, `${parameter}.version`) };
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
}

/** A value and the version that wrote it. */
export interface Versioned {
  readonly value: string;
  readonly version: Version;
}

/**
 * What a replica did with a put (newest wins):
 * - `applied`: stored; the replica had nothing or an older version;
 * - `same`: the replica already had exactly this version;
 * - `superseded`: the replica already had a newer version and kept it.
 */
export type PutOutcome = 'applied' | 'same' | 'superseded';

/** The result of `ReplicaStore.put`. */
export interface PutResult {
  readonly outcome: PutOutcome;
  /** The version held before the put (undefined when the key was missing). */
  readonly previous: Version | undefined;
  /** The put and the held version were concurrent (equal counters, different coordinators). */
  readonly concurrent: boolean;
}

/** One node's copy of the data. */
export interface ReplicaStore {
  /** Number of keys held. */
  readonly size: number;
  /** The value held for `key`, or undefined. */
  get(key: string): Versioned | undefined;
  /** Store `v` unless the held version is newer or equal (last-writer-wins, see version.ts). */
  put(key: string, v: Versioned): PutResult;
  /** Every key held, in insertion order. */
  keys(): IterableIterator<string>;
  /** Throws InvariantError when a rule is broken. */
  checkInvariants(): void;
}

/** Newest-wins decision shared by every ReplicaStore implementation. O(1). */
export function decidePut(held: Versioned | undefined, v: Versioned): PutResult {
  readVersioned(v);
  if (held === undefined) return APPLIED_NEW;
  readVersioned(held, 'held value');
  const c = compareVersions(v.version, held.version);
  return {
    outcome: c > 0 ? 'applied' : c === 0 ? 'same' : 'superseded',
    previous: held.version,
    concurrent: areConcurrent(v.version, held.version),
  };
}

/**
 * A Map-backed replica: O(1) get and put, one hash lookup per put (an
 * update rewrites the held entry in place). About 150 bytes per key plus the
 * value. `get` returns the live entry: read it, do not keep it across puts.
 */
export class MemoryReplicaStore implements ReplicaStore {
  private readonly data = new Map<string, { value: string; version: Version }>();

  get size(): number {
    return this.data.size;
  }

  get(key: string): Versioned | undefined {
    assertKey(key);
    return this.data.get(key);
  }

  put(key: string, given: Versioned): PutResult {
    assertKey(key);
    const v = readVersioned(given);
    const held = this.data.get(key);
    if (held === undefined) {
      this.data.set(key, { value: v.value, version: v.version });
      return APPLIED_NEW;
    }
    const r = decidePut(held, v);
    if (r.outcome === 'applied') {
      held.value = v.value;
      held.version = v.version;
    }
    return r;
  }

  keys(): IterableIterator<string> {
    return this.data.keys();
  }

  checkInvariants(): void {
    for (const [k, v] of this.data) {
      invariant(typeof k === 'string', 'replica store: non-string key');
      invariant(typeof v.value === 'string' && v.version.counter >= 1 && v.version.coordinator.length > 0, () => `replica store: bad entry for ${JSON.stringify(k)}`);
    }
  }
}

const APPLIED_NEW: PutResult = Object.freeze({ outcome: 'applied', previous: undefined, concurrent: false });
