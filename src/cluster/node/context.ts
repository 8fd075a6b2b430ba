/**
 * What command handlers see: the node (store, ownership under the current
 * map, clock, limits, counters) and the session of the connection a command
 * arrived on. Handlers are synchronous: they read and write the store's
 * overlay and encode their reply at once; the connection releases the reply
 * when the store says the writes before it are durable.
 */
import type { Clock } from '../../util/clock.js';
import type { FsyncMode, NodeStore } from './store.js';
import type { Ownership } from './ownership.js';
import type { MoveSessions } from './move-sessions.js';
import type { Protocol } from '../resp/reply-writer.js';

/** Counters of a node (INFO shardkit). */
export interface NodeCounters {
  commands: number;
  connectionsTotal: number;
  connectionsRejected: number;
  protocolErrors: number;
  moved: number;
  forwarded: number;
  forwardErrors: number;
  forwardedIn: number;
  /** Writes refused because the node's lease could have expired (fenced). */
  fencedWrites: number;
  /** Forwarded requests whose owner named this node (its map was older): answered TRYAGAIN, map reloaded. */
  forwardStale: number;
  /** Forwards sent on to the node the owner named in MOVED (the owner's map was newer). */
  forwardFollowed: number;
  /** Forwards routed again under a reloaded map after a second owner also answered MOVED. */
  forwardRerouted: number;
  /** Forwards sent again because the owner's map was older than this node's (it refused with TRYAGAIN). */
  forwardRetries: number;
  /** Writes answered TRYAGAIN because their partition's move was switching (the map fences it). */
  movingWrites: number;
}

/** The node as handlers see it. */
export interface NodeContext {
  readonly id: string;
  readonly store: NodeStore;
  readonly clock: Clock;
  readonly fsync: FsyncMode;
  readonly forward: boolean;
  readonly startedAtMs: number;
  readonly version: string;
  readonly counters: NodeCounters;
  /** Moves out of this node in progress: their change streams (SK.MOVE.*). */
  readonly moves: MoveSessions;
  /** Ownership under the current map (replaced when a newer epoch arrives). */
  ownership(): Ownership;
  /** Connected clients now. */
  clients(): number;
  /** True while the node may accept writes: its lease is certainly held (fencing). */
  writable(): boolean;
  /** Extra INFO shardkit lines (forwarding pool, map source). */
  infoExtra(): string[];
  /**
   * Load the map again now (a sign it is stale); joins a load in flight, and
   * unless `force`d starts none within 100 ms of the last. Resolves when
   * done, never rejects.
   */
  refreshMap(force?: boolean): Promise<void>;
}

/** One connection's state. */
export interface Session {
  readonly id: number;
  protocol: Protocol;
  name: string;
  libName: string;
  libVersion: string;
  /** Set by ASKING, consumed by the next command. */
  asking: boolean;
  readonly: boolean;
  /** The current command arrived through SK.FWD: never forward it again. */
  forwarded: boolean;
}

/** A fresh session. */
export function newSession(id: number): Session {
  return { id, protocol: 2, name: '', libName: '', libVersion: '', asking: false, readonly: false, forwarded: false };
}
