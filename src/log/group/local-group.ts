/**
 * The in-process adapter around a `GroupCoordinator`: it holds the consumers
 * of one group that live in this process and feeds their joins, syncs,
 * heartbeats and leaves into the coordinator, delivering each new
 * generation's assignment back to them. A network server would do the same
 * with messages; the coordinator does not know the difference.
 */
import { InvalidArgumentError, StateError, readArray, readOptions, requireInt } from '../../errors.js';
import type { Clock } from '../../util/clock.js';
import type { Assignor } from '../assignors/assignor.js';
import type { TopicPartition } from '../types.js';
import { GroupCoordinator, type RebalanceReport } from './coordinator.js';

/** What the group needs from a member living in this process (a Consumer). */
export interface GroupMemberHandle {
  readonly topics: readonly string[];
  readonly groupInstanceId: string | null;
  /** Eager protocol: give up every partition before rejoining (committing first, if auto-commit is on). */
  revokeAll(): void;
  /** The assignment of a new generation; partitions absent from it are revoked. */
  assigned(memberId: string, generation: number, partitions: TopicPartition[]): void;
  /** The coordinator removed this member (its session expired): it must rejoin. */
  evicted(): void;
}

/** Settings of a local group (see GroupCoordinator). */
export interface LocalGroupOptions {
  groupId: string;
  assignor: Assignor;
  clock: Clock;
  partitionsOf: (topic: string) => number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

const HANDLE_ALLOWED = 'a group member handle { topics, groupInstanceId, revokeAll(), assigned(), evicted() }';

/** A member id from outside: a string; InvalidArgumentError otherwise. O(1). */
function checkMemberId(v: unknown): string {
  if (typeof v !== 'string') throw new InvalidArgumentError('memberId', v, 'a member id (a string)');
  return v;
}

/** Rounds one `drive()` may run before leaving the rest to later heartbeats (a retry budget). */
const DRIVE_ROUNDS_MAX = 16;

/** A consumer group served in this process. */
export class LocalGroup {
  readonly coordinator: GroupCoordinator;
  private readonly handles = new Map<string, GroupMemberHandle>();
  private readonly delivered = new Map<string, number>();

  /** `options` as for GroupCoordinator (checked there: InvalidArgumentError naming the field). */
  constructor(options: LocalGroupOptions) {
    this.coordinator = new GroupCoordinator(options);
  }

  /** Completed rebalances, oldest first (bounded). */
  get history(): readonly RebalanceReport[] {
    return this.coordinator.history;
  }

  /**
   * Join `handle` as a new member (or a returning static member); runs the
   * rebalance. Returns its member id. The handle is checked before anything
   * changes (its fields read once): `topics` a non-empty array of topic names
   * (StateError when empty), `groupInstanceId` null or a non-empty string,
   * `revokeAll`, `assigned` and `evicted` functions; InvalidArgumentError
   * otherwise. A join the coordinator refuses changes nothing, and no member
   * is asked to revoke.
   */
  join(handle: GroupMemberHandle): string {
    if (handle === null || typeof handle !== 'object') throw new InvalidArgumentError('handle', handle, HANDLE_ALLOWED);
    const f = readOptions('handle', handle, ['topics', 'groupInstanceId', 'revokeAll', 'assigned', 'evicted'], HANDLE_ALLOWED);
    const topics = readArray('handle.topics', f.topics, 'a non-empty array of topic names') as string[];
    if (topics.length === 0) throw new StateError('a group member must subscribe to at least one topic');
    const instanceId: unknown = f.groupInstanceId;
    if (instanceId !== null && (typeof instanceId !== 'string' || instanceId === '')) throw new InvalidArgumentError('handle.groupInstanceId', instanceId, 'a non-empty string, or null for a dynamic member');
    for (const m of ['revokeAll', 'assigned', 'evicted'] as const) if (typeof f[m] !== 'function') throw new InvalidArgumentError(`handle.${m}`, f[m], 'a function');
    const revokeFirst = this.coordinator.protocol === 'eager' && this.coordinator.memberIds().length > 0;
    // Topics and instance id checked by the coordinator (with the topics' partition counts) before it changes anything.
    const r = this.coordinator.join({ memberId: null, groupInstanceId: instanceId, topics });
    if (!r.ok) throw new StateError(`join to group ${JSON.stringify(this.coordinator.groupId)} rejected: ${r.error}`, { code: r.error });
    // Eager: everyone gives up everything before the new round (which the others' rejoins in drive() complete).
    if (revokeFirst) for (const h of this.handles.values()) h.revokeAll();
    this.handles.set(r.memberId, handle);
    this.drive();
    return r.memberId;
  }

  /** A member (a member id: a string, InvalidArgumentError otherwise) leaves for good: the others rebalance. */
  leave(memberId: string): void {
    checkMemberId(memberId);
    this.handles.delete(memberId);
    this.delivered.delete(memberId);
    if (this.coordinator.memberIds().includes(memberId)) {
      if (this.coordinator.protocol === 'eager') for (const h of this.handles.values()) h.revokeAll();
      this.coordinator.leave(memberId);
    }
    this.drive();
  }

  /** A static member's process goes away without leaving: it keeps its place until its session expires. `memberId` a string. */
  detach(memberId: string): void {
    checkMemberId(memberId);
    this.handles.delete(memberId);
    this.delivered.delete(memberId);
  }

  /**
   * A member's liveness signal (each poll): advances the coordinator's clock
   * and completes pending rounds. `memberId` a string and `generation` an
   * integer ≥ −1, else InvalidArgumentError before anything changes.
   */
  heartbeat(memberId: string, generation: number): void {
    checkMemberId(memberId);
    requireInt('generation', generation, -1);
    this.coordinator.tick();
    const r = this.coordinator.heartbeat(memberId, generation);
    if (!r.ok && r.error === 'UNKNOWN_MEMBER_ID') {
      const h = this.handles.get(memberId);
      this.handles.delete(memberId);
      this.delivered.delete(memberId);
      h?.evicted();
    }
    this.drive();
  }

  /**
   * Run rebalance rounds to completion for the members in this process:
   * each rejoins (eager assignors revoke everything first), then each syncs
   * the new generation. Members not in this process hold the round open until
   * they rejoin or the rebalance timeout removes them. At most 16 rounds.
   */
  drive(): void {
    const c = this.coordinator;
    const rebalancing = (): boolean => c.state === 'rebalancing';
    for (let round = 0; round < DRIVE_ROUNDS_MAX; round++) {
      if (rebalancing()) {
        const known = new Set(c.memberIds());
        for (const [id, h] of [...this.handles]) {
          if (!rebalancing()) break;
          if (!known.has(id)) {
            this.handles.delete(id);
            this.delivered.delete(id);
            h.evicted();
            continue;
          }
          if (c.protocol === 'eager') h.revokeAll();
          c.join({ memberId: id, groupInstanceId: h.groupInstanceId, topics: h.topics });
        }
        if (rebalancing()) return;
      }
      for (const [id, h] of this.handles) {
        if (this.delivered.get(id) === c.generation) continue;
        const s = c.sync(id, c.generation);
        if (s.ok) {
          this.delivered.set(id, c.generation);
          h.assigned(id, c.generation, s.assignment);
        }
      }
      if (!rebalancing()) return;
    }
  }
}
