/**
 * Kafka's RangeAssignor: per topic, the subscribed members in id order each
 * take a contiguous range of partitions, the first `partitions % members`
 * one more. O(partitions + members log members). Eager. It ignores who owned
 * what, so membership changes move many partitions.
 */
import type { Assignment, Assignor, AssignorInput } from './assignor.js';
import { emptyAssignmentOf, readAssignorInput } from './core.js';

/** Kafka's RangeAssignor (eager): contiguous ranges per topic. */
export const rangeAssignor: Assignor = {
  name: 'range',
  protocol: 'eager',
  /** `input` checked and copied first (InvalidArgumentError naming the field). */
  assign(given: AssignorInput): Assignment {
    const input = readAssignorInput(given);
    const out = emptyAssignmentOf(input.members);
    const topics = [...new Set(input.members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subs = input.members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
      const n = input.partitionsPerTopic.get(topic) ?? 0;
      const per = Math.floor(n / subs.length);
      const extra = n % subs.length;
      let p = 0;
      subs.forEach((member, i) => {
        const take = per + (i < extra ? 1 : 0);
        const list = out.get(member)!;
        for (let k = 0; k < take; k++) list.push({ topic, partition: p++ });
      });
    }
    return out;
  },
};
