/**
 * Kafka's RoundRobinAssignor (and KafkaJS's default): all partitions in
 * (topic, partition) order dealt to the members in id order, skipping members
 * not subscribed to a partition's topic. O(partitions × members) worst case.
 * Eager, and blind to previous owners: a 6th member joining 5 over 60
 * partitions moves 50 of them where 10 would do.
 */
import type { Assignment, Assignor, AssignorInput } from './assignor.js';
import { allPartitionsOf, emptyAssignmentOf, readAssignorInput } from './core.js';

/** Kafka's RoundRobinAssignor (eager): partitions dealt in order to members in id order. */
export const roundRobinAssignor: Assignor = {
  name: 'round-robin',
  protocol: 'eager',
  /** `input` checked and copied first (InvalidArgumentError naming the field). */
  assign(given: AssignorInput): Assignment {
    const input = readAssignorInput(given);
    const out = emptyAssignmentOf(input.members);
    const members = [...input.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    if (members.length === 0) return out;
    const subs = members.map((m) => new Set(m.topics));
    let i = 0;
    for (const tp of allPartitionsOf(members.flatMap((m) => m.topics), input.partitionsPerTopic)) {
      for (let tries = 0; tries < members.length; tries++) {
        const k = (i + tries) % members.length;
        if (subs[k]!.has(tp.topic)) {
          out.get(members[k]!.memberId)!.push(tp);
          i = k + 1;
          break;
        }
      }
    }
    return out;
  },
};
