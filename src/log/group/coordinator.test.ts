import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { assignorByName, diffAssignments, handovers, minimumMoves, type Assignment } from '../assignors/index.js';
import { GroupCoordinator, type RebalanceReport } from './coordinator.js';

function make(assignor = 'cooperative-sticky', partitions = 6, clock = new ManualClock(0)) {
  const c = new GroupCoordinator({ groupId: 'g', assignor: assignorByName(assignor), clock, partitionsOf: () => partitions, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 5_000 });
  return { c, clock };
}

/** Drive every member through rejoin/sync rounds until the group is stable and synced; returns the reports. */
function settle(c: GroupCoordinator, members: string[], topics = ['t']): RebalanceReport[] {
  const reports: RebalanceReport[] = [];
  for (let round = 0; round < 10; round++) {
    if (c.state === 'rebalancing') {
      for (const m of members) {
        if (c.state !== 'rebalancing') break;
        const r = c.join({ memberId: m, topics });
        expect(r.ok).toBe(true);
        c.checkInvariants();
        if (r.ok && r.rebalance) reports.push(r.rebalance);
      }
    }
    for (const m of members) {
      expect(c.sync(m, c.generation).ok).toBe(true);
      c.checkInvariants();
    }
    if (c.state !== 'rebalancing') return reports;
  }
  throw new Error('did not settle in 10 rounds');
}

function joinNew(c: GroupCoordinator, members: string[], topics = ['t'], groupInstanceId?: string): string {
  const r = c.join({ memberId: null, topics, groupInstanceId: groupInstanceId ?? null });
  if (!r.ok) throw new Error(r.error);
  members.push(r.memberId);
  c.checkInvariants();
  return r.memberId;
}

function totalOwned(a: Assignment): number {
  return [...a.values()].reduce((n, l) => n + l.length, 0);
}

describe('group coordinator (Kafka classic protocol, KIP-429, KIP-345)', () => {
  it('the first member gets every partition; a second triggers a rebalance that splits them', () => {
    const { c } = make('range');
    const members: string[] = [];
    joinNew(c, members);
    settle(c, members);
    expect(c.assignmentOf(members[0]!).length).toBe(6);
    joinNew(c, members);
    expect(c.state).toBe('rebalancing');
    const reports = settle(c, members);
    expect(reports.length).toBe(1);
    expect(c.assignmentOf(members[0]!).length).toBe(3);
    expect(c.assignmentOf(members[1]!).length).toBe(3);
    expect(reports[0]!.moved.length).toBe(3);
  });

  it('cooperative-sticky: a join revokes in one generation and assigns in the next; no partition has two owners in any generation', () => {
    const { c } = make('cooperative-sticky', 6);
    const members: string[] = [];
    joinNew(c, members);
    settle(c, members);
    const gen = c.generation;
    joinNew(c, members);
    const reports = settle(c, members);
    expect(reports.map((r) => r.round)).toEqual(['revoke', 'assign']);
    expect(reports[0]!.generation).toBe(gen + 1);
    expect(reports[1]!.generation).toBe(gen + 2);
    expect(totalOwned(reports[0]!.assignment)).toBe(3);
    expect(reports[0]!.assignment.get(members[1]!)).toEqual([]);
    expect(reports[1]!.assignment.get(members[1]!)!.length).toBe(3);
    // The first member kept its other three partitions throughout.
    expect(reports[1]!.assignment.get(members[0]!)).toEqual(reports[0]!.assignment.get(members[0]!));
  });

  it('commits and heartbeats from an older generation are rejected (fencing zombies)', () => {
    const { c } = make('sticky');
    const members: string[] = [];
    const a = joinNew(c, members);
    settle(c, members);
    const oldGen = c.generation;
    expect(c.commit(a, oldGen).ok).toBe(true);
    joinNew(c, members);
    settle(c, members);
    expect(c.commit(a, oldGen)).toEqual({ ok: false, error: 'ILLEGAL_GENERATION' });
    expect(c.heartbeat(a, oldGen)).toEqual({ ok: false, error: 'ILLEGAL_GENERATION' });
    expect(c.commit('nobody', c.generation)).toEqual({ ok: false, error: 'UNKNOWN_MEMBER_ID' });
    expect(c.commit(null, -1)).toEqual({ ok: false, error: 'UNKNOWN_MEMBER_ID' });
    expect(c.commit(a, c.generation).ok).toBe(true);
  });

  it('a member that stops heartbeating is removed after sessionTimeoutMs and its partitions reassigned', () => {
    const { c, clock } = make('sticky');
    const members: string[] = [];
    const a = joinNew(c, members);
    const b = joinNew(c, members);
    settle(c, members);
    clock.advance(6_000);
    expect(c.heartbeat(a, c.generation).ok).toBe(true);
    clock.advance(6_000);
    expect(c.tick().expired).toEqual([b]);
    c.checkInvariants();
    expect(c.heartbeat(b, c.generation)).toEqual({ ok: false, error: 'UNKNOWN_MEMBER_ID' });
    const reports = settle(c, [a]);
    expect(c.assignmentOf(a).length).toBe(6);
    expect(reports[0]!.expired).toEqual([b]);
    expect(handovers(reports[0]!.moved).every((m) => m.from === b && m.to === a)).toBe(true);
  });

  it('a rebalance completes without members that do not rejoin within rebalanceTimeoutMs', () => {
    const { c, clock } = make('range');
    const members: string[] = [];
    const a = joinNew(c, members);
    const b = joinNew(c, members);
    settle(c, members);
    joinNew(c, members);
    const late = members[2]!;
    clock.advance(3_000);
    c.join({ memberId: a, topics: ['t'] });
    c.join({ memberId: late, topics: ['t'] });
    clock.advance(3_000);
    const t = c.tick();
    expect(t.expired).toEqual([b]);
    expect(t.rebalance).not.toBeNull();
    expect(c.memberIds()).toEqual([a, late].sort());
  });

  it('a static member rejoining with its instance id takes over its partitions without a rebalance; the old id is fenced (KIP-345)', () => {
    const { c } = make('sticky');
    const members: string[] = [];
    const a = joinNew(c, members, ['t'], 'host-a');
    joinNew(c, members, ['t'], 'host-b');
    settle(c, members);
    const gen = c.generation;
    const owned = c.assignmentOf(a);
    const r = c.join({ memberId: null, groupInstanceId: 'host-a', topics: ['t'] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rebalance).toBeNull();
    expect(c.state).toBe('stable');
    expect(c.generation).toBe(gen);
    const s = c.sync(r.memberId, gen);
    expect(s.ok && s.assignment).toEqual(owned);
    expect(c.heartbeat(a, gen)).toEqual({ ok: false, error: 'UNKNOWN_MEMBER_ID' });
    expect(c.join({ memberId: a, groupInstanceId: 'host-a', topics: ['t'] })).toEqual({ ok: false, error: 'FENCED_INSTANCE_ID' });
    c.checkInvariants();
  });

  it('over random join/leave/timeout histories, sticky and cooperative-sticky move exactly the minimum and every partition has one owner', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sticky', 'cooperative-sticky'),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.oneof(fc.constant({ op: 'join' as const }), fc.record({ op: fc.constant('leave' as const), i: fc.nat(10) }), fc.record({ op: fc.constant('expire' as const), i: fc.nat(10) })), { minLength: 1, maxLength: 20 }),
        (name, partitions, history) => {
          const clock = new ManualClock(0);
          const { c } = make(name, partitions, clock);
          let members: string[] = [];
          for (const step of history) {
            const before = c.currentAssignment();
            if (step.op === 'join' || members.length === 0) joinNew(c, members);
            else if (step.op === 'leave') {
              const gone = members[step.i % members.length]!;
              expect(c.leave(gone).ok).toBe(true);
              members = members.filter((m) => m !== gone);
            } else {
              const gone = members[step.i % members.length]!;
              clock.advance(6_000);
              for (const m of members) if (m !== gone) c.heartbeat(m, c.generation);
              clock.advance(6_000);
              expect(c.tick().expired).toEqual([gone]);
              members = members.filter((m) => m !== gone);
            }
            c.checkInvariants();
            if (members.length === 0) continue;
            const reports = settle(c, members);
            const after = c.currentAssignment();
            expect(totalOwned(after)).toBe(partitions);
            const moved = handovers(diffAssignments(before, after)).length;
            const min = minimumMoves(members.map((memberId) => ({ memberId, topics: ['t'] })), new Map([['t', partitions]]), before);
            expect(moved).toBe(min);
            if (name === 'cooperative-sticky' && reports.length === 2) expect(reports[0]!.round).toBe('revoke');
          }
        },
      ),
      { seed: 9001, numRuns: 200 },
    );
  });
});
