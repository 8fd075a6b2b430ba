/**
 * The node process's core: a TCP server speaking RESP over the node's store,
 * serving what the cluster map assigns it. `startNode` opens the store,
 * loads the map, listens, and returns a handle whose `close()` is the clean
 * shutdown of SIGTERM: stop accepting, let in-flight commands finish and their
 * replies go out (within `shutdownGraceMs`), flush the store, close.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import { StateError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { type ClusterMap, mapNode } from '../map.js';
import { RefreshGate } from '../client/routing.js';
import { monotonicMs } from '../meta/fence.js';
import { Connection } from './connection.js';
import type { NodeContext, NodeCounters } from './context.js';
import { Forwarder } from './forward.js';
import { DEFAULT_NODE_LIMITS, type NodeLimits } from './limits.js';
import type { MapSource } from './map-source.js';
import { Ownership } from './ownership.js';
import { type FsyncMode, NodeStore } from './store.js';
import './commands/strings.js';
import './commands/keys.js';
import './commands/server.js';
import './commands/cluster.js';
import './commands/forwarded.js';
import './commands/partstats.js';
import './commands/move.js';
import { MoveSessions } from './move-sessions.js';

/** Options of a node. */
export interface NodeOptions {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly maps: MapSource;
  readonly fsync?: FsyncMode;
  readonly forward?: boolean;
  readonly limits?: Partial<NodeLimits>;
  readonly clock: Clock;
  readonly version?: string;
  /** A store commit failed (default: print and exit the process with status 70). */
  readonly onFatal?: (error: Error) => void;
}

/** A running node. */
export interface RunningNode {
  readonly address: { readonly host: string; readonly port: number };
  readonly id: string;
  epoch(): number;
  /** Clean shutdown. */
  close(): Promise<void>;
}

/** Start a node; resolves once it listens. */
export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const limits: NodeLimits = { ...DEFAULT_NODE_LIMITS, ...o.limits };
  fs.mkdirSync(o.dataDir, { recursive: true });
  let ownership = new Ownership(await mapNaming(o), o.id);
  const onFatal =
    o.onFatal ??
    ((e: Error) => {
      process.stderr.write(`shardkit node ${o.id}: store commit failed, stopping without acknowledging more writes: ${e.message}\n`);
      process.exit(70);
    });
  const store = NodeStore.open({ path: o.dataDir, fsync: o.fsync, onFailure: onFatal });
  store.writeTap = (key, value) => moves.record(key, value);
  const counters: NodeCounters = { commands: 0, connectionsTotal: 0, connectionsRejected: 0, protocolErrors: 0, moved: 0, forwarded: 0, forwardErrors: 0, forwardedIn: 0, fencedWrites: 0, forwardStale: 0, forwardRetries: 0, forwardFollowed: 0, forwardRerouted: 0, movingWrites: 0 };
  const moves = new MoveSessions();
  const connections = new Set<Connection>();
  const forwarder = o.forward ? new Forwarder(() => ownership.epoch, limits, counters, () => o.clock.now()) : undefined;
  const ctx: NodeContext = {
    id: o.id,
    store,
    clock: o.clock,
    fsync: store.fsync,
    forward: o.forward === true,
    startedAtMs: o.clock.now(),
    version: o.version ?? '0',
    counters,
    moves,
    ownership: () => ownership,
    clients: () => connections.size,
    writable: () => o.maps.writableUntilMs === undefined || o.maps.writableUntilMs() > monotonicMs(),
    infoExtra: () => [`map_source:${o.maps.describe()}`, `forward_in_flight:${forwarder?.inFlight() ?? 0}`],
    refreshMap: (force = false) => mapRefresh.request(ownership.epoch, ownership.epoch, force),
  };
  const adopt = (map: ClusterMap): void => {
    if (map.epoch <= ownership.epoch) return;
    // A map without this node (a rebalancing plan removed it once it owned nothing): keep the last map naming it, whose owners answer MOVED.
    if (mapNode(map, o.id) !== undefined) ownership = new Ownership(map, o.id);
  };
  // A reload asked for by a stale forward: at most one in flight, and one per 100 ms unless forced by an owner that says this node's map is older.
  const mapRefresh = new RefreshGate(o.clock, 100, () => o.maps.load().then(adopt));
  o.maps.watch(adopt);
  let nextId = 1;
  // Connections that arrive before the node has registered (and so holds a
  // lease that lets it accept writes) wait, unread, until it has.
  let held: net.Socket[] | undefined = [];
  const server = net.createServer((socket) => {
    if (held !== undefined) {
      socket.pause();
      held.push(socket);
      return;
    }
    serve(socket);
  });
  function serve(socket: net.Socket): void {
    counters.connectionsTotal++;
    if (connections.size >= limits.maxClients) {
      counters.connectionsRejected++;
      socket.on('error', () => undefined);
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const c: Connection = new Connection(socket, nextId++, ctx, limits, forwarder, () => connections.delete(c));
    connections.add(c);
    socket.resume();
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const bound = server.address() as net.AddressInfo;
  try {
    await o.maps.register({ id: o.id, host: o.host, port: bound.port, pid: process.pid });
  } catch (e) {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
    throw e;
  }
  const waiting = held;
  held = undefined;
  for (const socket of waiting) if (!socket.destroyed) serve(socket);
  let closing: Promise<void> | undefined;
  return {
    address: { host: o.host, port: bound.port },
    id: o.id,
    epoch: () => ownership.epoch,
    close: () => (closing ??= shutdown()),
  };

  async function shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of connections) c.shutdown();
    const deadline = o.clock.now() + limits.shutdownGraceMs;
    while ([...connections].some((c) => !c.idle) && o.clock.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const c of connections) c.destroy();
    await stopped;
    forwarder?.close();
    await store.close();
    await o.maps.close();
  }
}

/**
 * The map, once it names node `o.id`. A node started before a rebalancing
 * plan adds it (`shardkit rebalance plan --add`) waits, polling every
 * JOIN_POLL_MS, and says so once; it owns nothing until the plan moves
 * partitions to it. A fixed map file (no `writableUntilMs`, no waiting
 * possible) that lacks the node is the usual StateError.
 */
async function mapNaming(o: NodeOptions): Promise<ClusterMap> {
  let said = false;
  for (;;) {
    const map = await o.maps.load();
    if (mapNode(map, o.id) !== undefined || o.maps.describe().startsWith('file')) return map;
    if (!said) {
      process.stderr.write(`shardkit node ${o.id}: not in the cluster map (epoch ${map.epoch}) yet; waiting for a rebalancing plan to add it\n`);
      said = true;
    }
    await new Promise((r) => setTimeout(r, JOIN_POLL_MS));
  }
}

/** How often a node not yet in the map looks again, ms. */
const JOIN_POLL_MS = 250;

/** Throw unless `id` is a usable node id. */
export function checkNodeId(id: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new StateError(`node id ${JSON.stringify(id)}: use 1-64 letters, digits, '.', '_' or '-'`);
  return id;
}
