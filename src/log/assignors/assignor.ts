/**
 * Partition assignors for consumer groups: given the members, what they
 * subscribe to and who owned what before, decide who owns each partition now
 * (Kafka's `ConsumerPartitionAssignor`). Assignors are pure functions of their
 * input; callers never switch on an assignor's name (ARCHITECTURE.md,
 * principle 2) — they look one up with `assignorByName`.
 */
import { InvalidArgumentError, describeThrown } from '../../errors.js';
import type { TopicPartition } from '../types.js';
import { allPartitionsOf, byTopicPartition, diffOf, emptyAssignmentOf, handoversOf, readCounts, readMembers, readMoves, readOwnership, readTopicList } from './core.js';

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

/**
 * Every topic-partition of `topics` (an array or Set of topic names), sorted,
 * with the counts of `partitionsPerTopic` (a Map of topic → count; a topic
 * it lacks has none). InvalidArgumentError on anything else. O(partitions).
 */
export function allPartitions(topics: Iterable<string>, partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  return allPartitionsOf(readTopicList('topics', topics), readCounts('partitionsPerTopic', partitionsPerTopic));
}

/** An assignment with an empty list for each of `members` (an array of { memberId, topics }). InvalidArgumentError otherwise. */
export function emptyAssignment(members: readonly MemberSubscription[]): Assignment {
  return emptyAssignmentOf(readMembers('members', members));
}

/**
 * Sort each member's list of `a` (a Map of member id → topic-partitions):
 * each is replaced in `a` by a sorted copy; returns `a`. InvalidArgumentError,
 * and `a` unchanged, unless every entry is well-formed. O(P log P).
 */
export function normalise(a: Assignment): Assignment {
  const checked = readOwnership('assignment', a);
  try {
    for (const [member, list] of checked) a.set(member, list.sort(byTopicPartition));
  } catch (e) {
    throw new InvalidArgumentError('assignment', a, `a Map that can be written (setting an entry threw: ${describeThrown(e)})`);
  }
  return a;
}

/**
 * The partitions whose owner differs between `before` and `after` (Maps of
 * member id → topic-partitions), sorted. A partition owned before and after by
 * different members, or owned only on one side, is listed.
 * InvalidArgumentError on anything else. O(partitions).
 */
export function diffAssignments(before: ReadonlyMap<string, readonly TopicPartition[]>, after: ReadonlyMap<string, readonly TopicPartition[]>): PartitionMove[] {
  return diffOf(readOwnership('before', before), readOwnership('after', after));
}

/** Moves (an array of { topic, partition, from, to }) that take a partition away from an owner it had (the ones that cost a handover). */
export function handovers(moves: readonly PartitionMove[]): PartitionMove[] {
  return handoversOf(readMoves('moves', moves));
}
