/**
 * The consumer-group coordinator as a state machine with no I/O
 * (ARCHITECTURE.md, principle 3; Kafka's GroupCoordinator and the classic
 * rebalance protocol, KIP-429 for cooperative assignors). Inputs are `join`,
 * `sync`, `heartbeat`, `leave`, `commit` and `tick`; time comes from the
 * injected clock; outputs are return values (assignments, error codes,
 * rebalance reports). An adapter (the in-process `LocalGroup`, later a network
 * server) feeds inputs and acts on outputs.
 *
 * Protocol: a membership change starts a rebalance (state `rebalancing`); every
 * current member must rejoin (they learn of it from `heartbeat`); when the last
 * one has, or `rebalanceTimeoutMs` has passed (stragglers are removed), the
 * coordinator runs the assignor, bumps the generation and each member fetches
 * its share with `sync`. With a cooperative assignor the first generation only
 * revokes (each member keeps previous ∩ target); once every member has synced
 * it, a follow-up rebalance assigns the revoked partitions, so no partition is
 * owned by two members in one generation. Commits and heartbeats carrying an
 * older generation are rejected (fencing zombies). A member that does not
 * heartbeat for `sessionTimeoutMs` is removed. A static member (known
 * `groupInstanceId`) rejoining while the group is stable takes over its
 * assignment without a rebalance; its old member id is fenced.
 */
import { InvalidArgumentError, invariant, requireInt } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import { compareTopicPartitions, tpKey, type TopicPartition } from '../types.js';
import { diffAssignments, type Assignment, type Assignor, type PartitionMove } from '../assignors/assignor.js';
import { MAX_ASSIGN_PARTITIONS, intersect } from '../assignors/index.js';

/** Error codes the protocol returns (Kafka's names). */
export type GroupErrorCode = 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION' | 'REBALANCE_IN_PROGRESS' | 'FENCED_INSTANCE_ID';

/** Coordinator states. */
export type GroupState = 'empty' | 'rebalancing' | 'stable';

/** Settings of a group. */
export interface CoordinatorOptions {
  groupId: string;
  assignor: Assignor;
  clock: Clock;
  /** Topic → partition count (metadata; must be a pure lookup). */
  partitionsOf: (topic: string) => number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  /** Reports kept in `history` (bounded; default 64). */
  historyMax?: number;
}

/** What one completed rebalance did. */
export interface RebalanceReport {
  generation: number;
  assignor: string;
  /** `revoke`: the first round of a cooperative rebalance; `assign`: any other. */
  round: 'assign' | 'revoke';
  members: string[];
  assignment: Assignment;
  /** Partitions whose owner changed since the previous generation (revocations included). */
  moved: PartitionMove[];
  /** Members removed because their session or the rebalance timed out. */
  expired: string[];
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  lastHeartbeatMs: number;
  /** Joined the current rebalance round. */
  joined: boolean;
  /** Fetched the current generation's assignment. */
  synced: boolean;
  assignment: TopicPartition[];
}

/** Result of `join`. */
export interface JoinResult {
  memberId: string;
  /** The generation now in force (the member must `sync` it once the group is stable). */
  generation: number;
  state: GroupState;
  /** A rebalance that completed as a result of this join. */
  rebalance: RebalanceReport | null;
}

/** Result of a call that can be rejected. */
export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; error: GroupErrorCode };

/** A pure consumer-group coordinator. */
export class GroupCoordinator {
  readonly groupId: string;
  readonly assignor: Assignor;
  private readonly clock: Clock;
  private readonly partitionsOf: (topic: string) => number;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  private readonly historyMax: number;
  private readonly members = new Map<string, Member>();
  private readonly instances = new Map<string, string>();
  private generationId = 0;
  private stateValue: GroupState = 'empty';
  private rebalanceStartMs = 0;
  private pendingFollowUp = false;
  private nextMemberNumber = 1;
  private expiredSinceLast: string[] = [];
  /** Ownership as of the last completed rebalance, departed members included (what reports diff against). */
  private lastAssignment: Assignment = new Map();
  /** Completed rebalances, newest last (bounded by `historyMax`). */
  readonly history: RebalanceReport[] = [];

  constructor(options: CoordinatorOptions) {
    this.groupId = options.groupId;
    this.assignor = options.assignor;
    this.clock = options.clock;
    this.partitionsOf = options.partitionsOf;
    this.sessionTimeoutMs = requireInt('sessionTimeoutMs', options.sessionTimeoutMs ?? 45_000, 1);
    this.rebalanceTimeoutMs = requireInt('rebalanceTimeoutMs', options.rebalanceTimeoutMs ?? 60_000, 1);
    this.historyMax = requireInt('historyMax', options.historyMax ?? 64, 1);
  }

  get generation(): number {
    return this.generationId;
  }
  get state(): GroupState {
    return this.stateValue;
  }
  /** Member ids, sorted. */
  memberIds(): string[] {
    return [...this.members.keys()].sort();
  }
  /** The partitions `memberId` owns in the current generation. */
  assignmentOf(memberId: string): TopicPartition[] {
    return [...(this.members.get(memberId)?.assignment ?? [])];
  }
  /** Current ownership of every member. */
  currentAssignment(): Assignment {
    const a: Assignment = new Map();
    for (const id of this.memberIds()) a.set(id, this.assignmentOf(id));
    return a;
  }

  private startRebalance(): void {
    if (this.members.size === 0) {
      this.stateValue = 'empty';
      return;
    }
    // Members that already rejoined an ongoing rebalance stay joined.
    if (this.stateValue === 'rebalancing') return;
    this.rebalanceStartMs = this.clock.now();
    this.stateValue = 'rebalancing';
    for (const m of this.members.values()) m.joined = false;
  }

  /**
   * A member joins (memberId `null`: a new member, which gets an id) or
   * rejoins for a rebalance. Completes the rebalance when every member has
   * joined. O(members) plus the assignor when it completes.
   */
  join(req: { memberId: string | null; groupInstanceId?: string | null; topics: readonly string[] }): Outcome<JoinResult> {
    if (!Array.isArray(req.topics) || req.topics.some((t) => typeof t !== 'string')) throw new InvalidArgumentError('topics', req.topics, 'an array of topic names');
    const now = this.clock.now();
    const topics = [...new Set(req.topics)].sort();
    const instanceId = req.groupInstanceId ?? null;
    let member: Member | undefined;
    if (req.memberId !== null) {
      member = this.members.get(req.memberId);
      if (member === undefined) return { ok: false, error: instanceId !== null && this.instances.has(instanceId) ? 'FENCED_INSTANCE_ID' : 'UNKNOWN_MEMBER_ID' };
    } else if (instanceId !== null && this.instances.has(instanceId)) {
      // Static membership (KIP-345): the instance takes over under a new id; the old id is fenced.
      const old = this.members.get(this.instances.get(instanceId)!)!;
      this.members.delete(old.memberId);
      member = { ...old, memberId: this.newMemberId(), lastHeartbeatMs: now };
      this.members.set(member.memberId, member);
      this.instances.set(instanceId, member.memberId);
      const owned = this.lastAssignment.get(old.memberId);
      if (owned !== undefined) {
        this.lastAssignment.delete(old.memberId);
        this.lastAssignment.set(member.memberId, owned);
      }
      const sameTopics = old.topics.join('\0') === topics.join('\0');
      if (this.stateValue === 'stable' && sameTopics) {
        member.synced = false;
        return { ok: true, memberId: member.memberId, generation: this.generationId, state: this.stateValue, rebalance: null };
      }
      member.topics = topics;
      if (!sameTopics) this.startRebalance();
    } else {
      member = { memberId: this.newMemberId(), groupInstanceId: instanceId, topics, lastHeartbeatMs: now, joined: false, synced: false, assignment: [] };
      this.members.set(member.memberId, member);
      if (instanceId !== null) this.instances.set(instanceId, member.memberId);
      this.startRebalance();
    }
    member.lastHeartbeatMs = now;
    if (member.topics.join('\0') !== topics.join('\0')) {
      member.topics = topics;
      this.startRebalance();
    }
    if (this.stateValue === 'stable') this.startRebalance();
    member.joined = true;
    const rebalance = this.maybeComplete();
    return { ok: true, memberId: member.memberId, generation: this.generationId, state: this.stateValue, rebalance };
  }

  private newMemberId(): string {
    return `${this.groupId}-member-${this.nextMemberNumber++}`;
  }

  private maybeComplete(): RebalanceReport | null {
    if (this.stateValue !== 'rebalancing') return null;
    for (const m of this.members.values()) if (!m.joined) return null;
    return this.complete();
  }

  private complete(): RebalanceReport {
    const before = this.currentAssignment();
    const partitionsPerTopic = new Map<string, number>();
    for (const m of this.members.values()) {
      for (const t of m.topics) {
        if (partitionsPerTopic.has(t)) continue;
        // The caller's metadata, read once per topic and checked before anything changes (a huge count would hang the assignor).
        const n: unknown = this.partitionsOf(t);
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_ASSIGN_PARTITIONS) {
          throw new InvalidArgumentError(`partitionsOf(${JSON.stringify(t.length > 80 ? `${t.slice(0, 77)}...` : t)})`, n, `a partition count: an integer from 0 to ${MAX_ASSIGN_PARTITIONS}`);
        }
        partitionsPerTopic.set(t, n);
      }
    }
    const members = this.memberIds().map((id) => ({ memberId: id, topics: this.members.get(id)!.topics }));
    const target = this.assignor.assign({ members, partitionsPerTopic, previous: before });
    let next = target;
    let round: RebalanceReport['round'] = 'assign';
    if (this.assignor.protocol === 'cooperative') {
      const kept = intersect(before, target);
      const revoked = [...before.values()].reduce((n, l) => n + l.length, 0) - [...kept.values()].reduce((n, l) => n + l.length, 0);
      if (revoked > 0) {
        next = kept;
        round = 'revoke';
      }
    }
    this.pendingFollowUp = round === 'revoke';
    this.generationId++;
    for (const [id, list] of next) {
      const m = this.members.get(id)!;
      m.assignment = [...list].sort(compareTopicPartitions);
      m.synced = false;
    }
    this.stateValue = 'stable';
    const report: RebalanceReport = {
      generation: this.generationId,
      assignor: this.assignor.name,
      round,
      members: this.memberIds(),
      assignment: this.currentAssignment(),
      moved: diffAssignments(this.lastAssignment, next),
      expired: this.expiredSinceLast,
    };
    this.expiredSinceLast = [];
    this.lastAssignment = report.assignment;
    this.history.push(report);
    if (this.history.length > this.historyMax) this.history.shift();
    return report;
  }

  /**
   * Fetch the assignment of `generation`. Rejected while a rebalance is in
   * progress or for another generation. When every member has synced a
   * cooperative revoke round, the follow-up rebalance starts. O(members).
   */
  sync(memberId: string, generation: number): Outcome<{ assignment: TopicPartition[] }> {
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    if (this.stateValue === 'rebalancing') return { ok: false, error: 'REBALANCE_IN_PROGRESS' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    m.synced = true;
    m.lastHeartbeatMs = this.clock.now();
    const assignment = [...m.assignment];
    if (this.pendingFollowUp && [...this.members.values()].every((x) => x.synced)) {
      this.pendingFollowUp = false;
      this.startRebalance();
    }
    return { ok: true, assignment };
  }

  /** Liveness: rejected for unknown members, old generations, or when the member must rejoin. O(1). */
  heartbeat(memberId: string, generation: number): Outcome {
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    m.lastHeartbeatMs = this.clock.now();
    if (this.stateValue === 'rebalancing') return { ok: false, error: 'REBALANCE_IN_PROGRESS' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    return { ok: true };
  }

  /** A member leaves: its partitions are reassigned by a rebalance. O(members). */
  leave(memberId: string): Outcome<{ rebalance: RebalanceReport | null }> {
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    this.remove(m);
    this.startRebalance();
    return { ok: true, rebalance: this.maybeComplete() };
  }

  private remove(m: Member): void {
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.instances.get(m.groupInstanceId) === m.memberId) this.instances.delete(m.groupInstanceId);
  }

  /**
   * Check that an offset commit may be applied: from a current member in the
   * current generation, or (generation −1, no member id) when the group has no
   * members — Kafka's rule for consumers that assign partitions themselves. O(1).
   */
  commit(memberId: string | null, generation: number): Outcome {
    if (memberId === null) {
      if (generation !== -1 || this.members.size > 0) return { ok: false, error: this.members.size > 0 ? 'UNKNOWN_MEMBER_ID' : 'ILLEGAL_GENERATION' };
      return { ok: true };
    }
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    m.lastHeartbeatMs = this.clock.now();
    return { ok: true };
  }

  /**
   * Advance time: remove members silent for longer than `sessionTimeoutMs`
   * (starting a rebalance), and complete a rebalance whose timeout passed by
   * removing members that did not rejoin. O(members).
   */
  tick(): { expired: string[]; rebalance: RebalanceReport | null } {
    const now = this.clock.now();
    const expired: string[] = [];
    for (const m of [...this.members.values()]) {
      if (now - m.lastHeartbeatMs > this.sessionTimeoutMs) {
        this.remove(m);
        expired.push(m.memberId);
      }
    }
    if (this.stateValue === 'rebalancing' && now - this.rebalanceStartMs > this.rebalanceTimeoutMs) {
      for (const m of [...this.members.values()]) {
        if (!m.joined) {
          this.remove(m);
          expired.push(m.memberId);
        }
      }
    }
    if (expired.length > 0) {
      this.expiredSinceLast.push(...expired);
      this.startRebalance();
      if (this.members.size === 0) this.generationId++;
    }
    return { expired, rebalance: this.maybeComplete() };
  }

  /** Throws InvariantError unless every partition has at most one owner and owners subscribe to its topic. O(partitions). */
  checkInvariants(): void {
    const owners = new Map<string, string>();
    for (const m of this.members.values()) {
      for (const tp of m.assignment) {
        const k = tpKey(tp.topic, tp.partition);
        invariant(!owners.has(k), () => `${this.groupId}: ${k} owned by ${owners.get(k)} and ${m.memberId} in generation ${this.generationId}`);
        invariant(m.topics.includes(tp.topic), `${this.groupId}: ${m.memberId} owns ${k} without subscribing to ${tp.topic}`);
        owners.set(k, m.memberId);
      }
    }
    invariant((this.members.size === 0) === (this.stateValue === 'empty'), `${this.groupId}: state ${this.stateValue} with ${this.members.size} members`);
    for (const [inst, id] of this.instances) invariant(this.members.get(id)?.groupInstanceId === inst, `${this.groupId}: instance ${inst} maps to a missing member`);
  }
}
