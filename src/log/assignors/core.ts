/**
 * The assignors' internals, not exported from shardkit/log: the unchecked
 * implementations the assignors and the group coordinator run on input they
 * have already checked (or built themselves), and the readers that check
 * input from outside. Every exported function of the assignor family reads
 * its input with these readers once — each field and element read once,
 * anything malformed an InvalidArgumentError naming it, never a TypeError or
 * a proxy's own error — and then runs the unchecked version on the copy.
 */
import { InvalidArgumentError, describeThrown, isArraySafe, isInstance, readArray, readOptions, requireInt } from '../../errors.js';
import type { TopicPartition } from '../types.js';
import type { Assignment, AssignorInput, MemberSubscription, PartitionMove } from './assignor.js';

/**
 * Largest partition count `assign()` and the coordinator accept per topic
 * (MAX_PARTITIONS), for studies of how assignors scale (`shardkit log assign`
 * ... --partitions).
 */
export const MAX_ASSIGN_PARTITIONS = 100_000;

// ---- Unchecked implementations (input already checked) ----

/** Order by topic name, then partition number (unchecked: for sorts of checked topic-partitions). */
export function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

const byMemberId = (x: MemberSubscription, y: MemberSubscription): number => (x.memberId < y.memberId ? -1 : x.memberId > y.memberId ? 1 : 0);

/** Every topic-partition of `topics`, sorted. O(partitions). */
export function allPartitionsOf(topics: Iterable<string>, partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const topic of [...new Set(topics)].sort()) {
    const n = partitionsPerTopic.get(topic) ?? 0;
    for (let p = 0; p < n; p++) out.push({ topic, partition: p });
  }
  return out;
}

/** An assignment with an empty list for each member, in member id order. */
export function emptyAssignmentOf(members: readonly MemberSubscription[]): Assignment {
  const a: Assignment = new Map();
  for (const m of [...members].sort(byMemberId)) a.set(m.memberId, []);
  return a;
}

/** Sort each member's list in place; returns `a`. */
export function normaliseInPlace(a: Assignment): Assignment {
  for (const list of a.values()) list.sort(byTopicPartition);
  return a;
}

function ownerMap(a: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [member, list] of a) for (const tp of list) m.set(`${tp.topic}/${tp.partition}`, member);
  return m;
}

/** The partitions whose owner differs between `before` and `after`, sorted. O(partitions). */
export function diffOf(before: ReadonlyMap<string, readonly TopicPartition[]>, after: ReadonlyMap<string, readonly TopicPartition[]>): PartitionMove[] {
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
  return out.sort(byTopicPartition);
}

/** Moves that take a partition away from an owner it had. */
export function handoversOf(moves: readonly PartitionMove[]): PartitionMove[] {
  return moves.filter((m) => m.from !== null);
}

/** For each member of `target`, what it owned before and keeps. */
export function intersectOf(previous: ReadonlyMap<string, readonly TopicPartition[]>, target: Assignment): Assignment {
  const out: Assignment = new Map();
  for (const [member, list] of target) {
    const before = new Set((previous.get(member) ?? []).map((tp) => `${tp.topic}/${tp.partition}`));
    out.set(member, list.filter((tp) => before.has(`${tp.topic}/${tp.partition}`)).sort(byTopicPartition));
  }
  return out;
}

/** See `minimumMoves` (assignors/index.ts). O(M log M + P). */
export function minimumMovesOf(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>, previous: ReadonlyMap<string, readonly TopicPartition[]>): number | null {
  const key = (m: MemberSubscription) => [...new Set(m.topics)].sort().join('\0');
  if (members.length === 0) return null;
  if (!members.every((m) => key(m) === key(members[0]!))) return null;
  const topics = new Set(members[0]!.topics);
  const exists = (tp: TopicPartition) => topics.has(tp.topic) && tp.partition < (partitionsPerTopic.get(tp.topic) ?? 0);
  let total = 0;
  for (const t of topics) total += partitionsPerTopic.get(t) ?? 0;
  const present = new Set(members.map((m) => m.memberId));
  let owned = 0;
  const counts: number[] = [];
  for (const [member, list] of previous) {
    const c = list.filter(exists).length;
    owned += c;
    if (present.has(member)) counts.push(c);
  }
  counts.sort((a, b) => b - a);
  const q = Math.floor(total / members.length);
  const big = total % members.length;
  let kept = 0;
  counts.forEach((c, i) => (kept += Math.min(c, q + (i < big ? 1 : 0))));
  return owned - kept;
}

// ---- Readers of input from outside ----

const TP_ALLOWED = 'a topic-partition { topic: a string, partition: an integer ≥ 0 }';

/** A topic-partition from outside, each field read once. O(1). */
export function readTp(parameter: string, v: unknown): TopicPartition {
  if (v === null || typeof v !== 'object' || isArraySafe(v)) throw new InvalidArgumentError(parameter, v, TP_ALLOWED);
  const o = readOptions(parameter, v as TopicPartition, ['topic', 'partition'], TP_ALLOWED);
  if (typeof o.topic !== 'string') throw new InvalidArgumentError(`${parameter}.topic`, o.topic, 'a topic name (a string)');
  return { topic: o.topic, partition: requireInt(`${parameter}.partition`, o.partition, 0) };
}

/** An array of topic-partitions from outside, copied. O(length). */
export function readTps(parameter: string, v: unknown): TopicPartition[] {
  return readArray(parameter, v, `an array of ${TP_ALLOWED}`).map((tp, i) => readTp(`${parameter}[${i}]`, tp));
}

/** Topic names from outside: an array or a Set of strings (not a string itself), copied. O(length). */
export function readTopicList(parameter: string, v: unknown): string[] {
  const allowed = 'an array (or Set) of topic names';
  let list: unknown[];
  if (isInstance(v, Set)) {
    try {
      list = [...(v as Set<unknown>)];
    } catch (e) {
      throw new InvalidArgumentError(parameter, v, `${allowed} whose elements can be read (reading it threw: ${describeThrown(e)})`);
    }
  } else list = readArray(parameter, v, allowed);
  for (const t of list) if (typeof t !== 'string') throw new InvalidArgumentError(parameter, v, `${allowed} (found ${typeof t})`);
  return list as string[];
}

/** The entries of a Map from outside (a proxy or a subclass whose iteration throws: InvalidArgumentError). O(size). */
function readEntries(parameter: string, v: unknown, allowed: string): [unknown, unknown][] {
  if (!isInstance(v, Map)) throw new InvalidArgumentError(parameter, v, allowed);
  try {
    return [...(v as Map<unknown, unknown>)];
  } catch (e) {
    throw new InvalidArgumentError(parameter, v, `${allowed} whose entries can be read (reading them threw: ${describeThrown(e)})`);
  }
}

/** Topic → partition count from outside: a Map of strings to integers from 0 to MAX_ASSIGN_PARTITIONS, copied. O(topics). */
export function readCounts(parameter: string, v: unknown): Map<string, number> {
  const allowed = `a Map of topic name → partition count (an integer from 0 to ${MAX_ASSIGN_PARTITIONS})`;
  const out = new Map<string, number>();
  for (const [topic, n] of readEntries(parameter, v, allowed)) {
    if (typeof topic !== 'string') throw new InvalidArgumentError(`${parameter} key`, topic, 'a topic name (a string)');
    out.set(topic, requireInt(`${parameter} of ${JSON.stringify(topic.length > 80 ? `${topic.slice(0, 77)}...` : topic)}`, n, 0, MAX_ASSIGN_PARTITIONS));
  }
  return out;
}

/** Member id → owned topic-partitions from outside: a Map of strings to arrays of topic-partitions, copied. O(partitions). */
export function readOwnership(parameter: string, v: unknown): Map<string, TopicPartition[]> {
  const allowed = 'a Map of member id → an array of topic-partitions';
  const out = new Map<string, TopicPartition[]>();
  for (const [member, list] of readEntries(parameter, v, allowed)) {
    if (typeof member !== 'string') throw new InvalidArgumentError(`${parameter} member id`, member, 'a string');
    out.set(member, readTps(`${parameter} of ${JSON.stringify(member.length > 80 ? `${member.slice(0, 77)}...` : member)}`, list));
  }
  return out;
}

/** Members and their subscriptions from outside: { memberId: a non-empty string, topics }, ids distinct, copied. O(members + topics). */
export function readMembers(parameter: string, v: unknown): MemberSubscription[] {
  const allowed = 'a member subscription { memberId: a non-empty string, topics: topic names }';
  const out = readArray(parameter, v, `an array of ${allowed}`).map((m, i): MemberSubscription => {
    if (m === null || typeof m !== 'object' || isArraySafe(m)) throw new InvalidArgumentError(`${parameter}[${i}]`, m, allowed);
    const o = readOptions(`${parameter}[${i}]`, m as MemberSubscription, ['memberId', 'topics'], allowed);
    if (typeof o.memberId !== 'string' || o.memberId.length === 0) throw new InvalidArgumentError(`${parameter}[${i}].memberId`, o.memberId, 'a non-empty string');
    return { memberId: o.memberId, topics: readTopicList(`${parameter}[${i}].topics`, o.topics) };
  });
  if (new Set(out.map((m) => m.memberId)).size !== out.length) throw new InvalidArgumentError(parameter, v, 'members with distinct member ids');
  return out;
}

/** What an assignor decides from, from outside: { members, partitionsPerTopic, previous }, checked and copied. O(input). */
export function readAssignorInput(v: unknown): AssignorInput {
  const allowed = 'an assignor input { members, partitionsPerTopic: Map, previous: Map }';
  if (v === null || typeof v !== 'object' || isArraySafe(v)) throw new InvalidArgumentError('input', v, allowed);
  const o = readOptions('input', v as AssignorInput, ['members', 'partitionsPerTopic', 'previous'], allowed);
  return { members: readMembers('input.members', o.members), partitionsPerTopic: readCounts('input.partitionsPerTopic', o.partitionsPerTopic), previous: readOwnership('input.previous', o.previous) };
}

/** Partition moves from outside: { topic, partition, from, to } (owners a string or null), copied. O(moves). */
export function readMoves(parameter: string, v: unknown): PartitionMove[] {
  const allowed = 'a partition move { topic, partition, from: a member id or null, to: a member id or null }';
  return readArray(parameter, v, `an array of ${allowed}`).map((m, i): PartitionMove => {
    const at = `${parameter}[${i}]`;
    if (m === null || typeof m !== 'object' || isArraySafe(m)) throw new InvalidArgumentError(at, m, allowed);
    const o = readOptions(at, m as PartitionMove, ['topic', 'partition', 'from', 'to'], allowed);
    if (typeof o.topic !== 'string') throw new InvalidArgumentError(`${at}.topic`, o.topic, 'a topic name (a string)');
    const partition = requireInt(`${at}.partition`, o.partition, 0);
    for (const k of ['from', 'to'] as const) if (o[k] !== null && typeof o[k] !== 'string') throw new InvalidArgumentError(`${at}.${k}`, o[k], 'a member id (a string) or null');
    return { topic: o.topic, partition, from: o.from as string | null, to: o.to as string | null };
  });
}

/**
 * An assignor's answer, checked before the coordinator applies it: a Map
 * whose keys are members of the group and whose lists hold partitions of
 * topics that member subscribes to (below the topic's count), no partition
 * twice. Members it leaves out get nothing. Copied, lists sorted; an
 * InvalidArgumentError naming the assignor otherwise. O(partitions).
 */
export function readAssignment(name: string, result: unknown, topicsOf: ReadonlyMap<string, readonly string[]>, counts: ReadonlyMap<string, number>): Assignment {
  const parameter = `the answer of assignor ${JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name)}`;
  const out: Assignment = new Map();
  for (const id of topicsOf.keys()) out.set(id, []);
  const owned = new Set<string>();
  for (const [id, tps] of readOwnership(parameter, result)) {
    const topics = topicsOf.get(id);
    if (topics === undefined) throw new InvalidArgumentError(parameter, result, `an assignment to members of the group only (${JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id)} is not one)`);
    for (const tp of tps) {
      const k = `${tp.topic}/${tp.partition}`;
      if (!topics.includes(tp.topic) || tp.partition >= (counts.get(tp.topic) ?? 0)) throw new InvalidArgumentError(parameter, result, `partitions of the topics each member subscribes to (${id} got ${k})`);
      if (owned.has(k)) throw new InvalidArgumentError(parameter, result, `each partition to one member (${k} given twice)`);
      owned.add(k);
    }
    out.set(id, tps.sort(byTopicPartition));
  }
  return out;
}
