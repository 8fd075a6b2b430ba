/**
 * SK.PARTSTATS [first last]: what this node stores per partition, for the
 * rebalancing planner (src/cluster/rebalance/plan.ts). The reply is an array
 * of rows `[partition, keys, bytes]` (integers), one for every partition in
 * first … last (inclusive; default every partition) that holds at least one
 * key here, ascending; bytes are the stored keys (the 4-byte partition
 * prefix included) plus their records, as the store holds them — what a move
 * copies. Keys are counted as DBSIZE counts them (an expired key not yet
 * overwritten counts).
 *
 * Bounded by the range asked for: the handler runs on the event loop, so a
 * caller over a large store asks in slices of partitions (the CLI does).
 * Empty partitions cost one seek each run of them, not one per partition.
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext } from '../context.js';
import { type CommandSpec, defineCommands } from '../command-table.js';
import { partitionOfStored, partitionStart } from '../keyspace.js';

/** Largest partition number a store key can carry (4-byte prefix). */
const PARTITION_MAX = 0xffffffff;
/** Rows read from the store at a time while summing one partition. */
const CHUNK_ROWS = 1024;

/** A decimal partition number 0 … 2^32 − 1, or undefined. */
function partitionArg(b: Buffer): number | undefined {
  const s = b.toString('latin1');
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= PARTITION_MAX ? n : undefined;
}

/** The smallest store key after `key`. */
function after(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

function partStats(ctx: NodeContext, args: Buffer[], w: ReplyWriter): void {
  let first = 0;
  let last = PARTITION_MAX;
  if (args.length === 3) {
    const f = partitionArg(args[1] as Buffer);
    const l = partitionArg(args[2] as Buffer);
    if (f === undefined || l === undefined) return w.error(`ERR partition is not an integer or out of range (0 … ${PARTITION_MAX})`);
    if (l < f) return w.error('ERR last partition is before the first');
    first = f;
    last = l;
  } else if (args.length !== 1) return w.error("ERR wrong number of arguments for 'sk.partstats' command (SK.PARTSTATS [first last])");
  const end = last === PARTITION_MAX ? undefined : partitionStart(last + 1);
  const rows: Array<[number, number, number]> = [];
  let cursor = partitionStart(first);
  for (;;) {
    // The next partition with a key, at or after the cursor, within the range.
    const next = ctx.store.range(cursor, end ?? Buffer.alloc(5, 0xff), 1, 0)[0];
    if (next === undefined) break;
    const p = partitionOfStored(next.key);
    const pEnd = p === PARTITION_MAX ? Buffer.alloc(5, 0xff) : partitionStart(p + 1);
    let keys = 0;
    let bytes = 0;
    let from = partitionStart(p);
    for (;;) {
      const chunk = ctx.store.range(from, pEnd, CHUNK_ROWS, 0);
      for (const r of chunk) {
        keys++;
        bytes += r.key.length + r.value.length;
      }
      if (chunk.length < CHUNK_ROWS) break;
      from = after((chunk[chunk.length - 1] as { key: Buffer }).key);
    }
    if (keys > 0) rows.push([p, keys, bytes]);
    if (p >= last || p === PARTITION_MAX) break;
    cursor = partitionStart(p + 1);
  }
  w.array(rows.length);
  for (const [p, keys, bytes] of rows) {
    w.array(3);
    w.integer(p);
    w.integer(keys);
    w.integer(bytes);
  }
}

const spec: CommandSpec = {
  name: 'sk.partstats',
  arity: -1,
  flags: ['readonly'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  group: 'shardkit',
  summary: 'Rows [partition, keys, bytes] for each partition in [first, last] (default: all) holding keys on this node.',
  handler: (ctx, _s, a, w) => partStats(ctx, a, w),
};

defineCommands([spec]);
