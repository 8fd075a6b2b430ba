/**
 * What the coordinator returns for every input (ARCHITECTURE.md, principles
 * 3 and 6): the core does not log or print; it reports, and tests, the lab
 * and the benchmarks read the same figures.
 */
import type { Version } from './version.js';
import type { PutOutcome } from './replica-store.js';

/** A hint stored for a write: `holder` keeps it on behalf of `target`. */
export interface StoredHint {
  readonly holder: string;
  readonly target: string;
  readonly id: number;
}

/**
 * Why a hint could not be stored (the acknowledgement it would have given is
 * not counted): no available node outside the preference list, every such
 * node at `hintsMax`, the store failed, or hints are off (strict quorum with
 * `hintedHandoff: false`).
 */
export type HintRejection = 'no-fallback-node' | 'hints-full' | 'storage-error' | 'hints-disabled';

/** A preferred node that got neither the replica nor a hint. */
export interface RejectedHint {
  readonly target: string;
  readonly reason: HintRejection;
  /** The error message, for `storage-error`. */
  readonly detail?: string;
}

/** The result of one write. */
export interface WriteReport {
  /** True when acknowledgements (replicas, plus hints under a sloppy quorum) reached W. */
  readonly ok: boolean;
  readonly key: string;
  /** The version written; undefined when the write failed before writing anything. */
  readonly version: Version | undefined;
  /** The first N nodes of the key's preference list. */
  readonly preferred: readonly string[];
  /** Preferred nodes that stored (or already held newer than) the value. */
  readonly replicasWritten: readonly string[];
  /** Hints stored for unavailable preferred nodes (holder → target). */
  readonly hintsStored: readonly StoredHint[];
  /** Unavailable preferred nodes whose hint could not be stored, and why. */
  readonly hintsRejected: readonly RejectedHint[];
  /** Acknowledgements counted toward W. */
  readonly acks: number;
  /** True when hints were counted toward W (a sloppy quorum). */
  readonly sloppy: boolean;
  /** Replicas whose held version was concurrent with this write (equal counters, other coordinator), resolved by the LWW rule. */
  readonly concurrent: number;
  /** Replicas that already held a newer version and kept it (last-writer-wins). */
  readonly superseded: number;
  /** Why the write failed, when it did. */
  readonly reason?: string;
}

/** The result of one read. */
export interface ReadReport {
  /** True when R replicas answered. */
  readonly ok: boolean;
  readonly key: string;
  /** True when some replica held the key. */
  readonly found: boolean;
  readonly value: string | undefined;
  readonly version: Version | undefined;
  readonly preferred: readonly string[];
  /** The R replicas whose answers decided the read (newest wins among them). */
  readonly replicasRead: readonly string[];
  /** Replicas among those read that were stale or missing and were sent the newest version. */
  readonly readRepairs: readonly string[];
  readonly reason?: string;
}

/** One hint handed off to its target. */
export interface HintDelivery {
  readonly holder: string;
  readonly target: string;
  readonly key: string;
  readonly version: Version;
  /** `applied`: the target took it; `same`/`superseded`: the target already had it or newer. */
  readonly outcome: PutOutcome;
}

/** One hint dropped because it expired before it could be delivered. */
export interface ExpiredHint {
  readonly holder: string;
  readonly target: string;
  readonly id: number;
  readonly key: string;
  readonly version: Version;
}

/** The result of a tick or of an explicit handoff. */
export interface HandoffReport {
  /** Hints handed off (removed from their holders after the target stored them). */
  readonly delivered: number;
  /** Of those, how many changed the target (newest wins; the rest it already had or had newer). */
  readonly applied: number;
  /** Hints dropped as expired. */
  readonly expired: number;
  /** Distinct keys the targets recovered (an applied delivery), in delivery order. */
  readonly keysRecovered: readonly string[];
  readonly deliveries: readonly HintDelivery[];
  readonly expiredHints: readonly ExpiredHint[];
  /** Hints still held anywhere after this step. */
  readonly pending: number;
}

/** One node in the cluster status. */
export interface NodeStatus {
  readonly id: string;
  readonly available: boolean;
  /** Hints this node holds for others. */
  readonly hints: number;
  /** Keys this node stores as a replica. */
  readonly keys: number;
}

/** The cluster status: every node's availability, hint count and key count. */
export interface ClusterStatus {
  readonly nodes: readonly NodeStatus[];
  readonly hintsPending: number;
}

/** Cumulative counters of a coordinator since it was created (principle 6). */
export interface ReplicationMetrics {
  writes: number;
  writesFailed: number;
  sloppyWrites: number;
  reads: number;
  readsFailed: number;
  readRepairs: number;
  hintsStored: number;
  hintsRejected: number;
  hintsDelivered: number;
  hintsExpired: number;
  concurrentWrites: number;
}
