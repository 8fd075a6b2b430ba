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
import { InvalidArgumentError, invariant, readArray, readOptions, requireInt, requireNumber } from '../../errors.js';
import { checkGroupId, checkTopicName, requireMethods } from '../message.js';
import type { Clock } from '../../util/clock.js';
import { tpKey, type TopicPartition } from '../types.js';
import type { Assignment, Assignor, PartitionMove } from '../assignors/assignor.js';
import { MAX_ASSIGN_PARTITIONS, byTopicPartition, diffOf, intersectOf, readAssignment } from '../assignors/core.js';

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

const OPTION_KEYS = ['groupId', 'assignor', 'clock', 'partitionsOf', 'sessionTimeoutMs', 'rebalanceTimeoutMs', 'historyMax'] as const satisfies readonly (keyof CoordinatorOptions)[];
const ASSIGNOR_ALLOWED = 'an Assignor { name: a non-empty string, protocol: "eager" or "cooperative", assign: a function }';

/** A member id or group instance id from outside: a string; InvalidArgumentError otherwise. O(1). */
function checkMemberId(parameter: string, v: unknown): string {
  if (typeof v !== 'string') throw new InvalidArgumentError(parameter, v, 'a member id (a string)');
  return v;
}

/** A generation from outside: an integer ≥ −1 (−1: no generation); InvalidArgumentError otherwise. O(1). */
function checkGeneration(v: unknown): number {
  return requireInt('generation', v, -1);
}

/** Everything a rebalance can change, as it was before a call (see `atomically`). */
interface Saved {
  members: Member[];
  instances: Map<string, string>;
  generationId: number;
  stateValue: GroupState;
  rebalanceStartMs: number;
  pendingFollowUp: boolean;
  nextMemberNumber: number;
  expiredSinceLast: string[];
  lastAssignment: Assignment;
}

/** A pure consumer-group coordinator. */
export class GroupCoordinator {
  readonly groupId: string;
  /** The assignor as given (its name, protocol and assign function were read once, at construction). */
  readonly assignor: Assignor;
  /** The assignor's protocol, as read at construction. */
  readonly protocol: Assignor['protocol'];
  private readonly assignorName: string;
  private readonly assign: Assignor['assign'];
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

  /**
   * `options` is read once, each field checked (InvalidArgumentError naming
   * it): `groupId` a group id, `assignor` an Assignor (its name, protocol and
   * `assign` read once), `clock` a Clock, `partitionsOf` a function, and the
   * optional `sessionTimeoutMs`, `rebalanceTimeoutMs`, `historyMax` integers
   * ≥ 1 (absent or null: the default).
   */
  constructor(options: CoordinatorOptions) {
    if (options === undefined) throw new InvalidArgumentError('options', options, 'coordinator options { groupId, assignor, clock, partitionsOf, ... }');
    const o = readOptions('options', options, OPTION_KEYS, 'coordinator options { groupId, assignor, clock, partitionsOf, ... }');
    this.groupId = checkGroupId(o.groupId);
    const assignor: unknown = o.assignor;
    if (assignor === null || typeof assignor !== 'object') throw new InvalidArgumentError('assignor', assignor, ASSIGNOR_ALLOWED);
    const a = readOptions('assignor', assignor as Assignor, ['name', 'protocol', 'assign'], ASSIGNOR_ALLOWED);
    if (typeof a.name !== 'string' || a.name.length === 0 || (a.protocol !== 'eager' && a.protocol !== 'cooperative') || typeof a.assign !== 'function') {
      throw new InvalidArgumentError('assignor', assignor, ASSIGNOR_ALLOWED);
    }
    this.assignor = assignor as Assignor;
    this.assignorName = a.name;
    this.protocol = a.protocol;
    const assign = a.assign;
    this.assign = (input) => assign.call(assignor, input);
    requireMethods('clock', o.clock, ['now'], 'a Clock ({ now(): number })');
    this.clock = o.clock as Clock;
    if (typeof o.partitionsOf !== 'function') throw new InvalidArgumentError('partitionsOf', o.partitionsOf, 'a function (topic) => partition count');
    this.partitionsOf = o.partitionsOf;
    this.sessionTimeoutMs = requireInt('sessionTimeoutMs', o.sessionTimeoutMs ?? 45_000, 1);
    this.rebalanceTimeoutMs = requireInt('rebalanceTimeoutMs', o.rebalanceTimeoutMs ?? 60_000, 1);
    this.historyMax = requireInt('historyMax', o.historyMax ?? 64, 1);
  }

  /** The clock's time, checked: a finite number (InvalidArgumentError otherwise, before anything changes). O(1). */
  private now(): number {
    return requireNumber('clock.now()', this.clock.now(), -Number.MAX_VALUE);
  }

  /** A partition count from the caller's metadata, checked (a huge count would hang the assignor). O(1). */
  private partitionCount(topic: string): number {
    const n: unknown = this.partitionsOf(topic);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_ASSIGN_PARTITIONS) {
      throw new InvalidArgumentError(`partitionsOf(${JSON.stringify(topic.length > 80 ? `${topic.slice(0, 77)}...` : topic)})`, n, `a partition count: an integer from 0 to ${MAX_ASSIGN_PARTITIONS}`);
    }
    return n;
  }

  /**
   * Run `fn`; if it throws (the caller's metadata, clock or assignor failing
   * in the middle of a rebalance), put back every member, mapping, counter
   * and state as they were, so the call that failed changed nothing.
   * O(members) for the copy.
   */
  private atomically<T>(fn: () => T): T {
    const saved: Saved = {
      members: [...this.members.values()].map((m) => ({ ...m })),
      instances: new Map(this.instances),
      generationId: this.generationId,
      stateValue: this.stateValue,
      rebalanceStartMs: this.rebalanceStartMs,
      pendingFollowUp: this.pendingFollowUp,
      nextMemberNumber: this.nextMemberNumber,
      expiredSinceLast: [...this.expiredSinceLast],
      lastAssignment: new Map(this.lastAssignment),
    };
    // `history` is not saved: a report is pushed last in complete(), after everything that can fail.
    try {
      return fn();
    } catch (e) {
      this.members.clear();
      for (const m of saved.members) this.members.set(m.memberId, m);
      this.instances.clear();
      for (const [k, v] of saved.instances) this.instances.set(k, v);
      this.generationId = saved.generationId;
      this.stateValue = saved.stateValue;
      this.rebalanceStartMs = saved.rebalanceStartMs;
      this.pendingFollowUp = saved.pendingFollowUp;
      this.nextMemberNumber = saved.nextMemberNumber;
      this.expiredSinceLast = saved.expiredSinceLast;
      this.lastAssignment = saved.lastAssignment;
      throw e;
    }
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
  /** The partitions `memberId` (a string; InvalidArgumentError otherwise) owns in the current generation. */
  assignmentOf(memberId: string): TopicPartition[] {
    return [...(this.members.get(checkMemberId('memberId', memberId))?.assignment ?? [])];
  }
  /** Current ownership of every member. */
  currentAssignment(): Assignment {
    const a: Assignment = new Map();
    for (const id of this.memberIds()) a.set(id, this.assignmentOf(id));
    return a;
  }

  private startRebalance(now: number): void {
    if (this.members.size === 0) {
      this.stateValue = 'empty';
      return;
    }
    // Members that already rejoined an ongoing rebalance stay joined.
    if (this.stateValue === 'rebalancing') return;
    this.rebalanceStartMs = now;
    this.stateValue = 'rebalancing';
    for (const m of this.members.values()) m.joined = false;
  }

  /**
   * A member joins (memberId `null`: a new member, which gets an id) or
   * rejoins for a rebalance. Completes the rebalance when every member has
   * joined. O(members) plus the assignor when it completes.
   *
   * `req` is read once and checked before anything changes: `memberId` null
   * (or absent) or a string, `groupInstanceId` null (or absent) or a
   * non-empty string, `topics` an array of topic names; the partition count
   * of each of them (from `partitionsOf`) must be one. InvalidArgumentError
   * otherwise, and the group is unchanged. So is it when a rebalance this
   * join completes fails (a partition count, the clock or the assignor).
   */
  join(req: { memberId: string | null; groupInstanceId?: string | null; topics: readonly string[] }): Outcome<JoinResult> {
    const allowed = 'a join request { memberId, groupInstanceId?, topics }';
    if (req === null || typeof req !== 'object') throw new InvalidArgumentError('join request', req, allowed);
    const r = readOptions('join request', req, ['memberId', 'groupInstanceId', 'topics'], allowed);
    const memberId = r.memberId === undefined || r.memberId === null ? null : checkMemberId('memberId', r.memberId);
    const instanceId: unknown = r.groupInstanceId ?? null;
    if (instanceId !== null && (typeof instanceId !== 'string' || instanceId === '')) throw new InvalidArgumentError('groupInstanceId', instanceId, 'a non-empty string, or null for a dynamic member');
    const given = readArray('topics', r.topics, 'an array of topic names');
    for (const t of given) checkTopicName(t);
    const topics = [...new Set(given as string[])].sort();
    // The joining member's topics are checked now, so a bad count refuses the join before it changes anything.
    for (const t of topics) this.partitionCount(t);
    const now = this.now();
    return this.atomically(() => this.joinChecked(memberId, instanceId as string | null, topics, now));
  }

  private joinChecked(memberId: string | null, instanceId: string | null, topics: string[], now: number): Outcome<JoinResult> {
    let member: Member | undefined;
    if (memberId !== null) {
      member = this.members.get(memberId);
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
      if (!sameTopics) this.startRebalance(now);
    } else {
      member = { memberId: this.newMemberId(), groupInstanceId: instanceId, topics, lastHeartbeatMs: now, joined: false, synced: false, assignment: [] };
      this.members.set(member.memberId, member);
      if (instanceId !== null) this.instances.set(instanceId, member.memberId);
      this.startRebalance(now);
    }
    member.lastHeartbeatMs = now;
    if (member.topics.join('\0') !== topics.join('\0')) {
      member.topics = topics;
      this.startRebalance(now);
    }
    if (this.stateValue === 'stable') this.startRebalance(now);
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
        // The caller's metadata, read once per topic per rebalance and checked (a huge count would hang the assignor).
        if (!partitionsPerTopic.has(t)) partitionsPerTopic.set(t, this.partitionCount(t));
      }
    }
    const members = this.memberIds().map((id) => ({ memberId: id, topics: this.members.get(id)!.topics }));
    // The assignor is the caller's code: its answer is checked before anything changes.
    const target = readAssignment(this.assignorName, this.assign({ members, partitionsPerTopic, previous: before }), new Map(members.map((m) => [m.memberId, m.topics])), partitionsPerTopic);
    let next = target;
    let round: RebalanceReport['round'] = 'assign';
    if (this.protocol === 'cooperative') {
      const kept = intersectOf(before, target);
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
      m.assignment = [...list].sort(byTopicPartition);
      m.synced = false;
    }
    this.stateValue = 'stable';
    const report: RebalanceReport = {
      generation: this.generationId,
      assignor: this.assignorName,
      round,
      members: this.memberIds(),
      assignment: this.currentAssignment(),
      moved: diffOf(this.lastAssignment, next),
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
   * `memberId` a string and `generation` an integer ≥ −1, else
   * InvalidArgumentError (nothing changes).
   */
  sync(memberId: string, generation: number): Outcome<{ assignment: TopicPartition[] }> {
    checkMemberId('memberId', memberId);
    checkGeneration(generation);
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    if (this.stateValue === 'rebalancing') return { ok: false, error: 'REBALANCE_IN_PROGRESS' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    const now = this.now();
    m.synced = true;
    m.lastHeartbeatMs = now;
    const assignment = [...m.assignment];
    if (this.pendingFollowUp && [...this.members.values()].every((x) => x.synced)) {
      this.pendingFollowUp = false;
      this.startRebalance(now);
    }
    return { ok: true, assignment };
  }

  /**
   * Liveness: rejected for unknown members, old generations, or when the
   * member must rejoin. `memberId` a string and `generation` an integer ≥ −1,
   * else InvalidArgumentError (nothing changes). O(1).
   */
  heartbeat(memberId: string, generation: number): Outcome {
    checkMemberId('memberId', memberId);
    checkGeneration(generation);
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    m.lastHeartbeatMs = this.now();
    if (this.stateValue === 'rebalancing') return { ok: false, error: 'REBALANCE_IN_PROGRESS' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    return { ok: true };
  }

  /**
   * A member leaves: its partitions are reassigned by a rebalance.
   * `memberId` a string, else InvalidArgumentError; if the rebalance fails
   * (the caller's metadata, clock or assignor), the member is still there.
   * O(members).
   */
  leave(memberId: string): Outcome<{ rebalance: RebalanceReport | null }> {
    checkMemberId('memberId', memberId);
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    const now = this.now();
    return this.atomically(() => {
      this.remove(m);
      this.startRebalance(now);
      return { ok: true, rebalance: this.maybeComplete() };
    });
  }

  private remove(m: Member): void {
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.instances.get(m.groupInstanceId) === m.memberId) this.instances.delete(m.groupInstanceId);
  }

  /**
   * Check that an offset commit may be applied: from a current member in the
   * current generation, or (generation −1, no member id) when the group has no
   * members — Kafka's rule for consumers that assign partitions themselves.
   * `memberId` null or a string and `generation` an integer ≥ −1, else
   * InvalidArgumentError (nothing changes). O(1).
   */
  commit(memberId: string | null, generation: number): Outcome {
    if (memberId !== null) checkMemberId('memberId', memberId);
    checkGeneration(generation);
    if (memberId === null) {
      if (generation !== -1 || this.members.size > 0) return { ok: false, error: this.members.size > 0 ? 'UNKNOWN_MEMBER_ID' : 'ILLEGAL_GENERATION' };
      return { ok: true };
    }
    const m = this.members.get(memberId);
    if (m === undefined) return { ok: false, error: 'UNKNOWN_MEMBER_ID' };
    if (generation !== this.generationId) return { ok: false, error: 'ILLEGAL_GENERATION' };
    m.lastHeartbeatMs = this.now();
    return { ok: true };
  }

  /**
   * Advance time: remove members silent for longer than `sessionTimeoutMs`
   * (starting a rebalance), and complete a rebalance whose timeout passed by
   * removing members that did not rejoin. O(members). If the rebalance
   * fails (the caller's metadata, clock or assignor), nobody is removed.
   */
  tick(): { expired: string[]; rebalance: RebalanceReport | null } {
    const now = this.now();
    return this.atomically(() => this.tickAt(now));
  }

  private tickAt(now: number): { expired: string[]; rebalance: RebalanceReport | null } {
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
      this.startRebalance(now);
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
