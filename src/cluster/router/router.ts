/**
 * The routing tier (DDIA ch. 6, "Request routing", the second approach:
 * mongos, vtgate, twemproxy): a RESP server any Redis client talks to as to
 * one Redis, which routes each command to the key's owner. It holds the
 * cluster map through `ClusterClient` (the map watched in the metadata
 * service, MOVED/ASK followed within a budget, one refresh per burst),
 * relays each single-owner command as `SK.FWD <epoch> <protocol> ...` so the
 * node checks the router's map epoch against its own and encodes the reply
 * in the client's protocol, and relays the reply bytes unchanged. Multi-key
 * MGET/MSET/DEL/EXISTS/UNLINK/TOUCH across slots are split per slot and
 * owner and reassembled (a split MSET is not atomic). Replies keep request
 * order per client connection.
 *
 * Bounds: `maxClients` connections, `maxPipelineDepth` unreplied requests per
 * connection (reading pauses beyond), `maxInFlightPerNode` requests in flight
 * per node connection (TRYAGAIN beyond).
 */
import * as net from 'node:net';
import { InvalidArgumentError } from '../../errors.js';
import { ClusterClient } from '../client/client.js';
import { keyIndices, keySpecOf, upperName } from '../client/command-keys.js';
import type { MetaStore } from '../meta/types.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../resp/request-parser.js';
import { RespErrorReply } from '../resp/reply-parser.js';
import { REFUSED, arityError, encodeWith, errorReply, errorReplyText, hello, infoText, writeValue } from './commands.js';
import { type RequestHandler, RouterSession } from './session.js';

/** Options of `startRouter`. */
export interface RouterOptions {
  /** The metadata service: a URL (`http://127.0.0.1:7100`) or a MetaStore. */
  readonly meta: string | MetaStore;
  /** The cluster's name in the metadata service. Default `default`. */
  readonly cluster?: string;
  readonly host?: string;
  /** TCP port; 0 for any free port. */
  readonly port: number;
  /** Client connections at most (one more is told so and closed). Default 10,000. */
  readonly maxClients?: number;
  /** Unreplied requests per client connection; reading pauses beyond. Default 1,024. */
  readonly maxPipelineDepth?: number;
  /** Unsent reply bytes per client connection; reading pauses beyond. Default 16 MiB. */
  readonly maxOutputBytes?: number;
  /** Requests in flight per node connection (TRYAGAIN beyond). Default 10,000. */
  readonly maxInFlightPerNode?: number;
  /** Redirects and TRYAGAIN retries followed for one request. Default 10. */
  readonly redirectsMax?: number;
  /** Reply wait per request to a node. Default 5,000 ms. */
  readonly commandTimeoutMs?: number;
  readonly request?: RequestLimits;
}

/** What the router did. */
export interface RouterStats {
  readonly epoch: number;
  readonly clients: number;
  /** Commands received from clients. */
  readonly requests: number;
  /** Multi-key commands split over several slots or owners. */
  readonly fannedOut: number;
  readonly moved: number;
  readonly ask: number;
  readonly tryAgain: number;
  readonly refreshes: number;
  /** Error replies the router made itself (node errors relayed are not counted). */
  readonly errors: number;
}

/** A running router. */
export interface RunningRouter {
  readonly port: number;
  readonly host: string;
  stats(): RouterStats;
  /** The epoch of the map the router routes by. */
  epoch(): number;
  /** Stop listening, close client and node connections. */
  close(): Promise<void>;
}

function limit(name: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new InvalidArgumentError(name, v, `an integer 1 … ${max}`);
  return v;
}

const OK = Buffer.from('+OK\r\n');
const PONG = Buffer.from('+PONG\r\n');

class Router implements RequestHandler {
  readonly sessions = new Set<RouterSession>();
  readonly counters = { requests: 0, fannedOut: 0, errors: 0 };
  readonly startedAtMs = performance.now();
  port = 0;

  constructor(readonly client: ClusterClient) {}

  stats(): RouterStats {
    const s = this.client.stats();
    return { epoch: this.client.epoch, clients: this.sessions.size, ...this.counters, moved: s.moved, ask: s.ask, tryAgain: s.tryAgain, refreshes: s.refreshes };
  }

  failure(e: unknown): Buffer {
    this.counters.errors++;
    return errorReply(errorReplyText(e));
  }

  handle(s: RouterSession, args: Buffer[]): Buffer | Promise<Buffer> {
    this.counters.requests++;
    const name = upperName(args[0] as Buffer);
    const spec = keySpecOf(args);
    if (spec !== 'none') {
      const keys = keyIndices(args);
      if (keys.length > 1 && (spec === 'all' || (spec === 'pairs' && name === 'MSET'))) return this.fanOut(s, args);
      return this.client.relay(args, s.protocol);
    }
    return this.own(s, name, args);
  }

  /** A multi-key command: one relay when every key is in one slot and owner, else split and reassembled. */
  private async fanOut(s: RouterSession, args: Buffer[]): Promise<Buffer> {
    this.counters.fannedOut++;
    try {
      const v = await this.client.command(...args);
      return encodeWith(s.protocol, (w) => writeValue(w, v));
    } catch (e) {
      return this.failure(e);
    }
  }

  private own(s: RouterSession, name: string, args: Buffer[]): Buffer | Promise<Buffer> {
    const n = args.length;
    switch (name) {
      case 'PING':
        if (n > 2) return arityError(name);
        return n === 1 ? PONG : encodeWith(s.protocol, (w) => w.bulk(args[1] as Buffer));
      case 'ECHO':
        if (n !== 2) return arityError(name);
        return encodeWith(s.protocol, (w) => w.bulk(args[1] as Buffer));
      case 'QUIT':
        s.closeAfterReplies();
        return OK;
      case 'SELECT':
        if (n !== 2) return arityError(name);
        return (args[1] as Buffer).toString('latin1') === '0' ? OK : errorReply('ERR DB index is out of range');
      case 'HELLO': {
        const r = hello(args, s.protocol, s.id);
        if (Buffer.isBuffer(r)) return r;
        s.protocol = r.protocol;
        if (r.name !== undefined) s.name = r.name;
        return r.reply;
      }
      case 'COMMAND':
        return n > 1 && (args[1] as Buffer).toString('latin1').toUpperCase() === 'COUNT' ? Buffer.from(':0\r\n') : Buffer.from('*0\r\n');
      case 'CLIENT':
        return this.clientCommand(s, args);
      case 'DBSIZE':
        return this.dbsize().then((total) => Buffer.from(`:${total}\r\n`));
      case 'FLUSHALL':
      case 'FLUSHDB':
        return this.everyNode(args);
      case 'INFO':
        return this.info(s, args);
      default: {
        const refused = REFUSED.get(name);
        this.counters.errors++;
        if (refused !== undefined) return errorReply(refused);
        const shown = (args[0] as Buffer).toString().slice(0, 128);
        return errorReply(`ERR unknown command '${shown}', with args beginning with: ${args.slice(1, 4).map((a) => `'${a.toString().slice(0, 64)}'`).join(' ')}`);
      }
    }
  }

  private clientCommand(s: RouterSession, args: Buffer[]): Buffer {
    if (args.length < 2) return arityError('client');
    const sub = (args[1] as Buffer).toString('latin1').toUpperCase();
    if (sub === 'SETNAME' && args.length === 3) {
      s.name = (args[2] as Buffer).toString();
      return OK;
    }
    if (sub === 'GETNAME') return encodeWith(s.protocol, (w) => w.bulk(s.name === '' ? null : s.name));
    if (sub === 'ID') return Buffer.from(`:${s.id}\r\n`);
    if (sub === 'SETINFO' && args.length === 4) return OK;
    this.counters.errors++;
    return errorReply(`ERR CLIENT ${sub.toLowerCase()} is not supported by the router (supported: SETNAME, GETNAME, ID, SETINFO)`);
  }

  private async dbsize(): Promise<number> {
    const replies = await this.client.onEveryNode('DBSIZE');
    let total = 0;
    for (const r of replies) {
      if (typeof r !== 'number') throw new Error(`a node answered DBSIZE with ${r instanceof RespErrorReply ? r.message : String(r)}`);
      total += r;
    }
    return total;
  }

  private async everyNode(args: Buffer[]): Promise<Buffer> {
    const replies = await this.client.onEveryNode(...args);
    const bad = replies.find((r) => r instanceof RespErrorReply);
    return bad instanceof RespErrorReply ? errorReply(bad.message) : OK;
  }

  private async info(s: RouterSession, args: Buffer[]): Promise<Buffer> {
    const asked = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
    const st = this.stats();
    const map = this.client.map;
    const wantsKeyspace = asked.length === 0 || asked.some((a) => a === 'keyspace' || a === 'all' || a === 'everything' || a === 'default');
    const dbsize = wantsKeyspace ? await this.dbsize().catch(() => undefined) : undefined;
    const text = infoText({ ...st, nodes: map.nodes.length, strategy: map.strategy, uptimeMs: performance.now() - this.startedAtMs, port: this.port }, asked, dbsize);
    return encodeWith(s.protocol, (w) => w.verbatim(text));
  }
}

/**
 * Start a router: connect to the metadata service, load the map (rejects
 * when the cluster has none), and listen. Resolves once it serves.
 */
export async function startRouter(o: RouterOptions): Promise<RunningRouter> {
  const maxClients = limit('maxClients', o.maxClients, 10_000, 1_000_000);
  const sessionLimits = {
    maxPipelineDepth: limit('maxPipelineDepth', o.maxPipelineDepth, 1024, 1_000_000),
    maxOutputBytes: limit('maxOutputBytes', o.maxOutputBytes, 16 * 1024 * 1024, 1024 * 1024 * 1024),
    request: o.request ?? DEFAULT_REQUEST_LIMITS,
  };
  const client = await ClusterClient.connect({
    meta: o.meta,
    cluster: o.cluster,
    routedEpochs: true,
    redirectsMax: o.redirectsMax ?? 10,
    maxInFlightPerNode: o.maxInFlightPerNode,
    commandTimeoutMs: o.commandTimeoutMs,
  });
  const router = new Router(client);
  let nextId = 1;
  const server = net.createServer((socket) => {
    if (router.sessions.size >= maxClients) {
      socket.on('error', () => socket.destroy());
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const session = new RouterSession(socket, nextId++, router, sessionLimits);
    router.sessions.add(session);
    socket.on('close', () => router.sessions.delete(session));
  });
  const host = o.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, host, () => resolve());
    });
  } catch (e) {
    await client.close();
    throw e;
  }
  const port = (server.address() as net.AddressInfo).port;
  router.port = port;
  return {
    port,
    host,
    stats: () => router.stats(),
    epoch: () => client.epoch,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of router.sessions) s.destroy();
      await client.close();
      await closed;
    },
  };
}
