/**
 * The records of rebalancing as the metadata service keeps them, under the
 * cluster's prefix (META_KEYS.rebalancePrefix, `rebalance/`):
 * - `rebalance/plans/<id>`: a plan (RebalancePlan, JSON), written by
 *   compare-and-set only; a person approves, pauses, resumes or cancels it by
 *   changing its `state`.
 * - `rebalance/journal/<id>`: the journal of a plan being executed
 *   (PlanJournal, JSON): each move's phase and progress, written by the
 *   executor at every phase change and every few chunks, so another executor
 *   resumes (or rolls back) any move a crash left half done.
 *
 * Ownership itself lives only in the cluster map: a move is committed when,
 * and only when, the map names its target as the owner of its partitions.
 */
import type { MapNode } from '../map.js';

/** Key prefixes under `rebalance/`. */
export const REBALANCE_KEYS = {
  plansPrefix: 'rebalance/plans/',
  journalPrefix: 'rebalance/journal/',
} as const;

/** The state of a plan. Only `approved` (and `running`, after a crash of the executor) plans are executed. */
export type PlanState = 'proposed' | 'approved' | 'running' | 'paused' | 'cancelled' | 'done' | 'failed';

/** Every plan state, for validation. */
export const PLAN_STATES: readonly PlanState[] = ['proposed', 'approved', 'running', 'paused', 'cancelled', 'done', 'failed'];

/** One move of a plan: partitions first … last (inclusive) from node `from` to node `to` (ids). */
export interface PlanMove {
  readonly first: number;
  readonly last: number;
  readonly from: string;
  readonly to: string;
  /** Keys and bytes (keys + values as stored) the partitions held when the plan was made. */
  readonly keys: number;
  readonly bytes: number;
}

/** Throttles of a plan's execution. */
export interface Throttle {
  /** Bytes per second each node sends, and each receives, at most (Elasticsearch's default: 40 MB/s). */
  readonly bytesPerSecPerNode: number;
  /** Moves at once per node, in and out (Elasticsearch's default: 2). */
  readonly movesPerNode: number;
}

/** Default throttle (Elasticsearch's recovery defaults). */
export const DEFAULT_THROTTLE: Throttle = { bytesPerSecPerNode: 40 * 1024 * 1024, movesPerNode: 2 };

/** A rebalancing plan, as stored and shown. */
export interface RebalancePlan {
  readonly format: 1;
  readonly id: string;
  readonly kind: 'add' | 'remove' | 'balance';
  /** The node added or removed (add, remove). */
  readonly node?: string;
  /** What `balance` evened out. */
  readonly by?: 'keys' | 'bytes' | 'load';
  readonly createdAtMs: number;
  /** The map epoch the plan was computed from; executing it against a map changed otherwise is refused. */
  readonly fromEpoch: number;
  /**
   * The nodes of the map after the plan (for `add`: the map's nodes plus the
   * new one, which the executor puts into the map, owning nothing, before the
   * first move; for `remove`: taken out of the map after the last move).
   */
  readonly nodes: readonly MapNode[];
  readonly moves: readonly PlanMove[];
  readonly throttle: Throttle;
  /** Expected duration under the throttle, ms (bytes over the throttle, plus a per-move overhead). */
  readonly estimateMs: number;
  readonly state: PlanState;
  /** Why the plan failed (state `failed`). */
  readonly error?: string;
}

/** The phases of one move (see ./move-core.ts). */
export type MovePhase = 'pending' | 'copy' | 'catchup' | 'fence' | 'commit' | 'cleanup' | 'done' | 'rolled-back';

/** One move's progress in the journal. */
export interface MoveProgress {
  readonly index: number;
  readonly phase: MovePhase;
  readonly copiedKeys: number;
  readonly copiedBytes: number;
  /** Changes waiting at the source to be replayed on the target, at the last report. */
  readonly lagChanges: number;
  /** Length of the write fence of the switch, ms (once switched). */
  readonly fenceMs?: number;
  /** Times the move started again from the copy (a restarted source, a fence held too long). */
  readonly restarts: number;
  readonly startedAtMs?: number;
  readonly finishedAtMs?: number;
}

/** The journal of one plan. */
export interface PlanJournal {
  readonly format: 1;
  readonly plan: string;
  readonly moves: readonly MoveProgress[];
  /** When the journal was last written (executor's clock). */
  readonly updatedAtMs: number;
}
