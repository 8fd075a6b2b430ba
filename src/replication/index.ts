/**
 * shardkit/replication: leaderless replication with sloppy quorums and
 * hinted handoff over any placement's preference lists (DDIA ch. 5 meets
 * ch. 6; Dynamo, Cassandra, Riak).
 */
export { Coordinator, type NodeUpReport } from './coordinator.js';
export type { CoordinatorOptions, ResolvedOptions } from './options.js';
export { ReplicaCluster, type ClusterNode, type ReplicaClusterOptions } from './cluster.js';
export { type Version, LamportClock, compareVersions, areConcurrent, newerVersion, formatVersion, assertVersion } from './version.js';
export { type ReplicaStore, type Versioned, type PutOutcome, type PutResult, MemoryReplicaStore, decidePut } from './replica-store.js';
export { type Hint, type NewHint, hintExpiresAtMs, isHintExpired, assertHint } from './hint.js';
export { type HintStore, type RestartReport, MemoryHintStore } from './hint-store.js';
export { DurableHintStore, openFileHintStore, type DurableHintStoreOptions, type HintLogRepair } from './durable-hint-store.js';
export { type LogFile, NodeLogFile, MemoryLogFile } from './log-file.js';
export { type HintLogRecord, type DamagedRange, encodeRecord, decodeLog, HintLogCorruptionError, HINT_LOG_FORMAT, HINT_LOG_VERSION } from './hint-log.js';
export { handoffStep, type HandoffStep } from './handoff.js';
export type {
  WriteReport,
  ReadReport,
  HandoffReport,
  HintDelivery,
  ExpiredHint,
  StoredHint,
  RejectedHint,
  HintRejection,
  ClusterStatus,
  NodeStatus,
  ReplicationMetrics,
} from './reports.js';
export { simulateReplication, simulateSeeds, sumSimulations, type SimulationOptions, type SimulationResult, type SimulationTotals, type ModelWrite } from './simulation.js';
export { type FinalCheck } from './simulation-check.js';
