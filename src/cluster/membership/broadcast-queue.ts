/**
 * Pending membership updates waiting to be piggybacked (SWIM §4.1's
 * infection-style dissemination, memberlist's TransmitLimitedQueue).
 *
 * Rules: at most one pending update per member (a newer update about a member
 * replaces the older one, which it supersedes); each take hands out the
 * least-transmitted updates first, newest first among equals; an update is
 * dropped once it has been sent `limit` times. Bounded by the member count.
 */
import type { MemberUpdate } from './messages.js';

interface Entry {
  update: MemberUpdate;
  transmits: number;
  /** Insertion order: larger is newer. */
  id: number;
}

export class BroadcastQueue {
  private readonly byMember = new Map<string, Entry>();
  private nextId = 0;

  /** Queue `update`, replacing any pending update about the same member. O(1). */
  push(update: MemberUpdate): void {
    this.byMember.set(update.member, { update, transmits: 0, id: this.nextId++ });
  }

  /** Pending updates. */
  get size(): number {
    return this.byMember.size;
  }

  /**
   * Up to `max` updates to piggyback on one message, least-sent first; each
   * counts one transmission and is dropped after `limit` of them.
   * O(q log q) for q pending updates.
   */
  take(max: number, limit: number): MemberUpdate[] {
    if (this.byMember.size === 0 || max <= 0) return [];
    const entries = [...this.byMember.values()].sort((a, b) => a.transmits - b.transmits || b.id - a.id);
    const out: MemberUpdate[] = [];
    for (const e of entries.slice(0, max)) {
      out.push(e.update);
      e.transmits++;
      if (e.transmits >= limit) this.byMember.delete(e.update.member);
    }
    return out;
  }

  /** Drop every pending update. O(q). */
  clear(): void {
    this.byMember.clear();
  }
}
