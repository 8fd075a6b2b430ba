/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent
 * Hash Algorithm", 2014), with a stable mapping from bucket to node id.
 *
 * A 64-bit key hash drives the paper's linear congruential generator; the
 * loop jumps forward through bucket numbers and stops at the last bucket
 * below the bucket count. Going from n to n+1 buckets moves exactly the keys
 * that now land in bucket n (about 1/(n+1) of them), all to it. O(ln n)
 * expected steps, no memory beyond the node list, near-perfect balance.
 *
 * The rule of use: buckets are numbered 0 … n−1, so the placement can only
 * grow or shrink at the end. A node joins as bucket n; only the node of the
 * last bucket can leave — removing any other node throws InvalidArgumentError
 * (replace a failed node under the same bucket instead, or use rendezvous
 * hashing or a ring when arbitrary nodes must leave). No weights.
 *
 * Bit-exact with the paper's C++ (and Guava's `Hashing.consistentHash`): the
 * 64-bit multiply runs on 32-bit limbs and the division in float64, as in
 * the reference.
 */
import { type Key, type Hash32, assertKey } from '../hash/key.js';
import { fmix32, murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant } from '../errors.js';
import {
  type NodeSpec,
  type PartitionedPlacement,
  type PlacementChange,
  type Plan,
  EMPTY_PLAN,
  checkReplicas,
  defaultPlanSample,
  normalizeNode,
  normalizeNodes,
  sampledPlan,
  readOptions,
  requirePlanTarget,
  requirePartitionNumber,
} from './placement.js';

// The paper's LCG multiplier 2862933555777941757 = 0x27bb2ee6_87b0b0fd, as limbs.
const M_HI = 0x27bb2ee6;
const M_LO = 0x87b0b0fd;
const M_LO_0 = M_LO & 0xffff;
const M_LO_1 = M_LO >>> 16;
const TWO_31 = 2147483648;
const TWO_32 = 4294967296;
// 2^−32: multiplying by it is exact (a power of two), and cheaper than dividing.
const INV_TWO_32 = 1 / TWO_32;

/**
 * The paper's JumpConsistentHash(key, buckets) for the unsigned 64-bit key
 * `hi · 2^32 + lo` (both halves taken as unsigned 32-bit). Returns a bucket in
 * [0, buckets). O(ln buckets) expected, allocation-free. The caller ensures
 * 1 ≤ buckets ≤ 2^31 − 1.
 */
export function jumpHash(hi: number, lo: number, buckets: number): number {
  let kh = hi >>> 0;
  let kl = lo >>> 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key × M + 1 (mod 2^64): the high word needs the carry out of kl × M_LO.
    const l0 = kl & 0xffff;
    const l1 = kl >>> 16;
    const mid = l1 * M_LO_0 + l0 * M_LO_1;
    const carry = l1 * M_LO_1 + Math.floor((mid * 65536 + l0 * M_LO_0) * INV_TWO_32);
    let nl = (Math.imul(kl, M_LO) >>> 0) + 1;
    let nh = (carry + Math.imul(kh, M_LO) + Math.imul(kl, M_HI)) | 0;
    if (nl === TWO_32) {
      nl = 0;
      nh = (nh + 1) | 0;
    }
    kl = nl;
    kh = nh >>> 0;
    // j = (b + 1) × (2^31 / ((key >> 33) + 1)), truncated as the C++ int64 conversion does.
    j = Math.floor((b + 1) * (TWO_31 / ((kh >>> 1) + 1)));
  }
  return b;
}

export interface JumpOptions {
  /** Low 32 bits of the 64-bit key hash (default MurmurHash3 x86_32, seed 0). */
  hash?: Hash32;
  /** High 32 bits of the 64-bit key hash (default MurmurHash3 x86_32, seed 0x9747b28c). */
  hashHigh?: Hash32;
}

const defaultLow: Hash32 = (k) => murmur3x86_32(k);
const defaultHigh: Hash32 = (k) => murmur3x86_32(k, 0x9747b28c);

// The largest bucket count the paper's int32 interface allows.
const MAX_BUCKETS = 2147483647;

function noWeights(spec: Required<NodeSpec>): string {
  if (spec.weight !== 1) {
    throw new InvalidArgumentError(`weight of node ${JSON.stringify(spec.id)}`, spec.weight, '1 (jump consistent hash has no weights; use rendezvous or a ring for weighted nodes)');
  }
  return spec.id;
}

/**
 * Jump consistent hash over nodes as buckets 0 … n−1 in the order given (a
 * PartitionedPlacement: partition = bucket). Lookups: two 32-bit key hashes
 * and the jump loop, allocation-free. Plans are sampled.
 */
export class JumpPlacement implements PartitionedPlacement {
  readonly strategy = 'jump';
  /** Node of bucket b is nodeIds[b]. */
  readonly nodeIds: readonly string[];
  readonly partitionCount: number;
  private readonly hashLow: Hash32;
  private readonly hashHigh: Hash32;

  /**
   * O(n). Nodes: distinct non-empty ids (weight, if given, must be 1); may be
   * empty (lookups then throw StateError); at most 2^31 − 1.
   */
  constructor(nodes: readonly (NodeSpec | string)[], given?: JumpOptions) {
    const options = readOptions(given);
    for (const name of ['hash', 'hashHigh'] as const) {
      const f = options[name];
      if (f !== undefined && typeof f !== 'function') throw new InvalidArgumentError(name, f, 'a function (key) => uint32');
    }
    const specs = normalizeNodes(nodes, { allowEmpty: true });
    if (specs.length > MAX_BUCKETS) throw new InvalidArgumentError('nodes', nodes, `at most ${MAX_BUCKETS} nodes`);
    this.nodeIds = Object.freeze(specs.map(noWeights));
    this.partitionCount = this.nodeIds.length;
    this.hashLow = options.hash ?? defaultLow;
    this.hashHigh = options.hashHigh ?? defaultHigh;
  }

  private get options(): JumpOptions {
    return { hash: this.hashLow, hashHigh: this.hashHigh };
  }

  /** 1 for every node (no weights). NotFoundError for unknown ids. */
  weightOf(id: string): number {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    return 1;
  }

  /** The bucket of `key`: jumpHash(hashHigh(key), hash(key), n). O(key length + ln n). */
  partitionOf(key: Key): number {
    if (typeof key !== 'string') assertKey(key);
    const n = this.partitionCount;
    if (n === 0) throw new StateError('the jump placement has no nodes; add one with withNode() first');
    return jumpHash(this.hashHigh(key), this.hashLow(key), n);
  }

  /** The node of bucket `partition`. NotFoundError outside 0 … n−1. */
  ownerOf(partition: number): string {
    requirePartitionNumber(partition, 'bucket');
    const id = this.nodeIds[partition];
    if (id === undefined) throw new NotFoundError('bucket', String(partition));
    return id;
  }

  /** The node owning `key`. O(key length + ln n), allocation-free. */
  locate(key: Key): string {
    return this.nodeIds[this.partitionOf(key)] as string;
  }

  /**
   * The primary (locate), then replicas drawn by jump hash over the buckets
   * not yet chosen, each with the key re-mixed by its replica number.
   * Deterministic and distinct; replicas (not the primary) may shuffle when
   * the node count changes. O(n + k ln n).
   */
  preferenceList(key: Key, k: number): string[] {
    assertKey(key);
    const n = this.partitionCount;
    checkReplicas(k, n);
    const hi = this.hashHigh(key);
    const lo = this.hashLow(key);
    const candidates = Array.from({ length: n }, (_, i) => i);
    const out: string[] = [];
    for (let r = 0; r < k; r++) {
      const left = n - r;
      const idx = r === 0 ? jumpHash(hi, lo, left) : jumpHash(fmix32(hi ^ Math.imul(r, 0x9e3779b9)), fmix32(lo + r), left);
      out.push(this.nodeIds[candidates[idx] as number] as string);
      candidates[idx] = candidates[left - 1] as number;
    }
    return out;
  }

  /** A new placement with `node` as bucket n, and the sampled plan. An existing id: no-op. */
  withNode(node: NodeSpec | string): PlacementChange<this> {
    const id = noWeights(normalizeNode(node));
    if (this.nodeIds.includes(id)) return { placement: this, plan: EMPTY_PLAN };
    const next = new JumpPlacement([...this.nodeIds, id], this.options) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /**
   * A new placement without `id`, which must be the node of the last bucket:
   * jump hash can only shrink from the end. Any other node: InvalidArgumentError
   * (naming the one that can leave); unknown: NotFoundError.
   */
  withoutNode(id: string): PlacementChange<this> {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    if (i !== this.nodeIds.length - 1) {
      throw new InvalidArgumentError(
        'node to remove',
        id,
        `only the node of the last bucket (${JSON.stringify(this.nodeIds[this.nodeIds.length - 1])}): jump consistent hash numbers buckets 0 … n−1 and can only shrink from the end`,
      );
    }
    const next = new JumpPlacement(this.nodeIds.slice(0, -1), this.options) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /**
   * Sampled plan over `sample` (default: the shared 10,000-key plan sample).
   * O(|sample| · ln n). Empty when either side has no nodes (nothing to move from or to).
   */
  planTo(next: this, sample?: readonly Key[]): Plan {
    requirePlanTarget(this.strategy, next, JumpPlacement, 'a jump placement with the same hashes');
    if (this.partitionCount === 0 || next.partitionCount === 0) return EMPTY_PLAN;
    return sampledPlan(this, next, sample ?? defaultPlanSample());
  }

  /** Expected shares: 1/n each (jump hash is uniform over buckets). */
  loadShares(): ReadonlyMap<string, number> {
    return new Map(this.nodeIds.map((id) => [id, 1 / this.nodeIds.length]));
  }

  /** Rules: distinct ids, one bucket per node. */
  checkInvariants(): void {
    invariant(new Set(this.nodeIds).size === this.nodeIds.length, 'jump: duplicate node ids');
    invariant(this.partitionCount === this.nodeIds.length, 'jump: bucket count must equal node count');
  }

  describe(): string {
    const n = this.nodeIds.length;
    if (n === 0) return 'jump consistent hash: no buckets';
    return `jump consistent hash: ${n} buckets (bucket i → node i), expected share ${((100 / n).toFixed(2))}% each; only the last bucket's node (${this.nodeIds[n - 1]}) can be removed`;
  }
}

