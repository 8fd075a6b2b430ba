/**
 * What both secondary-index databases share (DDIA ch. 6, "Partitioning and
 * Secondary Indexes"): documents partitioned by primary key through a
 * PartitionedPlacement, one IndexShard per partition, writes that compute the
 * index entries they add and remove, the async update queue, stats and
 * invariants. The two strategies differ only in which index partition an
 * entry lives in and in how a query finds its candidates; each subclass says
 * that and nothing else.
 *
 * Partition i holds data shard i and index shard i (a term-partitioned index
 * spreads its shards over the same partitions, as in DDIA's figure 6-5), so
 * "partitions touched" counts distinct partitions, not messages by kind.
 */
import type { PartitionedPlacement } from '../partitioning/placement.js';
import { InvalidArgumentError, describeThrown, invariant, isArraySafe, readOptions, requireInt } from '../errors.js';
import { IndexShard, type IndexEntry } from './index-shard.js';
import { IndexUpdateQueue, type IndexUpdate } from './update-queue.js';
import { StatsCounter, type IndexStats } from './stats.js';
import {
  type Condition,
  type GetResult,
  type IndexLag,
  type IndexedDBOptions,
  type QueryOptions,
  type QueryResult,
  type WriteResult,
  resolveAsync,
  resolvePlacement,
} from './options.js';
import { type Doc, type FieldValue, assertPrimaryKey, compareValues, indexedValue, normalizeFields, snapshotDoc } from './values.js';
import { checkDatabaseInvariants } from './invariants.js';
import { conditionHolds, parseEquality, parseQueryOptions, parseRange, type ParsedQueryOptions } from './query-input.js';

/** An index entry change with its target index partition. */
interface Targeted {
  readonly partition: number;
  readonly op: 'add' | 'remove';
  readonly field: string;
  readonly value: FieldValue;
  readonly pk: string;
}

/** Candidates a strategy found, and the index partitions it read to find them. */
export interface CandidateSet {
  readonly candidates: readonly string[];
  /** The data partition of each candidate, when the strategy knows it (local indexes); else it is routed by key. */
  readonly candidatePartitions?: readonly number[];
  readonly indexPartitions: readonly number[];
  readonly appliedPendingUpdates: number;
}

/**
 * The base of both strategies: storage, writes, the async queue, stats and
 * invariants. Not used directly; a subclass decides where index entries live
 * (`indexPartitionOf`) and how a query finds candidates (`findCandidates`).
 */
export abstract class IndexedDB {
  readonly placement: PartitionedPlacement;
  readonly fields: readonly string[];
  readonly partitionCount: number;
  readonly indexMode: 'sync' | 'async';
  readonly whenFull: 'reject' | 'flush';
  protected readonly data: Map<string, Doc>[];
  protected readonly shards: IndexShard[];
  protected readonly queue: IndexUpdateQueue | undefined;
  protected readonly counters = new StatsCounter();
  private readonly partitionKeyOf: (pk: string) => string;
  private documentCount = 0;

  /** O(P + F). Throws InvalidArgumentError (nothing built) for bad options. */
  constructor(given: IndexedDBOptions) {
    if (given === undefined) throw new InvalidArgumentError('options', given, 'an object with partitions and fields');
    // Each option is read once (a getter cannot give two answers; one that throws is an InvalidArgumentError).
    const options = readOptions('options', given, ['partitions', 'fields', 'indexMode', 'pendingMax', 'whenFull', 'clock', 'partitionKeyOf'], 'an object with partitions and fields');
    this.placement = resolvePlacement(options.partitions);
    this.fields = normalizeFields(options.fields);
    const a = resolveAsync(options, this.fields.length);
    const pkOf = options.partitionKeyOf ?? ((pk: string) => pk);
    if (typeof pkOf !== 'function') throw new InvalidArgumentError('partitionKeyOf', pkOf, 'a function from primary key to partition key');
    this.partitionKeyOf = pkOf;
    this.partitionCount = this.placement.partitionCount;
    this.indexMode = a.mode;
    this.whenFull = a.whenFull;
    this.data = Array.from({ length: this.partitionCount }, () => new Map());
    this.shards = Array.from({ length: this.partitionCount }, () => new IndexShard(this.fields));
    this.queue = a.mode === 'async' ? new IndexUpdateQueue(this.partitionCount, a.pendingMax, a.clock) : undefined;
  }

  /** The index partition that holds entry (field, value) of a document stored in `dataPartition`. */
  protected abstract indexPartitionOf(field: string, value: FieldValue, dataPartition: number): number;

  /** Find candidate primary keys for AND-ed conditions (`route` is set when the query fixes a partition key). */
  protected abstract findCandidates(conditions: readonly Condition[], route: number | undefined, strong: boolean): CandidateSet;

  /** Documents stored. O(1). */
  get size(): number {
    return this.documentCount;
  }

  /** The data partition of primary key `pk` (via partitionKeyOf and the placement). O(key length). */
  partitionOfKey(pk: string): number {
    assertPrimaryKey(pk);
    return this.routePartitionKey(this.partitionKeyOf(pk), pk);
  }

  /**
   * Insert or replace the document `pk`. Old index entries that change are
   * removed, new ones added: synchronously (sync) or queued per target index
   * partition (async). Throws InvalidArgumentError for a bad key or document
   * and CapacityError (retriable) when the async queue is full with whenFull
   * 'reject'; the database is unchanged then. O(F) + the index updates.
   */
  put(pk: string, given: Doc): WriteResult {
    assertPrimaryKey(pk);
    // Read the document once: index and store the same snapshot (a getter
    // read twice could index one value and store another).
    const doc = snapshotDoc(given);
    const dp = this.partitionOfKey(pk);
    const fields = this.fields;
    const values: (FieldValue | undefined)[] = new Array<FieldValue | undefined>(fields.length);
    for (let i = 0; i < fields.length; i++) values[i] = indexedValue(doc, fields[i] as string, pk);
    const old = (this.data[dp] as Map<string, Doc>).get(pk);
    const changes: Targeted[] = [];
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as string;
      const before = old === undefined ? undefined : indexedValue(old, field, pk);
      const after = values[i];
      if (before === after) continue; // same term (=== is term identity for field values), or both absent
      if (before !== undefined) changes.push({ partition: this.indexPartitionOf(field, before, dp), op: 'remove', field, value: before, pk });
      if (after !== undefined) changes.push({ partition: this.indexPartitionOf(field, after, dp), op: 'add', field, value: after, pk });
    }
    return this.commit(dp, pk, doc, changes, old !== undefined);
  }

  /** Remove document `pk` and its index entries. A missing key is a no-op write (existed: false). O(F). */
  delete(pk: string): WriteResult {
    assertPrimaryKey(pk);
    const dp = this.partitionOfKey(pk);
    const old = (this.data[dp] as Map<string, Doc>).get(pk);
    const changes: Targeted[] = [];
    if (old !== undefined) {
      for (const field of this.fields) {
        const v = indexedValue(old, field, pk);
        if (v !== undefined) changes.push({ partition: this.indexPartitionOf(field, v, dp), op: 'remove', field, value: v, pk });
      }
    }
    return this.commit(dp, pk, undefined, changes, old !== undefined);
  }

  /** The document `pk` (undefined when missing), read from its one partition. O(1). */
  get(pk: string): GetResult {
    assertPrimaryKey(pk);
    const dp = this.partitionOfKey(pk);
    this.counters.reads++;
    this.counters.readTouches++;
    return { document: (this.data[dp] as Map<string, Doc>).get(pk), partitions: [dp] };
  }

  /** Documents whose `field` equals `value`. Unknown field: NotFoundError; bad value: InvalidArgumentError. */
  queryByField(field: string, value: FieldValue, options: QueryOptions = {}): QueryResult {
    return this.run([parseEquality(field, value, this.fields)], parseQueryOptions(options));
  }

  /**
   * AND of equalities, e.g. `{ color: 'red', size: 'L' }` (at least one
   * field; every field indexed). Document-partitioned: each partition
   * intersects its own posting lists; term-partitioned: posting lists from one
   * index partition per field are intersected.
   */
  query(where: Readonly<Record<string, FieldValue>>, options: QueryOptions = {}): QueryResult {
    if (where === null || typeof where !== 'object' || isArraySafe(where)) {
      throw new InvalidArgumentError('query', where, 'an object of field: value equalities');
    }
    let entries: [string, unknown][];
    try {
      entries = Object.entries(where);
    } catch (e) {
      throw new InvalidArgumentError('query', where, `an object of field: value equalities whose fields can be read (reading them threw: ${describeThrown(e)})`);
    }
    if (entries.length === 0) throw new InvalidArgumentError('query', where, 'at least one field: value equality');
    return this.run(
      entries.map(([f, v]) => parseEquality(f, v, this.fields)),
      parseQueryOptions(options),
    );
  }

  /**
   * Documents with min ≤ field ≤ max (values ordered numbers first, then
   * strings). min > max: InvalidArgumentError. Which index partitions it
   * reads depends on the strategy (see the subclass).
   */
  queryRange(field: string, min: FieldValue, max: FieldValue, options: QueryOptions = {}): QueryResult {
    const cond = parseRange(field, min, max, this.fields);
    return this.run([cond], parseQueryOptions(options));
  }

  /**
   * Apply every pending index update (async mode): one batch per index
   * partition with pending updates, i.e. one message each. Returns how many
   * updates were applied (0 in sync mode). O(pending + P).
   */
  flushIndex(): number {
    if (this.queue === undefined) return 0;
    const batches = this.queue.drainAll();
    let n = 0;
    for (const b of batches) n += this.applyAll(b.partition, b.updates);
    this.counters.flushes++;
    this.counters.flushMessages += batches.length;
    return n;
  }

  /** The async index lag (all zeros in sync mode). O(P). */
  indexLag(): IndexLag {
    const q = this.queue;
    if (q === undefined) return { pending: 0, pendingMax: 0, oldestPendingAgeMs: 0, pendingByPartition: new Array<number>(this.partitionCount).fill(0) };
    return { pending: q.pending, pendingMax: q.pendingMax, oldestPendingAgeMs: q.oldestPendingAgeMs(), pendingByPartition: q.pendingByPartition() };
  }

  /** Counters and averages. O(1). */
  stats(): IndexStats {
    return this.counters.snapshot(this.documentCount, this.queue?.pending ?? 0);
  }

  /** A copy of partition `p`'s documents and index entries (sorted), for inspection. O(size of the partition). */
  partitionContents(p: number): { documents: Array<[string, Doc]>; index: IndexEntry[] } {
    requireInt('partition', p, 0, this.partitionCount - 1);
    const documents = [...(this.data[p] as Map<string, Doc>).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const index = [...(this.shards[p] as IndexShard).all()].sort(
      (a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0) || compareValues(a.value, b.value) || (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0),
    );
    return { documents, index };
  }

  /**
   * Throws InvariantError unless: every document is in the partition its key
   * maps to; every index entry is in the partition the strategy puts it in and
   * (with the pending updates applied, in async mode) points at a live
   * document with that value; every indexed value of every document is in the
   * index; counters agree. O(documents × F + entries + pending).
   */
  checkInvariants(): void {
    checkDatabaseInvariants({
      fields: this.fields,
      data: this.data,
      shards: this.shards,
      queue: this.queue,
      documentCount: this.documentCount,
      partitionOfKey: (pk) => this.partitionOfKey(pk),
      indexPartitionOf: (f, v, dp) => this.indexPartitionOf(f, v, dp),
    });
  }

  /** Apply, in order, the pending updates of `partition` that `match` selects (strong queries). */
  protected applyPending(partition: number, match: (u: IndexUpdate) => boolean): number {
    if (this.queue === undefined) return 0;
    return this.applyAll(partition, this.queue.drainMatching(partition, match));
  }

  protected shard(p: number): IndexShard {
    return this.shards[p] as IndexShard;
  }

  private routePartitionKey(key: unknown, pk: string): number {
    if (typeof key !== 'string') throw new InvalidArgumentError(`partition key of ${JSON.stringify(pk)} (from partitionKeyOf)`, key, 'a string');
    return this.placement.partitionOf(key);
  }

  private applyAll(partition: number, updates: readonly { op: 'add' | 'remove'; field: string; value: FieldValue; pk: string }[]): number {
    const shard = this.shard(partition);
    for (const u of updates) {
      if (u.op === 'add') shard.add(u.field, u.value, u.pk);
      else shard.remove(u.field, u.value, u.pk);
    }
    this.counters.indexUpdatesApplied += updates.length;
    return updates.length;
  }

  private commit(dp: number, pk: string, doc: Doc | undefined, changes: Targeted[], existed: boolean): WriteResult {
    const indexPartitions: number[] = [];
    for (const c of changes) if (!indexPartitions.includes(c.partition)) indexPartitions.push(c.partition);
    indexPartitions.sort((a, b) => a - b);
    let flushedFirst = 0;
    let touched: number[];
    if (this.queue !== undefined) {
      if (!this.queue.canAccept(changes.length)) {
        if (this.whenFull === 'flush') flushedFirst = this.flushIndex();
        else this.counters.rejectedWrites++;
      }
      this.queue.enqueue(changes); // throws CapacityError, nothing changed, when still full
      touched = [dp];
    } else {
      for (const c of changes) {
        const shard = this.shard(c.partition);
        if (c.op === 'add') shard.add(c.field, c.value, c.pk);
        else shard.remove(c.field, c.value, c.pk);
      }
      this.counters.indexUpdatesApplied += changes.length;
      touched = indexPartitions.includes(dp) ? indexPartitions : [...indexPartitions, dp].sort((a, b) => a - b);
    }
    const map = this.data[dp] as Map<string, Doc>;
    if (doc === undefined) {
      if (map.delete(pk)) this.documentCount--;
    } else {
      if (!existed) this.documentCount++;
      map.set(pk, doc);
    }
    this.counters.writes++;
    this.counters.writeTouches += touched.length;
    return { partitions: touched, dataPartition: dp, indexPartitions, indexUpdates: changes.length, deferred: this.queue !== undefined, existed, flushedFirst };
  }

  private run(conditions: Condition[], opts: ParsedQueryOptions): QueryResult {
    const route = opts.partitionKey !== undefined ? this.routePartitionKey(opts.partitionKey, opts.partitionKey) : opts.pk !== undefined ? this.partitionOfKey(opts.pk) : undefined;
    const found = this.findCandidates(conditions, route, opts.strong);
    const hits: Array<readonly [string, Doc]> = [];
    const dataPartitions = new Set<number>();
    let stale = 0;
    const known = found.candidatePartitions;
    const verify = this.queue !== undefined;
    for (let i = 0; i < found.candidates.length; i++) {
      const pk = found.candidates[i] as string;
      if (opts.pk !== undefined && pk !== opts.pk) continue;
      if (opts.partitionKey !== undefined && this.partitionKeyOf(pk) !== opts.partitionKey) continue;
      const dp = known !== undefined ? (known[i] as number) : this.routePartitionKey(this.partitionKeyOf(pk), pk);
      dataPartitions.add(dp);
      const doc = (this.data[dp] as Map<string, Doc>).get(pk);
      // A sync index is exact (checkInvariants proves it), so only a lagging async index needs each hit re-checked.
      if (doc !== undefined && (verify === false || this.matches(doc, pk, conditions))) hits.push([pk, doc]);
      else stale++;
    }
    invariant(stale === 0 || this.queue !== undefined, () => `sync index returned ${stale} stale hits`);
    hits.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const partitions = new Set<number>(found.indexPartitions);
    for (const p of dataPartitions) partitions.add(p);
    const touched = [...partitions].sort((a, b) => a - b);
    this.counters.queries++;
    this.counters.queryTouches += touched.length;
    this.counters.staleHitsDropped += stale;
    return {
      hits,
      partitions: touched,
      indexPartitions: [...found.indexPartitions].sort((a, b) => a - b),
      dataPartitions: [...dataPartitions].sort((a, b) => a - b),
      staleHitsDropped: stale,
      appliedPendingUpdates: found.appliedPendingUpdates,
    };
  }

  private matches(doc: Doc, pk: string, conditions: readonly Condition[]): boolean {
    for (const c of conditions) {
      const v = indexedValue(doc, c.field, pk);
      if (v === undefined || !conditionHolds(c, v)) return false;
    }
    return true;
  }
}
