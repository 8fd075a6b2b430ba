/**
 * shardkit: where data lives when it no longer fits on one machine.
 *
 * Each layer is also its own subpath (`shardkit/hash`, `shardkit/partitioning`,
 * `shardkit/range`, `shardkit/index`, `shardkit/log`, `shardkit/replication`,
 * `shardkit/util`, `shardkit/errors`); here they are namespaces, so names never
 * clash across layers. `runtimeInfo()` says which version, Node and
 * native backends this install runs.
 */
export * as hash from './hash/index.js';
export * as partitioning from './partitioning/index.js';
export * as range from './range/index.js';
export * as secondaryIndex from './index/index.js';
export * as log from './log/index.js';
export * as replication from './replication/index.js';
export * as util from './util/index.js';
export * from './errors.js';
export { runtimeInfo, type RuntimeInfo } from './runtime-info.js';
