/**
 * Sticky assignment (Kafka's StickyAssignor, KIP-54): first balance — every
 * member's count within one of every other's where subscriptions allow — then
 * keep as many partitions with their previous owners as possible.
 *
 * When all members subscribe to the same topics the assignment is computed
 * from quotas, which is provably minimal: with P partitions and M members,
 * the `P % M` members that owned the most get ⌈P/M⌉, the rest ⌊P/M⌋; each
 * keeps up to its quota of what it owned; only the excess and the orphans of
 * departed members move. Otherwise a greedy pass keeps previous owners,
 * gives each orphan to the least-loaded eligible member, then moves single
 * partitions from the most- to the least-loaded eligible member until no such
 * move narrows the gap. O(P log P + P × M) for the greedy pass.
 */
import type { TopicPartition } from '../types.js';
import type { Assignment, Assignor, AssignorInput } from './assignor.js';
import { allPartitionsOf, byTopicPartition, emptyAssignmentOf, normaliseInPlace, readAssignorInput } from './core.js';

const tpId = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

/** Previous ownership that is still valid: the partition exists, the owner is present and subscribed, first claim wins. */
function validPrevious(input: AssignorInput): Map<string, TopicPartition[]> {
  const subs = new Map(input.members.map((m) => [m.memberId, new Set(m.topics)]));
  const claimed = new Set<string>();
  const out = new Map<string, TopicPartition[]>();
  for (const memberId of [...input.previous.keys()].sort()) {
    const topics = subs.get(memberId);
    if (topics === undefined) continue;
    const kept: TopicPartition[] = [];
    for (const tp of [...(input.previous.get(memberId) ?? [])].sort(byTopicPartition)) {
      const n = input.partitionsPerTopic.get(tp.topic) ?? 0;
      if (!topics.has(tp.topic) || tp.partition >= n || claimed.has(tpId(tp))) continue;
      claimed.add(tpId(tp));
      kept.push({ topic: tp.topic, partition: tp.partition });
    }
    out.set(memberId, kept);
  }
  return out;
}

function sameSubscriptions(input: AssignorInput): boolean {
  const first = input.members[0];
  if (first === undefined) return true;
  const key = [...new Set(first.topics)].sort().join('\0');
  return input.members.every((m) => [...new Set(m.topics)].sort().join('\0') === key);
}

/** Equal subscriptions: quota-based, minimal movement. */
function assignByQuota(input: AssignorInput, prev: Map<string, TopicPartition[]>): Assignment {
  const out = emptyAssignmentOf(input.members);
  const partitions = allPartitionsOf(input.members[0]?.topics ?? [], input.partitionsPerTopic);
  const m = out.size;
  if (m === 0) return out;
  const q = Math.floor(partitions.length / m);
  let bigQuotas = partitions.length % m;
  // The members that owned the most get the larger quotas (ties: by id).
  const order = [...out.keys()].sort((a, b) => (prev.get(b)?.length ?? 0) - (prev.get(a)?.length ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const quota = new Map<string, number>();
  for (const id of order) {
    quota.set(id, q + (bigQuotas > 0 ? 1 : 0));
    if (bigQuotas > 0) bigQuotas--;
  }
  const taken = new Set<string>();
  for (const id of order) {
    const list = out.get(id)!;
    for (const tp of prev.get(id) ?? []) {
      if (list.length >= quota.get(id)!) break;
      list.push(tp);
      taken.add(tpId(tp));
    }
  }
  let i = 0;
  for (const tp of partitions) {
    if (taken.has(tpId(tp))) continue;
    while ((out.get(order[i % m]!)!.length >= quota.get(order[i % m]!)!)) i++;
    out.get(order[i % m]!)!.push(tp);
  }
  return normaliseInPlace(out);
}

/** Unequal subscriptions: keep, place orphans on the least loaded, then narrow gaps one partition at a time. */
function assignGreedy(input: AssignorInput, prev: Map<string, TopicPartition[]>): Assignment {
  const out = emptyAssignmentOf(input.members);
  const subs = new Map(input.members.map((m) => [m.memberId, new Set(m.topics)]));
  const taken = new Set<string>();
  for (const [id, list] of prev) {
    out.get(id)!.push(...list);
    for (const tp of list) taken.add(tpId(tp));
  }
  const ids = [...out.keys()];
  const leastLoaded = (topic: string, except?: string): string | undefined => {
    let best: string | undefined;
    for (const id of ids) {
      if (id === except || !subs.get(id)!.has(topic)) continue;
      if (best === undefined || out.get(id)!.length < out.get(best)!.length) best = id;
    }
    return best;
  };
  for (const tp of allPartitionsOf(input.members.flatMap((m) => m.topics), input.partitionsPerTopic)) {
    if (taken.has(tpId(tp))) continue;
    const to = leastLoaded(tp.topic);
    if (to !== undefined) out.get(to)!.push(tp);
  }
  // Narrow gaps: move one partition from a member to an eligible member holding ≥ 2 fewer.
  const budget = (taken.size + 1) * (ids.length + 1);
  for (let step = 0; step < budget; step++) {
    let moved = false;
    const byLoad = [...ids].sort((a, b) => out.get(b)!.length - out.get(a)!.length || (a < b ? -1 : 1));
    for (const from of byLoad) {
      const list = out.get(from)!;
      for (let k = list.length - 1; k >= 0 && !moved; k--) {
        const tp = list[k]!;
        const to = leastLoaded(tp.topic, from);
        if (to !== undefined && out.get(to)!.length + 2 <= list.length) {
          list.splice(k, 1);
          out.get(to)!.push(tp);
          moved = true;
        }
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return normaliseInPlace(out);
}

/** The sticky target assignment (shared by `sticky` and `cooperative-sticky`). `input` checked and copied first (InvalidArgumentError naming the field). */
export function stickyAssign(given: AssignorInput): Assignment {
  const input = readAssignorInput(given);
  const prev = validPrevious(input);
  return sameSubscriptions(input) ? assignByQuota(input, prev) : assignGreedy(input, prev);
}

/** Kafka's StickyAssignor (eager): balanced within one, then as few moves as possible. */
export const stickyAssignor: Assignor = { name: 'sticky', protocol: 'eager', assign: stickyAssign };

/**
 * KIP-429's CooperativeStickyAssignor: the same target as `sticky`, run with
 * the cooperative protocol — the coordinator first revokes only the partitions
 * that change owner, then assigns them in a follow-up round, so no partition
 * has two owners in one generation and the rest keep being consumed.
 */
export const cooperativeStickyAssignor: Assignor = { name: 'cooperative-sticky', protocol: 'cooperative', assign: stickyAssign };
