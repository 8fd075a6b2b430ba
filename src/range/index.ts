/**
 * shardkit/range: a range-partitioned store (split, merge, scans, skew- and
 * load-aware splitting, compound and salted keys, partitions on nodes and a
 * balancer). See store.ts for the design.
 */
export { RangeStore, type RangeStoreOptions } from './store.js';
export { defaultSizeOf, storeStats } from './metrics.js';
export type { PartitionInfo, SplitEvent, MergeEvent, RangeEvent, SplitReason, StoreStats } from './types.js';
export { byKeyCount, byBytes, keyAtIndex, type SplitPolicy, type SplitContext } from './split-policy.js';
export { byLoad, LoadSplitFinder, type LoadSplitOptions } from './load-split.js';
export type { RangePartition } from './partition.js';
export { SlidingRate } from './rate.js';
export { planBalance, type BalanceItem, type BalanceMeasure, type BalanceOptions, type PartitionMove, type RebalancePlan } from './balancer.js';
export { NodeSet } from './nodes.js';
export { compoundKey, compoundRange, compoundRowGroup, decodeCompoundKey } from './compound-key.js';
export { KeySalter, MAX_SALT_BUCKETS, type RangeScannable } from './salted-key.js';
export { RangePlacement, checkBoundaries, type RangePlacementOptions } from '../partitioning/range.js';
export { compareKeys, toSortForm, fromSortForm, utf8Length } from '../partitioning/range-keys.js';
