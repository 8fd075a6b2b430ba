/**
 * A consumer: reads partitions in offset order and tracks its position in
 * each. Either `assign` explicit partitions, or `subscribe` to topics — as a
 * member of a group (partitions shared with the other members, rebalanced
 * when members come and go) or, without a group id, taking every partition.
 * Positions start from the group's committed offset, else from
 * `autoOffsetReset`. Commits go to the group (fenced by generation).
 */
import { InvalidArgumentError, StateError, readArray, readOptions, requireInt } from '../errors.js';
import { assignorByName } from './assignors/index.js';
import type { Broker, OffsetCommit } from './broker.js';
import type { GroupMemberHandle, LocalGroup } from './group/local-group.js';
import { checkGroupId, readOffsetCommits, readTopicPartitions } from './message.js';
import type { RecordBatchView } from './storage/batch-view.js';
import { DEFAULT_FETCH_BUFFER_BYTES, FetchBuffer } from './storage/fetch-buffer.js';
import { tpKey, type ConsumedMessage, type TopicPartition } from './types.js';

/** Consumer settings. */
export interface ConsumerOptions {
  /** The consumer group; needed for `commit`, `committed` and group subscriptions. */
  groupId?: string;
  /** Static membership (KIP-345): a restart with the same id takes over without a rebalance. */
  groupInstanceId?: string;
  /** Assignor for the group (default 'cooperative-sticky'). */
  assignor?: string;
  /** Commit positions on poll (every `autoCommitIntervalMs`), before giving up partitions, and on close. Default: true with a group. */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Where to start a partition with no committed offset. Default 'earliest'. */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Default `poll` size (500). */
  maxPollRecords?: number;
  /**
   * Bytes `pollBatches` reads per partition with one read call into a buffer
   * kept for the partition (default 1 MiB, Kafka's `max.partition.fetch.bytes`;
   * a larger batch is read whole). Memory: this much per assigned partition
   * read with `pollBatches`, twice with read-ahead.
   */
  fetchBufferBytes?: number;
  /**
   * `pollBatches` reads each partition's next window ahead, and checks its
   * CRCs, on the native addon's read-ahead thread while the application works
   * through the current one (default true; without the addon, or on an
   * in-memory broker, it reads synchronously whatever this says).
   */
  readAhead?: boolean;
}

interface PartitionState {
  topic: string;
  partition: number;
  key: string;
  /** Next offset to read; null until resolved from committed/reset. */
  position: number | null;
  /** The read window of `pollBatches`, made on first use. */
  fetch: FetchBuffer | null;
}

/** Reads messages from a broker. */
export class Consumer implements GroupMemberHandle {
  private readonly broker: Broker;
  readonly groupId: string | null;
  readonly groupInstanceId: string | null;
  private readonly assignorName: string;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly autoOffsetReset: 'earliest' | 'latest';
  private readonly maxPollRecords: number;
  private readonly fetchBufferBytes: number;
  private readonly readAhead: boolean;
  private parts: PartitionState[] = [];
  private startIndex = 0;
  private subscription: string[] = [];
  private mode: 'none' | 'assign' | 'group' | 'standalone' = 'none';
  private group: LocalGroup | null = null;
  private memberIdValue: string | null = null;
  private generationValue = -1;
  private lastCommitMs: number;
  private readonly committedPositions = new Map<string, number>();
  private closed = false;

  constructor(broker: Broker, given: ConsumerOptions = {}) {
    this.broker = broker;
    // Each option read once (absent, undefined or null: the default); one that throws when read is an InvalidArgumentError.
    const read = readOptions(
      'consumer options',
      given,
      ['groupId', 'groupInstanceId', 'assignor', 'autoCommit', 'autoCommitIntervalMs', 'autoOffsetReset', 'maxPollRecords', 'fetchBufferBytes', 'readAhead'],
      'an object of consumer settings',
    );
    const options = Object.fromEntries(Object.entries(read).filter(([, v]) => v !== null)) as ConsumerOptions;
    this.groupId = options.groupId === undefined ? null : checkGroupId(options.groupId);
    if (options.groupInstanceId !== undefined && (typeof options.groupInstanceId !== 'string' || options.groupInstanceId === '')) {
      throw new InvalidArgumentError('groupInstanceId', options.groupInstanceId, 'a non-empty string');
    }
    this.groupInstanceId = options.groupInstanceId ?? null;
    this.assignorName = assignorByName(options.assignor ?? 'cooperative-sticky').name;
    if (options.autoCommit !== undefined && typeof options.autoCommit !== 'boolean') throw new InvalidArgumentError('autoCommit', options.autoCommit, 'true or false');
    this.autoCommit = options.autoCommit ?? this.groupId !== null;
    if (this.autoCommit && this.groupId === null) throw new InvalidArgumentError('autoCommit', true, 'false without a groupId');
    this.autoCommitIntervalMs = requireInt('autoCommitIntervalMs', options.autoCommitIntervalMs ?? 5000, 0);
    const reset = options.autoOffsetReset ?? 'earliest';
    if (reset !== 'earliest' && reset !== 'latest') throw new InvalidArgumentError('autoOffsetReset', reset, '"earliest" or "latest"');
    this.autoOffsetReset = reset;
    this.maxPollRecords = requireInt('maxPollRecords', options.maxPollRecords ?? 500, 1, 1_000_000);
    this.fetchBufferBytes = requireInt('fetchBufferBytes', options.fetchBufferBytes ?? DEFAULT_FETCH_BUFFER_BYTES, 4096, 256 * 1024 * 1024);
    if (options.readAhead !== undefined && typeof options.readAhead !== 'boolean') throw new InvalidArgumentError('readAhead', options.readAhead, 'true or false');
    this.readAhead = options.readAhead ?? true;
    this.lastCommitMs = broker.clock.now();
  }

  /** The member id in the group, or null. */
  get memberId(): string | null {
    return this.memberIdValue;
  }
  /** The group generation this consumer's assignment belongs to (−1 outside a group). */
  get generation(): number {
    return this.generationValue;
  }
  /** Topics subscribed to (group or standalone). */
  get topics(): readonly string[] {
    return this.subscription;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StateError('the consumer is closed', { code: 'CLOSED' });
  }

  /** Consume exactly these partitions (no group membership). Validates them all first. */
  assign(partitions: readonly TopicPartition[]): void {
    this.ensureOpen();
    if (this.mode === 'group') throw new StateError('assign() after subscribe() with a group: close this consumer first');
    // Each entry and field read once: what is checked is what is assigned.
    const list = readTopicPartitions(partitions);
    for (const tp of list) this.broker.topic(tp.topic).log(tp.partition);
    this.mode = 'assign';
    this.setAssignment(list);
  }

  /**
   * Subscribe to `topics`: with a group id, join the group (a rebalance
   * runs); without one, take every partition of the topics. Unknown topics
   * are a NotFoundError and change nothing.
   */
  subscribe(given: readonly string[]): void {
    this.ensureOpen();
    const topics = readArray('topics', given, 'a non-empty array of topic names') as string[];
    if (topics.length === 0) throw new InvalidArgumentError('topics', given, 'a non-empty array of topic names');
    for (const t of topics) this.broker.topic(t);
    if (this.mode === 'assign') throw new StateError('subscribe() after assign(): close this consumer first');
    if (this.groupId === null) {
      this.subscription = [...new Set(topics)].sort();
      this.mode = 'standalone';
      this.setAssignment(this.subscription.flatMap((t) => Array.from({ length: this.broker.partitionCount(t) }, (_, partition) => ({ topic: t, partition }))));
      return;
    }
    const group = this.broker.group(this.groupId, this.assignorName);
    if (group.coordinator.assignor.name !== this.assignorName) {
      throw new StateError(`group ${JSON.stringify(this.groupId)} uses assignor ${group.coordinator.assignor.name}, not ${this.assignorName}`, { code: 'INCONSISTENT_GROUP_PROTOCOL' });
    }
    if (this.memberIdValue !== null) group.leave(this.memberIdValue);
    this.subscription = [...new Set(topics)].sort();
    this.group = group;
    this.mode = 'group';
    this.memberIdValue = group.join(this);
  }

  /** The partitions this consumer currently reads. */
  assignment(): TopicPartition[] {
    return this.parts.map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  private setAssignment(partitions: readonly TopicPartition[]): void {
    const old = new Map(this.parts.map((p) => [p.key, p]));
    const next: PartitionState[] = [];
    const seen = new Set<string>();
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      if (seen.has(key)) continue;
      seen.add(key);
      next.push(old.get(key) ?? { topic: tp.topic, partition: tp.partition, key, position: null, fetch: null });
    }
    this.replaceParts(next);
    this.startIndex = 0;
  }

  /** Switch to `next`, letting go of the fetch buffers of partitions no longer read. */
  private replaceParts(next: PartitionState[]): void {
    for (const p of this.parts) if (p.fetch !== null && !next.includes(p)) p.fetch.release();
    this.parts = next;
  }

  /** GroupMemberHandle: eager revocation of everything. */
  revokeAll(): void {
    if (this.autoCommit && this.parts.length > 0) this.commitPositions(this.parts);
    this.replaceParts([]);
  }

  /** GroupMemberHandle: a new generation's assignment. */
  assigned(memberId: string, generation: number, partitions: TopicPartition[]): void {
    this.memberIdValue = memberId;
    this.generationValue = generation;
    const keep = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.parts.filter((p) => !keep.has(p.key));
    if (this.autoCommit && revoked.length > 0) this.commitPositions(revoked);
    this.setAssignment(partitions);
  }

  /** GroupMemberHandle: removed by the coordinator; rejoin on the next poll. */
  evicted(): void {
    this.memberIdValue = null;
    this.generationValue = -1;
    this.replaceParts([]);
  }

  private resolve(p: PartitionState): number {
    if (p.position === null) {
      const committed = this.groupId === null ? null : this.broker.committedOffset(this.groupId, p.topic, p.partition);
      p.position = committed ?? (this.autoOffsetReset === 'earliest' ? this.broker.earliestOffset(p.topic, p.partition) : this.broker.latestOffset(p.topic, p.partition));
    }
    return p.position;
  }

  /**
   * Up to `maxRecords` messages, in offset order within each partition,
   * advancing positions. Partitions take turns starting one further each
   * poll. In a group this is also the heartbeat (and may run a rebalance).
   * O(partitions + bytes read).
   */
  poll(maxRecords: number = this.maxPollRecords): ConsumedMessage[] {
    this.beginPoll(maxRecords);
    let out: ConsumedMessage[] = [];
    const n = this.parts.length;
    for (let i = 0; i < n && out.length < maxRecords; i++) {
      const p = this.parts[(this.startIndex + i) % n] as PartitionState;
      const from = this.resolve(p);
      const recs = this.broker.read(p.topic, p.partition, from, maxRecords - out.length);
      if (recs.length > 0) {
        if (out.length === 0 && i === n - 1) out = recs;
        else for (const r of recs) out.push(r);
        p.position = (recs[recs.length - 1] as ConsumedMessage).offset + 1;
      } else {
        // Nothing at or after `from`: any offsets left before the end are compaction gaps.
        const end = this.broker.latestOffset(p.topic, p.partition);
        if (from < end) p.position = end;
      }
    }
    if (n > 0) this.startIndex = (this.startIndex + 1) % n;
    return out;
  }

  /** What every poll does first: validate, heartbeat (or rejoin) the group, auto-commit when due. */
  private beginPoll(maxRecords: number): void {
    this.ensureOpen();
    requireInt('maxRecords', maxRecords, 1, 1_000_000);
    if (this.mode === 'group' && this.group !== null) {
      if (this.memberIdValue === null) this.memberIdValue = this.group.join(this);
      else this.group.heartbeat(this.memberIdValue, this.generationValue);
      if (this.memberIdValue === null) this.memberIdValue = this.group.join(this);
    }
    if (this.autoCommit && this.broker.clock.now() - this.lastCommitMs >= this.autoCommitIntervalMs) this.commitPositions(this.parts);
  }

  /**
   * Like `poll`, but returns the CRC-checked record batches themselves, read
   * in place: up to `maxRecords` records in all, in offset order within each
   * partition, advancing positions exactly as `poll` does (same group
   * heartbeat, auto-commit, seek and commit semantics). Walk each batch with
   * `batch.records()` (one reused cursor: `offset`, `timestampMs`, `key()`,
   * `value()`, `headers()`, or `buffer`/`valueStart`/`valueLength` without
   * allocating). Per partition, one read call fills a buffer of
   * `fetchBufferBytes` kept for that partition, so nothing is allocated per
   * message. Rule of use: the batches are valid until the next
   * `pollBatches`; using one later throws StateError (STALE_BATCH); call
   * `toMessages()` on a batch to keep its records. Why: a per-message object
   * and Buffer cost more than reading and checksumming the bytes.
   * O(partitions + bytes read).
   */
  pollBatches(maxRecords: number = this.maxPollRecords): RecordBatchView[] {
    this.beginPoll(maxRecords);
    const out: RecordBatchView[] = [];
    let left = maxRecords;
    const n = this.parts.length;
    for (let i = 0; i < n && left > 0; i++) {
      const p = this.parts[(this.startIndex + i) % n] as PartitionState;
      const from = this.resolve(p);
      if (p.fetch === null) p.fetch = new FetchBuffer(this.fetchBufferBytes, { readAhead: this.readAhead });
      const batches = this.broker.topic(p.topic).log(p.partition).readBatches(from, left, p.fetch);
      if (batches.length > 0) {
        for (const b of batches) {
          out.push(b);
          left -= b.count;
        }
        p.position = (batches[batches.length - 1] as RecordBatchView).nextOffset;
      } else {
        const end = this.broker.latestOffset(p.topic, p.partition);
        if (from < end) p.position = end;
      }
    }
    if (n > 0) this.startIndex = (this.startIndex + 1) % n;
    return out;
  }

  /** Set the next offset read from a partition, clamped to [earliest, latest]. StateError if not assigned. */
  seek(topic: string, partition: number, offset: number): void {
    this.ensureOpen();
    requireInt('offset', offset, 0);
    const p = this.parts.find((x) => x.topic === topic && x.partition === partition);
    if (p === undefined) {
      this.broker.topic(topic).log(partition);
      throw new StateError(`partition ${tpKey(topic, partition)} is not assigned to this consumer`, { code: 'NOT_ASSIGNED' });
    }
    p.position = Math.min(Math.max(offset, this.broker.earliestOffset(topic, partition)), this.broker.latestOffset(topic, partition));
  }

  /** The next offset this consumer will read from a partition (resolving it if needed). */
  position(topic: string, partition: number): number {
    const p = this.parts.find((x) => x.topic === topic && x.partition === partition);
    if (p === undefined) {
      // An unknown topic or partition (or a value that is neither) is named as such, before "not assigned".
      this.broker.topic(topic).log(partition);
      throw new StateError(`partition ${tpKey(topic, partition)} is not assigned to this consumer`, { code: 'NOT_ASSIGNED' });
    }
    return this.resolve(p);
  }

  private commitPositions(parts: readonly PartitionState[]): void {
    const offsets: OffsetCommit[] = [];
    for (const p of parts) {
      if (p.position !== null && this.committedPositions.get(p.key) !== p.position) offsets.push({ topic: p.topic, partition: p.partition, offset: p.position });
    }
    this.lastCommitMs = this.broker.clock.now();
    if (offsets.length === 0) return;
    this.commit(offsets);
  }

  /**
   * Commit `offsets` (default: the current position of every assigned
   * partition) for this consumer's group. Fenced: a consumer whose generation
   * is stale gets a StateError (ILLEGAL_GENERATION) and nothing is written.
   */
  commit(offsets?: readonly OffsetCommit[]): void {
    this.ensureOpen();
    if (this.groupId === null) throw new StateError('commit needs a groupId', { code: 'NO_GROUP' });
    const list = offsets === undefined ? this.parts.filter((p) => p.position !== null).map((p) => ({ topic: p.topic, partition: p.partition, offset: p.position as number })) : readOffsetCommits(offsets);
    const member = this.mode === 'group' && this.memberIdValue !== null ? { memberId: this.memberIdValue, generation: this.generationValue } : null;
    this.broker.commitOffsets(this.groupId, list, member);
    for (const o of list) this.committedPositions.set(tpKey(o.topic, o.partition), o.offset);
  }

  /** The group's committed offset for a partition, or null. */
  committed(topic: string, partition: number): number | null {
    if (this.groupId === null) throw new StateError('committed() needs a groupId', { code: 'NO_GROUP' });
    return this.broker.committedOffset(this.groupId, topic, partition);
  }

  /** Commit (with auto-commit) and leave the group; a static member keeps its place until its session times out. */
  close(): void {
    if (this.closed) return;
    if (this.autoCommit) this.commitPositions(this.parts);
    if (this.group !== null && this.memberIdValue !== null) {
      if (this.groupInstanceId !== null) this.group.detach(this.memberIdValue);
      else this.group.leave(this.memberIdValue);
    }
    this.replaceParts([]);
    this.closed = true;
  }
}
