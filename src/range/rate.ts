/**
 * A request rate over an injected clock: a two-bucket sliding window (the
 * estimate Cloudflare's rate limiter uses). The current bucket counts events
 * since its start; the rate is (previous × the part of the window still
 * covered by it + current) / window. O(1) per event, no allocation, no timer.
 */
export class SlidingRate {
  private bucketStartMs: number;
  private readonly bornMs: number;
  private current = 0;
  private previous = 0;

  constructor(
    private readonly windowMs: number,
    nowMs: number,
  ) {
    this.bucketStartMs = nowMs;
    this.bornMs = nowMs;
  }

  private roll(nowMs: number): void {
    const elapsed = nowMs - this.bucketStartMs;
    if (elapsed < this.windowMs) return;
    // One window passed: current becomes previous; two or more: both empty.
    this.previous = elapsed < 2 * this.windowMs ? this.current : 0;
    this.current = 0;
    this.bucketStartMs += Math.floor(elapsed / this.windowMs) * this.windowMs;
  }

  /** Count `n` events at `nowMs`. O(1). */
  add(nowMs: number, n = 1): void {
    this.roll(nowMs);
    this.current += n;
  }

  /**
   * Events per second over the last window ending at `nowMs`. Younger than one
   * window, the rate is over its age (at least a tenth of a window), so a
   * partition just born from a split shows its real rate at once. O(1).
   */
  perSecond(nowMs: number): number {
    this.roll(nowMs);
    const age = nowMs - this.bornMs;
    if (age < this.windowMs) return (this.current * 1000) / Math.max(age, this.windowMs / 10);
    const into = Math.min(1, Math.max(0, (nowMs - this.bucketStartMs) / this.windowMs));
    return ((this.previous * (1 - into) + this.current) * 1000) / this.windowMs;
  }

  /** Add another rate's counts (a merge): both rolled to `nowMs` first. O(1). */
  absorb(other: SlidingRate, nowMs: number): void {
    this.roll(nowMs);
    other.roll(nowMs);
    this.current += other.current;
    this.previous += other.previous;
  }
}
