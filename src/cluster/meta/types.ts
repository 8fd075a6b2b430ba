/**
 * The cluster's metadata service, as one interface (ARCHITECTURE.md, "The
 * cluster"): compare-and-set on a revision, watch from a revision
 * (list-then-watch), and leases for liveness. The embedded service
 * (`shardkit meta`), etcd and ZooKeeper sit behind it, and one shared suite
 * runs against each.
 *
 * The model is etcd's: one store-wide revision that rises by one on every
 * change; every key remembers the revision that created it and the one that
 * last changed it. The ZooKeeper adapter keeps such a revision itself (the
 * version of one znode written in every multi(); ./zookeeper/store.ts).
 */

/** A key and its value as the store holds it. */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /** Revision of the change that created this key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the change that last wrote this key. */
  readonly modRevision: number;
  /** The lease the key is attached to (it is deleted when the lease ends), if any. */
  readonly lease?: string;
}

/**
 * One change, as a watcher sees it. Revisions of successive events never
 * decrease; several events may share one revision (etcd deletes a lease's
 * keys in one revision; the embedded store gives each its own), and a batch
 * of `onEvents` never splits a revision, so resuming after the last revision
 * seen misses nothing.
 */
export type WatchEvent =
  | { readonly type: 'put'; readonly kv: KeyValue; readonly revision: number }
  | { readonly type: 'delete'; readonly key: string; readonly revision: number };

/** What `list` returns: every key under a prefix at one revision. */
export interface ListResult {
  readonly kvs: readonly KeyValue[];
  /** The store's revision at which the list was taken: watch from here. */
  readonly revision: number;
}

/** Conditions of a conditional write; all given must hold. */
export interface PutOptions {
  /** Attach the key to this lease. */
  readonly lease?: string;
  /** Write only if the key's modRevision is this; 0 means "only if the key does not exist". */
  readonly ifModRevision?: number;
}

/** The result of a conditional write: `ok` false means a condition failed and nothing was written. */
export interface WriteResult {
  readonly ok: boolean;
  /** The store's revision after the call (the write's revision when ok). */
  readonly revision: number;
}

/** A lease: keys attached to it are deleted when it expires or is revoked. */
export interface Lease {
  readonly id: string;
  readonly ttlMs: number;
  /**
   * Fencing: the lease is certainly still held until this time, in ms on the
   * holder's monotonic clock (`performance.now()`): send time of the last
   * successful grant or renewal + TTL − a margin. Check it before accepting a
   * write. Absent where the implementation does not keep it (memory, http).
   */
  readonly validUntilMs?: number;
  /** Renew now. Rejects (typed error) when the lease is already gone on the server. */
  keepAlive(): Promise<void>;
  /** End the lease and delete its keys. */
  revoke(): Promise<void>;
}

/** A running watch. */
export interface Watch {
  /** Stop watching; no callback runs after this returns. */
  close(): void;
}

/** Callbacks of a watch. */
export interface WatchHandlers {
  /** Changes in revision order, none skipped, starting after `fromRevision`. */
  onEvents(events: readonly WatchEvent[]): void;
  /**
   * The watch ended and will deliver nothing more. A `CompactedError` means
   * the revision asked for is no longer kept: list again and watch from the
   * list's revision. (CompactedError, LeaseLostError and
   * MetaUnavailableError are in ./errors.ts.)
   */
  onError(error: Error): void;
}

/** The metadata service, whichever implementation. Every method may reject with a typed ShardkitError. */
export interface MetaStore {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string): Promise<ListResult>;
  put(key: string, value: Uint8Array, options?: PutOptions): Promise<WriteResult>;
  delete(key: string, options?: { readonly ifModRevision?: number }): Promise<WriteResult>;
  /** Watch every key under `prefix`, delivering changes with revision > fromRevision. */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch;
  grantLease(ttlMs: number): Promise<Lease>;
  close(): Promise<void>;
}

/**
 * Where the cluster keeps what, under its prefix (default `/shardkit/<cluster>/`):
 * - `map`: the cluster map (./map.ts), written only by compare-and-set, its epoch
 *   rising by one on every write;
 * - `members/<id>`: a member's registration (JSON: id, host, port, state, pid),
 *   attached to the member's lease;
 * - `rebalance/...`: plans and the move journal (the rebalancing issue).
 */
export const META_KEYS = {
  map: 'map',
  membersPrefix: 'members/',
  rebalancePrefix: 'rebalance/',
} as const;

/** The prefix under which cluster `name` keeps its keys (META_KEYS): `/shardkit/<name>/`. */
export function clusterPrefix(name = 'default'): string {
  return `/shardkit/${name}/`;
}
