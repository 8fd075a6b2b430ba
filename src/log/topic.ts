/**
 * A topic: a name, a fixed number of partitions (each its own `PartitionLog`
 * in directory `<topic>-<partition>`, as Kafka names them) and its settings:
 * storage (segments, fsync) and cleanup (retention, compaction).
 */
import { CorruptionError, InvalidArgumentError, NotFoundError, describeValue, readOptions, requireInt } from '../errors.js';
import { checkTopicName, requireMethods } from './message.js';
import type { Clock } from '../util/clock.js';
import { applyRetention, compact, type CompactionResult } from './storage/cleanup.js';
import type { StorageDirectory } from './storage/directory.js';
import { PartitionLog, STORAGE_METHODS } from './storage/partition-log.js';
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

  /**
   * Open (or create) the topic's partitions `<name>-0` ... `<name>-<partitions - 1>`.
   * `existing`: the topic is recorded in topics.json, so every partition must
   * already be on disk (CorruptionError otherwise). Every argument is checked
   * before any partition is opened, so a refused call writes nothing: `dir` a
   * StorageDirectory, `name` a topic name, `partitions` an integer from 1 to
   * MAX_PARTITIONS, `config` topic settings (read once, as topicConfig does),
   * `clock` a Clock, `existing` a boolean; InvalidArgumentError otherwise. If
   * opening one partition fails, the ones opened before it are closed.
   * O(partitions) opens.
   */
  constructor(dir: StorageDirectory, name: string, partitions: number, config: TopicConfig, clock: Clock, existing = false) {
    requireMethods('dir', dir, STORAGE_METHODS, 'a StorageDirectory (FsDirectory, MemoryDirectory or your own)');
    checkTopicName(name);
    requireInt('partitions', partitions, 1, MAX_PARTITIONS);
    const settings = topicConfig(config);
    requireMethods('clock', clock, ['now'], 'a Clock ({ now(): number })');
    if (typeof existing !== 'boolean') throw new InvalidArgumentError('existing', existing, 'true or false');
    if (existing) {
      // All of them checked first: a missing one found halfway would leave the earlier ones open.
      for (let p = 0; p < partitions; p++) {
        const meta = `${name}-${p}/partition.json`;
        if (!dir.exists(meta)) throw new CorruptionError(`partition ${name}-${p} is recorded in topics.json but ${meta} is missing (its directory was deleted or moved)`);
      }
    }
    this.name = name;
    this.config = settings;
    this.logs = [];
    try {
      for (let p = 0; p < partitions; p++) this.logs.push(PartitionLog.open(dir, `${name}-${p}`, settings, clock, { topic: name, partition: p }, { mustExist: existing }));
    } catch (e) {
      for (const l of this.logs) {
        try {
          l.close();
        } catch {
          // The open failure is the one to report.
        }
      }
      throw e;
    }
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

  /** Apply the topic's cleanup policy to every partition at `nowMs` (an integer ≥ 0; InvalidArgumentError before anything is deleted otherwise). O(segments + compacted bytes). */
  cleanup(nowMs: number): CleanupResult {
    // Checked once before any partition is cleaned (not by the first partition's pass).
    requireInt('nowMs', nowMs, 0);
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
