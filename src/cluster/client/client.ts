/**
 * `ClusterClient`: the partition-aware client (DDIA ch. 6, "Request
 * routing", the third approach). It loads the cluster map and its epoch
 * from the metadata service, computes each key's owner locally under any
 * shardkit placement, keeps one pipelined connection per node, follows
 * MOVED and ASK within `redirectsMax`, refreshes the map once per burst of
 * redirects (./routing.ts), and tells an unreachable owner apart from a
 * stale map. Multi-key commands (MGET, MSET, DEL, EXISTS, UNLINK, TOUCH) are
 * split by slot and owner and reassembled in order; a split MSET is not
 * atomic across owners.
 */
import { InvalidArgumentError } from '../../errors.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { type ClusterMap, decodeMap } from '../map.js';
import { connectMeta } from '../meta/connect.js';
import { META_KEYS, type MetaStore, type Watch } from '../meta/types.js';
import { RespErrorReply, type RespValue } from '../resp/reply-parser.js';
import { type CommandArg, encodeCommand } from '../resp/request-encoder.js';
import { keyIndices, keySpecOf, upperName } from './command-keys.js';
import { NodeConnection, type ConnectionLimits } from './connection.js';
import { ConnectionError, OwnerUnreachableError, RedirectLimitError, ReplyError } from './errors.js';
import { parseRedirect } from './redirect.js';
import { RedirectBudget, RefreshGate, RoutingTable } from './routing.js';

/** Options of `ClusterClient.connect`. Give `meta` (the usual way) or a fixed `map`. */
export interface ClusterClientOptions {
  /** The metadata service: a URL for `connectMeta` (`http://127.0.0.1:7000`) or a MetaStore. */
  readonly meta?: string | MetaStore;
  /** The cluster's name in the metadata service (its keys live under `/shardkit/<cluster>/`). Default `default`. */
  readonly cluster?: string;
  /** A fixed map instead of the metadata service (no refreshes: MOVED is still followed). */
  readonly map?: ClusterMap;
  /** Redirects (MOVED, ASK, TRYAGAIN) followed for one request before RedirectLimitError. Default 5. */
  readonly redirectsMax?: number;
  /** Least time between two map refreshes not forced by an unreachable owner. Default 100 ms. */
  readonly refreshMinIntervalMs?: number;
  /** Watch the map in the metadata service and switch as soon as it changes. Default true. */
  readonly watchMap?: boolean;
  /** Requests in flight per node at most (CapacityError beyond). Default 10,000. */
  readonly maxInFlightPerNode?: number;
  /** Reply wait of the oldest request in flight on a connection. Default 5,000 ms. */
  readonly commandTimeoutMs?: number;
  /** Connect timeout. Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * Wrap every request as `SK.FWD <epoch> <protocol> <command...>`, naming the
   * epoch of the map it was routed under, so a node whose map is older answers
   * TRYAGAIN instead of serving or redirecting by a map it has not yet
   * replaced (the routing tier's shard versioning). Only shardkit nodes
   * understand it. Default false.
   */
  readonly routedEpochs?: boolean;
  /** Wait before retrying a TRYAGAIN reply. Default 20 ms. */
  readonly tryAgainDelayMs?: number;
  readonly clock?: Clock;
}

/** What the client did: the figures a test or a dashboard reads. */
export interface ClusterClientStats {
  requests: number;
  moved: number;
  ask: number;
  tryAgain: number;
  /** MOVED replies leading back to a node the request had been sent to (maps disagreed): settled, not followed. */
  movedBack: number;
  refreshes: number;
  refreshesJoined: number;
  refreshesSkipped: number;
  ownerUnreachable: number;
}

const ASKING = encodeCommand(['ASKING']);

function positiveInt(name: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InvalidArgumentError(name, v, `an integer 0 … ${max}`);
  return v;
}

/** A client of a shardkit cluster. */
export class ClusterClient {
  private table: RoutingTable;
  private readonly conns = new Map<string, NodeConnection>();
  private readonly gate: RefreshGate;
  private readonly limits: ConnectionLimits;
  private readonly redirectsMax: number;
  private readonly tryAgainDelayMs: number;
  private readonly clock: Clock;
  private readonly routedEpochs: boolean;
  private watchHandle: Watch | undefined;
  private closed = false;
  private readonly counters = { requests: 0, moved: 0, ask: 0, tryAgain: 0, movedBack: 0, ownerUnreachable: 0 };

  private constructor(
    map: ClusterMap,
    private readonly store: MetaStore | undefined,
    private readonly ownsStore: boolean,
    private readonly mapKey: string,
    o: ClusterClientOptions,
  ) {
    this.table = new RoutingTable(map);
    this.clock = o.clock ?? systemClock;
    this.routedEpochs = o.routedEpochs === true;
    this.redirectsMax = positiveInt('redirectsMax', o.redirectsMax, 5, 100);
    this.tryAgainDelayMs = positiveInt('tryAgainDelayMs', o.tryAgainDelayMs, 20, 60_000);
    this.limits = {
      maxInFlight: positiveInt('maxInFlightPerNode', o.maxInFlightPerNode, 10_000, 1_000_000) || 1,
      commandTimeoutMs: positiveInt('commandTimeoutMs', o.commandTimeoutMs, 5_000, 3_600_000),
      connectTimeoutMs: positiveInt('connectTimeoutMs', o.connectTimeoutMs, 2_000, 600_000),
    };
    this.gate = new RefreshGate(this.clock, positiveInt('refreshMinIntervalMs', o.refreshMinIntervalMs, 100, 600_000), () => this.refresh());
  }

  /** Connect: load the map (from `meta`, or take `map`), and start watching it. Rejects with a typed error. */
  static async connect(o: ClusterClientOptions): Promise<ClusterClient> {
    if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', o, 'an object with `meta` or `map`');
    const cluster = o.cluster ?? 'default';
    if (typeof cluster !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) throw new InvalidArgumentError('cluster', cluster, 'a name of 1–64 letters, digits, dots, dashes or underscores');
    const mapKey = `/shardkit/${cluster}/${META_KEYS.map}`;
    if (o.map !== undefined) return new ClusterClient(o.map, undefined, false, mapKey, o);
    if (o.meta === undefined) throw new InvalidArgumentError('options', 'neither meta nor map', 'a `meta` address or MetaStore, or a fixed `map`');
    const owns = typeof o.meta === 'string';
    const store = typeof o.meta === 'string' ? connectMeta(o.meta) : o.meta;
    try {
      const listed = await store.list(mapKey);
      const kv = listed.kvs.find((k) => k.key === mapKey);
      if (kv === undefined) throw new InvalidArgumentError('cluster', cluster, `a cluster that has a map in the metadata service (no key ${mapKey})`);
      const client = new ClusterClient(decodeMap(kv.value), store, owns, mapKey, o);
      if (o.watchMap !== false) client.startWatch(listed.revision);
      return client;
    } catch (e) {
      if (owns) await store.close();
      throw e;
    }
  }

  /** The epoch of the map the client routes by. */
  get epoch(): number {
    return this.table.epoch;
  }

  /** The map the client routes by. */
  get map(): ClusterMap {
    return this.table.map;
  }

  /** What the client did so far. */
  stats(): ClusterClientStats {
    const g = this.gate.counts;
    return { ...this.counters, refreshes: g.started, refreshesJoined: g.joined, refreshesSkipped: g.skipped };
  }

  /**
   * Run one command (`'SET', 'k', 'v'`), routed by its keys; multi-key
   * commands are split by slot and owner. Resolves with the reply; an error
   * reply rejects with ReplyError, a spent redirect budget with
   * RedirectLimitError, a down owner with OwnerUnreachableError.
   */
  async command(...args: CommandArg[]): Promise<RespValue> {
    if (args.length === 0) throw new InvalidArgumentError('command', 'no arguments', 'a command name and its arguments');
    const spec = keySpecOf(args);
    const idx = keyIndices(args);
    if ((spec === 'all' || spec === 'pairs') && idx.length > 1) return this.split(args, spec, idx);
    const reply = (await this.execute(args, idx.length > 0 ? (args[idx[0] as number] as CommandArg) : undefined)) as RespValue;
    if (reply instanceof RespErrorReply) throw new ReplyError(reply.message, 'the cluster');
    return reply;
  }

  /**
   * Relay one command for a proxy: routed by its first key (any node when
   * keyless), redirects followed as in `command`, and the reply's raw RESP
   * bytes returned unchanged, encoded in `protocol` when `routedEpochs` is on
   * (the node encodes for the proxy's client). An error reply is returned as
   * bytes, not thrown. Multi-key commands must already be within one slot and
   * owner (split them with `command`).
   */
  async relay(args: readonly CommandArg[], protocol: 2 | 3 = 2): Promise<Buffer> {
    if (args.length === 0) throw new InvalidArgumentError('command', 'no arguments', 'a command name and its arguments');
    const idx = keyIndices(args);
    return (await this.execute(args, idx.length > 0 ? (args[idx[0] as number] as CommandArg) : undefined, protocol)) as Buffer;
  }

  /** Run a keyless command on every node of the map (DBSIZE, FLUSHALL): the replies in map order; error replies as values. */
  async onEveryNode(...args: CommandArg[]): Promise<RespValue[]> {
    const request = encodeCommand(args);
    return Promise.all(this.table.nodes.map((n) => this.conn(`${n.host}:${n.port}`, n.host, n.port).send(request)));
  }

  /** Requests in flight to each node now (address → count). */
  inFlightByNode(): Map<string, number> {
    return new Map([...this.conns].map(([a, c]) => [a, c.inFlight]));
  }

  /** GET. */
  async get(key: CommandArg): Promise<Buffer | null> {
    return (await this.command('GET', key)) as Buffer | null;
  }

  /** SET with optional flags (`'NX'`, `'PX', '100'` …). */
  async set(key: CommandArg, value: CommandArg, ...flags: CommandArg[]): Promise<string | Buffer | null> {
    return (await this.command('SET', key, value, ...flags)) as string | Buffer | null;
  }

  /** MGET across any keys: split per slot and owner, values in the order asked. */
  async mget(keys: readonly CommandArg[]): Promise<(Buffer | null)[]> {
    return (await this.command('MGET', ...keys)) as (Buffer | null)[];
  }

  /** MSET across any keys; atomic only within one slot and owner. */
  async mset(pairs: readonly (readonly [CommandArg, CommandArg])[]): Promise<void> {
    await this.command('MSET', ...pairs.flat());
  }

  /** DEL across any keys: how many existed. */
  async del(...keys: CommandArg[]): Promise<number> {
    return (await this.command('DEL', ...keys)) as number;
  }

  /** Stop watching, close every connection (requests in flight are rejected). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchHandle?.close();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    if (this.ownsStore) await this.store?.close();
  }

  private async split(args: readonly CommandArg[], spec: 'all' | 'pairs', idx: readonly number[]): Promise<RespValue> {
    const name = args[0] as CommandArg;
    const groups = new Map<string, number[]>();
    for (const i of idx) {
      const g = this.table.groupOf(args[i] as CommandArg);
      const list = groups.get(g);
      if (list === undefined) groups.set(g, [i]);
      else list.push(i);
    }
    const parts = [...groups.values()];
    const replies = await Promise.all(
      parts.map((members) => {
        const sub: CommandArg[] = [name];
        for (const i of members) sub.push(...(spec === 'pairs' ? [args[i] as CommandArg, args[i + 1] as CommandArg] : [args[i] as CommandArg]));
        return this.execute(sub, args[members[0] as number] as CommandArg) as Promise<RespValue>;
      }),
    );
    const failed = replies.find((r) => r instanceof RespErrorReply);
    if (failed instanceof RespErrorReply) throw new ReplyError(failed.message, 'the cluster');
    if (spec === 'pairs') return 'OK';
    if (upperName(name) === 'MGET') {
      const out = new Map<number, RespValue>();
      parts.forEach((members, j) => members.forEach((i, k) => out.set(i, (replies[j] as RespValue[])[k] as RespValue)));
      return idx.map((i) => out.get(i) as RespValue);
    }
    return replies.reduce<number>((sum, r) => sum + (r as number), 0);
  }

  private conn(address: string, host: string, port: number): NodeConnection {
    let c = this.conns.get(address);
    if (c === undefined) {
      c = new NodeConnection(host, port, this.limits, () => this.clock.now());
      this.conns.set(address, c);
    }
    return c;
  }

  /** The request for `args` routed under `epoch`: plain, or wrapped in SK.FWD when `routedEpochs` is on. */
  private encodeFor(args: readonly CommandArg[], epoch: number, protocol: 2 | 3): Buffer {
    return this.routedEpochs ? encodeCommand(['SK.FWD', String(epoch), protocol === 3 ? '3' : '2', ...args]) : encodeCommand(args);
  }

  /**
   * Send `args` to the owner of `key` (any node when keyless), following
   * redirects within the budget. With `rawProtocol`, resolves with the raw
   * reply bytes (a relay), else with the decoded value.
   */
  private async execute(args: readonly CommandArg[], key: CommandArg | undefined, rawProtocol?: 2 | 3): Promise<RespValue | Buffer> {
    this.counters.requests++;
    const raw = rawProtocol !== undefined;
    let routed = this.table;
    let request = this.encodeFor(args, routed.epoch, rawProtocol ?? 2);
    let target = key === undefined ? (routed.nodes[0] as { host: string; port: number }) : routed.ownerOf(key);
    let asking = false;
    const budget = new RedirectBudget(this.redirectsMax);
    let last = '';
    let unreachableRetried = false;
    for (;;) {
      const address = `${target.host}:${target.port}`;
      budget.visit(address);
      const c = this.conn(address, target.host, target.port);
      let reply: RespValue | Buffer;
      try {
        if (asking) void c.send(ASKING).catch(() => undefined);
        reply = raw ? await c.sendRaw(request) : await c.send(request);
      } catch (e) {
        if (!(e instanceof ConnectionError) || this.closed || unreachableRetried) {
          if (e instanceof ConnectionError && !this.closed) {
            this.counters.ownerUnreachable++;
            const id = this.table.nodeAt(address)?.id ?? address;
            throw new OwnerUnreachableError(id, address, this.table.epoch, e);
          }
          throw e;
        }
        unreachableRetried = true;
        await this.gate.request(routed.epoch, this.table.epoch, true);
        routed = this.table;
        request = this.encodeFor(args, routed.epoch, rawProtocol ?? 2);
        target = key === undefined ? (routed.nodes.find((n) => `${n.host}:${n.port}` !== address) ?? target) : routed.ownerOf(key);
        asking = false;
        continue;
      }
      const message = errorText(reply, raw);
      if (message === undefined) return reply;
      const redirect = parseRedirect(message, target.host);
      const tryAgain = redirect === undefined && message.startsWith('TRYAGAIN');
      if (redirect === undefined && !tryAgain) return reply;
      if (!budget.take()) throw new RedirectLimitError(this.redirectsMax, last || message, this.table.epoch);
      last = message;
      if (tryAgain) {
        this.counters.tryAgain++;
        await new Promise((r) => setTimeout(r, this.tryAgainDelayMs));
        if (this.table !== routed && key !== undefined) {
          routed = this.table;
          request = this.encodeFor(args, routed.epoch, rawProtocol ?? 2);
          target = routed.ownerOf(key);
          asking = false;
        }
        continue;
      }
      if (redirect === undefined) return reply;
      asking = redirect.kind === 'ASK';
      if (asking) this.counters.ask++;
      else {
        this.counters.moved++;
        const refreshed = this.gate.request(routed.epoch, this.table.epoch);
        if (key !== undefined && budget.onMoved(`${redirect.host}:${redirect.port}`) === 'settle') {
          this.counters.movedBack++;
          // Wait for the refresh, but never longer than the TRYAGAIN delay: a metadata service
          // that does not answer must not hold the request.
          let timer: NodeJS.Timeout | undefined;
          const slept = new Promise<'slept'>((r) => (timer = setTimeout(() => r('slept'), this.tryAgainDelayMs)));
          const first = await Promise.race([refreshed.then(() => 'refreshed' as const), slept]);
          if (this.table.epoch > routed.epoch) {
            clearTimeout(timer);
            routed = this.table;
            request = this.encodeFor(args, routed.epoch, rawProtocol ?? 2);
            target = routed.ownerOf(key);
            continue;
          }
          if (first === 'refreshed') await slept;
        }
      }
      target = { host: redirect.host, port: redirect.port };
    }
  }

  /** Load the map again; adopt it only when its epoch is newer. */
  private async refresh(): Promise<void> {
    if (this.store === undefined || this.closed) return;
    const kv = await this.store.get(this.mapKey);
    if (kv !== undefined) this.adopt(decodeMap(kv.value));
  }

  private adopt(map: ClusterMap): void {
    if (map.epoch > this.table.epoch) this.table = new RoutingTable(map);
  }

  private startWatch(fromRevision: number): void {
    const store = this.store;
    if (store === undefined || this.closed) return;
    this.watchHandle = store.watch(this.mapKey, fromRevision, {
      onEvents: (events) => {
        for (const ev of events) {
          if (ev.type === 'put' && ev.kv.key === this.mapKey) {
            try {
              this.adopt(decodeMap(ev.kv.value));
            } catch {
              // A damaged map in the store: keep routing by the one we have.
            }
          }
        }
      },
      onError: () => {
        if (this.closed) return;
        setTimeout(() => {
          if (this.closed) return;
          void store
            .list(this.mapKey)
            .then((listed) => {
              const kv = listed.kvs.find((k) => k.key === this.mapKey);
              if (kv !== undefined) this.adopt(decodeMap(kv.value));
              this.startWatch(listed.revision);
            })
            .catch(() => this.startWatch(fromRevision));
        }, 500).unref();
      },
    });
  }
}

/** The text of an error reply (decoded, or raw RESP `-...` bytes), or undefined when the reply is not an error. */
function errorText(reply: RespValue | Buffer, raw: boolean): string | undefined {
  if (!raw) return reply instanceof RespErrorReply ? reply.message : undefined;
  const b = reply as Buffer;
  return b[0] === 0x2d ? b.toString('latin1', 1, b.length - 2) : undefined;
}
