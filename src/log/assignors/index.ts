/**
 * The assignor registry and `assign()`, a pure function the lab and tools use
 * to measure partitions moved per membership change.
 */
import { InvalidArgumentError, NotFoundError, describeThrown, isArraySafe, isInstance, readArray, readOptions, requireInt } from '../../errors.js';
import type { TopicPartition } from '../types.js';
import { readTopicPartitions } from '../message.js';
import type { Assignment, Assignor, MemberSubscription, PartitionMove } from './assignor.js';
import { MAX_ASSIGN_PARTITIONS, diffOf, handoversOf, intersectOf, minimumMovesOf, readCounts, readMembers, readOwnership } from './core.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';
import { cooperativeStickyAssignor, stickyAssignor } from './sticky.js';

export * from './assignor.js';
export { rangeAssignor } from './range.js';
export { roundRobinAssignor } from './round-robin.js';
export { stickyAssignor, cooperativeStickyAssignor, stickyAssign } from './sticky.js';

const registry = new Map<string, Assignor>([rangeAssignor, roundRobinAssignor, stickyAssignor, cooperativeStickyAssignor].map((a) => [a.name, a]));

/**
 * Most partitions of one topic `assign()` takes: ten times a topic's limit
 * (MAX_PARTITIONS), for studies of how assignors scale (`shardkit log assign`
 * goes this far); an unbounded count such as 2^31 would build that many
 * partitions and run out of memory.
 */
export { MAX_ASSIGN_PARTITIONS };

/** Names of the built-in assignors. */
export const assignorNames: readonly string[] = [...registry.keys()];

/** The assignor called `name`; NotFoundError (listing the known ones) otherwise. O(1). */
export function assignorByName(name: string): Assignor {
  if (typeof name !== 'string') throw new InvalidArgumentError('assignor', name, `an assignor name: ${assignorNames.join(', ')}`);
  const a = registry.get(name);
  if (a === undefined) throw new NotFoundError('assignor', name, assignorNames);
  return a;
}

/** What `assign()` returns. */
export interface AssignResult {
  /** The new assignment (for cooperative-sticky: the target after both rounds). */
  assignment: Assignment;
  /** For cooperative assignors, the intermediate generation: previous ∩ target (moved partitions revoked, not yet assigned). */
  revokeRound: Assignment | null;
  /** Partitions whose owner changed, including ones whose previous owner left. */
  moved: PartitionMove[];
  /** The fewest partitions any balanced assignment must move, when all members subscribe to the same topics; else `null`. */
  minimumMoves: number | null;
}

/**
 * Run assignor `assignorName` over `members` (ids subscribing to every topic,
 * or explicit subscriptions) and `partitions` (a count for one topic named
 * "topic", or topic → count), given `previous` ownership. Pure. O(assignor).
 * Throws NotFoundError for an unknown assignor, InvalidArgumentError for bad
 * counts.
 */
export function assign(
  assignorName: string,
  members: readonly (string | MemberSubscription)[],
  partitions: number | Readonly<Record<string, number>>,
  previous: ReadonlyMap<string, readonly TopicPartition[]> = new Map(),
): AssignResult {
  const assignor = assignorByName(assignorName);
  const perTopic = new Map<string, number>();
  const countsAllowed = 'a partition count or an object of topic → count';
  if (typeof partitions === 'number') perTopic.set('topic', requireInt('partitions', partitions, 0, MAX_ASSIGN_PARTITIONS));
  else if (partitions !== null && typeof partitions === 'object' && !isArraySafe(partitions)) {
    let entries: [string, unknown][];
    try {
      entries = Object.entries(partitions);
    } catch (e) {
      throw new InvalidArgumentError('partitions', partitions, `${countsAllowed} whose entries can be read (reading them threw: ${describeThrown(e)})`);
    }
    for (const [t, n] of entries) perTopic.set(t, requireInt(`partitions of ${JSON.stringify(t)}`, n, 0, MAX_ASSIGN_PARTITIONS));
  } else throw new InvalidArgumentError('partitions', partitions, countsAllowed);
  const allTopics = [...perTopic.keys()];
  const memberAllowed = 'a member id (a non-empty string) or { memberId, topics }';
  const subs: MemberSubscription[] = readArray('members', members, 'an array of member ids or { memberId, topics }').map((m, i) => {
    if (typeof m === 'string') {
      if (m.length === 0) throw new InvalidArgumentError(`members[${i}]`, m, memberAllowed);
      return { memberId: m, topics: allTopics };
    }
    if (m === null || typeof m !== 'object') throw new InvalidArgumentError(`members[${i}]`, m, memberAllowed);
    const o = readOptions(`members[${i}]`, m as MemberSubscription, ['memberId', 'topics'], memberAllowed);
    if (typeof o.memberId !== 'string' || o.memberId.length === 0) throw new InvalidArgumentError(`members[${i}].memberId`, o.memberId, 'a non-empty string');
    const topics = readArray(`members[${i}].topics`, o.topics, 'an array of topic names');
    if (topics.some((t) => typeof t !== 'string')) throw new InvalidArgumentError(`members[${i}].topics`, o.topics, 'an array of topic names');
    return { memberId: o.memberId, topics: topics as string[] };
  });
  const previousAllowed = 'a Map of member id → owned topic-partitions';
  if (!isInstance(previous, Map)) throw new InvalidArgumentError('previous', previous, previousAllowed);
  const owned = new Map<string, TopicPartition[]>();
  let entries: [unknown, unknown][];
  try {
    entries = [...(previous as ReadonlyMap<unknown, unknown>)];
  } catch (e) {
    throw new InvalidArgumentError('previous', previous, `${previousAllowed} whose entries can be read (reading them threw: ${describeThrown(e)})`);
  }
  for (const [member, list] of entries) {
    if (typeof member !== 'string') throw new InvalidArgumentError('previous member id', member, 'a string');
    const tps = readTopicPartitions(list);
    for (const tp of tps) if (typeof tp.topic !== 'string' || !Number.isSafeInteger(tp.partition) || tp.partition < 0) throw new InvalidArgumentError(`previous partitions of ${JSON.stringify(member)}`, list, 'an array of { topic: string, partition: integer ≥ 0 }');
    owned.set(member, tps);
  }
  previous = owned;
  if (new Set(subs.map((s) => s.memberId)).size !== subs.length) throw new InvalidArgumentError('members', members, 'distinct member ids');
  const assignment = assignor.assign({ members: subs, partitionsPerTopic: perTopic, previous });
  let revokeRound: Assignment | null = null;
  if (assignor.protocol === 'cooperative') revokeRound = intersectOf(previous, assignment);
  return { assignment, revokeRound, moved: handoversOf(diffOf(previous, assignment)), minimumMoves: minimumMovesOf(subs, perTopic, previous) };
}

/**
 * For each member of `target`, what it owned in `previous` and keeps (both
 * Maps of member id → topic-partitions; InvalidArgumentError otherwise).
 * O(partitions).
 */
export function intersect(previous: ReadonlyMap<string, readonly TopicPartition[]>, target: Assignment): Assignment {
  return intersectOf(readOwnership('previous', previous), readOwnership('target', target));
}

/**
 * The fewest previously owned partitions that must change owner for an
 * assignment balanced within one, when every member subscribes to the same
 * topics (else `null`): the previously owned count minus the most that can
 * stay, where each surviving member keeps at most its quota and the larger
 * quotas go to the members that owned the most. `members` an array of
 * { memberId, topics }, `partitionsPerTopic` a Map of topic → count,
 * `previous` a Map of member id → topic-partitions; InvalidArgumentError
 * otherwise. O(M log M + P).
 */
export function minimumMoves(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>, previous: ReadonlyMap<string, readonly TopicPartition[]>): number | null {
  return minimumMovesOf(readMembers('members', members), readCounts('partitionsPerTopic', partitionsPerTopic), readOwnership('previous', previous));
}
