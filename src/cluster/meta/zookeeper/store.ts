/**
 * `ZooKeeperMetaStore`: the MetaStore on ZooKeeper (through the pure
 * JavaScript `node-zookeeper-client`). ZooKeeper has per-znode versions,
 * atomic multi-operations, one-shot watches and sessions with ephemeral
 * nodes, but no store-wide revision and no history to watch from; the
 * interface needs both, so the store keeps them itself, in znodes written in
 * the same multi() as every change. Under a root znode R (default
 * `/shardkit`; `zk://host:port/path` puts it at /path):
 *
 *     R/rev             data: the store revision; its znode *version* is the revision
 *     R/compact         data: the compacted revision (changes up to it are no longer kept)
 *     R/kv/<name>       one key: header {createRevision, modRevision, lease} + value bytes
 *     R/log/<revision>  the change of that revision: its events (puts carry the value)
 *     R/leases/l-<seq>  a lease: an ephemeral node of the lease's own ZooKeeper session
 *
 * - Revisions and compare-and-set: every change is one multi() of
 *   `setData(R/rev, expectedVersion = v)` (so the new revision is v + 1, and
 *   exactly one of two racing writers gets it: the other fails with
 *   BADVERSION and retries against the new state), the key's own change,
 *   and `create(R/log/<v + 1>)`. The writer read R/rev and then the key;
 *   because any write in between moves R/rev, a commit means the condition
 *   (`ifModRevision`) held at revision v — every write is serialisable, and
 *   revisions are dense (1, 2, 3, …; a ZooKeeper version is an int32, so at
 *   most 2^31 − 1 changes per root). A key's revisions live in its own
 *   data, not in czxid/mzxid, because zxids are shared with everything else
 *   on the ensemble and have no history to resume from.
 * - Watch from a revision: read R/log/<last + 1 …> up to the revision R/rev
 *   holds, deliver the events under the prefix, and re-arm a one-shot data
 *   watch on R/rev (one per store, fanned out to its watches) that fires on
 *   the next change; a broken connection re-registers it (the client sends
 *   SetWatches with its last zxid) and the watch re-reads from its last
 *   revision, so nothing is lost or repeated.
 * - Compaction: `compact(r)` raises R/compact to r and deletes the log
 *   entries up to it; writers do so by themselves every `historyMax / 10`
 *   revisions, keeping the last `historyMax` (default 10,000). A watch from a
 *   revision below R/compact, or one that finds an entry gone, ends with
 *   CompactedError: list again and watch from the list's revision.
 * - list: R/rev, the children of R/kv and their data, then R/rev again; the
 *   log entries between the two are applied on top, so the result is the
 *   state at exactly the second revision.
 * - Leases are ZooKeeper sessions. `grantLease(ttl)` opens a session with
 *   that timeout (the server clamps it to its min/max session timeout) and
 *   creates R/leases/l-<seq> ephemeral in it; the lease id is <seq> + 1. A put
 *   on a lease includes `check(R/leases/l-<seq>)` in its multi, so it fails
 *   (LeaseLostError) once the lease is gone. The session ends — and with it
 *   the ephemeral node — when the holder revokes, when it has not called
 *   `keepAlive()` for ttl (the holder ends it itself, as etcd would), or when
 *   ZooKeeper expires it (the holder crashed, froze or was cut off longer
 *   than the session timeout). The keys of an ended lease are deleted at one
 *   revision by a logged multi (the "reaper"), which every store that watches
 *   or holds leases runs on a child watch of R/leases; like etcd between a
 *   lease's expiry and its revocation, such keys stay readable until then
 *   (milliseconds when any store is running).
 * - Session loss: a lease whose session ZooKeeper expired says so —
 *   `onSessionLost` (default: one line on stderr) gets a
 *   ZooKeeperSessionExpiredError (a LeaseLostError), and keepAlive rejects
 *   with it. The store's own session holds nothing ephemeral; when it
 *   expires the store opens a new one and its watches resume.
 * - Fencing: `validUntilMs` = send time of the last successful grant or
 *   keepAlive + min(ttl, negotiated session timeout) − margin; the server can
 *   expire the session only a session timeout after it last heard from the
 *   client, which is after that send.
 *
 * Limits: a value is at most 500 KiB (a multi carrying the key and its log
 * entry is one ZooKeeper packet, 1 MiB by default); `list` and the reaper read
 * every child of R/kv, so the store is for metadata-sized key counts (a map,
 * members, journals). Costs: get one round trip; put/delete three; list two
 * plus one per key (pipelined); a watch one per change.
 */
import zookeeper, { type Client, type Stat } from 'node-zookeeper-client';
import { InvalidArgumentError, ShardkitError, StateError, requireInt } from '../../../errors.js';
import { DEFAULT_META_LIMITS } from '../core.js';
import { CompactedError, LeaseLostError, MetaUnavailableError } from '../errors.js';
import { LeaseDeadline, defaultMarginMs, monotonicMs } from '../fence.js';
import type { KeyValue, Lease, ListResult, MetaStore, PutOptions, Watch, WatchEvent, WatchHandlers, WriteResult } from '../types.js';
import { checkKey, checkTtl, checkValue, checkWatch, checkWriteOptions } from '../validate.js';

/** Options of a ZooKeeperMetaStore. */
export interface ZooKeeperMetaOptions {
  /** The znode under which the store keeps everything. Default `/shardkit`. */
  readonly root?: string;
  /** Time one call may take before it fails with MetaUnavailableError, ms. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Session timeout of the store's own session, ms (the server clamps it). Default 10000. */
  readonly sessionTimeoutMs?: number;
  /** Time a watch may spend failing before it ends with MetaUnavailableError, ms. Default 10000. */
  readonly retryBudgetMs?: number;
  /** Fencing margin of a lease's local deadline, ms. Default: a tenth of the TTL. */
  readonly leaseMarginMs?: number;
  /** Changes kept for watches; older ones are compacted by the writers. Default 10,000. */
  readonly historyMax?: number;
  /** Told when ZooKeeper expired a lease's session. Default: a line on stderr. */
  readonly onSessionLost?: (error: ZooKeeperSessionExpiredError) => void;
  /** Upper bound of the client's random delay between reconnect rounds, ms. Default 200. */
  readonly spinDelayMs?: number;
}

/** The largest value: the key's znode and its log entry travel in one packet (jute.maxbuffer, 1 MiB by default). */
export const ZK_VALUE_BYTES_MAX = 500 * 1024;

/** ZooKeeper expired the session of a lease: its ephemeral node is gone, and the keys attached to it are (or will be) deleted. */
export class ZooKeeperSessionExpiredError extends LeaseLostError {
  readonly sessionTimeoutMs: number;
  constructor(leaseId: string, sessionTimeoutMs: number) {
    super(leaseId);
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.message = `the ZooKeeper session of lease ${JSON.stringify(leaseId)} expired (the client was cut off from ZooKeeper for longer than its session timeout of ${sessionTimeoutMs} ms): the lease and the keys attached to it are gone; grant a new lease and register again`;
  }
}

/** The lease a session holds, with its local fencing deadline. */
export interface ZooKeeperLease extends Lease {
  readonly validUntilMs: number;
  /** The session timeout ZooKeeper granted (its min/max session timeout clamp the TTL). */
  readonly sessionTimeoutMs: number;
}

const { CreateMode, Exception } = zookeeper;
const CODE = { NO_NODE: Exception.NO_NODE, NODE_EXISTS: Exception.NODE_EXISTS, BAD_VERSION: Exception.BAD_VERSION, SESSION_EXPIRED: Exception.SESSION_EXPIRED };

/** A failed ZooKeeper call: its code (an Exception code, or 'timeout'). */
class ZkCallError extends Error {
  constructor(
    readonly code: number | 'timeout',
    message: string,
    readonly failedOp = -1,
  ) {
    super(message);
  }
}

const codeOf = (e: unknown): number | 'timeout' | undefined => (e instanceof ZkCallError ? e.code : undefined);

/** The znode name of a key: every byte outside [A-Za-z0-9_-] as %XX (so '/', '.', '..' and the rest are safe). */
export function keyName(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The key of a znode name made by keyName. */
export function nameKey(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '%') {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(name.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A record as stored: a 4-byte header length, the JSON header, then raw bytes. */
function encodeRecord(header: unknown, ...payloads: Uint8Array[]): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([len, h, ...payloads]);
}

function decodeRecord<H>(data: Buffer): { header: H; payload: Buffer } {
  const n = data.readUInt32BE(0);
  return { header: JSON.parse(data.subarray(4, 4 + n).toString('utf8')) as H, payload: data.subarray(4 + n) };
}

interface KeyHeader {
  readonly c: number;
  readonly m: number;
  readonly l?: string;
}
type LogEvent = { readonly t: 'p'; readonly k: string; readonly c: number; readonly l?: string; readonly n: number } | { readonly t: 'd'; readonly k: string };

const logName = (revision: number): string => String(revision).padStart(12, '0');
/** Lease ids are the ZooKeeper sequence number of their node + 1 (sequence numbers start at 0; ids are positive). */
const leaseNode = (id: string): string => `l-${String(Number(id) - 1).padStart(10, '0')}`;
const leaseIdOf = (node: string): string => String(Number(node.slice(2)) + 1);

/** A lease id as it appears in R/leases (a positive decimal); InvalidArgumentError otherwise. */
function leaseNumber(id: string): string {
  if (!/^[1-9][0-9]{0,9}$/.test(id)) throw new InvalidArgumentError('lease', id, 'a lease id from grantLease (a positive decimal integer)');
  return id;
}

/** One op of a multi, built before the transaction. */
type TxOp = { readonly op: 'create'; readonly path: string; readonly data: Buffer } | { readonly op: 'set'; readonly path: string; readonly data: Buffer; readonly version: number } | { readonly op: 'remove'; readonly path: string; readonly version: number } | { readonly op: 'check'; readonly path: string; readonly version: number };

/** A key as read, with its znode version. */
interface Current {
  readonly kv: KeyValue;
  readonly version: number;
}

export class ZooKeeperMetaStore implements MetaStore {
  private readonly root: string;
  private readonly timeoutMs: number;
  private readonly sessionMs: number;
  private readonly budgetMs: number;
  private readonly marginMs: number | undefined;
  private readonly historyMax: number;
  private readonly spinDelayMs: number;
  private readonly onSessionLost: (error: ZooKeeperSessionExpiredError) => void;
  private main: Client | undefined;
  private layout: Promise<void> | undefined;
  private revArm: Promise<number> | undefined;
  private readonly watches = new Set<ZkWatch>();
  private readonly leases = new Set<ZkLease>();
  private reaper: Reaper | undefined;
  private closed = false;

  /** `connection`: ZooKeeper's connection string (`host:port[,host:port…]`, no chroot). Connects lazily. */
  constructor(
    readonly connection: string,
    options: ZooKeeperMetaOptions = {},
  ) {
    const root = options.root ?? '/shardkit';
    if (!/^(\/[^/\0]+)+$/.test(root) || root.split('/').some((s) => s === '.' || s === '..') || root === '/zookeeper' || root.startsWith('/zookeeper/')) {
      throw new InvalidArgumentError('root', root, 'a ZooKeeper path such as /shardkit (absolute, no trailing slash, not under /zookeeper)');
    }
    this.root = root;
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
    this.sessionMs = options.sessionTimeoutMs ?? 10_000;
    this.budgetMs = options.retryBudgetMs ?? 10_000;
    this.marginMs = options.leaseMarginMs;
    this.historyMax = requireInt('historyMax', options.historyMax ?? DEFAULT_META_LIMITS.historyMax, 1);
    this.spinDelayMs = options.spinDelayMs ?? 200;
    this.onSessionLost = options.onSessionLost ?? ((e) => void process.stderr.write(`shardkit: ${e.message}\n`));
  }

  // ---- the interface -------------------------------------------------------

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    return this.call('get', true, async () => (await this.readKey(key))?.kv);
  }

  async list(prefix: string): Promise<ListResult> {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
    return this.call('list', true, async () => {
      await this.ready();
      for (let attempt = 0; ; attempt++) {
        const r = await this.snapshot(prefix);
        if (r !== undefined) return r;
        if (attempt >= 5) throw new ZkCallError('timeout', 'the log was compacted under every list attempt');
      }
    });
  }

  async put(key: string, value: Uint8Array, options?: PutOptions): Promise<WriteResult> {
    checkKey(key);
    checkValue(value, ZK_VALUE_BYTES_MAX);
    const o = checkWriteOptions(options, true);
    const lease = o.lease === undefined ? undefined : leaseNumber(o.lease);
    const copy = Buffer.from(value);
    return this.write('put', key, o.ifModRevision, lease, (cur, rev) => {
      const c = cur?.kv.createRevision ?? rev;
      const header: KeyHeader = lease === undefined ? { c, m: rev } : { c, m: rev, l: lease };
      const data = encodeRecord(header, copy);
      const event: LogEvent = lease === undefined ? { t: 'p', k: key, c, n: copy.length } : { t: 'p', k: key, c, l: lease, n: copy.length };
      const keyOp: TxOp = cur === undefined ? { op: 'create', path: this.kvPath(key), data } : { op: 'set', path: this.kvPath(key), data, version: cur.version };
      return { ops: [keyOp], events: [event], payloads: [copy] };
    });
  }

  async delete(key: string, options?: { readonly ifModRevision?: number }): Promise<WriteResult> {
    checkKey(key);
    const o = checkWriteOptions(options, false);
    return this.write('delete', key, o.ifModRevision, undefined, (cur) => (cur === undefined ? undefined : { ops: [{ op: 'remove', path: this.kvPath(key), version: cur.version }], events: [{ t: 'd', k: key }], payloads: [] }));
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    checkWatch(prefix, fromRevision);
    this.open();
    this.startReaper();
    const w = new ZkWatch(this, prefix, fromRevision, handlers, this.budgetMs, () => this.watches.delete(w));
    this.watches.add(w);
    w.kick();
    return w;
  }

  async grantLease(ttlMs: number): Promise<ZooKeeperLease> {
    checkTtl(ttlMs, DEFAULT_META_LIMITS.ttlMsMin, DEFAULT_META_LIMITS.ttlMsMax);
    this.open();
    await this.call('grant', true, () => this.ready());
    this.startReaper();
    const lease = new ZkLease(this, ttlMs, this.marginMs);
    this.leases.add(lease);
    try {
      await lease.start();
    } catch (e) {
      this.leases.delete(lease);
      throw e;
    }
    return lease;
  }

  /** Drop the change log up to `revision` (operators, tests): watches from before it get CompactedError. */
  async compact(revision: number): Promise<void> {
    requireInt('revision', revision, 0);
    await this.call('compact', true, async () => {
      await this.ready();
      const c = this.requireMain();
      const current = (await this.getData(c, this.path('rev'))).stat.version;
      const target = Math.min(revision, current);
      let old: number;
      for (;;) {
        const { data, stat } = await this.getData(c, this.path('compact'));
        old = Number(data.toString('utf8'));
        if (target <= old) return;
        try {
          await this.setData(c, this.path('compact'), Buffer.from(String(target)), stat.version);
          break;
        } catch (e) {
          if (codeOf(e) !== CODE.BAD_VERSION) throw e;
        }
      }
      // The mark first, then the entries: a watch that finds an entry gone reads a mark that covers it.
      for (let from = old + 1; from <= target; from += 500) {
        const to = Math.min(target, from + 499);
        await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => this.remove(c, this.path('log', logName(from + i)), -1).catch((e: unknown) => {
          if (codeOf(e) !== CODE.NO_NODE) throw e;
        })));
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of [...this.watches]) w.close();
    this.reaper?.stop();
    await Promise.all([...this.leases].map((l) => l.end('closed').catch(() => undefined).finally(() => l.shutdown())));
    this.closed = true;
    const c = this.main;
    this.main = undefined;
    if (c !== undefined) closeClient(c);
  }

  // ---- internals shared with watches, leases and the reaper ----------------

  /** @internal the path of a part of the layout. */
  path(...parts: string[]): string {
    return [this.root, ...parts].join('/');
  }

  private kvPath(key: string): string {
    return this.path('kv', keyName(key));
  }

  /** @internal throw unless open. */
  open(): void {
    if (this.closed) throw new StateError('the metadata client is closed', { code: 'CLOSED' });
  }

  /** @internal whether close() has run. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * @internal a new client of `connection` (not yet connected). The client
   * has no timeout between its TCP connect and ZooKeeper's answer to its
   * session request, so a connection that never gets one would wait forever:
   * a watchdog drops a connection attempt older than min(session timeout, 2 s),
   * and the client tries again.
   */
  newClient(sessionTimeout: number): Client {
    const c = zookeeper.createClient(this.connection, { sessionTimeout, spinDelay: this.spinDelayMs, retries: 0 });
    const waitMs = Math.max(500, Math.min(2000, sessionTimeout));
    const cm = (c as unknown as { connectionManager?: { state: number; socket?: { destroy(): void } } }).connectionManager;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt: unknown;
    const check = (): void => {
      if (cm === undefined || closedClients.has(c) || cm.state === 2 || cm.state === 3 || cm.state < 0) return; // connected, closed or expired
      if (cm.state === 1 /* CONNECTING */ && cm.socket !== undefined && cm.socket === attempt) cm.socket.destroy();
      attempt = cm.state === 1 ? cm.socket : undefined;
      arm();
    };
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(check, waitMs);
      timer.unref();
    };
    c.on('disconnected', arm);
    c.on('connected', () => timer !== undefined && clearTimeout(timer));
    c.on('expired', () => timer !== undefined && clearTimeout(timer));
    arm();
    return c;
  }

  /** @internal the store's own session, opened on first use and again after it expired. */
  requireMain(): Client {
    this.open();
    if (this.main !== undefined) return this.main;
    const c = this.newClient(this.sessionMs);
    c.on('expired', () => {
      if (this.main !== c) return;
      // Nothing ephemeral lives in this session: a new one replaces it, and the watches re-arm on it.
      this.main = undefined;
      this.revArm = undefined;
      closeClient(c);
      this.reaper?.kick(true);
      for (const w of this.watches) w.kick();
    });
    c.on('connected', () => {
      // A reconnect: read R/rev afresh (and arm again) rather than trust a watch that may have been in flight.
      this.revArm = undefined;
      for (const w of this.watches) w.kick();
    });
    c.connect();
    this.main = c;
    return c;
  }

  /** @internal create the layout once (idempotent across clients: NODEEXISTS means someone did). */
  ready(): Promise<void> {
    this.layout ??= (async () => {
      const c = this.requireMain();
      if ((await this.exists(c, this.path('rev'))) !== undefined) return;
      await this.mkdirp(c, this.root);
      try {
        await this.commit(c, [
          { op: 'create', path: this.path('rev'), data: Buffer.from('0') },
          { op: 'create', path: this.path('compact'), data: Buffer.from('0') },
          { op: 'create', path: this.path('kv'), data: Buffer.alloc(0) },
          { op: 'create', path: this.path('log'), data: Buffer.alloc(0) },
          { op: 'create', path: this.path('leases'), data: Buffer.alloc(0) },
        ]);
      } catch (e) {
        if (codeOf(e) !== CODE.NODE_EXISTS) throw e;
      }
    })().catch((e: unknown) => {
      this.layout = undefined;
      throw e;
    });
    return this.layout;
  }

  /** @internal the current revision, with a one-shot data watch on R/rev (one per store) that kicks every watch on the next change. */
  armedRevision(): Promise<number> {
    if (this.revArm !== undefined) return this.revArm;
    const c = this.requireMain();
    const arm = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZkCallError('timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      c.getData(
        this.path('rev'),
        () => {
          if (this.revArm === arm) this.revArm = undefined;
          for (const w of this.watches) w.kick();
        },
        (error, _data, stat) => {
          clearTimeout(timer);
          if (error) reject(toCallError(error));
          else resolve(stat.version);
        },
      );
    });
    this.revArm = arm;
    arm.catch(() => {
      if (this.revArm === arm) this.revArm = undefined;
    });
    return arm;
  }

  /** @internal the compacted revision. */
  async compactedRevision(): Promise<number> {
    return Number((await this.getData(this.requireMain(), this.path('compact'))).data.toString('utf8'));
  }

  /** @internal the events of revisions from..to (inclusive), in order; undefined when an entry is gone (compacted). */
  async readLog(from: number, to: number): Promise<WatchEvent[][] | undefined> {
    const c = this.requireMain();
    const out: WatchEvent[][] = [];
    for (let start = from; start <= to; start += 500) {
      const end = Math.min(to, start + 499);
      const chunk = await Promise.all(Array.from({ length: end - start + 1 }, (_, i) => this.getData(c, this.path('log', logName(start + i))).catch((e: unknown) => {
        if (codeOf(e) === CODE.NO_NODE) return undefined;
        throw e;
      })));
      for (let i = 0; i < chunk.length; i++) {
        const entry = chunk[i];
        if (entry === undefined) return undefined;
        out.push(this.logEvents(entry.data, start + i));
      }
    }
    return out;
  }

  private logEvents(data: Buffer, revision: number): WatchEvent[] {
    const { header, payload } = decodeRecord<{ ev: LogEvent[] }>(data);
    let at = 0;
    return header.ev.map((e): WatchEvent => {
      if (e.t === 'd') return { type: 'delete', key: e.k, revision };
      const value = new Uint8Array(payload.subarray(at, at + e.n));
      at += e.n;
      const kv: KeyValue = e.l === undefined ? { key: e.k, value, createRevision: e.c, modRevision: revision } : { key: e.k, value, createRevision: e.c, modRevision: revision, lease: e.l };
      return { type: 'put', kv, revision };
    });
  }

  /** @internal the key's current state, or undefined. */
  async readKey(key: string): Promise<Current | undefined> {
    await this.ready();
    try {
      const { data, stat } = await this.getData(this.requireMain(), this.kvPath(key));
      return { kv: this.toKv(key, data), version: stat.version };
    } catch (e) {
      if (codeOf(e) === CODE.NO_NODE) return undefined;
      throw e;
    }
  }

  private toKv(key: string, data: Buffer): KeyValue {
    const { header, payload } = decodeRecord<KeyHeader>(data);
    const value = new Uint8Array(payload);
    return header.l === undefined ? { key, value, createRevision: header.c, modRevision: header.m } : { key, value, createRevision: header.c, modRevision: header.m, lease: header.l };
  }

  /**
   * Every key under `prefix` at one revision: R/rev, the keys, R/rev again,
   * and the log between the two applied on top. Undefined when that part of
   * the log was compacted meanwhile (the caller tries again).
   */
  private async snapshot(prefix: string): Promise<ListResult | undefined> {
    const c = this.requireMain();
    const before = (await this.getData(c, this.path('rev'))).stat.version;
    const names = (await this.getChildren(c, this.path('kv'))).map((n) => ({ name: n, key: nameKey(n) })).filter((x) => x.key.startsWith(prefix));
    const kvs = new Map<string, Current>();
    const read = await Promise.all(names.map((x) => this.getData(c, this.path('kv', x.name)).then((r) => ({ key: x.key, r }), (e: unknown) => {
      if (codeOf(e) === CODE.NO_NODE) return undefined;
      throw e;
    })));
    for (const x of read) if (x !== undefined) kvs.set(x.key, { kv: this.toKv(x.key, x.r.data), version: x.r.stat.version });
    const after = (await this.getData(c, this.path('rev'))).stat.version;
    if (after > before) {
      const log = await this.readLog(before + 1, after);
      if (log === undefined) return undefined;
      for (const events of log) {
        for (const e of events) {
          if (e.type === 'put' && e.kv.key.startsWith(prefix)) kvs.set(e.kv.key, { kv: e.kv, version: -1 });
          else if (e.type === 'delete') kvs.delete(e.key);
        }
      }
    }
    const sorted = [...kvs.values()].map((x) => x.kv).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    return { kvs: sorted, revision: after };
  }

  /**
   * One change: read R/rev (v) and the key, decide, then commit
   * [setData(R/rev, v), check(lease), the key's op, create(R/log/v+1)];
   * BADVERSION on R/rev means another write came first: read again.
   */
  private async write(
    op: string,
    key: string,
    ifModRevision: number | undefined,
    lease: string | undefined,
    build: (cur: Current | undefined, revision: number) => { ops: TxOp[]; events: LogEvent[]; payloads: Uint8Array[] } | undefined,
  ): Promise<WriteResult> {
    return this.call(
      op,
      false,
      async () => {
        await this.ready();
        const c = this.requireMain();
        for (;;) {
          const v = (await this.getData(c, this.path('rev'))).stat.version;
          const cur = await this.readKey(key);
          if (ifModRevision !== undefined && (cur?.kv.modRevision ?? 0) !== ifModRevision) return { ok: false, revision: v };
          const rev = v + 1;
          const change = build(cur, rev);
          if (change === undefined) return { ok: true, revision: v };
          const ops: TxOp[] = [{ op: 'set', path: this.path('rev'), data: Buffer.from(String(rev)), version: v }];
          if (lease !== undefined) ops.push({ op: 'check', path: this.path('leases', leaseNode(lease)), version: -1 });
          ops.push(...change.ops, { op: 'create', path: this.path('log', logName(rev)), data: encodeRecord({ ev: change.events }, ...change.payloads) });
          try {
            await this.commit(c, ops);
          } catch (e) {
            if (!(e instanceof ZkCallError) || e.failedOp < 0) throw e;
            if (lease !== undefined && e.failedOp === 1 && e.code === CODE.NO_NODE) throw new LeaseLostError(lease);
            if (e.code === CODE.BAD_VERSION || e.code === CODE.NODE_EXISTS || e.code === CODE.NO_NODE) continue;
            throw e;
          }
          this.afterWrite(rev);
          return { ok: true, revision: rev };
        }
      },
    );
  }

  /** Every historyMax/10 revisions the writer of that revision compacts the log to the last historyMax. */
  private afterWrite(revision: number): void {
    const step = Math.max(1, Math.floor(this.historyMax / 10));
    if (revision % step === 0 && revision > this.historyMax) void this.compact(revision - this.historyMax).catch(() => undefined);
  }

  /**
   * @internal delete, in one logged multi, the keys whose lease node is gone
   * (of the leases in `only`, or of any lease). A lease node never comes back
   * once gone, and a put on a lease checks its node, so a key confirmed
   * orphaned stays so; the R/rev version check covers keys written meanwhile.
   */
  async reap(only?: ReadonlySet<string>): Promise<number> {
    await this.ready();
    const c = this.requireMain();
    for (;;) {
      const v = (await this.getData(c, this.path('rev'))).stat.version;
      const names = await this.getChildren(c, this.path('kv'));
      const read = await Promise.all(names.map((n) => this.getData(c, this.path('kv', n)).then((r) => ({ key: nameKey(n), r }), (e: unknown) => {
        if (codeOf(e) === CODE.NO_NODE) return undefined;
        throw e;
      })));
      const leased = read.flatMap((x) => {
        if (x === undefined) return [];
        const kv = this.toKv(x.key, x.r.data);
        return kv.lease !== undefined && (only === undefined || only.has(kv.lease)) ? [{ kv, version: x.r.stat.version }] : [];
      });
      if (leased.length === 0) return 0;
      const ids = [...new Set(leased.map((x) => x.kv.lease as string))];
      const alive = await Promise.all(ids.map(async (id) => (await this.exists(c, this.path('leases', leaseNode(id)))) !== undefined));
      const gone = new Set(ids.filter((_, i) => !alive[i]));
      const doomed = leased.filter((x) => gone.has(x.kv.lease as string)).sort((a, b) => Buffer.compare(Buffer.from(a.kv.key), Buffer.from(b.kv.key)));
      if (doomed.length === 0) return 0;
      const rev = v + 1;
      const ops: TxOp[] = [
        { op: 'set', path: this.path('rev'), data: Buffer.from(String(rev)), version: v },
        ...doomed.map((x): TxOp => ({ op: 'remove', path: this.kvPath(x.kv.key), version: x.version })),
        { op: 'create', path: this.path('log', logName(rev)), data: encodeRecord({ ev: doomed.map((x): LogEvent => ({ t: 'd', k: x.kv.key })) }) },
      ];
      try {
        await this.commit(c, ops);
      } catch (e) {
        if ([CODE.BAD_VERSION, CODE.NO_NODE, CODE.NODE_EXISTS].includes(codeOf(e) as number)) continue;
        throw e;
      }
      this.afterWrite(rev);
      return doomed.length;
    }
  }

  private startReaper(): void {
    if (this.reaper === undefined) {
      this.reaper = new Reaper(this, this.budgetMs);
      this.reaper.kick(true);
    }
  }

  /** @internal the ids of the live leases, with a one-shot child watch calling `onChange`. */
  liveLeases(onChange: () => void): Promise<Set<string>> {
    const c = this.requireMain();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZkCallError('timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      c.getChildren(this.path('leases'), () => onChange(), (error, children) => {
        clearTimeout(timer);
        if (error) reject(toCallError(error));
        else resolve(new Set(children.map(leaseIdOf)));
      });
    });
  }

  /** @internal a lease ended: forget it. */
  forgetLease(lease: ZkLease): void {
    this.leases.delete(lease);
  }

  /** @internal tell the holder its session expired. */
  sessionLost(error: ZooKeeperSessionExpiredError): void {
    try {
      this.onSessionLost(error);
    } catch {
      // the callback's own failure must not hide the loss
    }
  }

  /** @internal how long one call may take. */
  get requestTimeout(): number {
    return this.timeoutMs;
  }

  /** @internal one operation with its failures mapped onto the typed errors. */
  async call<T>(op: string, idempotent: boolean, run: () => Promise<T>): Promise<T> {
    this.open();
    try {
      return await run();
    } catch (e) {
      if (e instanceof ShardkitError) throw e;
      const outcome = idempotent ? 'not-applied' : 'unknown';
      const what = outcome === 'unknown' ? 'the write may or may not have happened: read before writing again' : 'nothing was changed';
      throw new MetaUnavailableError(`ZooKeeper did not answer ${op} (${e instanceof Error ? e.message : String(e)}); ${what}`, outcome, { cause: e });
    }
  }

  // ---- promisified client calls, each bounded by the request timeout --------

  private timed<T>(run: (done: (error: unknown, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZkCallError('timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      run((error, value) => {
        clearTimeout(timer);
        if (error) reject(toCallError(error));
        else resolve(value as T);
      });
    });
  }

  /** @internal getData. */
  getData(c: Client, path: string): Promise<{ data: Buffer; stat: Stat }> {
    return this.timed((done) => c.getData(path, (error, data, stat) => done(error, { data: data ?? Buffer.alloc(0), stat })));
  }

  private setData(c: Client, path: string, data: Buffer, version: number): Promise<Stat> {
    return this.timed((done) => c.setData(path, data, version, (error, stat) => done(error, stat)));
  }

  private getChildren(c: Client, path: string): Promise<string[]> {
    return this.timed((done) => c.getChildren(path, (error, children) => done(error, children)));
  }

  /** @internal exists: the stat, or undefined. */
  exists(c: Client, path: string): Promise<Stat | undefined> {
    return this.timed((done) => c.exists(path, (error, stat) => done(error, stat ?? undefined)));
  }

  /** @internal remove. */
  remove(c: Client, path: string, version: number): Promise<void> {
    return this.timed((done) => c.remove(path, version, (error) => done(error)));
  }

  /** @internal create; the created path (sequential nodes get their number). */
  create(c: Client, path: string, data: Buffer, mode: number): Promise<string> {
    return this.timed((done) => c.create(path, data, mode, (error, created) => done(error, created)));
  }

  private mkdirp(c: Client, path: string): Promise<string> {
    return this.timed((done) => c.mkdirp(path, (error, created) => done(error, created)));
  }

  private commit(c: Client, ops: readonly TxOp[]): Promise<void> {
    const tx = c.transaction();
    for (const o of ops) {
      if (o.op === 'create') tx.create(o.path, o.data, CreateMode.PERSISTENT);
      else if (o.op === 'set') tx.setData(o.path, o.data, o.version);
      else if (o.op === 'remove') tx.remove(o.path, o.version);
      else tx.check(o.path, o.version);
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZkCallError('timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      tx.commit((error, results: { type: number; err?: number }[] | undefined) => {
        clearTimeout(timer);
        if (!error) return resolve();
        // The op that failed: the first error result that is neither OK (0) nor "rolled back with it" (RUNTIME_INCONSISTENCY).
        const failed = (results ?? []).findIndex((r) => r.type === -1 && r.err !== 0 && r.err !== Exception.RUNTIME_INCONSISTENCY);
        const base = toCallError(error);
        reject(new ZkCallError(base.code, base.message, failed));
      });
    });
  }
}

function toCallError(error: unknown): ZkCallError {
  if (error instanceof ZkCallError) return error;
  const code = typeof (error as { getCode?: unknown })?.getCode === 'function' ? (error as { getCode(): number }).getCode() : Exception.SYSTEM_ERROR;
  return new ZkCallError(code, error instanceof Error ? error.message : String(error));
}

/** Close a client; a socket still connecting is destroyed too (close alone would wait for a server). */
const closedClients = new WeakSet<Client>();
function closeClient(c: Client): void {
  if (closedClients.has(c)) return;
  closedClients.add(c);
  c.close();
  const socket = (c as unknown as { connectionManager?: { socket?: { destroy(): void } } }).connectionManager?.socket;
  const t = setTimeout(() => socket?.destroy(), 1000);
  t.unref();
}

/**
 * One lease: its own ZooKeeper session and the ephemeral node R/leases/l-<id>
 * in it. Ends (node removed, session closed, keys reaped) on revoke, when
 * keepAlive was not called for ttl, or when ZooKeeper expires the session.
 */
class ZkLease implements ZooKeeperLease {
  id = '';
  sessionTimeoutMs = 0;
  private client: Client | undefined;
  private node = '';
  private deadline: LeaseDeadline | undefined;
  private expiry: ReturnType<typeof setTimeout> | undefined;
  private ending: Promise<void> | undefined;
  private lostError: LeaseLostError | undefined;
  private shut = false;
  private told = false;
  private revoked = false;

  constructor(
    private readonly store: ZooKeeperMetaStore,
    readonly ttlMs: number,
    private readonly marginMs: number | undefined,
  ) {}

  get validUntilMs(): number {
    return this.deadline?.validUntilMs ?? -Infinity;
  }

  async start(): Promise<void> {
    const c = this.store.newClient(this.ttlMs);
    this.client = c;
    await this.store.call('grant', true, async () => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ZkCallError('timeout', `no session within ${this.store.requestTimeout} ms`)), this.store.requestTimeout);
        c.once('connected', () => (clearTimeout(timer), resolve()));
        c.connect();
      });
      this.sessionTimeoutMs = c.getSessionTimeout();
      const ttl = Math.min(this.ttlMs, this.sessionTimeoutMs);
      this.deadline = new LeaseDeadline(ttl, this.marginMs ?? defaultMarginMs(ttl));
      const sent = this.deadline.sending();
      const created = await this.store.create(c, this.store.path('leases', 'l-'), Buffer.from(JSON.stringify({ ttlMs: this.ttlMs })), CreateMode.EPHEMERAL_SEQUENTIAL);
      this.node = created.slice(created.lastIndexOf('/') + 1);
      this.id = leaseIdOf(this.node);
      this.deadline.renewed(sent);
      this.armExpiry(sent);
    }).catch((e: unknown) => {
      closeClient(c);
      throw e;
    });
    c.on('expired', () => {
      this.tell();
      if (this.ending === undefined) return void this.end('expired').catch(() => undefined);
      // Ended here already but not on the server (it was unreachable): ZooKeeper has now ended it.
      this.shutdown();
      void this.store.reap(new Set([this.id])).catch(() => undefined);
    });
  }

  async keepAlive(): Promise<void> {
    if (this.ending !== undefined) {
      await this.ending.catch(() => undefined);
      throw this.lostError ?? new LeaseLostError(this.id);
    }
    const deadline = this.deadline as LeaseDeadline;
    const at = deadline.sending();
    let stat: Stat | undefined;
    try {
      stat = await this.store.call('keepalive', true, () => this.store.exists(this.client as Client, this.store.path('leases', this.node)));
    } catch (e) {
      if (e instanceof MetaUnavailableError && codeOf(e.cause) === CODE.SESSION_EXPIRED) {
        this.tell();
        await this.end('expired').catch(() => undefined);
        throw this.lostError as LeaseLostError;
      }
      throw e;
    }
    if (stat === undefined || this.ending !== undefined) {
      await this.end('gone').catch(() => undefined);
      throw this.lostError ?? new LeaseLostError(this.id);
    }
    deadline.renewed(at);
    this.armExpiry(at);
  }

  async revoke(): Promise<void> {
    if (this.ending === undefined) this.revoked = true;
    await this.end('revoked');
  }

  /** Not renewed for ttl: end it as the server would. */
  private armExpiry(sentAt: number): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = setTimeout(() => void this.end('expired locally').catch(() => undefined), Math.max(0, sentAt + this.ttlMs - monotonicMs()));
    this.expiry.unref();
  }

  /**
   * End the lease once: remove its node (on the store's session, so the
   * store's next reads see it gone), close its session, delete its keys.
   * When ZooKeeper cannot be reached the session's client stays open: on
   * reconnecting it learns whether ZooKeeper expired the session meanwhile
   * ('expired': it says so) or not (then the end is finished).
   */
  end(why: 'revoked' | 'expired locally' | 'gone' | 'expired' | 'closed', error?: LeaseLostError): Promise<void> {
    if (error !== undefined) this.lostError = error;
    if (this.ending !== undefined) return this.ending;
    this.lostError ??= new LeaseLostError(this.id);
    this.deadline?.lost();
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.ending = this.finish(why !== 'expired');
    return this.ending;
  }

  private async finish(removeNode: boolean): Promise<void> {
    try {
      await this.store.call('revoke', true, async () => {
        if (removeNode) {
          const vanished = await this.store.remove(this.store.requireMain(), this.store.path('leases', this.node), -1).then(
            () => false,
            (e: unknown) => {
              if (codeOf(e) !== CODE.NO_NODE) throw e;
              return true;
            },
          );
          // Gone before this holder removed it: ZooKeeper ended the session (the client may not have heard yet).
          if (vanished && !this.revoked) this.tell();
        }
        this.shutdown();
        await this.store.reap(new Set([this.id]));
      });
    } catch (e) {
      if (!this.shut && !this.store.isClosed) this.client?.once('connected', () => void this.finish(true).catch(() => undefined));
      throw e;
    }
  }

  /** Say (once) that ZooKeeper expired this lease's session; keepAlive rejects with that from now on. */
  private tell(): void {
    if (this.told) return;
    this.told = true;
    const error = new ZooKeeperSessionExpiredError(this.id, this.sessionTimeoutMs);
    this.lostError = error;
    this.store.sessionLost(error);
  }

  /** Close the session's client and forget the lease (idempotent). */
  shutdown(): void {
    if (this.shut) return;
    this.shut = true;
    if (this.client !== undefined) closeClient(this.client);
    this.store.forgetLease(this);
  }
}

/**
 * The store's reaper: a child watch on R/leases; when a lease node goes, the
 * keys of that lease are deleted (one logged multi). After an error, and at
 * the start, it looks for orphaned keys of any lease.
 */
class Reaper {
  private live: Set<string> | undefined;
  private running = false;
  private again = false;
  private full = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs = 50;

  constructor(
    private readonly store: ZooKeeperMetaStore,
    private readonly budgetMs: number,
  ) {}

  kick(full = false): void {
    if (this.stopped) return;
    this.full ||= full;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.stopped || this.store.isClosed) return;
        await this.store.ready();
        const live = await this.store.liveLeases(() => this.kick());
        const gone = this.live === undefined ? [] : [...this.live].filter((id) => !live.has(id));
        const full = this.full;
        this.full = false;
        this.live = live;
        if (full) await this.store.reap();
        else if (gone.length > 0) await this.store.reap(new Set(gone));
      } while (this.again);
      this.delayMs = 50;
    } catch {
      if (this.stopped || this.store.isClosed) return;
      // Try again, and look at every lease: a change may have been missed.
      this.full = true;
      this.timer = setTimeout(() => this.kick(true), this.delayMs);
      this.timer.unref();
      this.delayMs = Math.min(this.delayMs * 2, Math.max(100, this.budgetMs / 10), 1000);
    } finally {
      this.running = false;
    }
  }
}

/** One watch: reads the log after its last revision whenever R/rev moves. */
class ZkWatch implements Watch {
  private closed = false;
  private checkedCompaction = false;
  private last: number;
  private running = false;
  private again = false;
  private failingSince: number | undefined;
  private delayMs = 50;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: ZooKeeperMetaStore,
    private readonly prefix: string,
    fromRevision: number,
    private readonly handlers: WatchHandlers,
    private readonly budgetMs: number,
    private readonly onClose: () => void,
  ) {
    this.last = fromRevision;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.onClose();
  }

  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.run();
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.close();
    this.handlers.onError(error);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.closed) return;
        await this.store.ready();
        if (!this.checkedCompaction) {
          const compacted = await this.store.compactedRevision();
          if (this.last < compacted) return this.end(new CompactedError(this.last, compacted));
          this.checkedCompaction = true;
        }
        const current = await this.store.armedRevision();
        if (current > this.last) {
          const log = await this.store.readLog(this.last + 1, current);
          if (this.closed) return;
          if (log === undefined) return this.end(new CompactedError(this.last, await this.store.compactedRevision()));
          const events = log.flat().filter((e) => (e.type === 'put' ? e.kv.key : e.key).startsWith(this.prefix));
          this.last = current;
          if (events.length > 0) this.handlers.onEvents(events);
        }
        this.failingSince = undefined;
        this.delayMs = 50;
      } while (this.again && !this.closed);
    } catch (e) {
      this.retry(e);
    } finally {
      this.running = false;
    }
  }

  private retry(why: unknown): void {
    if (this.closed) return;
    const now = monotonicMs();
    this.failingSince ??= now;
    if (now - this.failingSince + this.delayMs > this.budgetMs) {
      return this.end(new MetaUnavailableError(`ZooKeeper watch could not read the change log within ${this.budgetMs} ms (${why instanceof Error ? why.message : String(why)}); last revision delivered: ${this.last}`, 'not-applied', { cause: why }));
    }
    this.timer = setTimeout(() => this.kick(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, 1000);
  }
}
