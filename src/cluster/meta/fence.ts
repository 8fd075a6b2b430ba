/**
 * Fencing deadline of a lease, on the holder's own clock (issue: "a node that
 * cannot renew its lease stops accepting writes before the lease can have
 * expired on the server"). The server starts a lease's TTL when it *receives*
 * a grant or renewal, which is after the holder *sent* it; so
 * `sentAt + ttl − margin` is a deadline the server-side expiry cannot come
 * before (the margin covers clock-rate drift). The holder checks
 * `validUntilMs > now` on the same clock before accepting a write.
 */
import { requireInt } from '../../errors.js';

/** The holder's monotonic clock, ms: `performance.now()` (never jumps with wall time). */
export const monotonicMs = (): number => performance.now();

/**
 * The local deadline of one lease. Cost O(1). Rule of use: call `sending()`
 * right before each grant or renewal request and `renewed(token)` when it
 * succeeded; `lost()` when the service said the lease is gone.
 */
export class LeaseDeadline {
  private until: number;
  private lostFlag = false;
  constructor(
    private readonly ttlMs: number,
    private readonly marginMs: number,
    private readonly now: () => number = monotonicMs,
  ) {
    requireInt('marginMs', marginMs, 0, Math.max(0, ttlMs - 1));
    this.until = -Infinity;
  }

  /** The local deadline (ms on `now`'s clock); −Infinity before the first success and after loss. */
  get validUntilMs(): number {
    return this.until;
  }

  /** Note the send time of a grant or renewal request; pass the result to `renewed`. */
  sending(): number {
    return this.now();
  }

  /** The request sent at `sentAtMs` succeeded: the deadline moves to sentAt + ttl − margin (never backwards). */
  renewed(sentAtMs: number): void {
    if (this.lostFlag) return;
    this.until = Math.max(this.until, sentAtMs + this.ttlMs - this.marginMs);
  }

  /** The service said the lease is gone: the deadline is in the past for good. */
  lost(): void {
    this.lostFlag = true;
    this.until = -Infinity;
  }
}

/** The default fencing margin for a TTL: a tenth of it, at least 1 ms when the TTL allows. */
export function defaultMarginMs(ttlMs: number): number {
  return Math.min(Math.max(1, Math.floor(ttlMs / 10)), Math.max(0, ttlMs - 1));
}
