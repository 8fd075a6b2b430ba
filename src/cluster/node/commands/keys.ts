/**
 * Commands over this node's keyspace: DBSIZE, SCAN (this node's keys only,
 * as on a Redis Cluster node), and SK.RANGE (range placement: keys in
 * [start, end) in UTF-8 byte order, across this node's partitions).
 *
 * SCAN's cursor: partition × 2^32 + position within the partition, as a
 * decimal u64 (redis-cli parses cursors as numbers). A key present for the
 * whole scan is returned unless keys before it in its partition were deleted
 * meanwhile (then it may be skipped); SCAN may return a key twice, as Redis may.
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext } from '../context.js';
import { type CommandSpec, defineCommands } from '../command-table.js';
import { decodeEntry, partitionOfStored, partitionStart, storeKey, userKey } from '../keyspace.js';
import { parseInt64 } from './strings.js';
import { globMatcher } from './glob.js';

const PARTITION_SPAN = 2n ** 32n;
const PREFIX_END = 0xffffffff;

function scan(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const c = args[1] as Buffer;
  if (!/^[0-9]{1,20}$/.test(c.toString('latin1'))) return w.error('ERR invalid cursor');
  const cursor = BigInt(c.toString('latin1'));
  let count = 10;
  let match: ((k: Buffer) => boolean) | undefined;
  let type: string | undefined;
  for (let i = 2; i < args.length; i += 2) {
    const opt = (args[i] as Buffer).toString('latin1').toUpperCase();
    const v = args[i + 1];
    if (v === undefined) return w.error('ERR syntax error');
    if (opt === 'COUNT') {
      const n = parseInt64(v);
      if (n === undefined) return w.error('ERR value is not an integer or out of range');
      if (n < 1n) return w.error('ERR syntax error');
      count = Number(n > 100000n ? 100000n : n);
    } else if (opt === 'MATCH') match = globMatcher(v);
    else if (opt === 'TYPE') type = v.toString('latin1').toLowerCase();
    else return w.error('ERR syntax error');
  }
  let partition = Number(cursor / PARTITION_SPAN);
  let offset = Number(cursor % PARTITION_SPAN);
  const found: Buffer[] = [];
  const now = ctx.clock.now();
  let next = 0n;
  // Visit at least `count` keys (like Redis's COUNT), continuing in the next partition.
  let visited = 0;
  while (visited < count && partition <= PREFIX_END) {
    const rows = ctx.store.range(storeKey(partition, Buffer.alloc(0)), partitionStart(partition + 1), count - visited, offset);
    for (const r of rows) {
      visited++;
      if (decodeEntry(r.value, now) === undefined) continue;
      const k = userKey(r.key);
      if (match !== undefined && !match(k)) continue;
      if (type !== undefined && type !== 'string') continue;
      found.push(Buffer.from(k));
    }
    if (rows.length > 0 && visited >= count) {
      next = BigInt(partition) * PARTITION_SPAN + BigInt(offset + rows.length);
      break;
    }
    // This partition is done: jump to the next partition that has keys.
    const after = ctx.store.range(partitionStart(partition + 1), partitionStart(PREFIX_END), 1, 0);
    if (after.length === 0) break;
    partition = partitionOfStored(after[0]?.key as Buffer);
    offset = 0;
    next = BigInt(partition) * PARTITION_SPAN;
  }
  if (visited < count) next = 0n;
  w.array(2);
  w.bulk(next.toString());
  w.array(found.length);
  for (const k of found) w.bulk(k);
}

function skRange(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  const own = ctx.ownership();
  if (own.map.strategy !== 'range') return w.error(`ERR SK.RANGE needs range placement; this cluster runs ${own.map.strategy}`);
  let limit = 1000;
  if (args.length === 5 && (args[3] as Buffer).toString('latin1').toUpperCase() === 'LIMIT') {
    const n = parseInt64(args[4] as Buffer);
    if (n === undefined || n < 0n) return w.error('ERR value is not an integer or out of range');
    limit = Number(n > 1000000n ? 1000000n : n);
  } else if (args.length !== 3) return w.error('ERR syntax error');
  const start = args[1] as Buffer;
  const end = args[2] as Buffer;
  const from = storeKey(own.partitionOf(start), start);
  const to = end.length === 0 ? partitionStart(PREFIX_END) : storeKey(own.partitionOf(end), end);
  const rows = ctx.store.range(from, to, limit, 0);
  const now = ctx.clock.now();
  const keys = rows.filter((r) => decodeEntry(r.value, now) !== undefined).map((r) => userKey(r.key));
  w.array(keys.length);
  for (const k of keys) w.bulk(k);
}

const spec = (name: string, arity: number, flags: string[], summary: string, handler: CommandSpec['handler'], group = 'generic'): CommandSpec => ({ name, arity, flags, firstKey: 0, lastKey: 0, step: 0, group, summary, handler });

defineCommands([
  spec('dbsize', 1, ['readonly', 'fast'], 'Returns the number of keys in this node.', (ctx, _s, _a, w) => w.integer(ctx.store.count()), 'server'),
  spec('scan', -2, ['readonly'], "Iterates over this node's keys.", (ctx, _s, a, w) => scan(ctx, a, w)),
  spec('sk.range', -3, ['readonly'], 'Keys in [start, end) in UTF-8 byte order on this node (range placement); an empty end means no upper bound.', (ctx, _s, a, w) => skRange(ctx, a, w), 'shardkit'),
]);
