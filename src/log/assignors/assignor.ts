/**
 * Partition assignors for consumer groups: given the members, what they
 * subscribe to and who owned what before, decide who owns each partition now
 * (Kafka's `ConsumerPartitionAssignor`). Assignors are pure functions of their
 * input; callers never switch on an assignor's name (ARCHITECTURE.md,
 * principle 2) — they look one up with `assignorByName`.
 */
import { compareTopicPartitions, type TopicPartition } from '../types.js';

/** A member and the topics it subscribes to. */
export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/** Member id → the partitions it owns, sorted by (topic, partition). */
export type Assignment = Map<string, TopicPartition[]>;

/** What an assignor decides from. */
export interface AssignorInput {
  members: readonly MemberSubscription[];
  /** Topic → partition count, for every subscribed topic. */
  partitionsPerTopic: ReadonlyMap<string, number>;
  /** Who owned what in the previous generation (members no longer present are ignored). */
  previous: ReadonlyMap<string, readonly TopicPartition[]>;
}

/**
 * An assignment strategy. `eager` assignors are run with every member giving
 * up everything first (Kafka's classic protocol); `cooperative` ones with
 * members keeping what they own, moved partitions revoked in one round and
 * assigned in the next (KIP-429).
 */
export interface Assignor {
  readonly name: string;
  readonly protocol: 'eager' | 'cooperative';
  /** A total assignment: every partition of every subscribed topic to exactly one subscribed member. */
  assign(input: AssignorInput): Assignment;
}

/** One partition that changed owner between two assignments. */
export interface PartitionMove {
  topic: string;
  partition: number;
  /** Previous owner, `null` if it had none. */
  from: string | null;
  /** New owner, `null` if it has none now. */
  to: string | null;
}

/** Every topic-partition of `topics`, sorted. O(partitions). */
export function allPartitions(topics: Iterable<string>, partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const topic of [...new Set(topics)].sort()) {
    const n = partitionsPerTopic.get(topic) ?? 0;
    for (let p = 0; p < n; p++) out.push({ topic, partition: p });
  }
  return out;
}

/** An assignment with an empty list for each member. */
export function emptyAssignment(members: readonly MemberSubscription[]): Assignment {
  const a: Assignment = new Map();
  for (const m of [...members].sort((x, y) => (x.memberId < y.memberId ? -1 : x.memberId > y.memberId ? 1 : 0))) a.set(m.memberId, []);
  return a;
}

/** Sort each member's list in place; returns `a`. */
export function normalise(a: Assignment): Assignment {
  for (const list of a.values()) list.sort(compareTopicPartitions);
  return a;
}

function ownerMap(a: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [member, list] of a) for (const tp of list) m.set(`${tp.topic}/${tp.partition}`, member);
  return m;
}

/**
 * The partitions whose owner differs between `before` and `after`, sorted.
 * A partition owned before and after by different members, or owned only on
 * one side, is listed. O(partitions).
 */
export function diffAssignments(before: ReadonlyMap<string, readonly TopicPartition[]>, after: ReadonlyMap<string, readonly TopicPartition[]>): PartitionMove[] {
  const b = ownerMap(before);
  const a = ownerMap(after);
  const keys = new Set([...b.keys(), ...a.keys()]);
  const out: PartitionMove[] = [];
  for (const k of keys) {
    const from = b.get(k) ?? null;
    const to = a.get(k) ?? null;
    if (from !== to) {
      const i = k.lastIndexOf('/');
      out.push({ topic: k.slice(0, i), partition: Number(k.slice(i + 1)), from, to });
    }
  }
  return out.sort(compareTopicPartitions);
}

/** Moves that take a partition away from an owner it had (the ones that cost a handover). */
export function handovers(moves: readonly PartitionMove[]): PartitionMove[] {
  return moves.filter((m) => m.from !== null);
}
