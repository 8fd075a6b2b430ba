/**
 * `MemoryMetaStore`: the MetaStore in this process, over the core
 * (./core.ts). For tests, simulations and single-process tools; it keeps
 * nothing on disk. The only I/O-like parts are here: an optional timer that
 * expires leases, and watch callbacks delivered on the microtask queue (never
 * inside the call that made the change).
 */
import { InvalidArgumentError, StateError, requireInt } from '../../errors.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { MetaCore, type MetaEffect, type MetaLimits, keyOf } from './core.js';
import { LeaseLostError } from './errors.js';
import type { KeyValue, Lease, ListResult, MetaStore, PutOptions, Watch, WatchEvent, WatchHandlers, WriteResult } from './types.js';

export { MetaCore, type MetaEffect, type MetaLimits, type MetaState, type Planned, DEFAULT_META_LIMITS } from './core.js';

/** Options of a MemoryMetaStore. */
export interface MemoryMetaStoreOptions {
  /** Time for lease deadlines (default: wall clock). Tests pass a ManualClock and call `tick()`. */
  readonly clock?: Clock;
  /** How often the store expires leases by itself, in ms; 0 = never (call `tick()`). Default 100. */
  readonly tickIntervalMs?: number;
  readonly limits?: Partial<MetaLimits>;
  /** Start from this core (e.g. one recovered from disk) instead of an empty one. */
  readonly core?: MetaCore;
  /**
   * The durable service's hooks: `persist` runs before every change is
   * applied and must make it durable or throw (then nothing is applied and
   * the call rejects); `applied` runs after (e.g. to write a snapshot).
   */
  readonly durable?: { persist(effects: readonly MetaEffect[]): void; applied(): void };
}

/** One watch: its prefix, what it delivered last, and events not yet delivered. */
interface Watcher {
  readonly prefix: string;
  readonly handlers: WatchHandlers;
  pending: WatchEvent[];
  scheduled: boolean;
  closed: boolean;
}

/**
 * A MetaStore in memory. Calls are applied at once (plan then apply on the
 * core), watch events are fanned out to every matching watch in revision
 * order. Not durable: use the `shardkit meta` service for that.
 */
export class MemoryMetaStore implements MetaStore {
  readonly core: MetaCore;
  private readonly watchers = new Set<Watcher>();
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private readonly durable: MemoryMetaStoreOptions['durable'];
  private readonly clock: Clock;

  constructor(options: MemoryMetaStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.core = options.core ?? new MetaCore(this.clock, options.limits);
    this.durable = options.durable;
    const every = options.tickIntervalMs ?? 100;
    this.timer = every > 0 ? setInterval(() => this.tick(), every) : undefined;
    this.timer?.unref();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.open();
    return this.core.get(key);
  }

  async list(prefix: string): Promise<ListResult> {
    this.open();
    return this.core.list(prefix);
  }

  async put(key: string, value: Uint8Array, options?: PutOptions): Promise<WriteResult> {
    this.open();
    const planned = this.core.planPut(key, value, options);
    this.commit(planned.effects);
    return planned.result;
  }

  async delete(key: string, options?: { readonly ifModRevision?: number }): Promise<WriteResult> {
    this.open();
    const planned = this.core.planDelete(key, options);
    this.commit(planned.effects);
    return planned.result;
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    this.open();
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    requireInt('fromRevision', fromRevision, 0);
    const w: Watcher = { prefix, handlers, pending: [], scheduled: false, closed: false };
    let backlog: WatchEvent[];
    try {
      backlog = this.core.eventsAfter(prefix, fromRevision);
    } catch (e) {
      queueMicrotask(() => {
        if (!w.closed) handlers.onError(e as Error);
      });
      return { close: () => void (w.closed = true) };
    }
    this.watchers.add(w);
    this.enqueue(w, backlog);
    return {
      close: () => {
        w.closed = true;
        this.watchers.delete(w);
      },
    };
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    this.open();
    const planned = this.core.planGrant(ttlMs);
    this.commit(planned.effects);
    const { id } = planned.result;
    return { id, ttlMs, keepAlive: async () => void this.keepAliveLease(id), revoke: async () => this.revokeLease(id) };
  }

  /** Renew lease `id` (by id: the service's handler). LeaseLostError when it is gone. */
  keepAliveLease(id: string): { ttlMs: number } {
    this.open();
    return this.core.keepAlive(id);
  }

  /** End lease `id` and delete its keys; a lease already gone is not an error (revoke is idempotent). */
  revokeLease(id: string): void {
    this.open();
    try {
      this.commit(this.core.planRevoke(id).effects);
    } catch (e) {
      if (!(e instanceof LeaseLostError)) throw e;
    }
  }

  /** Expire the leases whose deadline has passed; returns their ids. The timer calls this. */
  tick(): string[] {
    if (this.closed) return [];
    if ((this.core.nextExpiryMs() ?? Infinity) > this.clock.now()) return [];
    const planned = this.core.planExpire();
    this.commit(planned.effects);
    return planned.result.expired;
  }

  /** Drop watch history up to `revision` (tests and operators). */
  compact(revision: number): void {
    this.core.compact(revision);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const w of this.watchers) w.closed = true;
    this.watchers.clear();
  }

  private commit(effects: readonly MetaEffect[]): void {
    if (effects.length === 0) return;
    this.durable?.persist(effects);
    const events = this.core.apply(effects);
    this.durable?.applied();
    if (events.length === 0) return;
    for (const w of this.watchers) this.enqueue(w, events.filter((ev) => keyOf(ev).startsWith(w.prefix)));
  }

  private enqueue(w: Watcher, events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    w.pending.push(...events);
    if (w.scheduled) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      const batch = w.pending;
      w.pending = [];
      if (!w.closed && batch.length > 0) w.handlers.onEvents(batch);
    });
  }

  private open(): void {
    if (this.closed) throw new StateError('the metadata store is closed', { code: 'CLOSED' });
  }
}
