/**
 * `shardkit/cluster`: what a program needs to use a running shardkit cluster.
 * `ClusterClient` (routes each key to its owner under any placement, follows
 * MOVED/ASK/TRYAGAIN within a budget, typed errors that say whether a retry
 * helps), the cluster map and its codec, and the metadata-service clients
 * behind the one `MetaStore` interface, and a linearizability checker for
 * recorded key-value histories. The node, router and metadata
 * processes themselves are started with the `shardkit` command.
 */
export { ClusterClient, type ClusterClientOptions, type ClusterClientStats } from './client/client.js';
export { ConnectionError, OwnerUnreachableError, RedirectLimitError, ReplyError } from './client/errors.js';
export { decodeMap, encodeMap, initialMap, mapNode, nextMap, placementOf, validateMap, withPartitionsMoved, type ClusterMap, type MapNode, type OwnerRange } from './map.js';
export { connectMeta } from './meta/connect.js';
export { MemoryMetaStore, type MemoryMetaStoreOptions } from './meta/memory.js';
export { HttpMetaStore, type HttpMetaOptions } from './meta/http/client.js';
export { CompactedError, LeaseLostError, MetaUnavailableError } from './meta/errors.js';
export { META_KEYS, clusterPrefix, type KeyValue, type Lease, type ListResult, type MetaStore, type PutOptions, type Watch, type WatchEvent, type WatchHandlers, type WriteResult } from './meta/types.js';
export { checkHistory, explain, type CheckOptions, type HistoryOp, type HistoryVerdict, type KeyVerdict } from './history/linearizable.js';
