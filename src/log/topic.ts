/**
 * A topic: a name, a fixed number of partitions (each its own `PartitionLog`
 * in directory `<topic>-<partition>`, as Kafka names them) and its settings:
 * storage (segments, fsync) and cleanup (retention, compaction).
 */
import { InvalidArgumentError, NotFoundError, describeValue, readOptions, requireInt } from '../errors.js';
import type { Clock } from '../util/clock.js';
import { applyRetention, compact, type CompactionResult } from './storage/cleanup.js';
import type { StorageDirectory } from './storage/directory.js';
import { PartitionLog } from './storage/partition-log.js';
import { PARTITION_CONFIG_KEYS, partitionConfig, type PartitionLogConfig } from './storage/partition-config.js';

/** Settings of a topic. `null` limits mean "no limit". */
export interface TopicConfig extends PartitionLogConfig {
  /** `delete`: retention only; `compact`: compaction only; `compact,delete`: both (Kafka's cleanup.policy). */
  cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
  retentionMs: number | null;
  retentionBytes: number | null;
  /** Keep at most this many offsets per partition (the seed's size-based retention). */
  retentionMessages: number | null;
  /** How long a tombstone survives compaction. */
  deleteRetentionMs: number;
}

/** Largest partition count accepted for one topic. */
export const MAX_PARTITIONS = 10_000;

/** Every setting of a topic (TopicConfig's fields). */
export const TOPIC_CONFIG_KEYS = [...PARTITION_CONFIG_KEYS, 'cleanupPolicy', 'retentionMs', 'retentionBytes', 'retentionMessages', 'deleteRetentionMs'] as const satisfies readonly (keyof TopicConfig)[];

const nullableInt = (name: string, v: unknown): number | null => (v === null ? null : requireInt(name, v, 0));

/** Validate a partial topic config against the defaults. Typed errors name the field. */
export function topicConfig(given: Partial<TopicConfig> = {}): TopicConfig {
  // Each setting read once; settings that throw when read are an InvalidArgumentError.
  const c = readOptions('topic settings', given, TOPIC_CONFIG_KEYS, 'an object of topic settings');
  const base = partitionConfig(c);
  const out: TopicConfig = {
    ...base,
    cleanupPolicy: c.cleanupPolicy ?? 'delete',
    retentionMs: nullableInt('retentionMs', c.retentionMs ?? null),
    retentionBytes: nullableInt('retentionBytes', c.retentionBytes ?? null),
    retentionMessages: nullableInt('retentionMessages', c.retentionMessages ?? null),
    deleteRetentionMs: requireInt('deleteRetentionMs', c.deleteRetentionMs ?? 24 * 3600 * 1000, 0),
  };
  if (!['delete', 'compact', 'compact,delete'].includes(out.cleanupPolicy)) {
    throw new InvalidArgumentError('cleanupPolicy', out.cleanupPolicy, '"delete", "compact" or "compact,delete"');
  }
  return out;
}

/** What one cleanup pass over a topic did. */
export interface CleanupResult {
  segmentsDeleted: number;
  compaction: CompactionResult | null;
}

/** A topic and its open partition logs. */
export class Topic {
  readonly name: string;
  readonly config: TopicConfig;
  private readonly logs: PartitionLog[];

  /** `existing`: the topic is recorded in topics.json, so every partition must already be on disk (CorruptionError otherwise). */
  constructor(dir: StorageDirectory, name: string, partitions: number, config: TopicConfig, clock: Clock, existing = false) {
    this.name = name;
    this.config = config;
    this.logs = [];
    for (let p = 0; p < partitions; p++) this.logs.push(PartitionLog.open(dir, `${name}-${p}`, config, clock, { topic: name, partition: p }, { mustExist: existing }));
  }

  get partitionCount(): number {
    return this.logs.length;
  }

  /** The log of `partition`; InvalidArgumentError if out of range. O(1). */
  log(partition: unknown): PartitionLog {
    if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= this.logs.length) {
      throw new InvalidArgumentError('partition', partition, `an integer from 0 to ${this.logs.length - 1} (topic ${this.name} has ${this.logs.length})`);
    }
    return this.logs[partition] as PartitionLog;
  }

  /** Apply the topic's cleanup policy to every partition at `nowMs`. O(segments + compacted bytes). */
  cleanup(nowMs: number): CleanupResult {
    let segmentsDeleted = 0;
    let compaction: CompactionResult | null = null;
    for (const log of this.logs) {
      if (this.config.cleanupPolicy !== 'delete') {
        const r = compact(log, { nowMs, deleteRetentionMs: this.config.deleteRetentionMs });
        compaction = compaction === null ? r : sum(compaction, r);
      }
      if (this.config.cleanupPolicy !== 'compact') segmentsDeleted += applyRetention(log, this.config, nowMs).segmentsDeleted;
    }
    return { segmentsDeleted, compaction };
  }

  /** With fsync `interval`: sync the partitions whose interval has passed; returns how many. */
  syncDue(): number {
    let n = 0;
    for (const l of this.logs) if (l.syncIfDue()) n++;
    return n;
  }

  /** fdatasync every partition. */
  flush(): void {
    for (const l of this.logs) l.flush();
  }

  /** Close every partition, also when one fails (the first error is rethrown after). */
  close(): void {
    let failure: unknown = null;
    for (const l of this.logs) {
      try {
        l.close();
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) throw failure;
  }

  checkInvariants(): void {
    for (const l of this.logs) l.checkInvariants();
  }
}

function sum(a: CompactionResult, b: CompactionResult): CompactionResult {
  return {
    segmentsRewritten: a.segmentsRewritten + b.segmentsRewritten,
    recordsRemoved: a.recordsRemoved + b.recordsRemoved,
    tombstonesRemoved: a.tombstonesRemoved + b.tombstonesRemoved,
    bytesBefore: a.bytesBefore + b.bytesBefore,
    bytesAfter: a.bytesAfter + b.bytesAfter,
  };
}

/** NotFoundError for an unknown topic, listing the known ones. */
export function unknownTopic(name: string, known: Iterable<string>): NotFoundError {
  return new NotFoundError('topic', typeof name === 'string' ? name : describeValue(name), [...known].sort());
}
