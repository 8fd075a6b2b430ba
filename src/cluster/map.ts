/**
 * The cluster map: the placement a cluster runs (strategy, its options, the
 * nodes with their addresses) and its epoch, as stored in the metadata
 * service under `map`. The epoch rises by one on every change; every
 * ownership decision names the epoch it was made under (ARCHITECTURE.md,
 * "Epochs on everything").
 *
 * For partitioned strategies (`slots`, `redis-slots`) the partition → node
 * table is part of the value: like Redis's slot table it is state to keep,
 * not a function of the node list, once partitions have moved.
 */
import type { CreateOptions } from '../partitioning/registry.js';

/** A node as the map names it. */
export interface MapNode {
  readonly id: string;
  readonly weight: number;
  readonly host: string;
  readonly port: number;
}

/** Partitions first … last (inclusive) owned by nodes[node]. */
export interface OwnerRange {
  readonly first: number;
  readonly last: number;
  readonly node: number;
}

/** The placement of a running cluster, and its epoch. */
export interface ClusterMap {
  readonly format: 1;
  readonly epoch: number;
  readonly strategy: string;
  /** The strategy's options other than `nodes` (validated by `createPlacement`). */
  readonly options: Omit<CreateOptions, 'nodes'>;
  readonly nodes: readonly MapNode[];
  /** Partition owners for partitioned strategies, as contiguous ranges covering every partition. */
  readonly owners?: readonly OwnerRange[];
}
