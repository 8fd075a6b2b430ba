/**
 * Hash mod N: node = nodes[hash(key) mod N]. Kept so the lab can show why not
 * (DDIA ch. 6, "How not to do it: hash mod N"): going from N to N+1 nodes moves
 * about N/(N+1) of all keys, not the 1/(N+1) a good strategy moves.
 *
 * Lookup: one hash and one modulo, O(1), allocation-free. Plans are exact:
 * counted over residue classes of lcm(N, M) across the 2^32 hash space.
 */
import { type Key, type Hash32, assertKey } from '../hash/key.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant } from '../errors.js';
import {
  type NodeSpec,
  type PartitionedPlacement,
  type PlacementChange,
  type Plan,
  EMPTY_PLAN,
  PlanBuilder,
  checkReplicas,
  normalizeNode,
  normalizeNodes,
  readOptions,
  requirePlanTarget,
  requirePartitionNumber,
} from './placement.js';

export interface ModNOptions {
  /** 32-bit hash of a key (default MurmurHash3 x86_32, seed 0). */
  hash?: Hash32;
}

const HASH_SPACE = 4294967296;

export class ModNPlacement implements PartitionedPlacement {
  readonly strategy = 'mod-n';
  readonly nodeIds: readonly string[];
  readonly partitionCount: number;
  private readonly hash: Hash32;

  /**
   * O(N). Nodes: non-empty, distinct ids. Weights are not supported: a weight
   * other than 1 is an InvalidArgumentError (as in jump), not silently
   * ignored.
   */
  constructor(nodes: readonly (NodeSpec | string)[], given?: ModNOptions) {
    const options = readOptions(given);
    if (options.hash !== undefined && typeof options.hash !== 'function') throw new InvalidArgumentError('hash', options.hash, 'a function (key) => uint32');
    this.nodeIds = Object.freeze(normalizeNodes(nodes, { allowEmpty: true }).map(noWeights));
    this.partitionCount = this.nodeIds.length;
    this.hash = options.hash ?? ((k: Key) => murmur3x86_32(k));
  }

  weightOf(id: string): number {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    return 1;
  }

  partitionOf(key: Key): number {
    assertKey(key);
    if (this.partitionCount === 0) throw new StateError('mod-n placement has no nodes; add one first');
    return this.hash(key) % this.partitionCount;
  }

  ownerOf(partition: number): string {
    requirePartitionNumber(partition);
    const id = this.nodeIds[partition];
    if (id === undefined) throw new NotFoundError('partition', String(partition));
    return id;
  }

  locate(key: Key): string {
    return this.nodeIds[this.partitionOf(key)] as string;
  }

  /** The owner, then the next nodes in list order (wrapping). O(n). */
  preferenceList(key: Key, n: number): string[] {
    checkReplicas(n, this.nodeIds.length);
    const p = this.partitionOf(key);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.nodeIds[(p + i) % this.nodeIds.length] as string);
    return out;
  }

  /** A new placement with `node` appended (weight must be 1), and the exact plan. Existing id: no-op. O(lcm(N, N+1)). */
  withNode(node: NodeSpec | string): PlacementChange<this> {
    const id = noWeights(normalizeNode(node));
    if (this.nodeIds.includes(id)) return { placement: this, plan: EMPTY_PLAN };
    const next = new ModNPlacement([...this.nodeIds, id], { hash: this.hash }) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  withoutNode(id: string): PlacementChange<this> {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    const next = new ModNPlacement(
      this.nodeIds.filter((n) => n !== id),
      { hash: this.hash },
    ) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /**
   * Exact plan: a hash h moves when nodes[h mod N] ≠ next.nodes[h mod M]. Both
   * depend only on h mod lcm(N, M), so each residue class is counted once.
   * O(lcm(N, M)); lcm is at most N·M (10,100 for 100 → 101 nodes).
   */
  planTo(next: this): Plan {
    requirePlanTarget(this.strategy, next, ModNPlacement, 'a mod-n placement');
    const n = this.nodeIds.length;
    const m = next.nodeIds.length;
    const b = new PlanBuilder();
    if (n === 0 || m === 0) return b.build('exact');
    const l = lcm(n, m);
    for (let r = 0; r < l; r++) {
      const from = this.nodeIds[r % n] as string;
      const to = next.nodeIds[r % m] as string;
      if (from !== to) {
        const count = Math.floor((HASH_SPACE - 1 - r) / l) + 1;
        b.add(from, to, count / HASH_SPACE);
      }
    }
    return b.build('exact');
  }

  /** Exact shares: node i owns the hashes ≡ i (mod N). */
  loadShares(): ReadonlyMap<string, number> {
    const n = this.nodeIds.length;
    const shares = new Map<string, number>();
    this.nodeIds.forEach((id, i) => shares.set(id, (Math.floor((HASH_SPACE - 1 - i) / n) + 1) / HASH_SPACE));
    return shares;
  }

  checkInvariants(): void {
    invariant(new Set(this.nodeIds).size === this.nodeIds.length, 'mod-n: duplicate node ids');
    invariant(this.partitionCount === this.nodeIds.length, 'mod-n: partition count must equal node count');
  }

  describe(): string {
    return `mod-n: ${this.nodeIds.length} nodes, node = nodes[hash(key) mod ${this.nodeIds.length}]`;
  }
}

/** The id of a spec of weight 1; any other weight is an InvalidArgumentError. */
function noWeights(spec: Required<NodeSpec>): string {
  if (spec.weight !== 1) {
    throw new InvalidArgumentError(`weight of node ${JSON.stringify(spec.id)}`, spec.weight, '1 (hash mod N has no weights; use slots, rendezvous or a ring for weighted nodes)');
  }
  return spec.id;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
