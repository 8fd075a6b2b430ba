/**
 * `EtcdMetaStore`: the MetaStore on etcd (v3 API, through the `etcd3`
 * client). The interface's model is etcd's, so the mapping is direct: keys
 * live under a root prefix; the store revision is etcd's revision;
 * compare-and-set is a transaction on the key's mod revision (ifModRevision 0
 * = create revision 0, i.e. absent); a watch is an etcd watch from
 * `fromRevision + 1`, reopened by itself from the last revision it delivered
 * when its stream breaks, and ended with CompactedError when etcd answers that
 * the revision is compacted (ErrCompacted); leases are etcd leases, renewed
 * only when the holder calls `keepAlive()` (no background renewal: the holder
 * decides it is alive), which checks the server's answer itself (a TTL of 0
 * means the lease is gone) and rejects with LeaseLostError.
 *
 * etcd leases have a TTL in whole seconds with a server minimum (1.5 election
 * timeouts): a lease lasts at least ceil(ttlMs / 1000) s on the server. The
 * local fencing deadline (`validUntilMs`) uses the requested ttlMs, which is
 * never longer. Costs: one round trip per call; list is one range read.
 */
import { Etcd3, EtcdLeaseInvalidError, GRPCUnavailableError, type IKeyValue, type IWatchResponse } from 'etcd3';
import { InvalidArgumentError, ShardkitError, StateError } from '../../../errors.js';
import { systemClock } from '../../../util/clock.js';
import { DEFAULT_META_LIMITS } from '../core.js';
import { CompactedError, LeaseLostError, MetaUnavailableError } from '../errors.js';
import { LeaseDeadline, defaultMarginMs, monotonicMs } from '../fence.js';
import type { KeyValue, Lease, ListResult, MetaStore, PutOptions, Watch, WatchEvent, WatchHandlers, WriteResult } from '../types.js';
import { checkKey, checkTtl, checkValue, checkWatch, checkWriteOptions } from '../validate.js';

/** Options of an EtcdMetaStore. */
export interface EtcdMetaOptions {
  /** Prefix of every key in etcd (the interface's keys are below it). Default ''. */
  readonly root?: string;
  /** Time one call may take before it fails with MetaUnavailableError, ms. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Time a watch may spend reconnecting before it ends with MetaUnavailableError, ms. Default 10000. */
  readonly retryBudgetMs?: number;
  /** Fencing margin of a lease's local deadline, ms. Default: a tenth of the TTL. */
  readonly leaseMarginMs?: number;
}

/** The largest value: etcd's default request limit is 1.5 MiB; the interface's is 1 MiB. */
const VALUE_BYTES_MAX = DEFAULT_META_LIMITS.valueBytesMax;

/** The lease a session holds, with its local fencing deadline. */
export interface FencedLease extends Lease {
  readonly validUntilMs: number;
}

export class EtcdMetaStore implements MetaStore {
  readonly client: Etcd3;
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  private readonly marginMs: number | undefined;
  private readonly watches = new Set<EtcdWatch>();
  private closed = false;

  /** `hosts`: etcd client URLs (`http://host:port`). Connects lazily. */
  constructor(hosts: string | string[], options: EtcdMetaOptions = {}) {
    this.root = options.root ?? '';
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.budgetMs = options.retryBudgetMs ?? 10_000;
    this.marginMs = options.leaseMarginMs;
    this.client = new Etcd3({ hosts, dialTimeout: this.timeoutMs, defaultCallOptions: () => ({ deadline: systemClock.now() + this.timeoutMs /* gRPC deadlines are wall time */ }) });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    const res = await this.call('get', true, () => this.client.kv.range({ key: this.full(key) }));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : this.toKv(kv);
  }

  async list(prefix: string): Promise<ListResult> {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    const res = await this.call('list', true, () => this.client.kv.range(this.range(prefix)));
    return { kvs: res.kvs.map((kv) => this.toKv(kv)), revision: Number(res.header.revision) };
  }

  async put(key: string, value: Uint8Array, options?: PutOptions): Promise<WriteResult> {
    checkKey(key);
    checkValue(value, VALUE_BYTES_MAX);
    const o = checkWriteOptions(options, true);
    const lease = o.lease === undefined ? '0' : leaseNumber(o.lease);
    const request_put = { key: this.full(key), value: Buffer.from(value), lease };
    const res = await this.call('put', false, () => this.client.kv.txn({ compare: this.condition(key, o.ifModRevision), success: [{ request_put }], failure: [] }), o.lease);
    return { ok: res.succeeded, revision: Number(res.header.revision) };
  }

  async delete(key: string, options?: { readonly ifModRevision?: number }): Promise<WriteResult> {
    checkKey(key);
    const o = checkWriteOptions(options, false);
    const request_delete_range = { key: this.full(key) };
    const res = await this.call('delete', false, () => this.client.kv.txn({ compare: this.condition(key, o.ifModRevision), success: [{ request_delete_range }], failure: [] }));
    return { ok: res.succeeded, revision: Number(res.header.revision) };
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    checkWatch(prefix, fromRevision);
    this.open();
    const w = new EtcdWatch(this, this.range(prefix), fromRevision, handlers, this.budgetMs, () => this.watches.delete(w));
    this.watches.add(w);
    return w;
  }

  async grantLease(ttlMs: number): Promise<FencedLease> {
    checkTtl(ttlMs, DEFAULT_META_LIMITS.ttlMsMin, DEFAULT_META_LIMITS.ttlMsMax);
    const deadline = new LeaseDeadline(ttlMs, this.marginMs ?? defaultMarginMs(ttlMs));
    const sent = deadline.sending();
    const res = await this.call('grant', true, () => this.client.leaseClient.leaseGrant({ TTL: String(Math.ceil(ttlMs / 1000)), ID: '0' }));
    deadline.renewed(sent);
    const id = String(res.ID);
    return {
      id,
      ttlMs,
      get validUntilMs() {
        return deadline.validUntilMs;
      },
      keepAlive: async () => {
        const at = deadline.sending();
        const ttlS = await this.keepAliveOnce(id);
        if (ttlS <= 0) {
          deadline.lost();
          throw new LeaseLostError(id);
        }
        deadline.renewed(at);
      },
      revoke: async () => {
        deadline.lost();
        try {
          await this.call('revoke', true, () => this.client.leaseClient.leaseRevoke({ ID: id }));
        } catch (e) {
          if (!(e instanceof LeaseLostError)) throw e;
        }
      },
    };
  }

  /** Drop etcd's history up to `revision` (operators, tests): watches from before it get CompactedError. */
  async compact(revision: number): Promise<void> {
    await this.call('compact', true, () => this.client.kv.compact({ revision: String(revision), physical: true }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.close();
    this.client.close();
  }

  /** One renewal on a keep-alive stream; the TTL the server answered, in seconds (≤ 0: the lease is gone). */
  private async keepAliveOnce(id: string): Promise<number> {
    return this.call('keepalive', true, async () => {
      const stream = await this.client.leaseClient.leaseKeepAlive();
      try {
        const answer = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new GRPCUnavailableError(`no keep-alive answer within ${this.timeoutMs} ms`)), this.timeoutMs);
          stream.on('data', (r: { TTL: string }) => (clearTimeout(timer), resolve(Number(r.TTL))));
          stream.on('error', (e: Error) => (clearTimeout(timer), reject(e)));
        });
        stream.write({ ID: id });
        return await answer;
      } finally {
        stream.end();
      }
    });
  }

  /** @internal the key range of a prefix under the root (all keys when both are empty). */
  range(prefix: string): { key: Buffer; range_end: Buffer } {
    const key = this.full(prefix);
    if (key.length === 0) return { key: Buffer.from([0]), range_end: Buffer.from([0]) };
    return { key, range_end: prefixEnd(key) };
  }

  /** @internal an etcd key-value as the interface's KeyValue. */
  toKv(kv: IKeyValue): KeyValue {
    const lease = String(kv.lease ?? '0');
    return {
      key: kv.key.subarray(Buffer.byteLength(this.root)).toString('utf8'),
      value: new Uint8Array(kv.value),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      ...(lease === '0' ? {} : { lease }),
    };
  }

  /** @internal one RPC, its failures mapped onto the typed errors. */
  async call<T>(op: string, idempotent: boolean, run: () => Promise<T>, lease?: string): Promise<T> {
    this.open();
    try {
      return await run();
    } catch (e) {
      if (e instanceof EtcdLeaseInvalidError || (e instanceof Error && /lease not found/.test(e.message))) throw new LeaseLostError(lease ?? 'unknown');
      if (e instanceof ShardkitError) throw e;
      const outcome = idempotent ? 'not-applied' : 'unknown';
      const what = outcome === 'unknown' ? 'the write may or may not have happened: read before writing again' : 'nothing was changed';
      throw new MetaUnavailableError(`etcd did not answer ${op} (${e instanceof Error ? e.message : String(e)}); ${what}`, outcome, { cause: e });
    }
  }

  private condition(key: string, ifModRevision: number | undefined): { key: Buffer; target: 'Create' | 'Mod'; result: 'Equal'; create_revision?: string; mod_revision?: string }[] {
    if (ifModRevision === undefined) return [];
    const k = this.full(key);
    return ifModRevision === 0 ? [{ key: k, target: 'Create', result: 'Equal', create_revision: '0' }] : [{ key: k, target: 'Mod', result: 'Equal', mod_revision: String(ifModRevision) }];
  }

  private full(key: string): Buffer {
    return Buffer.from(this.root + key, 'utf8');
  }

  private open(): void {
    if (this.closed) throw new StateError('the metadata client is closed', { code: 'CLOSED' });
  }
}

/** A lease id as etcd takes it (a positive decimal int64); InvalidArgumentError otherwise. */
function leaseNumber(id: string): string {
  if (!/^[1-9][0-9]{0,18}$/.test(id)) throw new InvalidArgumentError('lease', id, 'a lease id from grantLease (a positive decimal integer)');
  return id;
}

/** The smallest key greater than every key starting with `key` (etcd's prefix range end). */
function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * One watch: an etcd watch stream from `last + 1`, reopened from the last
 * revision delivered when the stream breaks (within the retry budget).
 */
class EtcdWatch implements Watch {
  private closed = false;
  private last: number;
  private stream: { end(): void; cancel?(): void } | undefined;
  private failingSince: number | undefined;
  private delayMs = 50;

  constructor(
    private readonly store: EtcdMetaStore,
    private readonly keys: { key: Buffer; range_end: Buffer },
    fromRevision: number,
    private readonly handlers: WatchHandlers,
    private readonly budgetMs: number,
    private readonly onClose: () => void,
  ) {
    this.last = fromRevision;
    void this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.cancel?.();
    this.onClose();
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.close();
    this.handlers.onError(error);
  }

  private async connect(): Promise<void> {
    let stream: Awaited<ReturnType<Etcd3['watchClient']['watch']>>;
    try {
      stream = await this.store.client.watchClient.watch();
    } catch (e) {
      return this.retry(e);
    }
    if (this.closed) return void stream.cancel();
    this.stream = stream;
    let broken = false;
    const fail = (e: unknown): void => {
      if (broken || this.stream !== stream) return;
      broken = true;
      this.stream = undefined;
      this.retry(e);
    };
    stream.on('data', (res: IWatchResponse) => this.onResponse(res));
    stream.on('error', fail);
    stream.on('end', () => fail(new Error('watch stream ended')));
    stream.write({ create_request: { ...this.keys, start_revision: String(this.last + 1) } });
  }

  private onResponse(res: IWatchResponse): void {
    if (this.closed) return;
    const compacted = Number(res.compact_revision ?? 0);
    if (compacted > 0) return this.end(new CompactedError(this.last, compacted - 1));
    if (res.canceled) return this.end(new StateError(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`, { code: 'WATCH_CANCELLED' }));
    this.failingSince = undefined;
    this.delayMs = 50;
    const events: WatchEvent[] = [];
    for (const ev of res.events ?? []) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= this.last) continue; // a reopened stream never repeats, but be sure
      if (ev.type === 'Delete' || (ev.type as unknown) === 1) events.push({ type: 'delete', key: this.store.toKv(ev.kv).key, revision });
      else events.push({ type: 'put', kv: this.store.toKv(ev.kv), revision });
    }
    if (events.length === 0) return;
    this.last = (events.at(-1) as WatchEvent).revision;
    this.handlers.onEvents(events);
  }

  private retry(why: unknown): void {
    if (this.closed) return;
    const now = monotonicMs();
    this.failingSince ??= now;
    if (now - this.failingSince + this.delayMs > this.budgetMs) {
      return this.end(new MetaUnavailableError(`etcd watch could not reconnect within ${this.budgetMs} ms (${why instanceof Error ? why.message : String(why)}); last revision delivered: ${this.last}`, 'not-applied', { cause: why }));
    }
    setTimeout(() => {
      if (!this.closed) void this.connect();
    }, this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, 1000);
  }
}
