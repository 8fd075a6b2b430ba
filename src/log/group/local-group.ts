/**
 * The in-process adapter around a `GroupCoordinator`: it holds the consumers
 * of one group that live in this process and feeds their joins, syncs,
 * heartbeats and leaves into the coordinator, delivering each new
 * generation's assignment back to them. A network server would do the same
 * with messages; the coordinator does not know the difference.
 */
import { StateError } from '../../errors.js';
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

/** Rounds one `drive()` may run before leaving the rest to later heartbeats (a retry budget). */
const DRIVE_ROUNDS_MAX = 16;

/** A consumer group served in this process. */
export class LocalGroup {
  readonly coordinator: GroupCoordinator;
  private readonly handles = new Map<string, GroupMemberHandle>();
  private readonly delivered = new Map<string, number>();

  constructor(options: LocalGroupOptions) {
    this.coordinator = new GroupCoordinator(options);
  }

  /** Completed rebalances, oldest first (bounded). */
  get history(): readonly RebalanceReport[] {
    return this.coordinator.history;
  }

  /** Join `handle` as a new member (or a returning static member); runs the rebalance. Returns its member id. */
  join(handle: GroupMemberHandle): string {
    if (handle.topics.length === 0) throw new StateError('a group member must subscribe to at least one topic');
    if (this.coordinator.assignor.protocol === 'eager' && this.coordinator.memberIds().length > 0) {
      // Eager: everyone gives up everything before the new round.
      for (const h of this.handles.values()) h.revokeAll();
    }
    const r = this.coordinator.join({ memberId: null, groupInstanceId: handle.groupInstanceId, topics: handle.topics });
    if (!r.ok) throw new StateError(`join to group ${JSON.stringify(this.coordinator.groupId)} rejected: ${r.error}`, { code: r.error });
    this.handles.set(r.memberId, handle);
    this.drive();
    return r.memberId;
  }

  /** A member leaves for good: the others rebalance. */
  leave(memberId: string): void {
    this.handles.delete(memberId);
    this.delivered.delete(memberId);
    if (this.coordinator.memberIds().includes(memberId)) {
      if (this.coordinator.assignor.protocol === 'eager') for (const h of this.handles.values()) h.revokeAll();
      this.coordinator.leave(memberId);
    }
    this.drive();
  }

  /** A static member's process goes away without leaving: it keeps its place until its session expires. */
  detach(memberId: string): void {
    this.handles.delete(memberId);
    this.delivered.delete(memberId);
  }

  /** A member's liveness signal (each poll): advances the coordinator's clock and completes pending rounds. */
  heartbeat(memberId: string, generation: number): void {
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
          if (c.assignor.protocol === 'eager') h.revokeAll();
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
