/**
 * `shardkit/partitioning`: where does a key live, and what moves when nodes
 * come and go. One interface (`Placement`), one module per strategy, a
 * registry to build them by name, and plans between placements.
 */
export * from './placement.js';
export * from './plan.js';
export * from './registry.js';
export { MAX_PARTITIONS, checkAssignment, growAssignment, initialAssignment, minimalChangeFeasible, movedPartitions, ownedCounts, quotas, rebalance, type RebalanceOptions } from './assignment.js';
export { ModNPlacement, type ModNOptions } from './mod-n.js';
export { SlotPlacement, RedisSlotPlacement, DEFAULT_PARTITIONS, type SlotOptions } from './slots.js';
export { TokenPlacement, DEFAULT_TOKENS_PER_NODE, MAX_TOKENS_PER_NODE, type TokenOptions } from './tokens.js';
export { ConsistentHashRing, DEFAULT_VNODES, MAX_VNODES, MAX_POINTS_PER_NODE, type RingOptions } from './ring.js';
export { RangePlacement, MAX_RANGE_PARTITIONS, checkBoundaries, type RangePlacementOptions } from './range.js';
export { KetamaRing, type KetamaNodeSpec, type KetamaOptions } from './ketama.js';
export { JumpPlacement, jumpHash, type JumpOptions } from './jump.js';
export { RendezvousPlacement, type RendezvousOptions } from './rendezvous.js';
