/**
 * INFO's text: `server`, `clients`, `cluster`, `keyspace` and `shardkit`
 * sections (Redis's `# Section` and `field:value` lines, CRLF-separated).
 * The shardkit section reports the map (epoch, strategy), durability (fsync
 * mode, durable sequence, group-commit batch sizes of the write-ahead log,
 * its syncs, the LMDB transactions that apply it) and routing counters.
 */
import type { NodeContext } from '../context.js';
import { REDIS_COMPAT_VERSION } from './server.js';

type Section = [name: string, lines: string[]];

function sections(ctx: NodeContext): Section[] {
  const own = ctx.ownership();
  const c = ctx.store.commitStats();
  const uptimeS = Math.floor((ctx.clock.now() - ctx.startedAtMs) / 1000);
  const keys = ctx.store.count();
  return [
    ['server', [`redis_version:${REDIS_COMPAT_VERSION}`, `shardkit_version:${ctx.version}`, 'redis_mode:cluster', `os:${process.platform}`, `process_id:${process.pid}`, `tcp_port:${own.self.port}`, `uptime_in_seconds:${uptimeS}`]],
    ['clients', [`connected_clients:${ctx.clients()}`, `total_connections_received:${ctx.counters.connectionsTotal}`, `rejected_connections:${ctx.counters.connectionsRejected}`]],
    ['cluster', ['cluster_enabled:1']],
    ['keyspace', keys > 0 ? [`db0:keys=${keys},expires=0,avg_ttl=0`] : []],
    [
      'shardkit',
      [
        `node_id:${ctx.id}`,
        `map_epoch:${own.epoch}`,
        `placement:${own.map.strategy}`,
        `nodes:${own.map.nodes.length}`,
        `fsync:${ctx.fsync}`,
        `forward:${ctx.forward ? 1 : 0}`,
        `write_seq:${ctx.store.lastSeq}`,
        `durable_seq:${ctx.store.durableSeq}`,
        `commit_batches:${c.batches}`,
        `commit_writes:${c.writes}`,
        `commit_batch_max:${c.maxBatch}`,
        `commit_batch_mean:${c.batches === 0 ? 0 : (c.writes / c.batches).toFixed(2)}`,
        `commit_batch_hist:1=${c.histogram[0]},2-3=${c.histogram[1]},4-15=${c.histogram[2]},16-63=${c.histogram[3]},64-255=${c.histogram[4]},256+=${c.histogram[5]}`,
        `log_syncs:${c.syncs}`,
        `store_applies:${c.applied}`,
        `store_apply_max:${c.maxApplied}`,
        `commands_processed:${ctx.counters.commands}`,
        `protocol_errors:${ctx.counters.protocolErrors}`,
        `moved_replies:${ctx.counters.moved}`,
        `forwarded_out:${ctx.counters.forwarded}`,
        `forwarded_in:${ctx.counters.forwardedIn}`,
        `forward_errors:${ctx.counters.forwardErrors}`,
        `forward_stale:${ctx.counters.forwardStale}`,
        `forward_retries:${ctx.counters.forwardRetries}`,
        `forward_followed:${ctx.counters.forwardFollowed}`,
        `forward_rerouted:${ctx.counters.forwardRerouted}`,
        `moving_writes:${ctx.counters.movingWrites}`,
        `move_sessions:${ctx.moves.size}`,
        `fenced:${ctx.writable() ? 0 : 1}`,
        `fenced_writes:${ctx.counters.fencedWrites}`,
        ...ctx.infoExtra(),
      ],
    ],
  ];
}

/** INFO [section ...]: all sections when none (or "all", "everything", "default") is named. */
export function infoText(ctx: NodeContext, wanted: readonly string[]): string {
  const all = wanted.length === 0 || wanted.some((w) => w === 'all' || w === 'everything' || w === 'default');
  const parts: string[] = [];
  for (const [name, lines] of sections(ctx)) {
    if (!all && !wanted.includes(name)) continue;
    parts.push([`# ${name[0]?.toUpperCase()}${name.slice(1)}`, ...lines].join('\r\n'));
  }
  return parts.join('\r\n\r\n') + '\r\n';
}
