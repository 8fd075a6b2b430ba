/**
 * The string commands: GET, SET (NX, XX, EX, PX, EXAT, PXAT, KEEPTTL, GET),
 * DEL, EXISTS, INCR, INCRBY, DECR, DECRBY, MGET, MSET, TYPE, TTL, PTTL, with
 * Redis's replies and error texts. Keys have been checked by dispatch (all
 * keys of a command are on this node, in one slot).
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext } from '../context.js';
import { type CommandSpec, defineCommands } from '../command-table.js';
import { decodeEntry, encodeEntry, storeKey, type Entry } from '../keyspace.js';
import { MAX_KEY_BYTES } from '../store.js';

const NOT_INTEGER = 'ERR value is not an integer or out of range';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const INT64_TEXT = /^-?[1-9][0-9]{0,18}$|^0$/;

/** The store key of `key` under the current map. */
function skey(ctx: NodeContext, key: Buffer): Buffer {
  return storeKey(ctx.ownership().partitionOf(key), key);
}

/** The live entry of `key`, or undefined (missing or expired). */
export function readEntry(ctx: NodeContext, key: Buffer): Entry | undefined {
  const rec = ctx.store.get(skey(ctx, key));
  return rec === undefined ? undefined : decodeEntry(rec, ctx.clock.now());
}

/** Write `value` (null deletes) for `key`; false (with an error reply) when the key is too long. */
function writeKey(ctx: NodeContext, w: ReplyWriter, key: Buffer, value: Buffer | null, expireAtMs?: number): boolean {
  if (key.length > MAX_KEY_BYTES) {
    w.error(`ERR key too long: ${key.length} bytes; this node stores keys of at most ${MAX_KEY_BYTES} bytes`);
    return false;
  }
  ctx.store.write(skey(ctx, key), value === null ? null : encodeEntry(value, expireAtMs));
  return true;
}

/** Redis's int64 parse of a value or argument (string2ll), as a bigint. */
export function parseInt64(b: Buffer): bigint | undefined {
  const s = b.toString('latin1');
  if (!INT64_TEXT.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX || n < INT64_MIN ? undefined : n;
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expireAtMs: number | undefined;
}

/** Parse SET's options (Redis's parseExtendedStringArgumentsOrReply); undefined after writing the error reply. */
function parseSetOptions(ctx: NodeContext, args: Buffer[], w: ReplyWriter): SetOptions | undefined {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAtMs: undefined };
  let expirySet = false;
  for (let i = 3; i < args.length; i++) {
    const opt = (args[i] as Buffer).toString('latin1').toUpperCase();
    const hasNext = i + 1 < args.length;
    if (opt === 'NX' && !o.xx) o.nx = true;
    else if (opt === 'XX' && !o.nx) o.xx = true;
    else if (opt === 'GET') o.get = true;
    else if (opt === 'KEEPTTL' && !expirySet) o.keepTtl = true;
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && !o.keepTtl && !expirySet && hasNext) {
      const n = parseInt64(args[++i] as Buffer);
      if (n === undefined) return void w.error(NOT_INTEGER);
      const ms = opt === 'EX' || opt === 'EXAT' ? n * 1000n : n;
      if (n <= 0n || ms > 9007199254740991n) return void w.error("ERR invalid expire time in 'set' command");
      o.expireAtMs = opt === 'EX' || opt === 'PX' ? ctx.clock.now() + Number(ms) : Number(ms);
      expirySet = true;
    } else return void w.error('ERR syntax error');
  }
  return o;
}

function set(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  if (args.length === 3) {
    // Plain SET: no option needs the old value, so it is not read.
    if (writeKey(ctx, w, args[1] as Buffer, args[2] as Buffer)) w.simple('OK');
    return;
  }
  const o = parseSetOptions(ctx, args, w);
  if (o === undefined) return;
  const key = args[1] as Buffer;
  const old = readEntry(ctx, key);
  if ((o.nx && old !== undefined) || (o.xx && old === undefined)) {
    if (o.get) w.bulk(old?.value ?? null);
    else w.null();
    return;
  }
  const expireAtMs = o.keepTtl ? old?.expireAtMs : o.expireAtMs;
  if (!writeKey(ctx, w, key, args[2] as Buffer, expireAtMs)) return;
  if (o.get) w.bulk(old?.value ?? null);
  else w.simple('OK');
}

function incrBy(ctx: NodeContext, key: Buffer, by: bigint, w: ReplyWriter): void {
  const old = readEntry(ctx, key);
  const cur = old === undefined ? 0n : parseInt64(old.value);
  if (cur === undefined) return w.error(NOT_INTEGER);
  const next = cur + by;
  if (next > INT64_MAX || next < INT64_MIN) return w.error('ERR increment or decrement would overflow');
  if (writeKey(ctx, w, key, Buffer.from(next.toString(), 'latin1'), old?.expireAtMs)) w.integer(next);
}

function incrByArg(ctx: NodeContext, args: Buffer[], w: ReplyWriter, sign: 1n | -1n): void {
  const by = parseInt64(args[2] as Buffer);
  if (by === undefined || (sign === -1n && by === INT64_MIN)) return w.error(NOT_INTEGER);
  incrBy(ctx, args[1] as Buffer, by * sign, w);
}

function ttl(ctx: NodeContext, key: Buffer, w: ReplyWriter, unitMs: number): void {
  const e = readEntry(ctx, key);
  if (e === undefined) return w.integer(-2);
  if (e.expireAtMs === undefined) return w.integer(-1);
  const left = Math.max(0, e.expireAtMs - ctx.clock.now());
  w.integer(unitMs === 1 ? left : Math.floor((left + 500) / 1000));
}

type Fn = CommandSpec['handler'];
const cmd = (name: string, arity: number, flags: string[], keys: [number, number, number], summary: string, handler: Fn): CommandSpec => ({
  name,
  arity,
  flags,
  firstKey: keys[0],
  lastKey: keys[1],
  step: keys[2],
  group: name === 'type' || name === 'ttl' || name === 'pttl' || name === 'del' || name === 'exists' ? 'generic' : 'string',
  summary,
  handler,
});

defineCommands([
  cmd('get', 2, ['readonly', 'fast'], [1, 1, 1], 'Returns the string value of a key.', (ctx, _s, a, w) => w.bulk(readEntry(ctx, a[1] as Buffer)?.value ?? null)),
  cmd('set', -3, ['write', 'denyoom'], [1, 1, 1], 'Sets the string value of a key, ignoring its type.', (ctx, _s, a, w) => set(ctx, a, w)),
  cmd('del', -2, ['write'], [1, -1, 1], 'Deletes one or more keys.', (ctx, _s, a, w) => {
    let n = 0;
    for (let i = 1; i < a.length; i++) {
      const key = a[i] as Buffer;
      if (readEntry(ctx, key) !== undefined) n++;
      if (ctx.store.get(skey(ctx, key)) !== undefined) ctx.store.write(skey(ctx, key), null);
    }
    w.integer(n);
  }),
  cmd('exists', -2, ['readonly', 'fast'], [1, -1, 1], 'Determines whether one or more keys exist.', (ctx, _s, a, w) => {
    let n = 0;
    for (let i = 1; i < a.length; i++) if (readEntry(ctx, a[i] as Buffer) !== undefined) n++;
    w.integer(n);
  }),
  cmd('incr', 2, ['write', 'denyoom', 'fast'], [1, 1, 1], 'Increments the integer value of a key by one.', (ctx, _s, a, w) => incrBy(ctx, a[1] as Buffer, 1n, w)),
  cmd('decr', 2, ['write', 'denyoom', 'fast'], [1, 1, 1], 'Decrements the integer value of a key by one.', (ctx, _s, a, w) => incrBy(ctx, a[1] as Buffer, -1n, w)),
  cmd('incrby', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], 'Increments the integer value of a key by a number.', (ctx, _s, a, w) => incrByArg(ctx, a, w, 1n)),
  cmd('decrby', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], 'Decrements a number from the integer value of a key.', (ctx, _s, a, w) => incrByArg(ctx, a, w, -1n)),
  cmd('mget', -2, ['readonly', 'fast'], [1, -1, 1], 'Atomically returns the string values of one or more keys.', (ctx, _s, a, w) => {
    w.array(a.length - 1);
    for (let i = 1; i < a.length; i++) w.bulk(readEntry(ctx, a[i] as Buffer)?.value ?? null);
  }),
  cmd('mset', -3, ['write', 'denyoom'], [1, -1, 2], 'Atomically creates or modifies the string values of one or more keys.', (ctx, _s, a, w) => {
    if (a.length % 2 === 0) return w.error("ERR wrong number of arguments for 'mset' command");
    for (let i = 1; i < a.length; i += 2) if ((a[i] as Buffer).length > MAX_KEY_BYTES) return void writeKey(ctx, w, a[i] as Buffer, null);
    for (let i = 1; i < a.length; i += 2) writeKey(ctx, w, a[i] as Buffer, a[i + 1] as Buffer);
    w.simple('OK');
  }),
  cmd('type', 2, ['readonly', 'fast'], [1, 1, 1], 'Determines the type of value stored at a key.', (ctx, _s, a, w) => w.simple(readEntry(ctx, a[1] as Buffer) === undefined ? 'none' : 'string')),
  cmd('ttl', 2, ['readonly', 'fast'], [1, 1, 1], 'Returns the expiration time in seconds of a key.', (ctx, _s, a, w) => ttl(ctx, a[1] as Buffer, w, 1000)),
  cmd('pttl', 2, ['readonly', 'fast'], [1, 1, 1], 'Returns the expiration time in milliseconds of a key.', (ctx, _s, a, w) => ttl(ctx, a[1] as Buffer, w, 1)),
]);
