/**
 * `shardkit/index`: partitioned secondary indexes (DDIA ch. 6, "Partitioning
 * and Secondary Indexes"), document-partitioned (local) and term-partitioned
 * (global), with their costs as numbers: partitions touched per operation,
 * async index lag, and a tail-latency model of scatter/gather versus term
 * lookups.
 */
export { DocumentPartitionedDB } from './document-partitioned.js';
export { TermPartitionedDB, type TermPartitionedOptions } from './term-partitioned.js';
export { IndexedDB } from './indexed-db.js';
export {
  type IndexedDBOptions,
  type QueryOptions,
  type WriteResult,
  type GetResult,
  type QueryResult,
  type IndexLag,
  partitionKeyBefore,
  partitionIds,
} from './options.js';
export { type TermPartitioner, HashTermPartitioner, RangeTermPartitioner } from './term-partitioner.js';
export { type IndexStats } from './stats.js';
export { type IndexEntry, type Posting } from './index-shard.js';
export { type IndexUpdate, type UpdateBatch } from './update-queue.js';
export { type Doc, type FieldValue, compareValues } from './values.js';
export {
  PartitionLatencyModel,
  type LatencyModelOptions,
  type LatencySummary,
  tailLatencyStudy,
  type TailLatencyOptions,
  type TailLatencyRow,
  percentileSorted,
} from './latency.js';
export { compareStrategies, type CompareOptions, type StrategyComparison } from './compare.js';
