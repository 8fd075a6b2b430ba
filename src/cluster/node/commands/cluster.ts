/**
 * CLUSTER KEYSLOT, SLOTS, SHARDS, NODES, MYID, INFO, COUNTKEYSINSLOT,
 * GETKEYSINSLOT with Redis 7's reply shapes.
 *
 * Under `redis-slots` the slot table is the map's partition table: exact
 * ownership, so Redis clients route directly. Under any other placement a
 * slot does not determine the owner; the table then reports the slots split
 * as `redis-cli --cluster create` would split them over the map's nodes, as
 * entry points (clients spread requests; a node forwards with --forward, or
 * answers MOVED with the true owner). CLUSTER INFO says which
 * (`shardkit_slots_are_ownership`). KEYSLOT is always the CRC16 slot.
 */
import type { ReplyWriter } from '../../resp/reply-writer.js';
import type { NodeContext } from '../context.js';
import type { MapNode } from '../../map.js';
import { type CommandSpec, arityError, arityOk, defineCommands } from '../command-table.js';
import { redisKeySlot, REDIS_SLOT_COUNT } from '../../../hash/redis-slot.js';
import { RedisSlotPlacement } from '../../../partitioning/slots.js';
import { decodeEntry, partitionStart, userKey } from '../keyspace.js';
import { parseInt64 } from './strings.js';

interface SlotRange {
  readonly first: number;
  readonly last: number;
  readonly node: MapNode;
}

const tables = new WeakMap<object, SlotRange[]>();

/** The slot table reported to clients (cached per map). */
export function slotTable(ctx: NodeContext): SlotRange[] {
  const own = ctx.ownership();
  const cached = tables.get(own.map);
  if (cached !== undefined) return cached;
  let ranges: SlotRange[];
  if (own.slotsAreOwnership && own.map.owners !== undefined) {
    ranges = own.map.owners.map((r) => ({ first: r.first, last: r.last, node: own.map.nodes[r.node] as MapNode }));
  } else {
    const even = new RedisSlotPlacement(own.map.nodes.map((n) => n.id)).assignment();
    ranges = [];
    for (let s = 0; s < REDIS_SLOT_COUNT; s++) {
      const node = own.map.nodes[even[s] as number] as MapNode;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last.node === node) ranges[ranges.length - 1] = { ...last, last: s };
      else ranges.push({ first: s, last: s, node });
    }
  }
  tables.set(own.map, ranges);
  return ranges;
}

function slots(ctx: NodeContext, w: ReplyWriter): void {
  const table = slotTable(ctx);
  w.array(table.length);
  for (const r of table) {
    w.array(3);
    w.integer(r.first);
    w.integer(r.last);
    w.array(4);
    w.bulk(r.node.host);
    w.integer(r.node.port);
    w.bulk(r.node.id);
    w.map(0);
  }
}

function shards(ctx: NodeContext, w: ReplyWriter): void {
  const table = slotTable(ctx);
  const nodes = ctx.ownership().map.nodes;
  w.array(nodes.length);
  for (const n of nodes) {
    const mine = table.filter((r) => r.node === n);
    w.map(2);
    w.bulk('slots');
    w.array(mine.length * 2);
    for (const r of mine) {
      w.integer(r.first);
      w.integer(r.last);
    }
    w.bulk('nodes');
    w.array(1);
    w.map(7);
    for (const [k, v] of [['id', n.id], ['port', n.port], ['ip', n.host], ['endpoint', n.host], ['role', 'master'], ['replication-offset', 0], ['health', 'online']] as const) {
      w.bulk(k);
      if (typeof v === 'number') w.integer(v);
      else w.bulk(v);
    }
  }
}

function nodesText(ctx: NodeContext): string {
  const own = ctx.ownership();
  const table = slotTable(ctx);
  return own.map.nodes
    .map((n) => {
      const flags = n === own.self ? 'myself,master' : 'master';
      const ranges = table.filter((r) => r.node === n).map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
      return `${n.id} ${n.host}:${n.port}@${n.port + 10000} ${flags} - 0 0 ${own.epoch} connected${ranges.length ? ' ' + ranges.join(' ') : ''}\n`;
    })
    .join('');
}

function infoText(ctx: NodeContext): string {
  const own = ctx.ownership();
  const lines = [
    'cluster_state:ok',
    `cluster_slots_assigned:${REDIS_SLOT_COUNT}`,
    `cluster_slots_ok:${REDIS_SLOT_COUNT}`,
    'cluster_slots_pfail:0',
    'cluster_slots_fail:0',
    `cluster_known_nodes:${own.map.nodes.length}`,
    `cluster_size:${own.map.nodes.length}`,
    `cluster_current_epoch:${own.epoch}`,
    `cluster_my_epoch:${own.epoch}`,
    'cluster_stats_messages_sent:0',
    'cluster_stats_messages_received:0',
    'total_cluster_links_buffer_limit_exceeded:0',
    `shardkit_placement:${own.map.strategy}`,
    `shardkit_slots_are_ownership:${own.slotsAreOwnership ? 1 : 0}`,
  ];
  return lines.join('\r\n') + '\r\n';
}

function slotArg(b: Buffer): number | undefined {
  const n = parseInt64(b);
  return n === undefined || n < 0n || n >= BigInt(REDIS_SLOT_COUNT) ? undefined : Number(n);
}

/** Keys of this node in CRC16 slot `slot`, at most `limit`. A range read when partitions are slots, else a full scan. */
function keysInSlot(ctx: NodeContext, slot: number, limit: number): Buffer[] {
  const own = ctx.ownership();
  const now = ctx.clock.now();
  const out: Buffer[] = [];
  const [start, end, pick] = own.partitionIsSlot ? [partitionStart(slot), partitionStart(slot + 1), Infinity] : [partitionStart(0), partitionStart(0xffffffff), slot];
  const batch = 1024;
  for (let offset = 0; out.length < limit; offset += batch) {
    const rows = ctx.store.range(start, end, batch, offset);
    for (const r of rows) {
      const k = userKey(r.key);
      if (pick !== Infinity && redisKeySlot(k) !== pick) continue;
      if (decodeEntry(r.value, now) === undefined) continue;
      out.push(Buffer.from(k));
      if (out.length >= limit) break;
    }
    if (rows.length < batch) break;
  }
  return out;
}

const SUBS = new Map<string, number>([
  ['keyslot', 3], ['slots', 2], ['shards', 2], ['nodes', 2], ['myid', 2], ['info', 2], ['countkeysinslot', 3], ['getkeysinslot', 4],
]);

function cluster(ctx: NodeContext, _s: unknown, a: Buffer[], w: ReplyWriter): void {
  const sub = (a[1] as Buffer).toString('latin1').toLowerCase();
  const arity = SUBS.get(sub);
  if (arity === undefined) return w.error(`ERR unknown subcommand '${(a[1] as Buffer).toString('utf8')}'. Try CLUSTER HELP.`);
  if (!arityOk(arity, a.length)) return arityError(w, `cluster|${sub}`);
  switch (sub) {
    case 'keyslot':
      return w.integer(redisKeySlot(a[2] as Buffer));
    case 'slots':
      return slots(ctx, w);
    case 'shards':
      return shards(ctx, w);
    case 'nodes':
      return w.verbatim(nodesText(ctx));
    case 'myid':
      return w.bulk(ctx.id);
    case 'info':
      return w.verbatim(infoText(ctx));
    case 'countkeysinslot': {
      const slot = slotArg(a[2] as Buffer);
      if (slot === undefined) return w.error('ERR Invalid slot');
      return w.integer(keysInSlot(ctx, slot, Infinity).length);
    }
    default: {
      const slot = slotArg(a[2] as Buffer);
      const n = parseInt64(a[3] as Buffer);
      if (slot === undefined || n === undefined || n < 0n) return w.error('ERR Invalid slot or number of keys');
      const keys = keysInSlot(ctx, slot, Number(n > 1000000n ? 1000000n : n));
      w.array(keys.length);
      for (const k of keys) w.bulk(k);
    }
  }
}

const sub = (name: string, arity: number): CommandSpec => ({ name, arity, flags: ['stale'], firstKey: 0, lastKey: 0, step: 0, group: 'cluster', summary: name, handler: () => undefined });

defineCommands([
  {
    name: 'cluster',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'cluster',
    summary: 'A container for Redis Cluster commands.',
    handler: cluster,
    subcommands: [...SUBS].map(([n, ar]) => sub(n, ar)),
  },
]);
