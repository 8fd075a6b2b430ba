/**
 * The in-process broker: topics of partitioned logs over a data directory (or
 * memory), committed offsets per consumer group, and one group coordinator
 * per group. Producers and consumers talk to it; a network front end can
 * later do the same (ARCHITECTURE.md: storage and coordinator behind
 * interfaces). Synchronous: every call has finished its I/O when it returns.
 */
import { InvalidArgumentError, StateError, describeThrown, readOptions, requireInt } from '../errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { mulberry32, type Random } from '../util/random.js';
import { assignorByName } from './assignors/index.js';
import { LocalGroup } from './group/local-group.js';
import { claimDirectory, loadTopics, saveTopics } from './log-dir.js';
import { OffsetsLog } from './offsets-log.js';
import { checkGroupId, checkTopicName, readOffsetCommits, requireMethods } from './message.js';
import { MemoryDirectory, type StorageDirectory } from './storage/directory.js';
import { FsDirectory } from './storage/fs-directory.js';
import type { VerifyProblem } from './storage/partition-verify.js';
import { MAX_PARTITIONS, TOPIC_CONFIG_KEYS, Topic, topicConfig, unknownTopic, type CleanupResult, type TopicConfig } from './topic.js';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { Producer, type ProducerOptions } from './producer.js';
import { type RecordInput, type StoredRecord, type TopicPartition } from './types.js';

/** How to open a broker. */
export interface BrokerOptions {
  /** A directory on disk (created if missing). Without it and without `storage`, the broker lives in memory. */
  dataDir?: string;
  /** Any storage adapter (e.g. a `MemoryDirectory` to simulate crashes). */
  storage?: StorageDirectory;
  /** Time for timestamps, segment age, retention and group sessions (default: wall clock). */
  clock?: Clock;
  /** Randomness for the uniform-sticky partitioner (default: seeded). */
  random?: Random;
  /** Settings every new topic starts from. */
  topicDefaults?: Partial<TopicConfig>;
  /** Group session timeout (default 45 s) and rebalance timeout (default 60 s). */
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  /**
   * How long a group without members keeps its committed offsets after its
   * last commit (default 7 days, Kafka's offsets.retention.minutes). Checked
   * by `cleanup()` / `expireOffsets()` on the broker's clock.
   */
  offsetsRetentionMs?: number;
}

const BROKER_OPTION_KEYS = ['dataDir', 'storage', 'clock', 'random', 'topicDefaults', 'sessionTimeoutMs', 'rebalanceTimeoutMs', 'offsetsRetentionMs'] as const;
const STORAGE_METHODS = ['list', 'exists', 'mkdir', 'size', 'read', 'readInto', 'append', 'sync', 'truncate', 'remove', 'removeDir', 'writeAtomic', 'rename', 'lock', 'close'];

/** Broker options after validation: each read once. */
type ResolvedBrokerOptions = { readonly clock: Clock; readonly random: Random; readonly topicDefaults: Partial<TopicConfig> } & Pick<BrokerOptions, 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'offsetsRetentionMs'>;

/**
 * Snapshot and check the options of `Broker.open`: every field read once; a
 * field or options object that throws when read, a non-object, a clock
 * without `now()`, a storage adapter without its methods are
 * InvalidArgumentErrors saying what is allowed. `null` takes the default for
 * clock, random and topicDefaults; a null `dataDir` or `storage` is refused
 * (it must not silently mean a broker in memory).
 */
function readBrokerOptions(given: unknown): Pick<BrokerOptions, 'dataDir' | 'storage'> & ResolvedBrokerOptions {
  const allowed = 'an options object { dataDir?, storage?, clock?, random?, topicDefaults?, sessionTimeoutMs?, rebalanceTimeoutMs?, offsetsRetentionMs? }';
  const o = readOptions('options', given as BrokerOptions | undefined, BROKER_OPTION_KEYS, allowed);
  if (o.dataDir !== undefined && typeof o.dataDir !== 'string') throw new InvalidArgumentError('dataDir', o.dataDir, 'a directory path (a string)');
  if (o.storage !== undefined) requireMethods('storage', o.storage, STORAGE_METHODS, 'a StorageDirectory (FsDirectory, MemoryDirectory or your own)');
  const clock = (o.clock as Clock | null | undefined) ?? systemClock;
  requireMethods('clock', clock, ['now'], 'a Clock ({ now(): number })');
  const random = (o.random as Random | null | undefined) ?? mulberry32(0x5eed);
  if (typeof random !== 'function') throw new InvalidArgumentError('random', random, 'a Random (() => number in [0, 1))');
  const topicDefaults = (o.topicDefaults as Partial<TopicConfig> | null | undefined) ?? {};
  return { ...o, clock, random, topicDefaults: readOptions('topicDefaults', topicDefaults, TOPIC_CONFIG_KEYS, 'an object of topic settings') };
}

/** Kafka's default offsets.retention.minutes: 7 days. */
export const DEFAULT_OFFSETS_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** A topic's description. */
export interface TopicDescription {
  name: string;
  partitions: number;
  config: TopicConfig;
}

/** One partition's extent and size, as `Broker.stats()` reports it. */
export interface PartitionStats extends TopicPartition {
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: number;
}

/** What `Broker.verify` found: every problem, with its topic and partition. */
export interface VerifyReport {
  topics: number;
  partitions: number;
  records: number;
  problems: (VerifyProblem & TopicPartition)[];
}

/** An offset to commit. */
export interface OffsetCommit extends TopicPartition {
  offset: number;
}

/** The committing member of `commitOffsets`: null (outside the group protocol) or { memberId, generation }, read once. */
function readMember(member: unknown): { memberId: string; generation: number } | null {
  if (member === null) return null;
  const allowed = 'null (a consumer outside the group protocol) or { memberId: string, generation: integer }';
  if (typeof member !== 'object') throw new InvalidArgumentError('member', member, allowed);
  const m = readOptions('member', member as { memberId: string; generation: number }, ['memberId', 'generation'], allowed);
  if (typeof m.memberId !== 'string' || typeof m.generation !== 'number' || !Number.isSafeInteger(m.generation)) throw new InvalidArgumentError('member', member, allowed);
  return { memberId: m.memberId, generation: m.generation };
}

/** The partitioned-log broker. */
export class Broker {
  readonly clock: Clock;
  readonly random: Random;
  private readonly dir: StorageDirectory;
  private readonly topicDefaults: Partial<TopicConfig>;
  private readonly topicsByName = new Map<string, Topic>();
  private readonly offsets: OffsetsLog;
  private readonly groups = new Map<string, LocalGroup>();
  /**
   * When each group was last known active: its in-process group created or
   * seen with members (by `expireOffsets`), or the open time for groups
   * loaded from disk. Its offsets expire counting from this or its last
   * commit, whichever is later.
   */
  private readonly activeAtMs = new Map<string, number>();
  private readonly offsetsRetentionMs: number;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private closed = false;

  private constructor(dir: StorageDirectory, options: ResolvedBrokerOptions) {
    this.dir = dir;
    this.clock = options.clock;
    this.random = options.random;
    this.topicDefaults = options.topicDefaults;
    topicConfig(this.topicDefaults);
    this.sessionTimeoutMs = requireInt('sessionTimeoutMs', options.sessionTimeoutMs ?? 45_000, 1);
    this.rebalanceTimeoutMs = requireInt('rebalanceTimeoutMs', options.rebalanceTimeoutMs ?? 60_000, 1);
    this.offsetsRetentionMs = requireInt('offsetsRetentionMs', options.offsetsRetentionMs ?? DEFAULT_OFFSETS_RETENTION_MS, 1);
    this.offsets = OffsetsLog.open(dir, this.clock.now());
    for (const g of this.offsets.groupIds()) this.activeAtMs.set(g, this.clock.now());
  }

  /**
   * Open a broker: in memory, over `storage`, or over `dataDir` (a new or
   * empty directory, or one a broker wrote before: its topics, messages and
   * committed offsets come back). A directory that is not a shardkit log is
   * an InvalidArgumentError and is left untouched. Recovers every partition
   * (see PartitionLog.open). O(data after each partition's recovery point).
   */
  static open(given: BrokerOptions = {}): Broker {
    const options = readBrokerOptions(given);
    let dir: StorageDirectory;
    try {
      dir = options.storage ?? (options.dataDir !== undefined ? new FsDirectory(options.dataDir) : new MemoryDirectory());
    } catch (e) {
      throw new InvalidArgumentError('dataDir', options.dataDir, `a directory that can be created or opened (${describeThrown(e)})`);
    }
    try {
      claimDirectory(dir, options.dataDir ?? 'storage');
      const broker = new Broker(dir, options);
      for (const t of loadTopics(dir)) broker.topicsByName.set(t.name, new Topic(dir, t.name, t.partitions, topicConfig(t.config), broker.clock, true));
      return broker;
    } catch (e) {
      if (options.storage === undefined) dir.close();
      throw e;
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new StateError('the broker is closed', { code: 'CLOSED' });
  }

  /**
   * Create `name` with `partitions` (1..10,000) partitions and settings on top
   * of the broker's defaults. StateError if it exists. O(partitions).
   */
  createTopic(name: string, options: { partitions?: number } & Partial<TopicConfig> = {}): TopicDescription {
    this.ensureOpen();
    checkTopicName(name);
    const { partitions: p = 1, ...rest } = readOptions('topic options', options, ['partitions', ...TOPIC_CONFIG_KEYS], 'an object { partitions?, ...topic settings }');
    const partitions = requireInt('partitions', p, 1, MAX_PARTITIONS);
    const config = topicConfig({ ...this.topicDefaults, ...rest });
    if (this.topicsByName.has(name)) throw new StateError(`topic ${JSON.stringify(name)} already exists`, { code: 'TOPIC_EXISTS' });
    const topic = new Topic(this.dir, name, partitions, config, this.clock);
    this.topicsByName.set(name, topic);
    saveTopics(this.dir, this.describeAll());
    return { name, partitions, config };
  }

  private describeAll(): TopicDescription[] {
    return [...this.topicsByName.values()].map((t) => ({ name: t.name, partitions: t.partitionCount, config: t.config }));
  }

  /** Names of all topics, sorted. */
  topicNames(): string[] {
    return [...this.topicsByName.keys()].sort();
  }

  /** A topic's description; NotFoundError if unknown. */
  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return { name: t.name, partitions: t.partitionCount, config: t.config };
  }

  /** The topic `name`; NotFoundError (listing known topics) if unknown. O(1). */
  topic(name: string): Topic {
    this.ensureOpen();
    // A value that is not a string is not a topic name at all: say what names are, not "unknown topic".
    if (typeof name !== 'string') checkTopicName(name);
    const t = this.topicsByName.get(name);
    if (t === undefined) throw unknownTopic(name, this.topicsByName.keys());
    return t;
  }

  /** Partition count of `topic`. */
  partitionCount(topic: string): number {
    return this.topic(topic).partitionCount;
  }

  /** Append records (already validated) as one batch; returns the first offset. Durable on return under fsync `always`. */
  append(topic: string, partition: number, records: readonly RecordInput[]): number {
    const log = this.topic(topic).log(partition);
    return log.append(records); // PartitionLog.append checks the records (each read once)
  }

  /** Up to `maxRecords` records from `offset` (clamped to the log start). O(log segments + bytes read). */
  read(topic: string, partition: number, offset: number, maxRecords: number): StoredRecord[] {
    return this.topic(topic).log(partition).read(offset, maxRecords);
  }

  /** The first readable offset of a partition. */
  earliestOffset(topic: string, partition: number): number {
    return this.topic(topic).log(partition).logStartOffset;
  }

  /** The offset the next message will get (log end offset). */
  latestOffset(topic: string, partition: number): number {
    return this.topic(topic).log(partition).nextOffset;
  }

  /** The first offset with a timestamp ≥ `timestampMs`, or the log end. */
  offsetForTime(topic: string, partition: number, timestampMs: number): number {
    return this.topic(topic).log(partition).offsetForTime(timestampMs);
  }

  /**
   * The in-process group `groupId`, created with `assignor` on first use; an
   * empty group switches to a different assignor (as Kafka allows when no
   * member holds the old protocol). O(1).
   */
  group(groupId: string, assignor = 'cooperative-sticky'): LocalGroup {
    this.ensureOpen();
    checkGroupId(groupId);
    let g = this.groups.get(groupId);
    const wanted = assignorByName(assignor);
    if (g !== undefined && g.coordinator.assignor !== wanted && g.coordinator.memberIds().length === 0) g = undefined;
    if (g === undefined) {
      g = new LocalGroup({
        groupId,
        assignor: wanted,
        clock: this.clock,
        partitionsOf: (t) => this.topicsByName.get(t)?.partitionCount ?? 0,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
      });
      this.groups.set(groupId, g);
      this.activeAtMs.set(groupId, this.clock.now());
    }
    return g;
  }

  /**
   * Commit offsets for `groupId`, from group member `member` (its generation
   * must be current) or, with `member` null, from a consumer outside the
   * group protocol (allowed only while the group has no members). Validated
   * first (topics, partitions, offsets ≥ 0), then appended to the offsets
   * log as one record and fsynced: O(offsets committed), whatever the number
   * of groups. A full disk is a DiskFullError (retriable), nothing committed.
   */
  commitOffsets(groupId: string, given: readonly OffsetCommit[], memberGiven: { memberId: string; generation: number } | null): void {
    this.ensureOpen();
    checkGroupId(groupId);
    // Each entry and field read once: what is checked is what is committed.
    const offsets = readOffsetCommits(given);
    const member = readMember(memberGiven);
    for (const o of offsets) {
      this.topic(o.topic).log(o.partition);
      requireInt('offset', o.offset, 0);
    }
    const g = this.groups.get(groupId);
    if (g !== undefined) {
      const r = g.coordinator.commit(member?.memberId ?? null, member?.generation ?? -1);
      if (!r.ok) throw new StateError(`commit to group ${JSON.stringify(groupId)} rejected: ${r.error}`, { code: r.error, retriable: r.error === 'REBALANCE_IN_PROGRESS' });
    } else if (member !== null) {
      throw new StateError(`commit to group ${JSON.stringify(groupId)} rejected: UNKNOWN_MEMBER_ID`, { code: 'UNKNOWN_MEMBER_ID' });
    }
    if (offsets.length === 0) return;
    this.offsets.commit(groupId, offsets, this.clock.now());
  }

  /** The committed offset of `groupId` for a partition, or null. O(1). */
  committedOffset(groupId: string, topic: string, partition: number): number | null {
    this.ensureOpen();
    checkGroupId(groupId);
    this.topic(topic).log(partition);
    return this.offsets.get(groupId, topic, partition) ?? null;
  }

  /** Group ids with committed offsets or an in-process group, sorted. */
  groupIds(): string[] {
    return [...new Set([...this.offsets.groupIds(), ...this.groups.keys()])].sort();
  }

  /**
   * Expire groups without members: a group that has no members now, and
   * that has neither committed nor been seen with members for
   * `offsetsRetentionMs`, loses its committed offsets (a tombstone in the
   * offsets log, dropped at its next rewrite) and its in-process group
   * object. Members are observed here (and when the in-process group is
   * created), so a group that lost its members counts from the last check
   * that saw them; groups loaded from disk count from the broker's open, so
   * a restart never expires offsets early. Returns the expired group ids.
   * O(groups).
   */
  expireOffsets(): string[] {
    this.ensureOpen();
    const now = this.clock.now();
    const expired: string[] = [];
    for (const id of this.groupIds()) {
      const g = this.groups.get(id);
      if (g !== undefined && g.coordinator.memberIds().length > 0) {
        this.activeAtMs.set(id, now);
        continue;
      }
      const since = Math.max(this.activeAtMs.get(id) ?? -Infinity, this.offsets.lastCommitMs(id) ?? -Infinity);
      if (now - since >= this.offsetsRetentionMs) expired.push(id);
    }
    this.offsets.delete(expired, now);
    for (const id of expired) {
      this.groups.delete(id);
      this.activeAtMs.delete(id);
    }
    return expired;
  }

  /**
   * What each partition holds: offsets, bytes and segments (ARCHITECTURE.md,
   * principle 6). O(partitions + segments).
   */
  stats(): PartitionStats[] {
    this.ensureOpen();
    const out: PartitionStats[] = [];
    for (const name of this.topicNames()) {
      const t = this.topicsByName.get(name) as Topic;
      for (let p = 0; p < t.partitionCount; p++) {
        const log = t.log(p);
        out.push({ topic: name, partition: p, logStartOffset: log.logStartOffset, logEndOffset: log.nextOffset, sizeBytes: log.sizeBytes, segments: log.segmentCount });
      }
    }
    return out;
  }

  /**
   * Consumer lag of `groupId` per partition of `topic`: log end offset minus
   * the committed offset (or minus the log start when nothing is committed). O(partitions).
   */
  lag(groupId: string, topic: string): { partition: number; committed: number | null; logEndOffset: number; lag: number }[] {
    const t = this.topic(topic);
    return Array.from({ length: t.partitionCount }, (_, partition) => {
      const committed = this.committedOffset(groupId, topic, partition);
      const log = t.log(partition);
      return { partition, committed, logEndOffset: log.nextOffset, lag: log.nextOffset - Math.max(committed ?? log.logStartOffset, log.logStartOffset) };
    });
  }

  /** A producer (see Producer). */
  producer(options: ProducerOptions = {}): Producer {
    return new Producer(this, options);
  }

  /** A consumer (see Consumer). */
  consumer(options: ConsumerOptions = {}): Consumer {
    return new Consumer(this, options);
  }

  /** Run retention and compaction on every topic per its cleanup policy, and expire idle groups' offsets (`expireOffsets`), at the clock's time. */
  cleanup(): Map<string, CleanupResult> {
    this.ensureOpen();
    const now = this.clock.now();
    const out = new Map<string, CleanupResult>();
    for (const t of this.topicsByName.values()) out.set(t.name, t.cleanup(now));
    this.expireOffsets();
    return out;
  }

  /**
   * For topics with fsync `interval`: fdatasync each partition with appends
   * older than its interval. Call from a timer so idle partitions get synced
   * too (the core keeps no timers). Returns the partitions synced.
   */
  syncDue(): number {
    this.ensureOpen();
    let n = 0;
    for (const t of this.topicsByName.values()) n += t.syncDue();
    return n;
  }

  /** fdatasync every partition (for fsync `interval`/`never`). */
  flush(): void {
    this.ensureOpen();
    for (const t of this.topicsByName.values()) t.flush();
  }

  /**
   * Flush and close every partition (a clean shutdown) and release the
   * directory. The directory's lock is released even when closing a
   * partition fails (a full disk, say): every partition is still closed, the
   * first error is rethrown, and the partitions that failed recover at the
   * next open as after a crash.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let failure: unknown = null;
    for (const t of this.topicsByName.values()) {
      try {
        t.close();
      } catch (e) {
        failure ??= e;
      }
    }
    try {
      this.dir.close();
    } catch (e) {
      failure ??= e;
    }
    if (failure !== null) throw failure;
  }

  /**
   * Read every byte of every partition and report every problem found
   * (see PartitionLog.verify); writes nothing. What `shardkit log verify`
   * runs after opening. O(bytes of the log).
   */
  verify(): VerifyReport {
    this.ensureOpen();
    const report: VerifyReport = { topics: this.topicsByName.size, partitions: 0, records: 0, problems: [] };
    for (const name of this.topicNames()) {
      const t = this.topicsByName.get(name) as Topic;
      for (let p = 0; p < t.partitionCount; p++) {
        const r = t.log(p).verify();
        report.partitions++;
        report.records += r.records;
        for (const problem of r.problems) report.problems.push({ topic: name, partition: p, ...problem });
      }
    }
    return report;
  }

  /** Throws InvariantError on any broken rule in topics, partitions or groups. */
  checkInvariants(): void {
    for (const t of this.topicsByName.values()) t.checkInvariants();
    for (const g of this.groups.values()) g.coordinator.checkInvariants();
    this.offsets.checkInvariants();
  }
}
