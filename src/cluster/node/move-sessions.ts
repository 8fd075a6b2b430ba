/**
 * The change streams of moves out of this node. A move's executor opens a
 * session over partitions first … last (SK.MOVE.BEGIN) before it copies them;
 * from then on every write the store queues to those partitions is appended
 * to the session, in order, as the full new record (or a deletion), so
 * replaying the stream over any copy taken after the session opened ends in
 * the source's state, whatever order the copy and the writes interleaved in.
 * The executor reads the stream from an absolute index (SK.MOVE.CHANGES
 * <from>): entries before `from` are dropped then, so an answer lost on the
 * way is asked for again rather than lost.
 *
 * In memory only: a restarted node has no sessions, and the executor, told
 * NOSESSION, starts the move's copy again. Bounded: at most
 * `maxSessions` sessions and `maxBytes` of unread entries per session; a
 * session over its bound is broken (NOSESSION with the reason), never
 * silently shortened.
 */

/** One recorded write. */
export interface Change {
  readonly key: Buffer;
  /** The stored record, or null for a deletion. */
  readonly value: Buffer | null;
}

interface Session {
  readonly first: number;
  readonly last: number;
  readonly entries: Change[];
  /** Absolute index of entries[0]. */
  base: number;
  bytes: number;
  broken: string | undefined;
}

/** Default bound on a session's unread bytes. */
export const MOVE_SESSION_BYTES_MAX = 256 * 1024 * 1024;
/** Default bound on sessions at once. */
export const MOVE_SESSIONS_MAX = 16;
/** Bytes an entry costs beyond its key and value (bookkeeping), for the bound. */
const ENTRY_OVERHEAD_BYTES = 64;

/** What SK.MOVE.CHANGES returns. */
export interface ChangesRead {
  /** Absolute index after the last entry returned: the next `from`. */
  readonly next: number;
  /** Entries recorded in all (absolute index of the next write to come). */
  readonly total: number;
  readonly entries: readonly Change[];
}

/** The sessions of one node. Single-threaded use from the node's event loop. */
export class MoveSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly maxSessions = MOVE_SESSIONS_MAX,
    private readonly maxBytes = MOVE_SESSION_BYTES_MAX,
  ) {}

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Open session `id` over partitions first … last (an open session of that id
   * starts again, empty). Returns an error text when too many are open.
   */
  begin(id: string, first: number, last: number): string | undefined {
    if (!this.sessions.has(id) && this.sessions.size >= this.maxSessions) return `too many move sessions open (${this.maxSessions}); end one first`;
    this.sessions.set(id, { first, last, entries: [], base: 0, bytes: 0, broken: undefined });
    return undefined;
  }

  /** The store's write tap: append the write to every session covering its partition. O(sessions). */
  record(key: Buffer, value: Buffer | null): void {
    if (this.sessions.size === 0 || key.length < 4) return;
    const p = key.readUInt32BE(0);
    for (const s of this.sessions.values()) {
      if (p < s.first || p > s.last || s.broken !== undefined) continue;
      s.entries.push({ key, value });
      s.bytes += key.length + (value?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
      if (s.bytes > this.maxBytes) {
        s.broken = `its change stream passed ${this.maxBytes} unread bytes (the copy is not keeping up with the writes)`;
        s.entries.length = 0;
      }
    }
  }

  /**
   * Entries from absolute index `from` (those before it are dropped), at most
   * about `maxBytes` of them (at least one when any wait). An error text when
   * the session is unknown, broken, or `from` is not between the oldest
   * entry kept and the newest.
   */
  read(id: string, from: number, maxBytes: number): ChangesRead | string {
    const s = this.sessions.get(id);
    if (s === undefined) return `no move session ${id} on this node (it restarted, or the session ended)`;
    if (s.broken !== undefined) return `move session ${id} is broken: ${s.broken}`;
    const total = s.base + s.entries.length;
    if (from < s.base || from > total) return `move session ${id}: entries from ${from} asked for, but it holds ${s.base} … ${total}`;
    const drop = from - s.base;
    for (let i = 0; i < drop; i++) {
      const e = s.entries[i] as Change;
      s.bytes -= e.key.length + (e.value?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
    }
    if (drop > 0) s.entries.splice(0, drop);
    s.base = from;
    const out: Change[] = [];
    let bytes = 0;
    for (const e of s.entries) {
      if (out.length > 0 && bytes + e.key.length + (e.value?.length ?? 0) > maxBytes) break;
      out.push(e);
      bytes += e.key.length + (e.value?.length ?? 0);
    }
    return { next: from + out.length, total, entries: out };
  }

  /** Close session `id` (no-op when unknown). */
  end(id: string): void {
    this.sessions.delete(id);
  }
}
