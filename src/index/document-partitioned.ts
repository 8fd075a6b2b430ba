/**
 * Document-partitioned (local) secondary index (DDIA ch. 6, "Partitioning
 * Secondary Indexes by Document"; MongoDB, Elasticsearch, Cassandra,
 * Riak). Each partition indexes only its own documents, so a write touches
 * exactly one partition, and a query that does not fix the partition key must
 * scatter to every partition and gather the answers — the cost that grows
 * with the partition count and amplifies tail latency (see `latency.ts`).
 *
 * Pruning: a query that fixes the primary key (`pk`) or a compound key's
 * partition key (`partitionKey`) goes to that one partition.
 */
import type { Condition, IndexedDBOptions } from './options.js';
import { type CandidateSet, IndexedDB } from './indexed-db.js';
import { conditionHolds, intersect } from './query-input.js';
import type { FieldValue } from './values.js';

/**
 * A local secondary index: writes O(F) on one partition; queries O(P) partitions
 * (one with `pk`/`partitionKey`). Use when writes dominate or queries can name
 * the partition key; see the file comment for why.
 */
export class DocumentPartitionedDB extends IndexedDB {
  readonly strategy = 'document-partitioned' as const;

  /** O(P + F). See IndexedDBOptions. */
  constructor(options: IndexedDBOptions) {
    super(options);
  }

  /** A local index: the entry lives with its document. */
  protected indexPartitionOf(_field: string, _value: FieldValue, dataPartition: number): number {
    return dataPartition;
  }

  /**
   * Every partition (or the one `route` names) intersects its own posting
   * lists; the union of the answers is the result (primary keys are unique to
   * one partition). O(P × (F + matching entries)); range conditions scan the
   * field's terms in each partition.
   */
  protected findCandidates(conditions: readonly Condition[], route: number | undefined, strong: boolean): CandidateSet {
    const targets = route !== undefined ? [route] : Array.from({ length: this.partitionCount }, (_, p) => p);
    const candidates: string[] = [];
    const candidatePartitions: number[] = [];
    let applied = 0;
    for (const p of targets) {
      if (strong) applied += this.applyPending(p, (u) => conditions.some((c) => c.field === u.field && conditionHolds(c, u.value)));
      const shard = this.shard(p);
      const only = conditions.length === 1 ? conditions[0] : undefined;
      if (only?.kind === 'eq') {
        // The common case, without intermediate arrays: one posting list per partition.
        const pks = shard.lookup(only.field, only.value);
        if (pks !== undefined) {
          for (const pk of pks) {
            candidates.push(pk);
            candidatePartitions.push(p);
          }
        }
        continue;
      }
      const sets: ReadonlySet<string>[] = [];
      for (const c of conditions) {
        if (c.kind === 'eq') {
          sets.push(shard.lookup(c.field, c.value) ?? new Set<string>());
        } else {
          const union = new Set<string>();
          for (const posting of shard.range(c.field, c.min, c.max)) for (const pk of posting.pks) union.add(pk);
          sets.push(union);
        }
      }
      for (const pk of intersect(sets)) {
        candidates.push(pk);
        candidatePartitions.push(p);
      }
    }
    return { candidates, candidatePartitions, indexPartitions: targets, appliedPendingUpdates: applied };
  }

  /** A short readable summary. */
  describe(): string {
    return `document-partitioned (local) index over ${this.partitionCount} partitions, fields ${this.fields.join(', ')}, ${this.indexMode} index`;
  }
}
