/**
 * The cluster map from the metadata service (`--meta <url>`), through the
 * MetaStore interface: list-then-watch the `map` key under the cluster's
 * prefix (a newer epoch replaces the node's map), and register the node as
 * `members/<id>` attached to a lease kept alive every `ttlMs / 3`. A lost
 * lease is granted again and the registration rewritten; a compacted watch
 * lists again and resumes from the list's revision; any other watch error is
 * retried after `retryMs`. Every write names what it is for; nothing here
 * blocks the node's serving path.
 *
 * Fencing (`writableUntilMs`): the registration lease's deadline on this
 * process's monotonic clock, send time of the last successful grant or
 * renewal + TTL − margin (`LeaseDeadline`), so the node stops accepting
 * writes before the lease can have expired on the service, whichever store
 * holds it. Before the first registration and after the service said the
 * lease is gone, the deadline is in the past.
 */
import { StateError } from '../../errors.js';
import { connectMeta } from '../meta/connect.js';
import { CompactedError } from '../meta/errors.js';
import { LeaseDeadline, defaultMarginMs } from '../meta/fence.js';
import { META_KEYS, type Lease, type MetaStore, type Watch } from '../meta/types.js';
import { type ClusterMap, decodeMap } from '../map.js';
import type { MapSource } from './map-source.js';

/** Where a cluster's keys live in the metadata service, by default. */
export const DEFAULT_META_PREFIX = '/shardkit/default/';

/** Options of a MetaMapSource. */
export interface MetaMapSourceOptions {
  /** Key prefix of the cluster (default `/shardkit/default/`). */
  readonly prefix?: string;
  /** Lease of the member registration (default 10 s). */
  readonly leaseTtlMs?: number;
  /** Fencing margin: writes stop this long before the lease could expire (default a tenth of the TTL). */
  readonly leaseMarginMs?: number;
  /** Delay before a failed watch or keep-alive is retried (default 500 ms). */
  readonly retryMs?: number;
  /** A description for logs (default the store's URL). */
  readonly label?: string;
  /** Close the store on close (true when `connect` made it). */
  readonly ownsStore?: boolean;
}

/** A MapSource over any MetaStore. */
export class MetaMapSource implements MapSource {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private revision = 0;
  private epoch = 0;
  private watchHandle: Watch | undefined;
  private lease: Lease | undefined;
  private member: { readonly key: string; readonly value: Uint8Array } | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private deadline: LeaseDeadline;

  constructor(
    private readonly store: MetaStore,
    private readonly options: MetaMapSourceOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_META_PREFIX;
    this.ttlMs = options.leaseTtlMs ?? 10_000;
    this.retryMs = options.retryMs ?? 500;
    this.deadline = new LeaseDeadline(this.ttlMs, options.leaseMarginMs ?? defaultMarginMs(this.ttlMs));
  }

  writableUntilMs(): number {
    return this.deadline.validUntilMs;
  }

  /** A source over the service at `url` (connectMeta validates the address). */
  static async connect(url: string, options: MetaMapSourceOptions = {}): Promise<MapSource> {
    return new MetaMapSource(connectMeta(url), { label: url, ownsStore: true, ...options });
  }

  private get mapKey(): string {
    return this.prefix + META_KEYS.map;
  }

  async load(): Promise<ClusterMap> {
    const listed = await this.store.list(this.mapKey);
    const kv = listed.kvs.find((k) => k.key === this.mapKey);
    if (kv === undefined) throw new StateError(`no cluster map at ${this.mapKey} in the metadata service ${this.describe()}; write one first (shardkit cluster up does)`, { retriable: true });
    this.revision = listed.revision;
    const map = decodeMap(kv.value);
    this.epoch = map.epoch;
    return map;
  }

  watch(onMap: (map: ClusterMap) => void): void {
    if (this.closed) return;
    this.watchHandle = this.store.watch(this.mapKey, this.revision, {
      onEvents: (events) => {
        for (const e of events) {
          this.revision = Math.max(this.revision, e.revision);
          if (e.type !== 'put' || e.kv.key !== this.mapKey) continue;
          try {
            const map = decodeMap(e.kv.value);
            if (map.epoch > this.epoch) {
              this.epoch = map.epoch;
              onMap(map);
            }
          } catch (err) {
            process.stderr.write(`ignoring an invalid cluster map at revision ${e.revision}: ${(err as Error).message}\n`);
          }
        }
      },
      onError: (err) => {
        if (this.closed) return;
        this.retryTimer = setTimeout(() => {
          const resume = err instanceof CompactedError ? this.load().then(onMap) : Promise.resolve();
          resume.then(
            () => this.watch(onMap),
            () => this.watch(onMap),
          );
        }, this.retryMs);
      },
    });
  }

  async register(info: { readonly id: string; readonly host: string; readonly port: number; readonly pid: number }): Promise<void> {
    const value = new TextEncoder().encode(JSON.stringify({ id: info.id, host: info.host, port: info.port, state: 'up', pid: info.pid }));
    this.member = { key: `${this.prefix}${META_KEYS.membersPrefix}${info.id}`, value };
    await this.writeRegistration();
    this.keepAliveTimer = setInterval(() => void this.keepAlive(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.keepAliveTimer.unref();
  }

  private async writeRegistration(): Promise<void> {
    const m = this.member as { key: string; value: Uint8Array };
    const deadline = new LeaseDeadline(this.ttlMs, this.options.leaseMarginMs ?? defaultMarginMs(this.ttlMs));
    const sent = deadline.sending();
    const lease = await this.store.grantLease(this.ttlMs);
    await this.store.put(m.key, m.value, { lease: lease.id });
    deadline.renewed(sent);
    this.lease = lease;
    this.deadline = deadline;
  }

  private async keepAlive(): Promise<void> {
    if (this.closed || this.lease === undefined) return;
    const lease = this.lease;
    const deadline = this.deadline;
    const sent = deadline.sending();
    try {
      await lease.keepAlive();
      if (this.lease === lease) deadline.renewed(sent);
    } catch {
      // The lease is gone (or the service was unreachable past it): register again.
      // The deadline is not moved: it runs out by itself while the service is away.
      try {
        if (!this.closed) await this.writeRegistration();
      } catch (e) {
        process.stderr.write(`member registration failed, will retry: ${(e as Error).message}\n`);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.watchHandle?.close();
    try {
      await this.lease?.revoke();
    } catch {
      // the lease may already be gone; the registration ends with it either way
    }
    if (this.options.ownsStore) await this.store.close();
  }

  describe(): string {
    return `meta ${this.options.label ?? 'store'} ${this.prefix}`;
  }
}
