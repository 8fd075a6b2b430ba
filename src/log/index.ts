/**
 * shardkit/log: a Kafka-style partitioned, append-only log that survives
 * crashes — topics of partitions stored as segments of CRC-checked record
 * batches, producers that route by key (Kafka's murmur2), consumers that track
 * offsets, and consumer groups rebalanced by range, round-robin, sticky or
 * cooperative-sticky assignors through a pure group coordinator.
 */
export { Broker, DEFAULT_OFFSETS_RETENTION_MS, type BrokerOptions, type TopicDescription, type OffsetCommit, type PartitionStats, type VerifyReport } from './broker.js';
export { OffsetsLog, OffsetsCorruptionError, OFFSETS_LOG, type OffsetsLogOptions } from './offsets-log.js';
export { Producer, type ProducerOptions } from './producer.js';
export { Consumer, type ConsumerOptions } from './consumer.js';
export { Topic, topicConfig, type TopicConfig, type CleanupResult, MAX_PARTITIONS } from './topic.js';
export { keyedPartition, roundRobinPartitioner, uniformStickyPartitioner, partitionerByName, partitionerNames, type Partitioner } from './partitioner.js';
export { checkTopicName, checkGroupId, toRecord } from './message.js';
export * from './types.js';
export * from './assignors/index.js';
export { GroupCoordinator, type CoordinatorOptions, type RebalanceReport, type GroupErrorCode, type GroupState, type JoinResult, type Outcome } from './group/coordinator.js';
export { LocalGroup, type GroupMemberHandle, type LocalGroupOptions } from './group/local-group.js';
export { type StorageDirectory, MemoryDirectory } from './storage/directory.js';
export { FsDirectory, type FsDirectoryOptions } from './storage/fs-directory.js';
export { PartitionLog } from './storage/partition-log.js';
export { RecordBatchView, RecordCursor } from './storage/batch-view.js';
export { FetchBuffer, DEFAULT_FETCH_BUFFER_BYTES } from './storage/fetch-buffer.js';
export { partitionConfig, DEFAULT_PARTITION_CONFIG, type PartitionLogConfig } from './storage/partition-config.js';
export { SegmentCorruptionError, segmentName, parseSegmentName } from './storage/segment.js';
export { applyRetention, compact, type RetentionPolicy, type RetentionResult, type CompactionResult } from './storage/cleanup.js';
export { encodeBatch, checkBatch, readBatchHeader, BATCH_HEADER_BYTES, GAP_BEFORE } from './storage/record-batch.js';
export { DiskFullError } from './storage/disk-full.js';
export { type VerifyProblem, type PartitionVerifyResult } from './storage/partition-verify.js';
export { DirectoryLock } from './storage/dir-lock.js';
