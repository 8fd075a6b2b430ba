/**
 * Connection and server commands: PING, ECHO, HELLO, QUIT, SELECT, INFO,
 * COMMAND (COUNT, INFO, DOCS, LIST), CLIENT (SETNAME, GETNAME, SETINFO, ID,
 * INFO), READONLY, READWRITE, ASKING. Replies as Redis 7 gives them.
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext, Session } from '../context.js';
import { type CommandSpec, allCommands, arityError, arityOk, defineCommands, lookupCommand } from '../command-table.js';
import { infoText } from './info.js';
import { globMatcher } from './glob.js';

/** The Redis version we answer as (clients gate features on it); our own version is in INFO shardkit. */
export const REDIS_COMPAT_VERSION = '7.2.0';

function hello(ctx: NodeContext, s: Session, a: Buffer[], w: ReplyWriter): void {
  let i = 1;
  if (a.length > 1) {
    const v = (a[1] as Buffer).toString('latin1');
    if (!/^[0-9]+$/.test(v)) return w.error('ERR Protocol version is not an integer or out of range');
    if (v !== '2' && v !== '3') return w.error('NOPROTO unsupported protocol version');
    s.protocol = v === '3' ? 3 : 2;
    w.protocol = s.protocol;
    i = 2;
  }
  for (; i < a.length; i++) {
    const opt = (a[i] as Buffer).toString('latin1').toUpperCase();
    if (opt === 'SETNAME' && i + 1 < a.length) s.name = (a[++i] as Buffer).toString('utf8');
    else if (opt === 'AUTH' && i + 2 < a.length) i += 2; // no authentication: any credentials are accepted
    else return w.error(`ERR Syntax error in HELLO option '${(a[i] as Buffer).toString('utf8')}'`);
  }
  w.map(7);
  w.bulk('server');
  w.bulk('redis');
  w.bulk('version');
  w.bulk(REDIS_COMPAT_VERSION);
  w.bulk('proto');
  w.integer(s.protocol);
  w.bulk('id');
  w.integer(s.id);
  w.bulk('mode');
  w.bulk('cluster');
  w.bulk('role');
  w.bulk('master');
  w.bulk('modules');
  w.array(0);
}

function commandInfo(spec: CommandSpec, w: ReplyWriter, prefix = ''): void {
  w.array(10);
  w.bulk(prefix + spec.name);
  w.integer(spec.arity);
  w.set(spec.flags.length);
  for (const f of spec.flags) w.simple(f);
  w.integer(spec.firstKey);
  w.integer(spec.lastKey);
  w.integer(spec.step);
  w.set(0); // ACL categories
  w.set(0); // tips
  w.array(0); // key specs
  const subs = spec.subcommands ?? [];
  w.array(subs.length);
  for (const sub of subs) commandInfo(sub, w, `${spec.name}|`);
}

function command(_ctx: NodeContext, _s: Session, a: Buffer[], w: ReplyWriter): void {
  const specs = allCommands();
  if (a.length === 1) {
    w.array(specs.length);
    for (const s of specs) commandInfo(s, w);
    return;
  }
  const sub = (a[1] as Buffer).toString('latin1').toLowerCase();
  const names = a.slice(2).map((b) => b.toString('latin1'));
  if (sub === 'count' && a.length === 2) return w.integer(specs.length);
  if (sub === 'list' && a.length === 2) {
    w.array(specs.length);
    for (const s of specs) w.bulk(s.name);
    return;
  }
  if (sub === 'info') {
    const list = names.length === 0 ? specs : names.map((n) => lookupCommand(n));
    w.array(list.length);
    for (const s of list) {
      if (s === undefined) w.nullArray();
      else commandInfo(s, w);
    }
    return;
  }
  if (sub === 'docs') {
    const list = (names.length === 0 ? specs : names.map((n) => lookupCommand(n))).filter((s): s is CommandSpec => s !== undefined);
    w.map(list.length);
    for (const s of list) {
      w.bulk(s.name);
      w.map(3);
      w.bulk('summary');
      w.bulk(s.summary);
      w.bulk('since');
      w.bulk('1.0.0');
      w.bulk('group');
      w.bulk(s.group);
    }
    return;
  }
  if (['count', 'list'].includes(sub)) return arityError(w, `command|${sub}`);
  w.error(`ERR unknown subcommand '${(a[1] as Buffer).toString('utf8')}'. Try COMMAND HELP.`);
}

/** CONFIG GET over the few parameters tools read (redis-benchmark reads `save` and `appendonly`). */
function config(ctx: NodeContext, _s: Session, a: Buffer[], w: ReplyWriter): void {
  const sub = (a[1] as Buffer).toString('latin1').toLowerCase();
  if (sub !== 'get') return w.error(sub === 'set' || sub === 'resetstat' || sub === 'rewrite' ? `ERR CONFIG ${sub.toUpperCase()} is not supported by shardkit nodes` : `ERR unknown subcommand '${(a[1] as Buffer).toString('utf8')}'. Try CONFIG HELP.`);
  if (a.length < 3) return arityError(w, 'config|get');
  const params = new Map<string, string>([
    ['save', ''],
    ['appendonly', 'no'],
    ['appendfsync', ctx.fsync === 'always' ? 'always' : ctx.fsync === 'interval' ? 'everysec' : 'no'],
    ['cluster-enabled', 'yes'],
    ['databases', '1'],
  ]);
  const patterns = a.slice(2).map((p) => globMatcher(Buffer.from(p.toString('latin1').toLowerCase(), 'latin1')));
  const hits = [...params].filter(([name]) => patterns.some((m) => m(Buffer.from(name, 'latin1'))));
  w.map(hits.length);
  for (const [name, value] of hits) {
    w.bulk(name);
    w.bulk(value);
  }
}

function client(ctx: NodeContext, s: Session, a: Buffer[], w: ReplyWriter): void {
  const sub = (a[1] as Buffer).toString('latin1').toLowerCase();
  const arity = new Map([['setname', 3], ['getname', 2], ['id', 2], ['info', 2], ['setinfo', 4]]).get(sub);
  if (arity === undefined) return w.error(`ERR unknown subcommand '${(a[1] as Buffer).toString('utf8')}'. Try CLIENT HELP.`);
  if (!arityOk(arity, a.length)) return arityError(w, `client|${sub}`);
  if (sub === 'setname') {
    const name = (a[2] as Buffer).toString('utf8');
    if (/[\s]/.test(name)) return w.error('ERR Client names cannot contain spaces, newlines or special characters.');
    s.name = name;
    return w.simple('OK');
  }
  if (sub === 'getname') return w.bulk(s.name === '' ? null : s.name);
  if (sub === 'id') return w.integer(s.id);
  if (sub === 'info') return w.verbatim(`id=${s.id} name=${s.name} db=0 resp=${s.protocol} lib-name=${s.libName} lib-ver=${s.libVersion}\n`);
  const attr = (a[2] as Buffer).toString('latin1').toLowerCase();
  if (attr === 'lib-name') s.libName = (a[3] as Buffer).toString('utf8');
  else if (attr === 'lib-ver') s.libVersion = (a[3] as Buffer).toString('utf8');
  else return w.error(`ERR Unrecognized option '${(a[2] as Buffer).toString('utf8')}'`);
  void ctx;
  w.simple('OK');
}

const spec = (name: string, arity: number, flags: string[], summary: string, handler: CommandSpec['handler'], group = 'connection', subcommands?: CommandSpec[]): CommandSpec => ({
  name,
  arity,
  flags,
  firstKey: 0,
  lastKey: 0,
  step: 0,
  group,
  summary,
  handler,
  subcommands,
});

const sub = (name: string, arity: number): CommandSpec => spec(name, arity, ['loading', 'stale'], name, () => undefined);

defineCommands([
  spec('ping', -1, ['fast'], 'Returns the server\'s liveliness response.', (_c, s, a, w) => {
    if (a.length > 2) return arityError(w, 'ping');
    if (a.length === 2) return w.bulk(a[1] as Buffer);
    w.simple('PONG');
    void s;
  }),
  spec('echo', 2, ['fast'], 'Returns the given string.', (_c, _s, a, w) => w.bulk(a[1] as Buffer)),
  spec('hello', -1, ['fast', 'no-auth'], 'Handshakes with the server.', hello),
  spec('quit', -1, ['fast', 'no-auth'], 'Closes the connection.', (_c, _s, _a, w) => {
    w.simple('OK');
    return 'close';
  }),
  spec('select', 2, ['fast'], 'Changes the selected database.', (_c, _s, a, w) => {
    const db = (a[1] as Buffer).toString('latin1');
    if (!/^-?[0-9]+$/.test(db)) return w.error('ERR value is not an integer or out of range');
    if (Number(db) !== 0) return w.error('ERR SELECT is not allowed in cluster mode');
    w.simple('OK');
  }),
  spec('info', -1, ['stale'], 'Returns information and statistics about the server.', (ctx, _s, a, w) => w.verbatim(infoText(ctx, a.slice(1).map((b) => b.toString('latin1').toLowerCase()))), 'server'),
  spec('command', -1, ['loading', 'stale'], 'Returns detailed information about all commands.', command, 'server', [sub('count', 2), sub('docs', -2), sub('info', -2), sub('list', -2)]),
  spec('config', -2, ['admin', 'loading', 'stale'], 'Reads server configuration (GET only).', config, 'server', [sub('get', -3)]),
  spec('client', -2, ['loading', 'stale'], 'Connection commands.', client, 'connection', [sub('setname', 3), sub('getname', 2), sub('setinfo', 4), sub('id', 2), sub('info', 2)]),
  spec('readonly', 1, ['fast', 'loading', 'stale'], 'Enables read-only queries for a connection to a Redis Cluster replica node.', (_c, s, _a, w) => {
    s.readonly = true;
    w.simple('OK');
  }, 'cluster'),
  spec('readwrite', 1, ['fast', 'loading', 'stale'], 'Enables read-write queries for a connection to a Redis Cluster replica node.', (_c, s, _a, w) => {
    s.readonly = false;
    w.simple('OK');
  }, 'cluster'),
  spec('asking', 1, ['fast'], 'Signals that a cluster client is following an -ASK redirect.', (_c, s, _a, w) => {
    s.asking = true;
    w.simple('OK');
  }, 'cluster'),
]);
