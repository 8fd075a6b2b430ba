/**
 * Term-partitioned (global) secondary index (DDIA ch. 6, "Partitioning
 * Secondary Indexes by Term"; DynamoDB global secondary indexes, Riak search,
 * Oracle global indexes). The index itself is partitioned by term — by hash of
 * the term or by range of its value (a TermPartitioner) — and its shards live
 * on the same partitions as the data (partition i holds data shard i and index
 * shard i). A query reads one index partition per field, then fetches the hits
 * from their data partitions; a write touches its data partition plus every
 * index partition whose terms it adds or removes (the fan-out that makes
 * real systems update global indexes asynchronously).
 *
 * Range queries on a range-partitioned term index read only the index
 * partitions whose term range overlaps [min, max].
 */
import { InvalidArgumentError, NotFoundError, readOptions } from '../errors.js';
import type { Condition, IndexedDBOptions } from './options.js';
import { type CandidateSet, IndexedDB } from './indexed-db.js';
import { conditionHolds, intersect } from './query-input.js';
import { HashTermPartitioner, type TermPartitioner } from './term-partitioner.js';
import { type FieldValue, assertFieldValue } from './values.js';

/** Options of TermPartitionedDB. */
export interface TermPartitionedOptions extends IndexedDBOptions {
  /**
   * How terms map to index partitions (default: by hash over all P
   * partitions). Its partitionCount must be ≤ the data partition count: index
   * shard i lives on partition i.
   */
  readonly termPartitioner?: TermPartitioner;
}

/**
 * A global secondary index: a query reads one index partition per field plus
 * the data partitions of its hits; a write touches up to 1 + 2F partitions (the
 * old and new term of each changed field). Use when reads by value dominate;
 * pair with `indexMode: 'async'` to keep writes at one partition, at the price
 * of index lag (see the file comment).
 */
export class TermPartitionedDB extends IndexedDB {
  readonly strategy = 'term-partitioned' as const;
  readonly termPartitioner: TermPartitioner;

  /** O(P + F). Throws InvalidArgumentError for a term partitioner with more partitions than the data. */
  constructor(options: TermPartitionedOptions) {
    super(options);
    const tp = readOptions('options', options, ['termPartitioner']).termPartitioner ?? new HashTermPartitioner(this.partitionCount);
    const allowed = 'a TermPartitioner (HashTermPartitioner or RangeTermPartitioner)';
    if (tp === null || typeof tp !== 'object') throw new InvalidArgumentError('termPartitioner', tp, allowed);
    const t = readOptions('termPartitioner', tp, ['partitionOf', 'overlapping', 'partitionCount'], allowed);
    if (typeof t.partitionOf !== 'function' || typeof t.overlapping !== 'function') throw new InvalidArgumentError('termPartitioner', tp, allowed);
    if (typeof t.partitionCount !== 'number' || !Number.isInteger(t.partitionCount) || t.partitionCount < 1 || t.partitionCount > this.partitionCount) {
      throw new InvalidArgumentError('termPartitioner.partitionCount', t.partitionCount, `an integer from 1 to the data partition count (${this.partitionCount})`);
    }
    this.termPartitioner = tp;
  }

  /** A global index: the entry lives with its term. */
  protected indexPartitionOf(field: string, value: FieldValue): number {
    return this.termPartitioner.partitionOf(field, value);
  }

  /**
   * Per condition, the index partitions holding its terms (equality: one;
   * range: the overlapping ones — a hash partitioner refuses with StateError
   * before anything is read); posting lists are intersected, smallest first.
   * O(F + posting list sizes); range conditions scan the terms of the
   * overlapping shards only.
   */
  protected findCandidates(conditions: readonly Condition[], _route: number | undefined, strong: boolean): CandidateSet {
    const plan = conditions.map((c) => ({
      c,
      partitions: c.kind === 'eq' ? [this.termPartitioner.partitionOf(c.field, c.value)] : this.termPartitioner.overlapping(c.field, c.min, c.max),
    }));
    let applied = 0;
    const sets: ReadonlySet<string>[] = [];
    const read = new Set<number>();
    for (const { c, partitions } of plan) {
      for (const p of partitions) {
        read.add(p);
        if (strong) applied += this.applyPending(p, (u) => u.field === c.field && conditionHolds(c, u.value));
      }
      if (c.kind === 'eq') {
        sets.push(this.shard(partitions[0] as number).lookup(c.field, c.value) ?? new Set<string>());
      } else {
        const union = new Set<string>();
        for (const p of partitions) for (const posting of this.shard(p).range(c.field, c.min, c.max)) for (const pk of posting.pks) union.add(pk);
        sets.push(union);
      }
    }
    return { candidates: intersect(sets), indexPartitions: [...read], appliedPendingUpdates: applied };
  }

  /** The index partition that holds term `value` of `field` (for inspection and tests). O(1) or O(log P). */
  indexPartitionOfTerm(field: string, value: FieldValue): number {
    if (typeof field !== 'string') throw new InvalidArgumentError('field', field, `one of the indexed fields: ${this.fields.join(', ')}`);
    if (!this.fields.includes(field)) throw new NotFoundError('indexed field', field, this.fields);
    assertFieldValue('value', value);
    return this.termPartitioner.partitionOf(field, value);
  }

  /** A short readable summary. */
  describe(): string {
    return `term-partitioned (global) index over ${this.partitionCount} partitions, fields ${this.fields.join(', ')}, ${this.termPartitioner.describe()}, ${this.indexMode} index`;
  }
}
