/**
 * The node's side of a move (../../rebalance/move-core.ts drives them):
 *
 * On the source:
 * - `SK.MOVE.BEGIN <session> <first> <last>`: open the change stream of
 *   partitions first … last (../move-sessions.ts). OK.
 * - `SK.MOVE.SCAN <first> <last> <after> <count> <maxbytes>`: up to `count`
 *   stored pairs (about `maxbytes` at most, at least one) of the partitions,
 *   in store-key order, after store key `after` (empty: from the start).
 *   Reply: [done (0|1), key1, record1, key2, record2, …] (store keys and
 *   records as stored, so expiry times travel unchanged).
 * - `SK.MOVE.CHANGES <session> <from> <maxbytes>`: the change stream from
 *   absolute index `from`. Reply: [next, total, key1, record1|"", …] (an empty
 *   record is a deletion; records are never empty). `NOSESSION …` when the
 *   node restarted or the stream broke.
 * - `SK.MOVE.END <session>`: close it. OK.
 * - `SK.MOVE.EPOCH <epoch>`: reload the map if this node's is older; reply
 *   the node's epoch (the executor polls until the node has adopted a fence).
 *
 * On the target (and on the source, once the move is committed):
 * - `SK.MOVE.CLEAR <first> <last> <count> <token>`: delete up to `count` keys
 *   of the partitions; reply the number deleted (0: none left). Refused when
 *   this node owns any of them. It also makes `token` the one import of
 *   those partitions that APPLY accepts (an import started again gets a new
 *   token, so a write of an earlier attempt still on its way lands nowhere).
 * - `SK.MOVE.APPLY <token> <key> <record> [<key> <record> …]`: write stored
 *   pairs as they are (an empty record deletes). Replied once durable.
 *   Refused for an unknown token (this node restarted), a key outside the
 *   token's partitions, or a partition this node owns: a move never
 *   overwrites data a node serves.
 *
 * Both write commands carry the `write` flag, so a node whose lease could
 * have expired refuses them like any write.
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext } from '../context.js';
import { type CommandSpec, defineCommands } from '../command-table.js';
import { partitionOfStored, partitionStart } from '../keyspace.js';

const PARTITION_MAX = 0xffffffff;
/** Largest count or byte budget one call may ask for. */
const BATCH_MAX = 1 << 30;
/** Past the last partition: the end bound of a scan of partition 2^32 − 1. */
const KEYS_END = Buffer.alloc(5, 0xff);

function uint(b: Buffer | undefined, max: number): number | undefined {
  if (b === undefined) return undefined;
  const s = b.toString('latin1');
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

function rangeArgs(args: Buffer[], at: number, w: ReplyWriter): [number, number] | undefined {
  const first = uint(args[at], PARTITION_MAX);
  const last = uint(args[at + 1], PARTITION_MAX);
  if (first === undefined || last === undefined) {
    w.error(`ERR partition is not an integer 0 … ${PARTITION_MAX}`);
    return undefined;
  }
  if (last < first) {
    w.error('ERR last partition is before the first');
    return undefined;
  }
  return [first, last];
}

function sessionArg(args: Buffer[], w: ReplyWriter): string | undefined {
  const id = (args[1] as Buffer).toString('latin1');
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id)) {
    w.error('ERR move session id: use 1-128 letters, digits, or . _ : -');
    return undefined;
  }
  return id;
}

function endOf(last: number): Buffer {
  return last === PARTITION_MAX ? KEYS_END : partitionStart(last + 1);
}

function begin(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const id = sessionArg(args, w);
  if (id === undefined) return;
  const range = rangeArgs(args, 2, w);
  if (range === undefined) return;
  const refused = ctx.moves.begin(id, range[0], range[1]);
  if (refused !== undefined) return w.error(`ERR ${refused}`);
  w.ok();
}

function scan(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const range = rangeArgs(args, 1, w);
  if (range === undefined) return;
  const after = args[3] as Buffer;
  const count = uint(args[4], BATCH_MAX);
  const maxBytes = uint(args[5], BATCH_MAX);
  if (count === undefined || count < 1 || maxBytes === undefined || maxBytes < 1) return w.error(`ERR count and maxbytes must be integers 1 … ${BATCH_MAX}`);
  const start = after.length === 0 ? partitionStart(range[0]) : Buffer.concat([after, Buffer.from([0])]);
  if (after.length > 0 && (after.length < 4 || partitionOfStored(after) < range[0] || partitionOfStored(after) > range[1])) return w.error('ERR after: a store key of the partitions scanned, or empty');
  const rows = ctx.store.range(start, endOf(range[1]), count + 1, 0);
  let n = 0;
  let bytes = 0;
  while (n < rows.length && n < count) {
    const r = rows[n] as { key: Buffer; value: Buffer };
    if (n > 0 && bytes + r.key.length + r.value.length > maxBytes) break;
    bytes += r.key.length + r.value.length;
    n++;
  }
  w.array(1 + 2 * n);
  w.integer(n === rows.length ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as { key: Buffer; value: Buffer };
    w.bulk(r.key);
    w.bulk(r.value);
  }
}

function changes(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const id = sessionArg(args, w);
  if (id === undefined) return;
  const from = uint(args[2], Number.MAX_SAFE_INTEGER);
  const maxBytes = uint(args[3], BATCH_MAX);
  if (from === undefined || maxBytes === undefined || maxBytes < 1) return w.error(`ERR from must be an integer ≥ 0 and maxbytes 1 … ${BATCH_MAX}`);
  const read = ctx.moves.read(id, from, maxBytes);
  if (typeof read === 'string') return w.error(`NOSESSION ${read}`);
  w.array(2 + 2 * read.entries.length);
  w.integer(read.next);
  w.integer(read.total);
  for (const e of read.entries) {
    w.bulk(e.key);
    w.bulk(e.value ?? '');
  }
}

function end(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const id = sessionArg(args, w);
  if (id === undefined) return;
  ctx.moves.end(id);
  w.ok();
}

function epoch(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const want = uint(args[1], Number.MAX_SAFE_INTEGER);
  if (want === undefined) return w.error('ERR epoch must be an integer ≥ 0');
  const have = ctx.ownership().epoch;
  if (have < want) void ctx.refreshMap(true);
  w.integer(have);
}

/** Import tokens → the partitions they may write (set by CLEAR). Bounded: the oldest is forgotten past IMPORTS_MAX. */
const imports = new WeakMap<NodeContext, Map<string, [number, number]>>();
const IMPORTS_MAX = 64;

function importsOf(ctx: NodeContext): Map<string, [number, number]> {
  let m = imports.get(ctx);
  if (m === undefined) imports.set(ctx, (m = new Map()));
  return m;
}

function apply(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  if (args.length % 2 !== 0) return w.error("ERR wrong number of arguments for 'sk.move.apply' command (SK.MOVE.APPLY token key record [key record ...])");
  const token = (args[1] as Buffer).toString('latin1');
  const range = importsOf(ctx).get(token);
  if (range === undefined) return w.error(`NOSESSION no import ${token.slice(0, 128)} on this node (it restarted, or a newer attempt cleared the partitions)`);
  const own = ctx.ownership();
  for (let i = 2; i < args.length; i += 2) {
    const key = args[i] as Buffer;
    if (key.length < 4) return w.error('ERR a store key starts with its 4-byte partition');
    const p = partitionOfStored(key);
    if (p < range[0] || p > range[1]) return w.error(`ERR partition ${p} is outside import ${token.slice(0, 128)} (${range[0]} … ${range[1]})`);
    if (own.ownedIn(p, p) > 0) return w.error(`ERR partition ${p} is owned by this node: a move never overwrites what a node serves`);
  }
  for (let i = 2; i < args.length; i += 2) {
    const record = args[i + 1] as Buffer;
    ctx.store.write(Buffer.from(args[i] as Buffer), record.length === 0 ? null : Buffer.from(record));
  }
  w.integer((args.length - 2) / 2);
}

function clear(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const range = rangeArgs(args, 1, w);
  if (range === undefined) return;
  const count = uint(args[3], BATCH_MAX);
  if (count === undefined || count < 1) return w.error(`ERR count must be an integer 1 … ${BATCH_MAX}`);
  const token = (args[4] as Buffer).toString('latin1');
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(token)) return w.error('ERR import token: use 1-128 letters, digits, or . _ : -');
  const owned = ctx.ownership().ownedIn(range[0], range[1]);
  if (owned > 0) return w.error(`ERR this node owns ${owned} of partitions ${range[0]} … ${range[1]}: clearing them would delete served data`);
  const m = importsOf(ctx);
  for (const [t, r] of m) if (t !== token && r[0] <= range[1] && range[0] <= r[1]) m.delete(t);
  m.delete(token);
  m.set(token, range);
  if (m.size > IMPORTS_MAX) m.delete(m.keys().next().value as string);
  const rows = ctx.store.range(partitionStart(range[0]), endOf(range[1]), count, 0);
  for (const r of rows) ctx.store.write(Buffer.from(r.key), null);
  w.integer(rows.length);
}

function spec(name: string, arity: number, write: boolean, summary: string, handler: (ctx: NodeContext, args: Buffer[], w: ReplyWriter) => void): CommandSpec {
  return { name, arity, flags: write ? ['write'] : ['readonly'], firstKey: 0, lastKey: 0, step: 0, group: 'shardkit', summary, handler: (ctx, _s, a, w) => handler(ctx, a, w) };
}

defineCommands([
  spec('sk.move.begin', 4, false, 'Open the change stream of partitions first … last for a move out of this node.', begin),
  spec('sk.move.scan', 6, false, 'Stored pairs of partitions first … last after a store key, for a move’s copy.', scan),
  spec('sk.move.changes', 4, false, 'The change stream of a move session from an absolute index.', changes),
  spec('sk.move.end', 2, false, 'Close a move session.', end),
  spec('sk.move.epoch', 2, false, 'This node’s map epoch; reloads the map when older than the one given.', epoch),
  spec('sk.move.apply', -4, true, 'Write stored pairs of partitions this node does not own (a move’s copy and catch-up).', apply),
  spec('sk.move.clear', 5, true, 'Delete up to count keys of partitions this node does not own; make token their one accepted import.', clear),
]);
