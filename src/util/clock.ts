/**
 * Time for protocol cores is a parameter (ARCHITECTURE.md, principle 3): cores
 * take a `Clock` (milliseconds) so tests and simulations control time.
 */
export interface Clock {
  /** Current time in milliseconds. */
  now(): number;
}

/** A clock moved by hand: for tests and deterministic simulations. */
export class ManualClock implements Clock {
  private t: number;
  constructor(startMs = 0) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  /** Move time forward by `ms` (≥ 0). */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    this.t += ms;
    return this.t;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** Wall-clock time, for adapters at the edge (CLI, storage, network). */
// eslint-disable-next-line no-restricted-properties -- the one place wall time enters, for edge adapters
export const systemClock: Clock = { now: () => Date.now() };
