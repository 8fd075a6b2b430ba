/**
 * What the routing tier answers itself, and how it turns a routed or
 * fanned-out outcome into reply bytes in the client's protocol. The router
 * answers PING, ECHO, HELLO, QUIT, SELECT 0, COMMAND, CLIENT and INFO; sums
 * DBSIZE over the nodes; runs FLUSHALL/FLUSHDB on every node; refuses
 * CLUSTER (a router is not a cluster node: clients must not try to route by
 * themselves through it), SCAN, KEYS and RANDOMKEY (keys live on several
 * nodes; scan each node) and any command it does not know. No I/O.
 */
import { CapacityError, ShardkitError } from '../../errors.js';
import { OwnerUnreachableError, RedirectLimitError, ReplyError } from '../client/errors.js';
import { RespErrorReply, type RespValue } from '../resp/reply-parser.js';
import { type Protocol, ReplyWriter } from '../resp/reply-writer.js';
import type { RouterStats } from './router.js';

/** The text of an error reply for `e`, with the Redis code a client can act on. */
export function errorReplyText(e: unknown): string {
  const clean = (s: string): string => s.replace(/[\r\n]/g, ' ');
  if (e instanceof ReplyError) return clean(e.reply);
  if (e instanceof RedirectLimitError || e instanceof CapacityError) return clean(`TRYAGAIN ${e.message}`);
  if (e instanceof OwnerUnreachableError) return clean(`CLUSTERDOWN ${e.message}`);
  if (e instanceof ShardkitError) return clean(`${e.retriable ? 'TRYAGAIN' : 'ERR'} ${e.message}`);
  return clean(`ERR router failure: ${e instanceof Error ? e.message : String(e)}`);
}

/** Encode one reply in `protocol`. */
export function encodeWith(protocol: Protocol, write: (w: ReplyWriter) => void): Buffer {
  const w = new ReplyWriter(protocol);
  write(w);
  return w.take();
}

/** An error reply. */
export function errorReply(text: string): Buffer {
  return Buffer.from(`-${text.replace(/[\r\n]/g, ' ')}\r\n`);
}

/** Write a decoded reply value again, in the writer's protocol (for fanned-out commands). */
export function writeValue(w: ReplyWriter, v: RespValue): void {
  if (v === null) w.null();
  else if (typeof v === 'string') w.simple(v);
  else if (typeof v === 'number' || typeof v === 'bigint') w.integer(v);
  else if (typeof v === 'boolean') w.integer(v ? 1 : 0);
  else if (Buffer.isBuffer(v)) w.bulk(v);
  else if (v instanceof RespErrorReply) w.error(v.message);
  else if (Array.isArray(v)) {
    w.array(v.length);
    for (const x of v) writeValue(w, x);
  } else w.error('ERR the router cannot relay this reply type');
}

/** Figures of the INFO router section: the router's stats and what it runs on. */
export interface RouterInfo extends RouterStats {
  readonly nodes: number;
  readonly strategy: string;
  readonly uptimeMs: number;
  readonly port: number;
}

const SECTIONS = ['server', 'clients', 'router', 'keyspace'];

/** INFO text: the sections asked for (default: all). */
export function infoText(info: RouterInfo, asked: readonly string[], dbsize: number | undefined): string {
  const want = asked.length === 0 || asked.some((a) => a === 'all' || a === 'everything' || a === 'default') ? SECTIONS : asked;
  const out: string[] = [];
  if (want.includes('server')) {
    out.push('# Server', 'redis_version:7.2.0', 'shardkit_role:router', 'redis_mode:standalone', `tcp_port:${info.port}`, `uptime_in_seconds:${Math.floor(info.uptimeMs / 1000)}`, 'loading:0', '');
  }
  if (want.includes('clients')) out.push('# Clients', `connected_clients:${info.clients}`, '');
  if (want.includes('router')) {
    out.push(
      '# Router',
      `router_map_epoch:${info.epoch}`,
      `router_map_strategy:${info.strategy}`,
      `router_nodes:${info.nodes}`,
      `router_requests:${info.requests}`,
      `router_fanned_out:${info.fannedOut}`,
      `router_redirects:${info.moved + info.ask + info.tryAgain}`,
      `router_moved:${info.moved}`,
      `router_ask:${info.ask}`,
      `router_tryagain:${info.tryAgain}`,
      `router_refreshes:${info.refreshes}`,
      `router_errors:${info.errors}`,
      '',
    );
  }
  if (want.includes('keyspace') && dbsize !== undefined) out.push('# Keyspace', ...(dbsize > 0 ? [`db0:keys=${dbsize},expires=0,avg_ttl=0`] : []), '');
  return out.join('\r\n');
}

/** Wrong-arity reply, in Redis's words. */
export function arityError(name: string): Buffer {
  return errorReply(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: the new protocol and the reply, or an error reply. */
export function hello(args: readonly Buffer[], current: Protocol, id: number): { protocol: Protocol; name?: string; reply: Buffer } | Buffer {
  let protocol = current;
  let name: string | undefined;
  if (args.length > 1) {
    const v = (args[1] as Buffer).toString('latin1');
    if (v !== '2' && v !== '3') return errorReply('NOPROTO unsupported protocol version');
    protocol = Number(v) as Protocol;
    for (let i = 2; i < args.length; i++) {
      const opt = (args[i] as Buffer).toString('latin1').toUpperCase();
      if (opt === 'AUTH' && i + 2 < args.length) i += 2;
      else if (opt === 'SETNAME' && i + 1 < args.length) name = (args[++i] as Buffer).toString();
      else return errorReply(`ERR Syntax error in HELLO option '${opt.toLowerCase()}'`);
    }
  }
  const reply = encodeWith(protocol, (w) => {
    w.map(7);
    w.bulk('server');
    w.bulk('shardkit-router');
    w.bulk('version');
    w.bulk('7.2.0');
    w.bulk('proto');
    w.integer(protocol);
    w.bulk('id');
    w.integer(id);
    w.bulk('mode');
    w.bulk('standalone');
    w.bulk('role');
    w.bulk('master');
    w.bulk('modules');
    w.array(0);
  });
  return name === undefined ? { protocol, reply } : { protocol, name, reply };
}

/** Commands refused, with the reason the client sees. */
export const REFUSED: ReadonlyMap<string, string> = new Map([
  ['CLUSTER', 'ERR this is a shardkit router, not a cluster node: CLUSTER commands are not served here (connect without cluster mode; the router routes)'],
  ['SCAN', 'ERR SCAN is not supported through the router (keys live on several nodes: scan each node)'],
  ['KEYS', 'ERR KEYS is not supported through the router (keys live on several nodes: ask each node)'],
  ['RANDOMKEY', 'ERR RANDOMKEY is not supported through the router'],
  ['MULTI', 'ERR MULTI is not supported through the router (no transactions across nodes)'],
  ['ASKING', 'ERR ASKING is for cluster clients; the router follows ASK itself'],
  ['SK.FWD', 'ERR SK.FWD is internal to shardkit nodes'],
]);
