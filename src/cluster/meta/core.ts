/**
 * The metadata store's core: a state machine without I/O (ARCHITECTURE.md,
 * "Cores without I/O here too"). It keeps keys with their create and mod
 * revisions, one store-wide revision, a bounded history of changes for
 * watches, and leases whose deadlines come from an injected `Clock`.
 *
 * Every change is split in two: `plan*` validates and returns the effects a
 * call would have (without changing anything), `apply` performs them. The
 * durable service writes the effects to its log, syncs, and only then
 * applies them, so what a reader sees is always on disk; replaying the log
 * after a crash is `apply` again. The in-memory store plans and applies at
 * once. Lease renewals (`keepAlive`) are not effects: they change only a
 * deadline in memory (see `restore` for what a restart does to deadlines).
 */
import { CapacityError, InvalidArgumentError, invariant, requireInt } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { CompactedError, LeaseLostError } from './errors.js';
import type { KeyValue, ListResult, PutOptions, WatchEvent, WriteResult } from './types.js';

/** Limits of the core; every one is checked at the edge of each call. */
export interface MetaLimits {
  /** Longest key, in UTF-8 bytes. */
  readonly keyBytesMax: number;
  /** Largest value, in bytes. */
  readonly valueBytesMax: number;
  /** Most changes kept for watches; older ones are compacted. */
  readonly historyMax: number;
  /** Most live leases (CapacityError beyond). */
  readonly leasesMax: number;
  /** Most keys (CapacityError beyond). */
  readonly keysMax: number;
  /** Shortest and longest lease TTL, in milliseconds. */
  readonly ttlMsMin: number;
  readonly ttlMsMax: number;
}

/** The default limits: metadata is small (a map, a few hundred members, a journal). */
export const DEFAULT_META_LIMITS: MetaLimits = {
  keyBytesMax: 1024,
  valueBytesMax: 1024 * 1024,
  historyMax: 10_000,
  leasesMax: 10_000,
  keysMax: 100_000,
  ttlMsMin: 1,
  ttlMsMax: 7 * 24 * 3600 * 1000,
};

/** One change to the store's state, as the durable log records it. */
export type MetaEffect =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array; readonly lease?: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'grant'; readonly lease: string; readonly ttlMs: number }
  | { readonly type: 'end'; readonly lease: string };

/** What a call would return, and the effects that make it so. */
export interface Planned<R> {
  readonly result: R;
  readonly effects: readonly MetaEffect[];
}

/** The state a snapshot holds; `restore` takes it back. Lease deadlines are not part of it. */
export interface MetaState {
  readonly revision: number;
  readonly nextLease: number;
  readonly kvs: readonly KeyValue[];
  readonly leases: readonly { readonly id: string; readonly ttlMs: number }[];
}

interface LeaseState {
  readonly id: string;
  readonly ttlMs: number;
  expiresAtMs: number;
  readonly keys: Set<string>;
}

const utf8 = new TextEncoder();

/**
 * The core. Not thread-safe and not re-entrant; callers serialise calls (one
 * event loop does). Costs: get O(1); put/delete O(1) plus the history push;
 * list O(n log n) over all keys (metadata is small); eventsAfter O(log h + k).
 */
export class MetaCore {
  private readonly kvs = new Map<string, KeyValue>();
  private readonly leases = new Map<string, LeaseState>();
  private readonly history: WatchEvent[] = [];
  private rev = 0;
  private compacted = 0;
  private nextLease = 1;
  readonly limits: MetaLimits;

  constructor(
    private readonly clock: Clock,
    limits: Partial<MetaLimits> = {},
  ) {
    this.limits = { ...DEFAULT_META_LIMITS, ...limits };
    requireInt('historyMax', this.limits.historyMax, 1);
  }

  /** The store's revision: the revision of the last change (0 before any). */
  get revision(): number {
    return this.rev;
  }

  /** Watches may start after this revision or later; earlier ones get CompactedError. */
  get compactRevision(): number {
    return this.compacted;
  }

  /** Number of keys and of live leases. */
  get size(): { keys: number; leases: number } {
    return { keys: this.kvs.size, leases: this.leases.size };
  }

  get(key: string): KeyValue | undefined {
    this.checkKey(key);
    return this.kvs.get(key);
  }

  /** Every key starting with `prefix`, in key order, and the revision they were read at. */
  list(prefix: string): ListResult {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    const kvs = [...this.kvs.values()].filter((kv) => kv.key.startsWith(prefix));
    kvs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision: this.rev };
  }

  /** Plan a put: `ok` false (no effects) when `ifModRevision` does not hold. */
  planPut(key: string, value: Uint8Array, options: PutOptions = {}): Planned<WriteResult> {
    this.checkKey(key);
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('value', value, 'a Uint8Array');
    if (value.length > this.limits.valueBytesMax) throw new InvalidArgumentError('value length', value.length, `at most ${this.limits.valueBytesMax} bytes`);
    const opts = checkOptions(options, true);
    if (opts.lease !== undefined) this.liveLease(opts.lease);
    const current = this.kvs.get(key);
    if (!this.holds(current, opts.ifModRevision)) return { result: { ok: false, revision: this.rev }, effects: [] };
    if (current === undefined && this.kvs.size >= this.limits.keysMax) throw new CapacityError(`the metadata store holds its maximum of ${this.limits.keysMax} keys`);
    const effect: MetaEffect = opts.lease === undefined ? { type: 'put', key, value: value.slice() } : { type: 'put', key, value: value.slice(), lease: opts.lease };
    return { result: { ok: true, revision: this.rev + 1 }, effects: [effect] };
  }

  /** Plan a delete: a missing key without a condition is a no-op that succeeds. */
  planDelete(key: string, options: { readonly ifModRevision?: number } = {}): Planned<WriteResult> {
    this.checkKey(key);
    const opts = checkOptions(options, false);
    const current = this.kvs.get(key);
    if (!this.holds(current, opts.ifModRevision)) return { result: { ok: false, revision: this.rev }, effects: [] };
    if (current === undefined) return { result: { ok: true, revision: this.rev }, effects: [] };
    return { result: { ok: true, revision: this.rev + 1 }, effects: [{ type: 'delete', key }] };
  }

  /** Plan a new lease of `ttlMs`; its id is never reused by this store. */
  planGrant(ttlMs: number): Planned<{ id: string; ttlMs: number }> {
    requireInt('ttlMs', ttlMs, this.limits.ttlMsMin, this.limits.ttlMsMax);
    if (this.leases.size >= this.limits.leasesMax) throw new CapacityError(`the metadata store holds its maximum of ${this.limits.leasesMax} leases`);
    const id = String(this.nextLease);
    return { result: { id, ttlMs }, effects: [{ type: 'grant', lease: id, ttlMs }] };
  }

  /** Plan the end of a lease: its keys deleted, then the lease. LeaseLostError if it is gone. */
  planRevoke(id: string): Planned<{ deleted: number }> {
    const lease = this.liveLease(id);
    return { result: { deleted: lease.keys.size }, effects: endOf(lease) };
  }

  /** Plan the end of every lease whose deadline has passed (`clock.now() ≥ deadline`). */
  planExpire(): Planned<{ expired: string[] }> {
    const now = this.clock.now();
    const expired: string[] = [];
    const effects: MetaEffect[] = [];
    for (const lease of this.leases.values()) {
      if (lease.expiresAtMs > now) continue;
      expired.push(lease.id);
      effects.push(...endOf(lease));
    }
    return { result: { expired }, effects };
  }

  /** The time the next lease expires (ms on the clock), or undefined when there is none. O(leases). */
  nextExpiryMs(): number | undefined {
    let next: number | undefined;
    for (const l of this.leases.values()) if (next === undefined || l.expiresAtMs < next) next = l.expiresAtMs;
    return next;
  }

  /** Renew a lease to a full TTL from now. LeaseLostError if it is gone or its deadline passed. */
  keepAlive(id: string): { ttlMs: number } {
    const lease = this.liveLease(id);
    lease.expiresAtMs = this.clock.now() + lease.ttlMs;
    return { ttlMs: lease.ttlMs };
  }

  /**
   * Perform planned effects, in order; returns the watch events they make.
   * Effects come from `plan*` on this state (or from the log during
   * recovery); an effect that does not fit the state is an InvariantError.
   */
  apply(effects: readonly MetaEffect[]): WatchEvent[] {
    const events: WatchEvent[] = [];
    for (const e of effects) {
      const event = this.applyOne(e);
      if (event !== undefined) events.push(event);
    }
    for (const ev of events) this.history.push(ev);
    const over = this.history.length - this.limits.historyMax;
    if (over > 0) this.compacted = (this.history.splice(0, over).at(-1) as WatchEvent).revision;
    return events;
  }

  /**
   * The changes under `prefix` with revision > `fromRevision`, in order.
   * CompactedError when `fromRevision` < compactRevision.
   */
  eventsAfter(prefix: string, fromRevision: number): WatchEvent[] {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    requireInt('fromRevision', fromRevision, 0);
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid] as WatchEvent).revision <= fromRevision) lo = mid + 1;
      else hi = mid;
    }
    const out: WatchEvent[] = [];
    for (let i = lo; i < this.history.length; i++) {
      const ev = this.history[i] as WatchEvent;
      if (keyOf(ev).startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  /** Drop history up to `revision` (≤ the current revision): watches from before it get CompactedError. */
  compact(revision: number): void {
    requireInt('revision', revision, 0, this.rev);
    if (revision <= this.compacted) return;
    let n = 0;
    while (n < this.history.length && (this.history[n] as WatchEvent).revision <= revision) n++;
    this.history.splice(0, n);
    this.compacted = revision;
  }

  /** The state to snapshot. O(n). */
  state(): MetaState {
    return {
      revision: this.rev,
      nextLease: this.nextLease,
      kvs: [...this.kvs.values()],
      leases: [...this.leases.values()].map((l) => ({ id: l.id, ttlMs: l.ttlMs })),
    };
  }

  /**
   * Load a snapshot into an empty core. Every lease gets a full TTL from now:
   * a restart cannot know how much of a lease was left, and its holder could
   * not renew while the service was down (etcd does the same on a new leader).
   * History starts empty: watches from before the snapshot get CompactedError.
   */
  restore(state: MetaState): void {
    invariant(this.rev === 0 && this.kvs.size === 0 && this.leases.size === 0, 'restore into a core that is not empty');
    const now = this.clock.now();
    for (const l of state.leases) this.leases.set(l.id, { id: l.id, ttlMs: l.ttlMs, expiresAtMs: now + l.ttlMs, keys: new Set() });
    for (const kv of state.kvs) {
      this.kvs.set(kv.key, kv);
      if (kv.lease !== undefined) {
        const lease = this.leases.get(kv.lease);
        invariant(lease !== undefined, () => `snapshot key ${kv.key} names lease ${kv.lease}, which it does not hold`);
        lease.keys.add(kv.key);
      }
    }
    this.rev = state.revision;
    this.compacted = state.revision;
    this.nextLease = state.nextLease;
    this.checkInvariants();
  }

  /** Throw InvariantError when a rule of the state is broken. O(n + h). */
  checkInvariants(): void {
    for (const kv of this.kvs.values()) {
      invariant(kv.createRevision >= 1 && kv.createRevision <= kv.modRevision && kv.modRevision <= this.rev, () => `key ${kv.key}: revisions ${kv.createRevision}/${kv.modRevision} vs store ${this.rev}`);
      if (kv.lease !== undefined) invariant(this.leases.get(kv.lease)?.keys.has(kv.key) === true, () => `key ${kv.key} names lease ${kv.lease}, which does not list it`);
    }
    for (const l of this.leases.values()) {
      invariant(Number(l.id) < this.nextLease, () => `lease ${l.id} not below next id ${this.nextLease}`);
      for (const k of l.keys) invariant(this.kvs.get(k)?.lease === l.id, () => `lease ${l.id} lists key ${k}, which is not attached to it`);
    }
    invariant(this.history.length <= this.limits.historyMax, 'history over its bound');
    let prev = this.compacted;
    for (const ev of this.history) {
      invariant(ev.revision > prev && ev.revision <= this.rev, () => `history revision ${ev.revision} after ${prev} (store ${this.rev})`);
      prev = ev.revision;
    }
  }

  private applyOne(e: MetaEffect): WatchEvent | undefined {
    switch (e.type) {
      case 'put': {
        const current = this.kvs.get(e.key);
        if (current?.lease !== undefined) this.leases.get(current.lease)?.keys.delete(e.key);
        const revision = ++this.rev;
        const kv: KeyValue = { key: e.key, value: e.value, createRevision: current?.createRevision ?? revision, modRevision: revision, ...(e.lease === undefined ? {} : { lease: e.lease }) };
        if (e.lease !== undefined) {
          const lease = this.leases.get(e.lease);
          invariant(lease !== undefined, () => `put of ${e.key} names lease ${e.lease}, which does not exist`);
          lease.keys.add(e.key);
        }
        this.kvs.set(e.key, kv);
        return { type: 'put', kv, revision };
      }
      case 'delete': {
        const current = this.kvs.get(e.key);
        invariant(current !== undefined, () => `delete of missing key ${e.key}`);
        if (current.lease !== undefined) this.leases.get(current.lease)?.keys.delete(e.key);
        this.kvs.delete(e.key);
        return { type: 'delete', key: e.key, revision: ++this.rev };
      }
      case 'grant':
        invariant(!this.leases.has(e.lease), () => `grant of existing lease ${e.lease}`);
        this.leases.set(e.lease, { id: e.lease, ttlMs: e.ttlMs, expiresAtMs: this.clock.now() + e.ttlMs, keys: new Set() });
        this.nextLease = Math.max(this.nextLease, Number(e.lease) + 1);
        return undefined;
      case 'end': {
        const lease = this.leases.get(e.lease);
        invariant(lease !== undefined && lease.keys.size === 0, () => `end of lease ${e.lease}, which is missing or still holds keys`);
        this.leases.delete(e.lease);
        return undefined;
      }
    }
  }

  private liveLease(id: string): LeaseState {
    if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('lease', id, 'a lease id from grantLease');
    const lease = this.leases.get(id);
    if (lease === undefined || lease.expiresAtMs <= this.clock.now()) throw new LeaseLostError(id);
    return lease;
  }

  private holds(current: KeyValue | undefined, ifModRevision: number | undefined): boolean {
    if (ifModRevision === undefined) return true;
    return ifModRevision === 0 ? current === undefined : current?.modRevision === ifModRevision;
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError('key', key, 'a non-empty string');
    const bytes = utf8.encode(key).length;
    if (bytes > this.limits.keyBytesMax) throw new InvalidArgumentError('key length', bytes, `at most ${this.limits.keyBytesMax} UTF-8 bytes`);
  }
}

function checkOptions(options: PutOptions, allowLease: boolean): PutOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object');
  if (options.ifModRevision !== undefined) requireInt('ifModRevision', options.ifModRevision, 0);
  if (options.lease !== undefined && !allowLease) throw new InvalidArgumentError('lease', options.lease, 'no lease on a delete');
  return options;
}

function endOf(lease: LeaseState): MetaEffect[] {
  const keys = [...lease.keys].sort();
  return [...keys.map((key): MetaEffect => ({ type: 'delete', key })), { type: 'end', lease: lease.id }];
}

/** The key a watch event is about. */
export function keyOf(ev: WatchEvent): string {
  return ev.type === 'put' ? ev.kv.key : ev.key;
}
