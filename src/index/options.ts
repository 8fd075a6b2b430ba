/**
 * Options, results and the document placement shared by both secondary-index
 * databases.
 */
import type { Clock } from '../util/clock.js';
import { ManualClock } from '../util/clock.js';
import { InvalidArgumentError, readOptions, requireInt } from '../errors.js';
import { type PartitionedPlacement } from '../partitioning/placement.js';
import { SlotPlacement } from '../partitioning/slots.js';
import type { Doc, FieldValue } from './values.js';

/**
 * Construction options of DocumentPartitionedDB and TermPartitionedDB. Each
 * is read once; an optional one given as undefined or null takes its default.
 */
export interface IndexedDBOptions {
  /**
   * Where documents live, by primary key: a partition count (≥ 1; fixed
   * partitions — a SlotPlacement, MurmurHash3 x86_32 mod P — each owned by
   * its own node `p0` … `p{P−1}`) or any
   * PartitionedPlacement from `shardkit/partitioning`, so the same key lands
   * on the same partition in every process.
   */
  readonly partitions: number | PartitionedPlacement;
  /** The indexed fields: distinct non-empty names; empty for a database with no secondary index. */
  readonly fields: readonly string[];
  /** `sync` (default): the index is updated before a write returns. `async`: updates queue until flushIndex(). */
  readonly indexMode?: 'sync' | 'async';
  /** Bound on pending index updates in async mode (default 100,000; at least 2 × fields and 1, one write's worst case). */
  readonly pendingMax?: number;
  /**
   * What a write does in async mode when its index updates do not fit:
   * `reject` (default) throws a retriable CapacityError and changes nothing
   * (back-pressure the caller sees); `flush` applies every pending update
   * first (one batch per index partition), then queues the write's updates.
   * Never drops an update.
   */
  readonly whenFull?: 'reject' | 'flush';
  /** Time source for the age of pending updates (default: a ManualClock at 0). */
  readonly clock?: Clock;
  /**
   * The part of the primary key that places the document (a compound key's
   * partition key, e.g. `user42` of `user42:order7`; see `partitionKeyBefore`).
   * Must be deterministic. Default: the whole primary key.
   */
  readonly partitionKeyOf?: (pk: string) => string;
}

/** Options of a query. */
export interface QueryOptions {
  /** `eventual` (default) reads the index as it is; `strong` first applies the pending updates for the query's terms. */
  readonly consistency?: 'eventual' | 'strong';
  /** Only this document: the query is routed to its partition (document-partitioned: one partition). */
  readonly pk?: string;
  /** Only documents with this partition key (compound keys): routed to its one partition. */
  readonly partitionKey?: string;
}

/** What a write did. */
export interface WriteResult {
  /** Distinct partitions touched before the write returned, ascending. */
  readonly partitions: readonly number[];
  /** The partition holding the document. */
  readonly dataPartition: number;
  /** Index partitions whose entries change (sync: updated now; async: queued for them). Ascending. */
  readonly indexPartitions: readonly number[];
  /** Index entries added or removed by this write. */
  readonly indexUpdates: number;
  /** True in async mode: the index entries are pending. */
  readonly deferred: boolean;
  /** The document existed before (put replaced it, delete removed it). */
  readonly existed: boolean;
  /** Updates a full queue forced to be flushed first (whenFull: 'flush'), else 0. */
  readonly flushedFirst: number;
}

/** What a read did. */
export interface GetResult {
  readonly document: Doc | undefined;
  readonly partitions: readonly number[];
}

/** What a query did. */
export interface QueryResult {
  /** Matching [primary key, document] pairs, sorted by primary key. */
  readonly hits: ReadonlyArray<readonly [string, Doc]>;
  /** Distinct partitions touched (index ∪ data), ascending: partition i holds data shard i and index shard i. */
  readonly partitions: readonly number[];
  /** Index partitions read. */
  readonly indexPartitions: readonly number[];
  /** Data partitions documents were fetched from. */
  readonly dataPartitions: readonly number[];
  /** Index hits whose document no longer matched when fetched (async lag); always 0 in sync mode. */
  readonly staleHitsDropped: number;
  /** Pending updates a strong query applied first. */
  readonly appliedPendingUpdates: number;
}

/** Async index lag. */
export interface IndexLag {
  readonly pending: number;
  readonly pendingMax: number;
  /** Age of the oldest pending update on the clock, ms (0 when none). */
  readonly oldestPendingAgeMs: number;
  /** Pending updates per index partition: a flush sends one message per non-zero entry. */
  readonly pendingByPartition: readonly number[];
}

/** The partition key of compound keys `<partition key><separator><rest>`: everything before the first separator (the whole key if none). */
export function partitionKeyBefore(separator: string): (pk: string) => string {
  if (typeof separator !== 'string' || separator.length === 0) throw new InvalidArgumentError('separator', separator, 'a non-empty string');
  return (pk) => {
    if (typeof pk !== 'string') throw new InvalidArgumentError('primary key', pk, 'a string');
    const i = pk.indexOf(separator);
    return i < 0 ? pk : pk.slice(0, i);
  };
}

/** Partition ids `p0` … `p{n−1}`. */
export function partitionIds(n: number): string[] {
  requireInt('partition id count', n, 0, 65_536);
  return Array.from({ length: n }, (_, i) => `p${i}`);
}

/**
 * Resolve the `partitions` option: a count becomes fixed partitions by
 * MurmurHash3 mod P, a SlotPlacement (partitions, not nodes, are the unit here, so the count
 * never changes under the database). Throws InvalidArgumentError for a count
 * ≤ 0 or anything that is not a PartitionedPlacement.
 */
export function resolvePlacement(partitions: unknown): PartitionedPlacement {
  if (typeof partitions === 'number') {
    requireInt('partitions', partitions, 1, 65_536);
    return new SlotPlacement(partitionIds(partitions), { partitions });
  }
  const allowed = 'a partition count from 1 to 65536 or a PartitionedPlacement';
  if (partitions === null || typeof partitions !== 'object') throw new InvalidArgumentError('partitions', partitions, allowed);
  const p = readOptions('partitions', partitions as PartitionedPlacement, ['partitionOf', 'partitionCount'], allowed);
  if (typeof p.partitionOf !== 'function' || typeof p.partitionCount !== 'number') throw new InvalidArgumentError('partitions', partitions, allowed);
  requireInt('partitions (placement.partitionCount)', p.partitionCount, 1, 65_536);
  return partitions as PartitionedPlacement;
}

/** Validate the async options; returns them with defaults. */
export function resolveAsync(
  options: Pick<IndexedDBOptions, 'indexMode' | 'whenFull' | 'pendingMax' | 'clock'>,
  fieldCount: number,
): { mode: 'sync' | 'async'; pendingMax: number; whenFull: 'reject' | 'flush'; clock: Clock } {
  const mode = options.indexMode ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') throw new InvalidArgumentError('indexMode', mode, '"sync" or "async"');
  const whenFull = options.whenFull ?? 'reject';
  if (whenFull !== 'reject' && whenFull !== 'flush') throw new InvalidArgumentError('whenFull', whenFull, '"reject" or "flush"');
  const pendingMax = requireInt('pendingMax', options.pendingMax ?? 100_000, Math.max(1, 2 * fieldCount));
  const clock = options.clock ?? new ManualClock();
  const clockAllowed = 'a Clock ({ now(): number })';
  if (clock === null || typeof clock !== 'object') throw new InvalidArgumentError('clock', clock, clockAllowed);
  if (typeof readOptions('clock', clock, ['now'], clockAllowed).now !== 'function') throw new InvalidArgumentError('clock', clock, clockAllowed);
  return { mode, pendingMax, whenFull, clock };
}

/** A query condition, after validation. */
export type Condition =
  | { readonly kind: 'eq'; readonly field: string; readonly value: FieldValue }
  | { readonly kind: 'range'; readonly field: string; readonly min: FieldValue; readonly max: FieldValue };
