/**
 * Fixed partitions ("slots"): key → partition → node (DDIA ch. 6, "Fixed
 * number of partitions"; Riak, Couchbase, Redis Cluster, Elasticsearch).
 * The partition count P never changes; membership changes move whole
 * partitions, and the assignment is rebalanced by `rebalance()` in
 * ./assignment.ts: every node holds ⌊P·w/W⌋ or ⌈P·w/W⌉ partitions (±1 of its
 * weighted share) and a change moves the fewest partitions that allows, only
 * to the joiner / only from the leaver whenever the ±1 quotas permit it
 * (always with equal weights; `minimalMovementHolds` says when not).
 *
 * Built from a list, a `hash` placement is the cluster grown one node at a
 * time in list order: `new SlotPlacement([...list, n])` has exactly the table
 * of `new SlotPlacement(list).withNode(n)`, so a stateless client that
 * rebuilds from its configured node list agrees with one that applied the
 * joins (going from n0…n9 to n0…n10 moves 1/11 of the keys, all to n10).
 *
 * Two modes:
 * - `hash` (strategy `slots`): partition = hash(key) mod P, any P ≥ 1, a
 *   pluggable 32-bit hash (default MurmurHash3 x86_32, seed 0).
 * - `redis` (strategy `redis-slots`, `SlotPlacement.redis(nodes)`, which
 *   returns the `RedisSlotPlacement` subclass with a direct slot lookup): P = 16384
 *   and partition = Redis Cluster's key slot (CRC16/XMODEM & 16383 with hash
 *   tags), bit-exact with `CLUSTER KEYSLOT`, so a key's slot here is its slot
 *   in a real cluster. The initial assignment is contiguous slot ranges in node
 *   order, as `redis-cli --cluster create` hands them out. Like Redis's, that
 *   layout is state to keep (persist `assignment()` and restore it), not a
 *   function of the node list: later joins do not reproduce it, so
 *   `SlotPlacement.redis([...list, n])` differs from `redis(list).withNode(n)`.
 *
 * Lookup: one hash and two typed-array reads, O(1), allocation-free. Plans are
 * exact and list the partitions of every move.
 *
 * Load shares: a partition's share of the key space is its share of the hash
 * space. In `hash` mode partition p holds the hashes h ≡ p (mod P) of
 * [0, 2^32): exactly 1/P when P divides 2^32, otherwise ⌊(2^32−1−p)/P⌋+1
 * hashes out of 2^32 (partitions below 2^32 mod P hold one hash more). In
 * `redis` mode every slot holds 4 of the 65,536 CRC16 values: exactly 1/16384.
 */
import { type Key, type Hash32, assertKey } from '../hash/key.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { redisKeySlot, REDIS_SLOT_COUNT } from '../hash/redis-slot.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant, isInstance, requireInt } from '../errors.js';
import {
  type NodeSpec,
  type PartitionedPlacement,
  type PlacementChange,
  type Plan,
  EMPTY_PLAN,
  PlanBuilder,
  checkReplicas,
  imbalance,
  normalizeNode,
  normalizeNodes,
  readOptions,
} from './placement.js';
import { MAX_PARTITIONS, checkAssignment, growAssignment, initialAssignment, minimalChangeFeasible, ownedCounts, rebalance } from './assignment.js';

/** Default partition count in `hash` mode: a power of two, so every partition holds exactly 1/P of the hash space. */
export const DEFAULT_PARTITIONS = 1024;

/** Options of a SlotPlacement; every one is validated by the constructor (InvalidArgumentError naming what is allowed). */
export interface SlotOptions {
  /** `hash` (default): hash(key) mod P. `redis`: Redis Cluster's 16384 CRC16 slots with hash tags. */
  mode?: 'hash' | 'redis';
  /** Partition count P, 1 … 2^24 (default 1024; must be 16384 or omitted in redis mode). */
  partitions?: number;
  /** 32-bit hash for `hash` mode (default MurmurHash3 x86_32, seed 0). Not allowed in redis mode. */
  hash?: Hash32;
}

const HASH_SPACE = 4294967296;
const defaultHash: Hash32 = (key) => murmur3x86_32(key);

/** Partition → node placement with a fixed partition count. Immutable: membership changes return a new placement and its plan. */
export class SlotPlacement implements PartitionedPlacement {
  readonly strategy: 'slots' | 'redis-slots';
  readonly nodeIds: readonly string[];
  readonly partitionCount: number;
  readonly mode: 'hash' | 'redis';
  private readonly weights: readonly number[];
  /** owners[p]: index into nodeIds of the owner of partition p. */
  protected readonly owners: Int32Array;
  /**
   * True when built with quota `any`: a restored table that need not be
   * within ±1 of every share (a running cluster's map while a rebalancing
   * plan executes move by move). Joins and leaves rebalance it to quota.
   */
  private readonly anyTable: boolean = false;
  /** nextOther[p]: the next partition after p (wrapping) with a different owner, −1 when one node owns all. */
  private readonly nextOther: Int32Array;
  private readonly hash: Hash32;
  /** P − 1 when P is a power of two (then h mod P = h & mask, no division on the hot path), else −1. */
  private readonly mask: number;

  /**
   * A placement of `nodes` (non-empty, distinct ids, weights > 0). With
   * `owners` (partition → index into `nodes`, e.g. restored from metadata) the
   * assignment is taken as given and must be total and, unless `quota` is
   * `any` (a running cluster's table part way through a rebalancing plan),
   * within quota; otherwise `hash` mode grows it one node at a time in list order
   * (`growAssignment`: O(P + n² log n + P·ln n); 1,000 nodes over 16,384
   * partitions build in about 0.3 s, 5,000 in about 2.5 s) and `redis` mode
   * takes redis-cli's initial ranges (O(16384 + n)).
   */
  constructor(nodes: readonly (NodeSpec | string)[], given?: SlotOptions, owners?: Int32Array, quota: 'within-quota' | 'any' = 'within-quota') {
    const specs = normalizeNodes(nodes);
    const options = readOptions(given);
    const mode = options.mode ?? 'hash';
    if (mode !== 'hash' && mode !== 'redis') throw new InvalidArgumentError('mode', mode, '"hash" or "redis"');
    if (mode === 'redis') {
      if (options.partitions !== undefined && options.partitions !== REDIS_SLOT_COUNT) {
        throw new InvalidArgumentError('partitions', options.partitions, `${REDIS_SLOT_COUNT} (or omitted) in redis mode`);
      }
      if (options.hash !== undefined) throw new InvalidArgumentError('hash', 'a custom hash', 'none in redis mode (slots are CRC16/XMODEM with hash tags)');
    }
    const P = mode === 'redis' ? REDIS_SLOT_COUNT : requireInt('partitions', options.partitions ?? DEFAULT_PARTITIONS, 1, MAX_PARTITIONS);
    if (options.hash !== undefined && typeof options.hash !== 'function') throw new InvalidArgumentError('hash', options.hash, 'a function key → uint32');
    this.mode = mode;
    this.strategy = mode === 'redis' ? 'redis-slots' : 'slots';
    this.partitionCount = P;
    this.mask = (P & (P - 1)) === 0 ? P - 1 : -1;
    this.hash = mode === 'redis' ? redisKeySlot : (options.hash ?? defaultHash);
    this.nodeIds = Object.freeze(specs.map((s) => s.id));
    this.weights = Object.freeze(specs.map((s) => s.weight));
    if (owners === undefined) {
      this.owners = mode === 'redis' ? (redisCliSlots(this.weights) ?? initialAssignment(P, this.weights)) : growAssignment(P, this.weights);
    } else {
      if (!isInstance(owners, Int32Array) || owners.length !== P) throw new InvalidArgumentError('owners', owners, `an Int32Array of length ${P} (partition → node index)`);
      this.owners = Int32Array.from(owners);
      if (quota !== 'within-quota' && quota !== 'any') throw new InvalidArgumentError('quota', quota, '"within-quota" or "any"');
      this.anyTable = quota === 'any';
      try {
        checkAssignment(this.owners, this.weights, this.anyTable);
      } catch (e) {
        const what = this.anyTable ? 'a total assignment (every partition owned by a node of the list)' : "a total assignment within ±1 partition of each node's share";
        throw new InvalidArgumentError('owners', owners, `${what} (${(e as Error).message})`);
      }
    }
    this.nextOther = nextOtherOwner(this.owners);
  }

  /** Redis Cluster mode: 16384 slots, CRC16/XMODEM with hash tags, contiguous slot ranges per node. O(16384 + n log n). */
  static redis(nodes: readonly (NodeSpec | string)[]): SlotPlacement {
    return new RedisSlotPlacement(nodes);
  }

  /** Weight of node `id`; unknown id: NotFoundError. O(n). */
  weightOf(id: string): number {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    return this.weights[i] as number;
  }

  /** The partition of `key`: hash mod P, or the Redis key slot. O(|key|), allocation-free. */
  partitionOf(key: Key): number {
    assertKey(key);
    return this.slotOfHash(this.hash(key));
  }

  /** h mod P for a 32-bit hash h: a mask when P is a power of two (no division on the hot path). O(1). */
  private slotOfHash(h: number): number {
    return this.mask >= 0 ? h & this.mask : (h >>> 0) % this.partitionCount;
  }

  /** The node owning partition `p` (0 … P−1). O(1). */
  ownerOf(partition: number): string {
    requireInt('partition', partition, 0, this.partitionCount - 1);
    return this.nodeIds[this.owners[partition] as number] as string;
  }

  /** The node owning `key`. O(|key|), allocation-free. */
  locate(key: Key): string {
    assertKey(key);
    return this.nodeIds[this.owners[this.slotOfHash(this.hash(key))] as number] as string;
  }

  /**
   * The owner of the key's partition, then the owners of the following
   * partitions (distinct, wrapping), then any node that owns no partition (only
   * possible when nodes outnumber partitions), in node order. O(n + hops): the
   * walk jumps over runs of one owner.
   */
  preferenceList(key: Key, n: number): string[] {
    checkReplicas(n, this.nodeIds.length);
    const start = this.partitionOf(key);
    const seen = new Uint8Array(this.nodeIds.length);
    const out: string[] = [];
    const first = this.owners[start] as number;
    seen[first] = 1;
    out.push(this.nodeIds[first] as string);
    let p = start;
    for (let hops = 0; out.length < n && hops < this.partitionCount; hops++) {
      p = this.nextOther[p] as number;
      if (p < 0) break;
      const o = this.owners[p] as number;
      if (!seen[o]) {
        seen[o] = 1;
        out.push(this.nodeIds[o] as string);
      }
    }
    for (let i = 0; i < this.nodeIds.length && out.length < n; i++) if (!seen[i]) out.push(this.nodeIds[i] as string);
    return out;
  }

  /** The partitions node `id` owns, ascending. O(P). */
  partitionsOf(id: string): number[] {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    const out: number[] = [];
    for (let p = 0; p < this.partitionCount; p++) if (this.owners[p] === i) out.push(p);
    return out;
  }

  /** A copy of the assignment: partition → index into `nodeIds` (what a metadata store persists). O(P). */
  assignment(): Int32Array {
    return Int32Array.from(this.owners);
  }

  /**
   * A new placement with `node` added: it takes partitions from the most
   * loaded nodes until every node is at its quota; no other partition moves.
   * Existing id: no-op. O(P + n log n).
   */
  withNode(node: NodeSpec | string): PlacementChange<this> {
    const spec = normalizeNode(node);
    if (this.nodeIds.includes(spec.id)) return { placement: this, plan: EMPTY_PLAN };
    const weights = [...this.weights, spec.weight];
    const owners = rebalance(this.owners, weights, { joiner: this.nodeIds.length });
    const nodes = [...this.nodeIds.map((id, i) => ({ id, weight: this.weights[i] as number })), spec];
    return this.changeTo(nodes, owners);
  }

  /**
   * A new placement without node `id`: its partitions go to the nodes furthest
   * below their new quota; no other partition moves. Unknown id: NotFoundError;
   * the last node: StateError (every partition needs an owner). O(P + n log n).
   */
  withoutNode(id: string): PlacementChange<this> {
    const gone = this.nodeIds.indexOf(id);
    if (gone < 0) throw new NotFoundError('node', id, this.nodeIds);
    if (this.nodeIds.length === 1) throw new StateError(`cannot remove ${JSON.stringify(id)}: it is the last node and every partition needs an owner`);
    const remapped = this.owners.map((o) => (o === gone ? -1 : o > gone ? o - 1 : o));
    const weights = this.weights.filter((_, i) => i !== gone);
    const nodes = this.nodeIds.map((n, i) => ({ id: n, weight: this.weights[i] as number })).filter((_, i) => i !== gone);
    return this.changeTo(nodes, rebalance(remapped, weights));
  }

  /**
   * Whether the join of `change.join` (or the leave of `change.leave`) moves
   * partitions only to the joiner (only from the leaver). Always true with
   * equal weights. With unequal weights it is false exactly when the ±1
   * quotas of the new node set force a staying node to receive (join) or give
   * up (leave) a partition — e.g. weights .5, .5, .5, 1 over 2 partitions
   * hold 1, 1, 0, 0, and when the third node leaves, the node of weight 1 must
   * hold exactly 1 of the 2: one of the first two gives it up. See
   * `minimalChangeFeasible` in ./assignment.ts. O(P + n).
   */
  minimalMovementHolds(change: { join: NodeSpec | string } | { leave: string }): boolean {
    const c = readOptions(change as { join?: NodeSpec | string; leave?: string }, 'change');
    if (c.join !== undefined) {
      const spec = normalizeNode(c.join);
      if (this.nodeIds.includes(spec.id)) return true;
      return minimalChangeFeasible(this.owners, [...this.weights, spec.weight], { joiner: this.nodeIds.length });
    }
    const gone = this.nodeIds.indexOf(c.leave as string);
    if (gone < 0) throw new NotFoundError('node', c.leave as string, this.nodeIds);
    const remapped = this.owners.map((o) => (o === gone ? -1 : o > gone ? o - 1 : o));
    return this.nodeIds.length === 1 || minimalChangeFeasible(remapped, this.weights.filter((_, i) => i !== gone));
  }

  private changeTo(nodes: NodeSpec[], owners: Int32Array): PlacementChange<this> {
    const next = this.successor(nodes, owners) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /** A placement of the same class and parameters over `nodes` with assignment `owners`. */
  protected successor(nodes: readonly NodeSpec[], owners: Int32Array): SlotPlacement {
    const options: SlotOptions = this.mode === 'redis' ? { mode: 'redis' } : { partitions: this.partitionCount, hash: this.hash };
    return new SlotPlacement(nodes, options, owners);
  }

  /**
   * Exact plan: every partition whose owner differs, with its share of the
   * key space, grouped by (from, to). `next` must have the same mode,
   * partition count and hash. O(P).
   */
  planTo(next: this): Plan {
    if (!isInstance(next, SlotPlacement) || next.strategy !== this.strategy || next.partitionCount !== this.partitionCount || next.hash !== this.hash) {
      throw new InvalidArgumentError('plan target', next, `a ${this.strategy} placement with ${this.partitionCount} partitions and the same hash`);
    }
    const b = new PlanBuilder();
    for (let p = 0; p < this.partitionCount; p++) {
      const from = this.nodeIds[this.owners[p] as number] as string;
      const to = next.nodeIds[next.owners[p] as number] as string;
      if (from !== to) b.add(from, to, this.partitionShare(p), { partition: p });
    }
    return b.build('exact');
  }

  /** Share of the key space partition `p` holds (see the module comment). O(1). */
  partitionShare(p: number): number {
    if (this.mode === 'redis') return 1 / REDIS_SLOT_COUNT;
    return (Math.floor((HASH_SPACE - 1 - p) / this.partitionCount) + 1) / HASH_SPACE;
  }

  /** Exact share per node: the sum of its partitions' shares. O(P). */
  loadShares(): ReadonlyMap<string, number> {
    const sums = new Float64Array(this.nodeIds.length);
    for (let p = 0; p < this.partitionCount; p++) (sums[this.owners[p] as number] as number) += this.partitionShare(p);
    const shares = new Map<string, number>();
    this.nodeIds.forEach((id, i) => shares.set(id, sums[i] as number));
    return shares;
  }

  /** Partitions per node, in `nodeIds` order. O(P). */
  partitionCounts(): number[] {
    return [...ownedCounts(this.owners, this.nodeIds.length)];
  }

  /** Throws InvariantError unless ids are distinct, the assignment is total and within quota, and the successor table is current. O(P + n). */
  checkInvariants(): void {
    invariant(new Set(this.nodeIds).size === this.nodeIds.length, `${this.strategy}: duplicate node ids`);
    invariant(this.owners.length === this.partitionCount, `${this.strategy}: assignment length ${this.owners.length} ≠ ${this.partitionCount}`);
    checkAssignment(this.owners, this.weights, this.anyTable);
    const again = nextOtherOwner(this.owners);
    for (let p = 0; p < this.partitionCount; p++) invariant(again[p] === this.nextOther[p], `${this.strategy}: stale successor table at partition ${p}`);
  }

  /** One line: mode, partition count, nodes, partitions per node and max/mean. O(P). */
  describe(): string {
    const counts = this.partitionCounts();
    const how = this.mode === 'redis' ? 'Redis Cluster key slot (CRC16/XMODEM & 16383, hash tags)' : `hash(key) mod ${this.partitionCount}`;
    const shares = [...this.loadShares().values()];
    return `${this.strategy}: ${this.partitionCount} partitions over ${this.nodeIds.length} nodes, partition = ${how}; partitions per node ${Math.min(...counts)}–${Math.max(...counts)}; max/mean ${imbalance(shares).toFixed(3)}`;
  }
}

/**
 * Redis Cluster mode as its own class (what `SlotPlacement.redis()` returns):
 * the same placement as `new SlotPlacement(nodes, { mode: 'redis' })`, with
 * lookups that call `redisKeySlot` directly. Keeping the two modes in separate
 * methods keeps each lookup call site monomorphic when an application (or a
 * benchmark) uses both. O(1) per lookup after the O(|key|) slot.
 */
export class RedisSlotPlacement extends SlotPlacement {
  /** Nodes as for SlotPlacement; `owners` (slot → node index) restores an assignment. O(16384 + n log n). */
  constructor(nodes: readonly (NodeSpec | string)[], owners?: Int32Array, quota: 'within-quota' | 'any' = 'within-quota') {
    super(nodes, { mode: 'redis' }, owners, quota);
  }

  /** The Redis Cluster slot of `key`. O(|key|), allocation-free. */
  override partitionOf(key: Key): number {
    assertKey(key);
    return redisKeySlot(key);
  }

  /** The node owning `key`'s slot. O(|key|), allocation-free. */
  override locate(key: Key): string {
    assertKey(key);
    return this.nodeIds[this.owners[redisKeySlot(key)] as number] as string;
  }

  protected override successor(nodes: readonly NodeSpec[], owners: Int32Array): SlotPlacement {
    return new RedisSlotPlacement(nodes, owners);
  }
}

/**
 * The slot ranges `redis-cli --cluster create` gives n equal masters
 * (redis-cli.c, clusterManagerCommandCreate: float slotsPerNode = 16384/n,
 * last = lround(cursor + slotsPerNode − 1), the last master ends at 16383),
 * e.g. 3 masters: 0–5460, 5461–10922, 10923–16383. Undefined when weights
 * differ (redis-cli ignores weights) or a range would leave its quota. O(16384).
 */
function redisCliSlots(weights: readonly number[]): Int32Array | undefined {
  const n = weights.length;
  if (weights.some((w) => w !== weights[0])) return undefined;
  const owners = new Int32Array(REDIS_SLOT_COUNT);
  const perNode = Math.fround(REDIS_SLOT_COUNT / n);
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.fround(Math.fround(cursor + perNode) - 1);
    let last = x < 0 ? -Math.round(-x) : Math.round(x); // C lround: halves away from zero
    if (last > REDIS_SLOT_COUNT || i === n - 1) last = REDIS_SLOT_COUNT - 1;
    if (last < first) last = first;
    if (last >= REDIS_SLOT_COUNT) return undefined;
    owners.fill(i, first, last + 1);
    first = last + 1;
    cursor = Math.fround(cursor + perNode);
  }
  if (first !== REDIS_SLOT_COUNT) return undefined;
  try {
    checkAssignment(owners, weights);
  } catch {
    return undefined;
  }
  return owners;
}

/** For each partition, the next one (wrapping) with a different owner; all −1 when one node owns everything. O(P). */
function nextOtherOwner(owners: Int32Array): Int32Array {
  const P = owners.length;
  const next = new Int32Array(P).fill(-1);
  // Find a boundary: a partition whose successor has another owner.
  let boundary = -1;
  for (let p = 0; p < P; p++) {
    if (owners[p] !== owners[(p + 1) % P]) {
      boundary = p;
      break;
    }
  }
  if (boundary < 0) return next;
  // Walk backwards once around the ring starting just after the boundary.
  let candidate = (boundary + 1) % P;
  for (let step = 0; step < P; step++) {
    const p = (boundary - step + P) % P;
    const q = (p + 1) % P;
    if (owners[q] !== owners[p]) candidate = q;
    next[p] = candidate;
  }
  return next;
}
