/**
 * `HttpMetaStore`: the MetaStore of a `shardkit meta` service, over HTTP
 * (./wire.ts). Calls retry within a budget: reads, renewals and revokes on
 * any failure to get an answer; writes only when the request certainly did
 * not reach the service (connection refused), because a write whose answer
 * was lost may have happened. When the budget runs out the call rejects with
 * MetaUnavailableError (retriable), saying whether a write may have happened.
 * Errors the service answers with come back as the same typed errors.
 *
 * A watch reconnects by itself from the last revision it delivered, so a
 * broken connection or a restart of the service loses nothing; if that
 * revision is compacted meanwhile, the watch ends with CompactedError (list
 * again). No data for three heartbeats counts as a broken connection.
 */
import * as http from 'node:http';
import { InvalidArgumentError, ShardkitError, requireInt } from '../../../errors.js';
import { MetaUnavailableError } from '../errors.js';
import type { KeyValue, Lease, ListResult, MetaStore, PutOptions, Watch, WatchHandlers, WriteResult } from '../types.js';
import { type WireError, type WireEvent, type WireKv, errorFromWire, eventFromWire, kvFromWire } from './wire.js';

export interface HttpMetaOptions {
  /** Time for one request before it counts as failed, ms. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Total time a call (or a watch's reconnecting) may spend retrying, ms. Default 10000. */
  readonly retryBudgetMs?: number;
  /** First pause between retries, ms; doubles up to 1000. Default 50. */
  readonly retryDelayMs?: number;
  /** The service's watch heartbeat, ms (a watch silent for 3× this reconnects). Default 1000. */
  readonly heartbeatMs?: number;
}

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A failed attempt: no answer (`sent` says whether the request may have reached the service). */
class NoAnswer extends Error {
  constructor(
    readonly sent: boolean,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export class HttpMetaStore implements MetaStore {
  private readonly base: URL;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly watches = new Set<{ close(): void }>();
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  private readonly delayMs: number;
  private readonly heartbeatMs: number;
  private closed = false;

  constructor(url: string, options: HttpMetaOptions = {}) {
    this.base = new URL(url);
    this.timeoutMs = requireInt('requestTimeoutMs', options.requestTimeoutMs ?? 5000, 1);
    this.budgetMs = requireInt('retryBudgetMs', options.retryBudgetMs ?? 10_000, 0);
    this.delayMs = requireInt('retryDelayMs', options.retryDelayMs ?? 50, 1);
    this.heartbeatMs = requireInt('heartbeatMs', options.heartbeatMs ?? 1000, 1);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const r = (await this.call('get', { key }, true)) as { kv: WireKv | null };
    return r.kv === null ? undefined : kvFromWire(r.kv);
  }

  async list(prefix: string): Promise<ListResult> {
    const r = (await this.call('list', { prefix }, true)) as { kvs: WireKv[]; revision: number };
    return { kvs: r.kvs.map(kvFromWire), revision: r.revision };
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<WriteResult> {
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('value', value, 'a Uint8Array');
    const b64 = Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
    return (await this.call('put', { key, value: b64, lease: options.lease, ifModRevision: options.ifModRevision }, false)) as WriteResult;
  }

  async delete(key: string, options: { readonly ifModRevision?: number } = {}): Promise<WriteResult> {
    return (await this.call('delete', { key, ifModRevision: options.ifModRevision }, false)) as WriteResult;
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    // A retried grant may leave an extra lease behind; it holds no keys and expires.
    const r = (await this.call('grant', { ttlMs }, true)) as { id: string; ttlMs: number };
    return {
      id: r.id,
      ttlMs: r.ttlMs,
      keepAlive: async () => void (await this.call('keepalive', { id: r.id }, true)),
      revoke: async () => void (await this.call('revoke', { id: r.id }, true)),
    };
  }

  /** Drop history up to `revision` on the service (operators, tests). */
  async compact(revision: number): Promise<void> {
    await this.call('compact', { revision }, true);
  }

  /** The service's status: revision, compactRevision, keys, leases, pid, data directory. */
  async status(): Promise<Record<string, unknown>> {
    return (await this.call('status', {}, true)) as Record<string, unknown>;
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    requireInt('fromRevision', fromRevision, 0);
    this.open();
    const w = new HttpWatch(this.base, this.agent, prefix, fromRevision, handlers, { budgetMs: this.budgetMs, delayMs: this.delayMs, silenceMs: 3 * this.heartbeatMs }, () => this.watches.delete(w));
    this.watches.add(w);
    return w;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.watches]) w.close();
    this.agent.destroy();
  }

  private open(): void {
    if (this.closed) throw new ShardkitError('CLOSED', 'the metadata client is closed');
  }

  /** One call with retries inside the budget. */
  private async call(op: string, body: object, idempotent: boolean): Promise<unknown> {
    this.open();
    const start = performance.now();
    let delay = this.delayMs;
    let mayHaveApplied = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(op, body);
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
        mayHaveApplied ||= e.sent;
        const retry = !this.closed && (idempotent || !e.sent) && performance.now() - start + delay <= this.budgetMs;
        if (!retry) {
          const outcome = idempotent || !mayHaveApplied ? 'not-applied' : 'unknown';
          const what = outcome === 'unknown' ? 'the write may or may not have happened: read before writing again' : 'nothing was changed';
          throw new MetaUnavailableError(`metadata service ${this.base.origin} did not answer ${op} after ${attempt} attempt(s) in ${Math.round(performance.now() - start)} ms (${e.message}); ${what}`, outcome, { cause: e });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  private once(op: string, body: object): Promise<unknown> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      let sent = false;
      const req = http.request(new URL(`/v1/${op}`, this.base), { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: this.timeoutMs });
      req.on('socket', (s) => {
        if (s.connecting) s.once('connect', () => (sent = true));
        else sent = true; // a kept-alive connection: the request may reach the service
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new NoAnswer(sent || (e.code !== undefined ? !NOT_SENT.has(e.code) : true), e)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new NoAnswer(true, e)));
        res.on('end', () => {
          let parsed: { result?: unknown; error?: WireError };
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch (e) {
            return reject(new NoAnswer(true, e));
          }
          if (parsed.error !== undefined) reject(errorFromWire(parsed.error));
          else resolve(parsed.result);
        });
      });
      req.end(payload);
    });
  }
}

/** One watch: a stream that reconnects from the last revision delivered. */
class HttpWatch implements Watch {
  private closed = false;
  private req: http.ClientRequest | undefined;
  private last: number;
  private failingSince: number | undefined;
  private delay: number;

  constructor(
    private readonly base: URL,
    private readonly agent: http.Agent,
    private readonly prefix: string,
    fromRevision: number,
    private readonly handlers: WatchHandlers,
    private readonly limits: { budgetMs: number; delayMs: number; silenceMs: number },
    private readonly onClose: () => void,
  ) {
    this.last = fromRevision;
    this.delay = limits.delayMs;
    this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.req?.destroy();
    this.onClose();
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.close();
    this.handlers.onError(error);
  }

  private connect(): void {
    const url = new URL('/v1/watch', this.base);
    url.searchParams.set('prefix', this.prefix);
    url.searchParams.set('from', String(this.last));
    const req = http.get(url, { agent: this.agent });
    this.req = req;
    let buffered = '';
    let silence: ReturnType<typeof setTimeout> | undefined;
    const alive = (): void => {
      clearTimeout(silence);
      silence = setTimeout(() => req.destroy(new Error(`no heartbeat for ${this.limits.silenceMs} ms`)), this.limits.silenceMs);
    };
    const broken = (why: unknown): void => {
      clearTimeout(silence);
      if (this.closed || this.req !== req) return;
      this.req = undefined;
      this.retry(why);
    };
    req.on('error', broken);
    req.on('response', (res) => {
      alive();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        alive();
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          this.onLine(line, res.statusCode ?? 0);
        }
      });
      res.on('end', () => broken(new Error('watch stream ended')));
      res.on('error', broken);
      if (res.statusCode !== 200) res.on('end', () => this.onLine(buffered, res.statusCode ?? 0));
    });
  }

  private onLine(line: string, status: number): void {
    if (this.closed || line.length === 0) return;
    let msg: { events?: WireEvent[]; error?: WireError; heartbeat?: number };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.req?.destroy(new Error(`bad watch line from the service (HTTP ${status})`));
      return;
    }
    if (msg.error !== undefined) return this.end(errorFromWire(msg.error));
    this.failingSince = undefined;
    this.delay = this.limits.delayMs;
    if (msg.events !== undefined && msg.events.length > 0) {
      const events = msg.events.map(eventFromWire);
      this.last = (events.at(-1) as { revision: number }).revision;
      this.handlers.onEvents(events);
    }
  }

  private retry(why: unknown): void {
    const now = performance.now();
    this.failingSince ??= now;
    if (now - this.failingSince + this.delay > this.limits.budgetMs) {
      return this.end(new MetaUnavailableError(`watch of ${JSON.stringify(this.prefix)} on ${this.base.origin} could not reconnect within ${this.limits.budgetMs} ms (${why instanceof Error ? why.message : String(why)}); last revision delivered: ${this.last}`, 'not-applied', { cause: why }));
    }
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, 1000);
  }
}
