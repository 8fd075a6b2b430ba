/**
 * Range placement (DDIA ch. 6, "Partitioning by key range"): sorted boundary
 * keys cut the key space into P contiguous partitions ["", b₁), [b₁, b₂), …,
 * [b_{P−1}, ∞); partition → node is an assignment. Lookups are a binary
 * search over the boundaries, O(log P) and allocation-free (for keys whose
 * code units are all < U+D800; others pay one O(length) conversion).
 *
 * Key order is UTF-8 byte order (= code point order), see range-keys.ts: a
 * string key and its UTF-8 bytes always land in the same partition, and the
 * order matches HBase/Bigtable/CockroachDB byte keys. The range store in
 * `src/range/` routes with the same order and the same search.
 *
 * **Shares.** A range placement does not know how keys are distributed, so
 * each partition carries a weight: the fraction of the data (or load) it holds,
 * given by whoever chose the boundaries (the range store passes bytes or keys
 * per partition; `fromSample` uses equal weights because its boundaries are
 * sample quantiles). `loadShares()` and plan fractions are exact over those
 * weights and only as good as they are. Default: equal weights, i.e. the
 * assumption the store's splits maintain (partitions of similar size).
 *
 * **Balance.** The assignment gives each node a share of the total weight
 * proportional to its node weight, to within one partition: with equal
 * weights, max/mean ≤ ⌈P/n⌉ / (P/n). Membership changes move whole
 * partitions, only to a joining node or only from a leaving one (minimal
 * movement); plans list the partitions that move.
 */
import { type Key, assertKey } from '../hash/key.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant, requireInt, isArraySafe } from '../errors.js';
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
  sampledPlan,
  readOptions,
  requirePlanTarget,
  requirePartitionNumber,
} from './placement.js';
import { compareKeys, findPartitionIndex, findPartitionIndexBytes, toSortForm } from './range-keys.js';
import { fillJoinerUniform } from './range-fill.js';

const HIGH = /[\ud800-\uffff]/;
const encoder = new TextEncoder();
type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };

/** Largest number of partitions a range placement accepts. */
export const MAX_RANGE_PARTITIONS = 1 << 22;

export interface RangePlacementOptions {
  /**
   * Start keys of partitions 1 … P−1 (partition 0 starts at ""): non-empty,
   * well-formed strings, strictly increasing in code point order. Default: none
   * (one partition).
   */
  boundaries?: readonly string[];
  /** Owner node id of each partition (length P). Default: a balanced assignment. */
  owners?: readonly string[];
  /** Weight of each partition (bytes, keys or load; finite, ≥ 0, length P). Default: 1 each. */
  partitionWeights?: readonly number[];
}

/** Validate boundaries; returns them as given. Typed error names the first bad one. */
export function checkBoundaries(boundaries: unknown, parameter = 'boundaries'): readonly string[] {
  if (!isArraySafe(boundaries)) throw new InvalidArgumentError(parameter, boundaries, 'an array of strictly increasing non-empty strings');
  if (boundaries.length >= MAX_RANGE_PARTITIONS) throw new InvalidArgumentError(`${parameter} length`, boundaries.length, `fewer than ${MAX_RANGE_PARTITIONS}`);
  for (let i = 0; i < boundaries.length; i++) {
    const b: unknown = boundaries[i];
    if (typeof b !== 'string' || b.length === 0 || !(b as unknown as WellFormed).isWellFormed()) {
      throw new InvalidArgumentError(`${parameter}[${i}]`, b, 'a non-empty, well-formed string (partition 0 already starts at "")');
    }
    if (i > 0 && compareKeys(boundaries[i - 1] as string, b) >= 0) {
      throw new InvalidArgumentError(`${parameter}[${i}]`, b, `a key after ${JSON.stringify(boundaries[i - 1])} (boundaries must be sorted in UTF-8 byte order, without duplicates)`);
    }
  }
  return boundaries as readonly string[];
}

export class RangePlacement implements PartitionedPlacement {
  readonly strategy = 'range';
  readonly nodeIds: readonly string[];
  readonly partitionCount: number;
  /** Boundaries as given (start keys of partitions 1 … P−1). */
  readonly boundaries: readonly string[];
  private readonly nodes: readonly Required<NodeSpec>[];
  private readonly starts: string[];
  private readonly startBytes: Uint8Array[];
  private readonly owners: Int32Array;
  private readonly weights: Float64Array;
  private readonly totalWeight: number;

  /**
   * Nodes: distinct non-empty ids with weights; may be empty (lookups then
   * throw StateError). Without `owners`, the assignment is grown one node at a
   * time in list order, each node joining as `withNode` would add it, so
   * building from list + [n] equals building from list and then withNode(n)
   * (a client that rebuilds from its node list agrees with one that applied
   * the joins). Cost O(P log P + P·m), m the partitions moved over the growth
   * (about P·ln n with equal weights): 64 partitions over 1,000 nodes, or
   * 4,096 over 64, build in well under a second.
   */
  constructor(nodes: readonly (NodeSpec | string)[], given?: RangePlacementOptions) {
    const options = readOptions(given);
    this.nodes = Object.freeze(normalizeNodes(nodes, { allowEmpty: true }));
    this.nodeIds = Object.freeze(this.nodes.map((n) => n.id));
    this.boundaries = Object.freeze([...checkBoundaries(options.boundaries ?? [])]);
    this.partitionCount = this.boundaries.length + 1;
    this.starts = ['', ...this.boundaries.map(toSortForm)];
    this.startBytes = [new Uint8Array(0), ...this.boundaries.map((b) => encoder.encode(b))];
    this.weights = new Float64Array(this.partitionCount).fill(1);
    if (options.partitionWeights !== undefined) {
      const w = options.partitionWeights;
      if (!isArraySafe(w) || w.length !== this.partitionCount) throw new InvalidArgumentError('partitionWeights', w, `an array of ${this.partitionCount} numbers (one per partition)`);
      w.forEach((x, i) => {
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError(`partitionWeights[${i}]`, x, 'a finite number ≥ 0');
        this.weights[i] = x;
      });
    }
    let total = 0;
    for (const x of this.weights) total += x;
    // All-zero weights (an empty store): shares fall back to partition counts.
    if (total === 0) this.weights.fill(1);
    this.totalWeight = total === 0 ? this.partitionCount : total;
    this.owners = new Int32Array(this.partitionCount).fill(-1);
    if (options.owners !== undefined) {
      const o = options.owners;
      if (!isArraySafe(o) || o.length !== this.partitionCount) throw new InvalidArgumentError('owners', o, `an array of ${this.partitionCount} node ids (one per partition)`);
      o.forEach((id, i) => {
        const idx = this.nodeIds.indexOf(id);
        if (idx < 0) throw new InvalidArgumentError(`owners[${i}]`, id, `one of the node ids ${this.nodeIds.join(', ')}`);
        this.owners[i] = idx;
      });
    } else if (this.nodes.length > 0) {
      // Grown one node at a time in list order, so that building from
      // list + [n] equals building from list and then withNode(n).
      this.owners.fill(0);
      for (let j = 1; j < this.nodes.length; j++) this.fillJoiner(j, j + 1);
    }
  }

  /**
   * A placement over `partitions` partitions whose boundaries are quantiles of
   * `sample` (distinct keys, sorted in byte order), so each partition holds
   * about the same share of keys drawn like the sample. O(s log s).
   */
  static fromSample(nodes: readonly (NodeSpec | string)[], sample: readonly string[], partitions: number): RangePlacement {
    requireInt('partitions', partitions, 1, MAX_RANGE_PARTITIONS);
    if (!isArraySafe(sample)) throw new InvalidArgumentError('sample', sample, 'an array of string keys');
    const sorted = [...new Set(sample.map((k) => {
      if (typeof k !== 'string') throw new InvalidArgumentError('sample key', k, 'a string');
      return (k as unknown as WellFormed).toWellFormed();
    }))].sort(compareKeys);
    const boundaries: string[] = [];
    for (let i = 1; i < partitions; i++) {
      const b = sorted[Math.floor((i * sorted.length) / partitions)];
      if (b !== undefined && b !== '' && (boundaries.length === 0 || compareKeys(boundaries[boundaries.length - 1] as string, b) < 0)) boundaries.push(b);
    }
    return new RangePlacement(nodes, { boundaries });
  }

  weightOf(id: string): number {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new NotFoundError('node', id, this.nodeIds);
    return n.weight;
  }

  /** Weight of partition `p` (as given, or 1). O(1). */
  partitionWeight(p: number): number {
    requireInt('partition', p, 0, this.partitionCount - 1);
    return this.weights[p] as number;
  }

  /** Start key of partition `p` ("" for 0). O(1). */
  startOf(p: number): string {
    requireInt('partition', p, 0, this.partitionCount - 1);
    return p === 0 ? '' : (this.boundaries[p - 1] as string);
  }

  /** End key of partition `p` (exclusive), null for the last (open-ended). O(1). */
  endOf(p: number): string | null {
    requireInt('partition', p, 0, this.partitionCount - 1);
    return p === this.partitionCount - 1 ? null : (this.boundaries[p] as string);
  }

  /** Binary search over the boundaries in byte order. O(log P); allocation-free for keys without code units ≥ U+D800. */
  partitionOf(key: Key): number {
    if (typeof key === 'string') {
      if (!HIGH.test(key)) return findPartitionIndex(this.starts, key);
      return findPartitionIndex(this.starts, toSortForm((key as unknown as WellFormed).toWellFormed()));
    }
    assertKey(key);
    return findPartitionIndexBytes(this.startBytes, key);
  }

  ownerOf(partition: number): string {
    requirePartitionNumber(partition);
    const idx = this.owners[partition];
    if (idx === undefined || !Number.isInteger(partition)) throw new NotFoundError('partition', String(partition));
    if (idx < 0) throw new StateError('range placement has no nodes; add one first');
    return this.nodeIds[idx] as string;
  }

  locate(key: Key): string {
    const p = this.partitionOf(key);
    if (this.nodes.length === 0) throw new StateError('range placement has no nodes; add one first');
    return this.nodeIds[this.owners[p] as number] as string;
  }

  /**
   * The owner, then the owners of the following partitions (wrapping) as they
   * first appear, then nodes owning no partition in node order: replicas of a
   * range sit with its neighbours'. O(P) worst case.
   */
  preferenceList(key: Key, n: number): string[] {
    checkReplicas(n, this.nodeIds.length);
    const p = this.partitionOf(key);
    const out: string[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < this.partitionCount && out.length < n; i++) {
      const o = this.owners[(p + i) % this.partitionCount] as number;
      if (!seen.has(o)) {
        seen.add(o);
        out.push(this.nodeIds[o] as string);
      }
    }
    for (let i = 0; i < this.nodeIds.length && out.length < n; i++) if (!seen.has(i)) out.push(this.nodeIds[i] as string);
    return out;
  }

  /** Owner node ids by partition. O(P). */
  ownersArray(): string[] {
    return Array.from(this.owners, (o) => this.nodeIds[o] as string);
  }

  withNode(node: NodeSpec | string): PlacementChange<this> {
    const spec = normalizeNode(node);
    if (this.nodeIds.includes(spec.id)) return { placement: this, plan: EMPTY_PLAN };
    const next = this.rebuild([...this.nodes, spec], this.ownersArray());
    next.fillJoiner(this.nodes.length);
    return { placement: next, plan: this.planTo(next) };
  }

  withoutNode(id: string): PlacementChange<this> {
    const gone = this.nodeIds.indexOf(id);
    if (gone < 0) throw new NotFoundError('node', id, this.nodeIds);
    const owners = Array.from(this.owners, (o) => (o === gone ? null : (this.nodeIds[o] as string)));
    const next = this.rebuild(this.nodes.filter((n) => n.id !== id), owners);
    next.assignOrphans();
    return { placement: next, plan: this.planTo(next) };
  }

  /** The same boundaries and owners with new partition weights (e.g. measured bytes). O(P). */
  withWeights(partitionWeights: readonly number[]): this {
    return new RangePlacement(this.nodes, { boundaries: this.boundaries, owners: this.ownersArray(), partitionWeights }) as this;
  }

  /**
   * Exact plan when `next` has the same boundaries: every partition whose owner
   * differs, with its weight share. Different boundaries: sampled over
   * `sample` (required then). O(P).
   */
  planTo(next: this, sample?: readonly Key[]): Plan {
    requirePlanTarget(this.strategy, next, RangePlacement, 'a range placement');
    if (!sameBoundaries(this.boundaries, next.boundaries)) return sampledPlan(this, next, sample);
    const b = new PlanBuilder();
    if (this.nodes.length === 0 || next.nodes.length === 0) return b.build('exact');
    for (let p = 0; p < this.partitionCount; p++) {
      const from = this.nodeIds[this.owners[p] as number] as string;
      const to = next.nodeIds[next.owners[p] as number] as string;
      if (from !== to) b.add(from, to, (this.weights[p] as number) / this.totalWeight, { partition: p });
    }
    return b.build('exact');
  }

  /** Each node's share of the total partition weight (sums to 1). O(P). */
  loadShares(): ReadonlyMap<string, number> {
    const shares = new Map<string, number>(this.nodeIds.map((id) => [id, 0]));
    for (let p = 0; p < this.partitionCount; p++) {
      const id = this.nodeIds[this.owners[p] as number];
      if (id !== undefined) shares.set(id, (shares.get(id) as number) + (this.weights[p] as number) / this.totalWeight);
    }
    return shares;
  }

  checkInvariants(): void {
    invariant(this.starts.length === this.partitionCount && this.starts[0] === '', 'range: partition 0 must start at ""');
    for (let i = 1; i < this.starts.length; i++) invariant((this.starts[i - 1] as string) < (this.starts[i] as string), () => `range: boundaries not increasing at ${i}`);
    for (let p = 0; p < this.partitionCount; p++) {
      const o = this.owners[p] as number;
      if (this.nodes.length === 0) invariant(o === -1, 'range: no nodes but a partition has an owner');
      else invariant(o >= 0 && o < this.nodes.length, () => `range: partition ${p} has no live owner`);
    }
  }

  describe(): string {
    const shares = [...this.loadShares().values()];
    const mean = 1 / Math.max(1, shares.length);
    const max = shares.length ? Math.max(...shares) : 0;
    return `range: ${this.partitionCount} partitions by key range (UTF-8 byte order) over ${this.nodeIds.length} nodes, max/mean share ${(max / mean).toFixed(3)}`;
  }

  private rebuild(nodes: readonly Required<NodeSpec>[], owners: readonly (string | null)[]): this {
    const next = new RangePlacement([], { boundaries: this.boundaries, partitionWeights: Array.from(this.weights) }) as this;
    const ids = nodes.map((n) => n.id);
    Object.assign(next, { nodes: Object.freeze([...nodes]), nodeIds: Object.freeze(ids) });
    owners.forEach((id, p) => (next.owners[p] = id === null ? -1 : ids.indexOf(id)));
    return next;
  }

  /** Target weight of each of the first `count` nodes: total × its weight share among them. */
  private targets(count = this.nodes.length): number[] {
    const nodes = this.nodes.slice(0, count);
    const wsum = nodes.reduce((s, n) => s + n.weight, 0);
    return nodes.map((n) => (this.totalWeight * n.weight) / wsum);
  }

  private assigned(): number[] {
    const a = new Array<number>(this.nodes.length).fill(0);
    for (let p = 0; p < this.partitionCount; p++) {
      const o = this.owners[p] as number;
      if (o >= 0) a[o] = (a[o] as number) + (this.weights[p] as number);
    }
    return a;
  }

  /** Give every ownerless partition (heaviest first) to the node furthest below its target. O(P·n). */
  private assignOrphans(): void {
    if (this.nodes.length === 0) return;
    const target = this.targets();
    const have = this.assigned();
    const orphans: number[] = [];
    for (let p = 0; p < this.partitionCount; p++) if ((this.owners[p] as number) < 0) orphans.push(p);
    orphans.sort((a, b) => (this.weights[b] as number) - (this.weights[a] as number) || a - b);
    for (const p of orphans) {
      let best = 0;
      for (let i = 1; i < this.nodes.length; i++) if ((target[i] as number) - (have[i] as number) > (target[best] as number) - (have[best] as number)) best = i;
      this.owners[p] = best;
      have[best] = (have[best] as number) + (this.weights[p] as number);
    }
  }

  /**
   * Move partitions to the joining node `j`, each time the move that most
   * reduces the squared distance of donor and joiner from their targets, until
   * no move helps. Only `j` gains: minimal movement. Only the first `count`
   * nodes take part (construction grows the list one node at a time).
   * O(P) per partition moved; O(P + n) per join plus O(n) per partition moved
   * when all partitions weigh the same (./range-fill.ts).
   */
  private fillJoiner(j: number, count = this.nodes.length): void {
    const target = this.targets(count);
    const have = this.assigned();
    const w0 = this.weights[0] as number;
    if (w0 > 0 && this.weights.every((w) => w === w0)) {
      fillJoinerUniform(this.owners, w0, have, target, j, count);
      return;
    }
    for (let budget = this.partitionCount; budget > 0; budget--) {
      const deficit = (target[j] as number) - (have[j] as number);
      // The move that most reduces the squared distance of donor and joiner
      // from their targets: Δ = 2w² − 2w(excess + deficit) < 0.
      let pick = -1;
      let pickDelta = -1e-9;
      for (let p = 0; p < this.partitionCount; p++) {
        const o = this.owners[p] as number;
        const w = this.weights[p] as number;
        if (o === j || w === 0) continue;
        const delta = 2 * w * w - 2 * w * ((have[o] as number) - (target[o] as number) + deficit);
        if (delta < pickDelta) {
          pick = p;
          pickDelta = delta;
        }
      }
      if (pick < 0) return;
      const donor = this.owners[pick] as number;
      this.owners[pick] = j;
      have[donor] = (have[donor] as number) - (this.weights[pick] as number);
      have[j] = (have[j] as number) + (this.weights[pick] as number);
    }
  }
}

function sameBoundaries(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
