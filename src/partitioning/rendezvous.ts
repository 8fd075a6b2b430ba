/**
 * Rendezvous hashing, or highest random weight (Thaler & Ravishankar 1998),
 * weighted by the logarithmic method (Schindelhauer & Schomaker 2005;
 * Resch, "New hashing algorithms for data storage").
 *
 * Every node scores every key; the key goes to the highest score. The score
 * of node i is −wᵢ / ln(u), where u ∈ (0, 1) is a per-(node, key) uniform
 * number: then node i wins with probability exactly wᵢ / Σw. Adding a node
 * takes only the keys it now wins (keys move only to it); removing one hands
 * each of its keys to that key's runner-up (only from it). The preference
 * list is the nodes in score order: top-k by partial selection.
 *
 * Cost: one key hash, then per node two 32-bit mixes (MurmurHash3's fmix32 of
 * the key hash XOR the node's precomputed seed) and, when weights differ, one
 * logarithm: O(n) per lookup, allocation-free. When all weights are equal the
 * logarithm is skipped: −w / ln(u) increases with u, so comparing u picks the
 * same node. Plans are sampled.
 *
 * u = (2x + 1) / 2^53, x = a · 2^20 + (b >>> 12) from the two mixes a, b:
 * 53-bit resolution, never 0 or 1, so ln(u) is finite and negative.
 */
import { type Key, type Hash32, assertKey } from '../hash/key.js';
import { fmix32, murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant } from '../errors.js';
import {
  type NodeSpec,
  type Placement,
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
} from './placement.js';
import { pct } from './ring-core.js';

export interface RendezvousOptions {
  /** 32-bit key hash (default MurmurHash3 x86_32, seed 0). Must return a 32-bit integer. */
  hash?: Hash32;
}

const SEED_A = 0x52454e44;
const SEED_B = 0x48525721;
const TWO_20 = 1048576;
const TWO_53 = 9007199254740992;


/** The two per-node seeds (MurmurHash3 of the id with two fixed seeds). O(id length). */
export function rendezvousSeeds(id: string): [number, number] {
  return [murmur3x86_32(id, SEED_A) | 0, murmur3x86_32(id, SEED_B) | 0];
}

/** The uniform u ∈ (0, 1) of a node (by its seeds) for a key hash h: (2x + 1) / 2^53. O(1). */
export function rendezvousUnit(h: number, seedA: number, seedB: number): number {
  const a = fmix32(h ^ seedA);
  const b = fmix32(h ^ seedB) >>> 12;
  return (2 * (a * TWO_20 + b) + 1) / TWO_53;
}

const defaultHash: Hash32 = (k) => murmur3x86_32(k);

/** A weighted rendezvous (HRW) placement: a value; membership changes return a new one and a sampled plan. */
export class RendezvousPlacement implements Placement {
  readonly strategy = 'rendezvous';
  /** Node ids in the order given (the order does not affect placement). */
  readonly nodeIds: readonly string[];
  private readonly hash: Hash32;
  private readonly weights: Float64Array;
  private readonly seedA: Int32Array;
  private readonly seedB: Int32Array;
  /** All weights equal: compare u directly, no logarithm. */
  private readonly uniform: boolean;

  /** O(n). Nodes: distinct non-empty ids, weights > 0; may be empty (lookups then throw StateError). */
  constructor(nodes: readonly (NodeSpec | string)[], given?: RendezvousOptions) {
    const options = readOptions(given);
    if (options.hash !== undefined && typeof options.hash !== 'function') throw new InvalidArgumentError('hash', options.hash, 'a function (key) => uint32');
    this.hash = options.hash ?? defaultHash;
    const specs = normalizeNodes(nodes, { allowEmpty: true });
    this.nodeIds = Object.freeze(specs.map((s) => s.id));
    this.weights = Float64Array.from(specs, (s) => s.weight);
    this.seedA = new Int32Array(specs.length);
    this.seedB = new Int32Array(specs.length);
    specs.forEach((s, i) => {
      const [a, b] = rendezvousSeeds(s.id);
      this.seedA[i] = a;
      this.seedB[i] = b;
    });
    this.uniform = specs.every((s) => s.weight === specs[0]?.weight);
  }

  private get specs(): NodeSpec[] {
    return this.nodeIds.map((id, i) => ({ id, weight: this.weights[i] as number }));
  }

  /** Weight of node `id`. O(n). NotFoundError for unknown ids. */
  weightOf(id: string): number {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    return this.weights[i] as number;
  }

  /** Index of the winner: highest score, then highest u, then smallest id. */
  private winner(h: number): number {
    const n = this.nodeIds.length;
    const sA = this.seedA;
    const sB = this.seedB;
    let best = 0;
    if (this.uniform) {
      let bestA = -1;
      let bestB = -1;
      for (let i = 0; i < n; i++) {
        const a = fmix32(h ^ (sA[i] as number));
        if (a > bestA) {
          best = i;
          bestA = a;
          bestB = -1;
        } else if (a === bestA) {
          if (bestB < 0) bestB = fmix32(h ^ (sB[best] as number)) >>> 12;
          const b = fmix32(h ^ (sB[i] as number)) >>> 12;
          if (b > bestB || (b === bestB && (this.nodeIds[i] as string) < (this.nodeIds[best] as string))) {
            best = i;
            bestB = b;
          }
        }
      }
      return best;
    }
    const w = this.weights;
    let bestS = -1;
    let bestU = -1;
    for (let i = 0; i < n; i++) {
      const u = (2 * (fmix32(h ^ (sA[i] as number)) * TWO_20 + (fmix32(h ^ (sB[i] as number)) >>> 12)) + 1) / TWO_53;
      const s = -(w[i] as number) / Math.log(u);
      if (s > bestS || (s === bestS && (u > bestU || (u === bestU && (this.nodeIds[i] as string) < (this.nodeIds[best] as string))))) {
        best = i;
        bestS = s;
        bestU = u;
      }
    }
    return best;
  }

  /** The node with the highest score for `key`. O(n), allocation-free. StateError when there are no nodes. */
  locate(key: Key): string {
    if (typeof key !== 'string') assertKey(key);
    if (this.nodeIds.length === 0) throw new StateError('the rendezvous placement has no nodes; add one with withNode() first');
    return this.nodeIds[this.winner(this.hash(key) | 0)] as string;
  }

  /**
   * The `k` highest-scoring nodes, best first (the winner is locate's).
   * Partial selection for k ≤ 16 (O(n·k)), a sort otherwise (O(n log n)).
   */
  preferenceList(key: Key, k: number): string[] {
    assertKey(key);
    const n = this.nodeIds.length;
    checkReplicas(k, n);
    const h = this.hash(key) | 0;
    const score = new Float64Array(n);
    const unit = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const u = rendezvousUnit(h, this.seedA[i] as number, this.seedB[i] as number);
      unit[i] = u;
      score[i] = this.uniform ? u : -(this.weights[i] as number) / Math.log(u);
    }
    const before = (i: number, j: number): boolean =>
      (score[i] as number) > (score[j] as number) ||
      (score[i] === score[j] && ((unit[i] as number) > (unit[j] as number) || (unit[i] === unit[j] && (this.nodeIds[i] as string) < (this.nodeIds[j] as string))));
    let order: number[];
    if (k <= 16) {
      order = [];
      for (let i = 0; i < n; i++) {
        if (order.length === k && !before(i, order[k - 1] as number)) continue;
        let pos = order.length === k ? k - 1 : order.length;
        while (pos > 0 && before(i, order[pos - 1] as number)) pos--;
        order.splice(pos, 0, i);
        if (order.length > k) order.pop();
      }
    } else {
      order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0)).slice(0, k);
    }
    return order.map((i) => this.nodeIds[i] as string);
  }

  /** A new placement with `node`, and the sampled plan. An existing id: no-op. O(n + sample · n). */
  withNode(node: NodeSpec | string): PlacementChange<this> {
    const spec = normalizeNode(node);
    if (this.nodeIds.includes(spec.id)) return { placement: this, plan: EMPTY_PLAN };
    const next = new RendezvousPlacement([...this.specs, spec], { hash: this.hash }) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /** A new placement without `id`, and the sampled plan. NotFoundError for unknown ids. */
  withoutNode(id: string): PlacementChange<this> {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    const next = new RendezvousPlacement(
      this.specs.filter((s) => s.id !== id),
      { hash: this.hash },
    ) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /** Sampled plan over `sample` (default: the shared 10,000-key plan sample); empty when a side has no nodes. */
  planTo(next: this, sample?: readonly Key[]): Plan {
    requirePlanTarget(this.strategy, next, RendezvousPlacement, 'a rendezvous placement with the same hash');
    if (this.nodeIds.length === 0 || next.nodeIds.length === 0) return EMPTY_PLAN;
    return sampledPlan(this, next, sample ?? defaultPlanSample());
  }

  /** Expected shares: wᵢ / Σw (exact for the logarithmic method). O(n). */
  loadShares(): ReadonlyMap<string, number> {
    let total = 0;
    for (const w of this.weights) total += w;
    return new Map(this.nodeIds.map((id, i) => [id, (this.weights[i] as number) / total]));
  }

  /** Rules: distinct ids, positive weights, seeds derived from the ids, the equal-weights flag true exactly when weights are equal. */
  checkInvariants(): void {
    invariant(new Set(this.nodeIds).size === this.nodeIds.length, 'rendezvous: duplicate node ids');
    invariant(this.weights.length === this.nodeIds.length, 'rendezvous: one weight per node');
    this.nodeIds.forEach((id, i) => {
      invariant((this.weights[i] as number) > 0, `rendezvous: weight of ${id} must be > 0`);
      const [a, b] = rendezvousSeeds(id);
      invariant(this.seedA[i] === a && this.seedB[i] === b, `rendezvous: seeds of ${id} differ from its id's hash`);
    });
    invariant(this.uniform === this.weights.every((w) => w === this.weights[0]), 'rendezvous: equal-weights flag is wrong');
  }

  describe(): string {
    const n = this.nodeIds.length;
    if (n === 0) return 'rendezvous (HRW): no nodes';
    const shares = [...this.loadShares().values()];
    return `rendezvous (HRW): ${n} nodes, ${this.uniform ? 'equal weights' : 'weighted (logarithmic method)'}; expected share min ${pct(Math.min(...shares))}, max ${pct(Math.max(...shares))}; O(n) per lookup`;
  }
}
