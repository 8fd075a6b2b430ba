/**
 * Versions of replicated values (DDIA ch. 5, "Detecting Concurrent Writes").
 *
 * A version is a Lamport timestamp: a counter plus the id of the coordinator
 * that issued it. Each coordinator keeps its own counter, bumps it for every
 * write and raises it to any counter it observes on replicas (reads, write
 * acknowledgements), so a write issued after a coordinator has seen version v
 * always carries a larger counter than v. Two coordinators never issue the
 * same version because their ids differ.
 *
 * **Concurrency and the resolution rule (last-writer-wins by version).** Two
 * versions with the same counter and different coordinators were issued
 * without either coordinator having seen the other: they are *concurrent*,
 * and replicas detect and count that case. Every pair of versions is ordered
 * by one deterministic rule, the same on every node:
 *
 *   1. the larger counter wins;
 *   2. on equal counters, the larger coordinator id wins (UTF-16 code-unit
 *      order, i.e. JavaScript's `<` on strings).
 *
 * The losing value is discarded, as in Cassandra and Riak with
 * `last_write_wins`. Lamport counters cannot prove that two writes with
 * *different* counters were causally ordered; such writes are resolved by
 * rule 1 without being counted as concurrent. Keeping siblings (version
 * vectors) is out of scope for this module.
 */
import { InvalidArgumentError, describeThrown } from '../errors.js';

/** A Lamport timestamp: `counter` ≥ 1 issued by coordinator `coordinator`. */
export interface Version {
  readonly counter: number;
  readonly coordinator: string;
}

/**
 * Total order of versions (the LWW rule above): negative when `a` is older
 * than `b`, 0 when equal, positive when newer. O(length of the ids) at worst.
 */
export function compareVersions(a: Version, b: Version): number {
  assertVersion(a, 'version');
  assertVersion(b, 'version');
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.coordinator === b.coordinator) return 0;
  return a.coordinator < b.coordinator ? -1 : 1;
}

/** True when `a` and `b` were issued concurrently: same counter, different coordinators. O(1). */
export function areConcurrent(a: Version, b: Version): boolean {
  assertVersion(a, 'version');
  assertVersion(b, 'version');
  return a.counter === b.counter && a.coordinator !== b.coordinator;
}

/** The newer of two versions by the LWW rule (`a` when equal). O(1). */
export function newerVersion(a: Version, b: Version): Version {
  return compareVersions(a, b) >= 0 ? a : b;
}

/** `counter@coordinator`, for reports and error messages. */
export function formatVersion(v: Version): string {
  assertVersion(v);
  return `${v.counter}@${v.coordinator}`;
}

/** Validate a version from outside (files, network): positive integer counter, non-empty coordinator id. */
export function assertVersion(v: unknown, parameter = 'version'): asserts v is Version {
  readVersion(v, parameter);
}

/**
 * A validated copy of a version from outside, each field read once (a getter
 * cannot answer differently the second time; one that throws, or a proxy
 * trap, is an InvalidArgumentError). O(1).
 */
export function readVersion(v: unknown, parameter = 'version'): Version {
  const allowed = '{ counter: integer ≥ 1, coordinator: non-empty string }';
  if (typeof parameter !== 'string') throw new InvalidArgumentError('parameter', parameter, 'a parameter name (a string)');
  if (v === null || typeof v !== 'object') throw new InvalidArgumentError(parameter, v, allowed);
  let counter: unknown;
  let coordinator: unknown;
  try {
    ({ counter, coordinator } = v as Partial<Version>);
  } catch (e) {
    throw new InvalidArgumentError(parameter, v, `${allowed} whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1 || typeof coordinator !== 'string' || coordinator.length === 0) {
    throw new InvalidArgumentError(parameter, v, allowed);
  }
  return { counter, coordinator };
}

/**
 * A coordinator's Lamport clock: `next()` issues a version strictly newer
 * than every version issued or observed so far by this clock. O(1).
 */
export class LamportClock {
  private counter = 0;
  constructor(readonly coordinator: string) {
    if (typeof coordinator !== 'string' || coordinator.length === 0) {
      throw new InvalidArgumentError('coordinator id', coordinator, 'a non-empty string');
    }
  }
  /** The last counter issued or observed. */
  get current(): number {
    return this.counter;
  }
  /** Issue the next version. */
  next(): Version {
    this.counter += 1;
    return { counter: this.counter, coordinator: this.coordinator };
  }
  /** Raise the counter to at least `v.counter`, so later versions are newer than `v`. */
  observe(v: Version): void {
    const { counter } = readVersion(v);
    if (counter > this.counter) this.counter = counter;
  }
}
