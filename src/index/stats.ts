/**
 * What the secondary-index databases cost, as counters (ARCHITECTURE.md,
 * principle 6: metrics are part of the API). Tests, the lab and the
 * benchmarks read the same numbers.
 */

/** A snapshot of a database's counters. */
export interface IndexStats {
  /** Documents stored now. */
  readonly documents: number;
  /** `get` calls. */
  readonly reads: number;
  /** `put` and `delete` calls that succeeded. */
  readonly writes: number;
  /** Queries of any kind (equality, multi-field, range). */
  readonly queries: number;
  readonly partitionsTouchedByReads: number;
  /** Partitions a write touched when it returned (async: only the data partition; flushes are counted in flushMessages). */
  readonly partitionsTouchedByWrites: number;
  readonly partitionsTouchedByQueries: number;
  readonly totalPartitionsTouched: number;
  readonly avgPartitionsPerRead: number;
  readonly avgPartitionsPerWrite: number;
  readonly avgPartitionsPerQuery: number;
  /** Index entries added or removed (sync: at the write; async: at a flush or a strong query). */
  readonly indexUpdatesApplied: number;
  /** Index updates waiting (async mode). */
  readonly indexUpdatesPending: number;
  /** `flushIndex` calls (including those a full queue triggered with whenFull: 'flush'). */
  readonly flushes: number;
  /** Batches sent by flushes: one per index partition with pending updates, per flush. */
  readonly flushMessages: number;
  /** Writes refused because the update queue was full (whenFull: 'reject'). */
  readonly rejectedWrites: number;
  /** Index hits dropped because the fetched document no longer matched (async index lag). */
  readonly staleHitsDropped: number;
}

/** Mutable counters behind `IndexStats`. */
export class StatsCounter {
  reads = 0;
  writes = 0;
  queries = 0;
  readTouches = 0;
  writeTouches = 0;
  queryTouches = 0;
  indexUpdatesApplied = 0;
  flushes = 0;
  flushMessages = 0;
  rejectedWrites = 0;
  staleHitsDropped = 0;

  /** A frozen snapshot with the averages. O(1). */
  snapshot(documents: number, pending: number): IndexStats {
    const avg = (sum: number, n: number): number => (n === 0 ? 0 : sum / n);
    return Object.freeze({
      documents,
      reads: this.reads,
      writes: this.writes,
      queries: this.queries,
      partitionsTouchedByReads: this.readTouches,
      partitionsTouchedByWrites: this.writeTouches,
      partitionsTouchedByQueries: this.queryTouches,
      totalPartitionsTouched: this.readTouches + this.writeTouches + this.queryTouches,
      avgPartitionsPerRead: avg(this.readTouches, this.reads),
      avgPartitionsPerWrite: avg(this.writeTouches, this.writes),
      avgPartitionsPerQuery: avg(this.queryTouches, this.queries),
      indexUpdatesApplied: this.indexUpdatesApplied,
      indexUpdatesPending: pending,
      flushes: this.flushes,
      flushMessages: this.flushMessages,
      rejectedWrites: this.rejectedWrites,
      staleHitsDropped: this.staleHitsDropped,
    });
  }
}
