/**
 * The quorum coordinator (DDIA ch. 5, "Leaderless Replication"; Dynamo §4.5–
 * 4.6): a state machine without I/O (ARCHITECTURE.md, principle 3). Inputs:
 * `write`, `read`, `nodeDown`, `nodeUp`, `crashNode`, `tick` and `handoff`;
 * each returns a report. Time comes from the injected Clock, randomness
 * (which replicas answer a read first) from an injected Random.
 *
 * - Preference lists come from the placement: the first N distinct nodes are
 *   the preferred replicas; the nodes after them, in the placement's order
 *   (ring order for the consistent ring), are where a sloppy write goes.
 * - Write: a new version (version.ts); stored on every available preferred
 *   node; for each unavailable one a hint goes to the next available node
 *   after the first N that has room (`hintsMax`), each hint on a different
 *   node. Acknowledgements are replicas, plus hints under a sloppy quorum;
 *   the write succeeds at W. If the acknowledgements available cannot reach
 *   W, the write fails before writing anything. A hint that cannot be stored
 *   is reported (`hintsRejected`) and not counted: never a silent drop.
 * - Read: R of the available preferred replicas answer; newest version wins;
 *   stale or missing ones among them are repaired (read repair).
 * - Handoff: on each tick every available target receives at most
 *   `handoffRatePerTick` of its hints (handoff.ts); expired hints are dropped.
 *
 * Several coordinators may share one ReplicaCluster (distinct
 * `coordinatorId`s); node events and handoff act on the shared cluster, so
 * tick one of them (ticking more only raises the handoff rate: deliveries
 * are idempotent, newest wins). Bad input throws a typed error and changes
 * nothing; quorum failures are not errors, they are reports with ok: false.
 */
import { InvalidArgumentError, isInstance, readArray, readOptions, requireInt } from '../errors.js';
import type { Placement } from '../partitioning/placement.js';
import { ConsistentHashRing } from '../partitioning/ring.js';
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { ReplicaCluster } from './cluster.js';
import { handoffStep } from './handoff.js';
import type { RestartReport } from './hint-store.js';
import { type CoordinatorOptions, type ResolvedOptions, checkPlacementNodes, resolveOptions } from './options.js';
import type { ClusterStatus, HandoffReport, ReadReport, RejectedHint, ReplicationMetrics, StoredHint, WriteReport } from './reports.js';
import type { Versioned } from './replica-store.js';
import { LamportClock, compareVersions } from './version.js';

/** What `nodeUp` reports: the hints waiting for the node (delivered by later ticks). */
export interface NodeUpReport {
  readonly node: string;
  readonly hintsPending: number;
}

function assertStringKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
}

/** A leaderless-replication coordinator over in-process nodes. See the module comment. */
export class Coordinator {
  readonly options: ResolvedOptions;
  readonly cluster: ReplicaCluster;
  readonly placement: Placement;
  private readonly clock: Clock;
  private readonly random: Random | undefined;
  private readonly lamport: LamportClock;
  private readonly allNodes: number;
  private holderCursor = 0;
  private readonly m: ReplicationMetrics = {
    writes: 0,
    writesFailed: 0,
    sloppyWrites: 0,
    reads: 0,
    readsFailed: 0,
    readRepairs: 0,
    hintsStored: 0,
    hintsRejected: 0,
    hintsDelivered: 0,
    hintsExpired: 0,
    concurrentWrites: 0,
  };

  /** Validates every option first (typed errors, nothing built on failure). O(nodes) plus the placement's construction. */
  constructor(given: CoordinatorOptions) {
    const allowed = 'an object with n, w, r, hintTtlMs, clock and nodes or cluster';
    if (given === undefined) throw new InvalidArgumentError('options', given, allowed);
    // Each option is read once: a getter cannot give two answers, and one that throws is an InvalidArgumentError.
    const options = readOptions(
      'options',
      given,
      ['n', 'w', 'r', 'hintTtlMs', 'clock', 'nodes', 'cluster', 'placement', 'sloppyQuorum', 'hintedHandoff', 'hintsMax', 'handoffRatePerTick', 'readRepair', 'coordinatorId', 'random'],
      allowed,
    );
    if ((options.cluster === undefined) === (options.nodes === undefined)) {
      throw new InvalidArgumentError('nodes/cluster', options.cluster ?? options.nodes, 'exactly one of `nodes` (a private cluster) or `cluster` (a shared one)');
    }
    if (options.cluster !== undefined && !isInstance(options.cluster, ReplicaCluster)) throw new InvalidArgumentError('cluster', options.cluster, 'a ReplicaCluster');
    let nodeIds: readonly string[];
    if (options.cluster !== undefined) nodeIds = options.cluster.nodeIds;
    else {
      const list = readArray('nodes', options.nodes, 'an array of distinct non-empty node id strings');
      if (list.some((x) => typeof x !== 'string')) throw new InvalidArgumentError('nodes', options.nodes, 'an array of distinct non-empty node id strings');
      nodeIds = list as string[];
    }
    const resolved = resolveOptions(options, nodeIds.length);
    const p = options.placement;
    const placement = p === undefined || p === null ? new ConsistentHashRing(nodeIds) : typeof p === 'function' ? p(nodeIds) : p;
    if (placement === null || typeof placement !== 'object') throw new InvalidArgumentError('placement', placement, 'a Placement (see partitioning/placement.ts)');
    checkPlacementNodes(placement, nodeIds);
    this.options = resolved;
    this.cluster = options.cluster ?? new ReplicaCluster(nodeIds);
    this.placement = placement;
    this.clock = options.clock as Clock;
    this.random = options.random ?? undefined;
    this.lamport = new LamportClock(resolved.coordinatorId);
    this.allNodes = nodeIds.length;
  }

  /** Cumulative counters since construction (a copy). */
  metrics(): ReplicationMetrics {
    return { ...this.m };
  }

  /** The last Lamport counter this coordinator issued or observed. */
  get versionCounter(): number {
    return this.lamport.current;
  }

  /**
   * Write `value` under `key`. O(N) plus the placement's preference-list
   * walk; when preferred nodes are down, a walk just far enough to find
   * the hint holders.
   */
  write(key: string, value: string): WriteReport {
    assertStringKey(key);
    if (typeof value !== 'string') throw new InvalidArgumentError('value', value, 'a string');
    const { n, w, sloppyQuorum, hintedHandoff } = this.options;
    const preferred = this.placement.preferenceList(key, n);
    const up: string[] = [];
    const down: string[] = [];
    for (const id of preferred) (this.cluster.node(id).available ? up : down).push(id);
    const planned: { target: string; holder: string }[] = [];
    const rejected: RejectedHint[] = [];
    if (down.length > 0) {
      if (sloppyQuorum || hintedHandoff) this.planHints(key, down, planned, rejected);
      else for (const target of down) rejected.push({ target, reason: 'hints-disabled' });
    }
    const possible = up.length + (sloppyQuorum ? planned.length : 0);
    if (possible < w) {
      this.m.writes++;
      this.m.writesFailed++;
      this.m.hintsRejected += rejected.length;
      const why = sloppyQuorum
        ? `${up.length} preferred replicas and ${planned.length} hint holders available; W is ${w}`
        : `${up.length} of ${n} preferred replicas available (sloppy quorum off); W is ${w}`;
      return {
        ok: false,
        key,
        version: undefined,
        preferred,
        replicasWritten: [],
        hintsStored: [],
        hintsRejected: rejected,
        acks: 0,
        sloppy: false,
        concurrent: 0,
        superseded: 0,
        reason: why,
      };
    }
    const version = this.lamport.next();
    const v: Versioned = { value, version };
    let concurrent = 0;
    let superseded = 0;
    for (const id of up) {
      const r = this.cluster.node(id).replicas.put(key, v);
      if (r.concurrent) concurrent++;
      if (r.outcome === 'superseded') superseded++;
      if (r.previous) this.lamport.observe(r.previous);
    }
    const stored: StoredHint[] = [];
    const createdAtMs = this.clock.now();
    for (const { target, holder } of planned) {
      try {
        const h = this.cluster.node(holder).hints.add({ target, key, value, version, createdAtMs, ttlMs: this.options.hintTtlMs });
        stored.push({ holder, target, id: h.id });
      } catch (e) {
        rejected.push({ target, reason: 'storage-error', detail: (e as Error).message });
      }
    }
    const acks = up.length + (sloppyQuorum ? stored.length : 0);
    const ok = acks >= w;
    const sloppy = sloppyQuorum && stored.length > 0;
    this.m.writes++;
    if (!ok) this.m.writesFailed++;
    if (ok && sloppy) this.m.sloppyWrites++;
    this.m.hintsStored += stored.length;
    this.m.hintsRejected += rejected.length;
    this.m.concurrentWrites += concurrent > 0 ? 1 : 0;
    const report: WriteReport = { ok, key, version, preferred, replicasWritten: up, hintsStored: stored, hintsRejected: rejected, acks, sloppy, concurrent, superseded };
    return ok ? report : { ...report, reason: `only ${acks} acknowledgements after storage errors; W is ${w}` };
  }

  /**
   * Choose a distinct holder for each unavailable preferred node: the next
   * available node after the first N in preference order with room for a hint.
   */
  private planHints(key: string, down: readonly string[], planned: { target: string; holder: string }[], rejected: RejectedHint[]): void {
    const { n, hintsMax } = this.options;
    // Walk only as far down the preference list as needed: n + (hints still to place) + 1 nodes first,
    // doubling when unavailable or full nodes are in the way (a full walk costs O(all points) on a ring).
    let span = Math.min(this.allNodes, n + down.length + 1);
    let fallbacks = this.placement.preferenceList(key, span);
    let next = n;
    for (const target of down) {
      let holder: string | undefined;
      let sawFull = false;
      while (holder === undefined) {
        if (next >= fallbacks.length) {
          if (span >= this.allNodes) break;
          span = Math.min(this.allNodes, span * 2);
          fallbacks = this.placement.preferenceList(key, span);
        }
        const candidate = this.cluster.node(fallbacks[next] as string);
        next++;
        if (!candidate.available) continue;
        if (candidate.hints.count >= hintsMax) {
          sawFull = true;
          continue;
        }
        holder = candidate.id;
      }
      if (holder === undefined) rejected.push({ target, reason: sawFull ? 'hints-full' : 'no-fallback-node' });
      else planned.push({ target, holder });
    }
  }

  /** Read `key` from R available preferred replicas; newest wins; repairs stale ones. O(N). */
  read(key: string): ReadReport {
    assertStringKey(key);
    const { n, r } = this.options;
    const preferred = this.placement.preferenceList(key, n);
    const up = preferred.filter((id) => this.cluster.node(id).available);
    this.m.reads++;
    if (up.length < r) {
      this.m.readsFailed++;
      return { ok: false, key, found: false, value: undefined, version: undefined, preferred, replicasRead: [], readRepairs: [], reason: `${up.length} of ${n} preferred replicas available; R is ${r}` };
    }
    if (this.random) {
      for (let i = 0; i < r; i++) {
        const j = i + Math.floor(this.random() * (up.length - i));
        const t = up[i] as string;
        up[i] = up[j] as string;
        up[j] = t;
      }
    }
    const asked = up.slice(0, r);
    const answers = asked.map((id) => this.cluster.node(id).replicas.get(key));
    let newest: Versioned | undefined;
    for (const a of answers) if (a && (!newest || compareVersions(a.version, newest.version) > 0)) newest = a;
    const repaired: string[] = [];
    if (newest) {
      this.lamport.observe(newest.version);
      if (this.options.readRepair) {
        answers.forEach((a, i) => {
          if (!a || compareVersions(a.version, (newest as Versioned).version) < 0) {
            const id = asked[i] as string;
            this.cluster.node(id).replicas.put(key, newest as Versioned);
            repaired.push(id);
          }
        });
        this.m.readRepairs += repaired.length;
      }
    }
    return { ok: true, key, found: newest !== undefined, value: newest?.value, version: newest?.version, preferred, replicasRead: asked, readRepairs: repaired };
  }

  /** Mark node `id` unavailable (a failure detector's verdict). NotFoundError for unknown ids. O(1). */
  nodeDown(id: string): void {
    this.cluster.node(id).available = false;
  }

  /** Mark node `id` available again; its hints are handed off by the following ticks. O(nodes). */
  nodeUp(id: string): NodeUpReport {
    const node = this.cluster.node(id);
    node.available = true;
    return { node: id, hintsPending: this.cluster.hintsFor(id) };
  }

  /**
   * Node `id` crashes: it becomes unavailable and its hint store restarts
   * from durable storage (a volatile store loses its hints and reports how
   * many). Bring it back with `nodeUp`. Replica data is kept (replica stores
   * model durable storage).
   */
  crashNode(id: string): RestartReport {
    const node = this.cluster.node(id);
    node.available = false;
    return node.hints.restart();
  }

  /** Advance: hand off hints to every available target (throttled) and drop expired hints. */
  tick(): HandoffReport {
    return this.runHandoff(undefined, this.options.handoffRatePerTick);
  }

  /** Hand off up to `budget` hints to `target` now (default: one tick's rate). NotFoundError for unknown ids. */
  handoff(target: string, budget: number = this.options.handoffRatePerTick): HandoffReport {
    this.cluster.node(target);
    requireInt('budget', budget, 1);
    return this.runHandoff(target, budget);
  }

  private runHandoff(onlyTarget: string | undefined, rate: number): HandoffReport {
    const report = handoffStep(this.cluster, { nowMs: this.clock.now(), ratePerTarget: rate, startHolder: this.holderCursor, ...(onlyTarget === undefined ? {} : { onlyTarget }) });
    this.holderCursor = (this.holderCursor + 1) % this.allNodes;
    this.m.hintsDelivered += report.delivered;
    this.m.hintsExpired += report.expired;
    return report;
  }

  /** Each node's availability, hint count and key count. O(nodes). */
  status(): ClusterStatus {
    return this.cluster.status();
  }

  /** Throws InvariantError when a rule of the cluster, its stores or the placement is broken. */
  checkInvariants(): void {
    this.placement.checkInvariants();
    this.cluster.checkInvariants();
  }
}
