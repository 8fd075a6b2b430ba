import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PartitionAssigners, AssignerProtocol } from 'kafkajs';
import { NotFoundError, InvalidArgumentError } from '../../errors.js';
import { assign, assignorByName, assignorNames, diffAssignments, handovers, minimumMoves, type Assignment } from './index.js';
import type { TopicPartition } from '../types.js';

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `m${String(i + from).padStart(2, '0')}`);

function owners(a: Assignment): Map<string, string> {
  const m = new Map<string, string>();
  for (const [id, list] of a) for (const tp of list) {
    expect(m.has(`${tp.topic}/${tp.partition}`)).toBe(false);
    m.set(`${tp.topic}/${tp.partition}`, id);
  }
  return m;
}

function checkTotal(a: Assignment, partitions: number): void {
  expect(owners(a).size).toBe(partitions);
}

function counts(a: Assignment): number[] {
  return [...a.values()].map((l) => l.length);
}

async function kafkajsRoundRobin(members: string[], partitions: number): Promise<Assignment> {
  const cluster = { findTopicPartitionMetadata: () => Array.from({ length: partitions }, (_, i) => ({ partitionId: i })) };
  const assigner = PartitionAssigners.roundRobin({ cluster } as never);
  const res = await assigner.assign({ members: members.map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) })), topics: ['topic'] } as never);
  const out: Assignment = new Map(members.map((m) => [m, [] as TopicPartition[]]));
  for (const r of res) {
    const decoded = AssignerProtocol.MemberAssignment.decode(r.memberAssignment);
    out.set(r.memberId, (decoded?.assignment.topic ?? []).map((partition: number) => ({ topic: 'topic', partition })));
  }
  return out;
}

describe('assignors', () => {
  it('the registry knows range, round-robin, sticky and cooperative-sticky; an unknown name is a typed error listing them', () => {
    expect([...assignorNames].sort()).toEqual(['cooperative-sticky', 'range', 'round-robin', 'sticky']);
    expect(() => assignorByName('roundrobin')).toThrow(NotFoundError);
    expect(() => assign('fastest', ['a'], 3)).toThrow(/known: range, round-robin, sticky, cooperative-sticky/);
    expect(() => assign('range', ['a', 'a'], 3)).toThrow(InvalidArgumentError);
    expect(() => assign('range', ['a'], -1)).toThrow(InvalidArgumentError);
  });

  it('range gives contiguous ranges, the first partitions % members one extra (Kafka RangeAssignor)', () => {
    const { assignment } = assign('range', ['a', 'b', 'c'], 7);
    expect([...assignment.entries()].map(([m, l]) => [m, l.map((tp) => tp.partition)])).toEqual([
      ['a', [0, 1, 2]],
      ['b', [3, 4]],
      ['c', [5, 6]],
    ]);
  });

  it('round-robin deals partitions in order to members in id order, matching KafkaJS', async () => {
    const members = ids(4);
    const ours = assign('round-robin', members, 10).assignment;
    expect(ours).toEqual(await kafkajsRoundRobin(members, 10));
  });

  it('a 6th member joining 5 over 60 partitions: round-robin moves 50 (as KafkaJS does), sticky and cooperative-sticky move the minimum 10', async () => {
    const five = ids(5);
    const six = ids(6);
    const kBefore = await kafkajsRoundRobin(five, 60);
    const kAfter = await kafkajsRoundRobin(six, 60);
    expect(handovers(diffAssignments(kBefore, kAfter)).length).toBe(50);
    const rrBefore = assign('round-robin', five, 60).assignment;
    const rr = assign('round-robin', six, 60, rrBefore);
    expect(rr.moved.length).toBe(50);
    expect(rr.minimumMoves).toBe(10);
    for (const name of ['sticky', 'cooperative-sticky']) {
      const r = assign(name, six, 60, rrBefore);
      expect(r.moved.length).toBe(10);
      checkTotal(r.assignment, 60);
      expect(counts(r.assignment)).toEqual([10, 10, 10, 10, 10, 10]);
    }
    const range = assign('range', six, 60, assign('range', five, 60).assignment);
    expect(range.moved.length).toBeGreaterThan(10);
  });

  it('cooperative-sticky reports a revoke round that only removes: every member keeps previous ∩ target (KIP-429)', () => {
    const before = assign('sticky', ids(3), 12).assignment;
    const r = assign('cooperative-sticky', ids(4), 12, before);
    const revoke = r.revokeRound!;
    for (const [m, list] of revoke) {
      const prev = new Set((before.get(m) ?? []).map((tp) => tp.partition));
      for (const tp of list) expect(prev.has(tp.partition)).toBe(true);
    }
    expect(owners(revoke).size).toBe(12 - r.moved.length);
  });

  it('every assignor gives each partition exactly one subscribed owner, over random subscriptions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...assignorNames),
        fc.array(fc.subarray(['a', 'b', 'c'], { minLength: 1 }), { minLength: 1, maxLength: 6 }),
        fc.record({ a: fc.integer({ min: 0, max: 9 }), b: fc.integer({ min: 0, max: 9 }), c: fc.integer({ min: 0, max: 9 }) }),
        (name, subs, parts) => {
          const members = subs.map((topics, i) => ({ memberId: `m${i}`, topics }));
          const first = assign(name, members, parts).assignment;
          const second = assign(name, members.slice(1).concat({ memberId: 'new', topics: ['a', 'b', 'c'] }), parts, first).assignment;
          for (const a of [first, second]) {
            const own = owners(a);
            const subscribed = new Set([...a.keys()].flatMap((id) => (id === 'new' ? ['a', 'b', 'c'] : members.find((m) => m.memberId === id)!.topics)));
            let expected = 0;
            for (const t of subscribed) expected += parts[t as 'a' | 'b' | 'c'];
            expect(own.size).toBe(expected);
          }
        },
      ),
      { seed: 4291, numRuns: 300 },
    );
  });

  it('sticky and cooperative-sticky move exactly the minimum in every join and leave, staying balanced within one (property, equal subscriptions)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sticky', 'cooperative-sticky'),
        fc.integer({ min: 1, max: 48 }),
        fc.array(fc.oneof(fc.constant('join' as const), fc.nat(20)), { minLength: 1, maxLength: 25 }),
        (name, partitions, history) => {
          let members: string[] = [];
          let next = 0;
          let current: Assignment = new Map();
          for (const step of history) {
            if (step === 'join' || members.length === 0) members = [...members, `m${next++}`];
            else members = members.filter((_, i) => i !== step % members.length);
            if (members.length === 0) continue;
            const r = assign(name, members, partitions, current);
            checkTotal(r.assignment, partitions);
            const c = counts(r.assignment);
            expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
            expect(r.moved.length).toBe(r.minimumMoves);
            current = r.assignment;
          }
        },
      ),
      { seed: 1429, numRuns: 400 },
    );
  });

  it('the minimum counts the orphans of a departed member plus the excess others must shed', () => {
    const prev: Assignment = new Map([
      ['a', [0, 1, 2, 3, 4].map((partition) => ({ topic: 'topic', partition }))],
      ['b', [5].map((partition) => ({ topic: 'topic', partition }))],
      ['gone', [6, 7].map((partition) => ({ topic: 'topic', partition }))],
    ]);
    // 8 partitions over a, b: quotas 4 and 4; a sheds 1, the 2 orphans move: 3.
    expect(minimumMoves([{ memberId: 'a', topics: ['topic'] }, { memberId: 'b', topics: ['topic'] }], new Map([['topic', 8]]), prev)).toBe(3);
    expect(assign('sticky', ['a', 'b'], 8, prev).moved.length).toBe(3);
  });
});
