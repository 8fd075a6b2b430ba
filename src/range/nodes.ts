/**
 * Range partitions on nodes: the assignment partition → node of one store,
 * kept valid across splits (the right half starts on its parent's node) and
 * merges (the merged partition stays on the left half's node; the merge event
 * reports the bytes that had to move when the halves lived apart), and the
 * balancer's plans applied to it. Plans are values: `planBalance` only
 * computes; `apply` changes the assignment.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { type NodeSpec, normalizeNode, normalizeNodes } from '../partitioning/placement.js';
import { RangePlacement } from '../partitioning/range.js';
import { fromSortForm } from '../partitioning/range-keys.js';
import { type BalanceItem, type BalanceMeasure, type BalanceOptions, type RebalancePlan, checkMeasure, planBalance } from './balancer.js';
import type { RangePartition } from './partition.js';

/** The parts of a store a NodeSet reads. */
interface StoreView<V> {
  readonly parts: readonly RangePartition<V>[];
  nowMs(): number;
}

export class NodeSet<V> {
  private readonly ids: string[];

  constructor(
    private readonly store: StoreView<V>,
    nodes: readonly (NodeSpec | string)[],
  ) {
    this.ids = normalizeNodes(nodes, { allowEmpty: true }).map((n) => n.id);
  }

  /** Node ids, in the order given. */
  get nodeIds(): readonly string[] {
    return [...this.ids];
  }

  /** @internal place a partition that has no node yet on the node with the fewest bytes. */
  placeNew(p: RangePartition<V>): void {
    if (this.ids.length === 0) return;
    const bytes = this.loads('bytes');
    let best = this.ids[0] as string;
    for (const id of this.ids) if ((bytes.get(id) as number) < (bytes.get(best) as number)) best = id;
    p.node = best;
  }

  /** What each partition weighs, for the balancer. O(P). */
  items(): BalanceItem[] {
    const now = this.store.nowMs();
    return this.store.parts
      .filter((p) => p.node !== undefined)
      .map((p) => ({ id: p.id, node: p.node as string, bytes: p.bytes, keys: p.tree.size, load: p.readRate.perSecond(now) + p.writeRate.perSecond(now) }));
  }

  /** Bytes, keys or load (requests/s) per node. O(P). */
  loads(by: BalanceMeasure = 'bytes'): Map<string, number> {
    const out = new Map<string, number>(this.ids.map((id) => [id, 0]));
    for (const it of this.items()) out.set(it.node, (out.get(it.node) as number) + it[by]);
    return out;
  }

  /** A plan bringing every node within tolerance of the mean (see balancer.ts). Changes nothing. */
  planBalance(options: BalanceOptions = {}): RebalancePlan {
    if (this.ids.length === 0) throw new InvalidArgumentError('nodes', [], 'at least one node (pass `nodes` to the store or call nodes.add)');
    return planBalance(this.ids, this.items(), options);
  }

  /**
   * Apply a plan's moves. Every move must name an existing partition on its
   * `from` node and a known `to` node; all are checked before any is applied
   * (a stale plan after splits or merges fails whole). O(P + moves).
   */
  apply(plan: Pick<RebalancePlan, 'moves'>): void {
    const byId = new Map(this.store.parts.map((p) => [p.id, p]));
    for (const m of plan.moves) {
      const p = byId.get(m.partition);
      if (p === undefined) throw new NotFoundError('partition', String(m.partition));
      if (p.node !== m.from) throw new InvalidArgumentError(`move of partition ${m.partition}`, m.from, `its current node ${JSON.stringify(p.node)} (the plan is stale)`);
      if (!this.ids.includes(m.to)) throw new NotFoundError('node', m.to, this.ids);
    }
    for (const m of plan.moves) (byId.get(m.partition) as RangePartition<V>).node = m.to;
  }

  /** Add an empty node (a no-op if it exists); follow with planBalance/apply to give it partitions. O(n). */
  add(node: NodeSpec | string): void {
    const spec = normalizeNode(node);
    if (this.ids.includes(spec.id)) return;
    this.ids.push(spec.id);
    if (this.ids.length === 1) for (const p of this.store.parts) p.node = spec.id;
  }

  /**
   * Remove node `id`: its partitions go, heaviest first, to the node with the
   * least of `by`. Returns the plan it applied. The last node cannot leave.
   */
  remove(id: string, measure: BalanceMeasure = 'bytes'): RebalancePlan {
    const by = checkMeasure(measure);
    const at = this.ids.indexOf(id);
    if (at < 0) throw new NotFoundError('node', id, this.ids);
    if (this.ids.length === 1) throw new InvalidArgumentError('node', id, 'a node other than the last one (partitions need somewhere to live)');
    const rest = this.ids.filter((n) => n !== id);
    const items = this.items();
    const loads = new Map<string, number>(rest.map((n) => [n, 0]));
    for (const it of items) if (it.node !== id) loads.set(it.node, (loads.get(it.node) as number) + it[by]);
    const moves = items
      .filter((it) => it.node === id)
      .sort((a, b) => b[by] - a[by] || a.id - b.id)
      .map((it) => {
        let to = rest[0] as string;
        for (const n of rest) if ((loads.get(n) as number) < (loads.get(to) as number)) to = n;
        loads.set(to, (loads.get(to) as number) + it[by]);
        return { partition: it.id, from: id, to, bytes: it.bytes, keys: it.keys, load: it.load };
      });
    const before = this.loads(by);
    this.apply({ moves });
    this.ids.splice(at, 1);
    const after = this.loads(by);
    const mean = [...after.values()].reduce((s, x) => s + x, 0) / after.size;
    const ratio = (m: Map<string, number>): number => (mean === 0 ? 1 : Math.max(...m.values()) / mean);
    return {
      by,
      tolerance: Infinity,
      moves,
      movedBytes: moves.reduce((s, m) => s + m.bytes, 0),
      before,
      after,
      imbalanceBefore: ratio(before),
      imbalanceAfter: ratio(after),
      withinTolerance: true,
      mustMove: moves.reduce((s, m) => s + m[by], 0),
    };
  }

  /**
   * The store's current layout as a RangePlacement value (boundaries, owners,
   * and `by` per partition as weights), for the partitioning layer's plans and
   * lookups. O(P).
   */
  toPlacement(measure: BalanceMeasure = 'bytes'): RangePlacement {
    const by = checkMeasure(measure);
    if (this.ids.length === 0) throw new InvalidArgumentError('nodes', [], 'at least one node');
    const now = this.store.nowMs();
    const parts = this.store.parts;
    return new RangePlacement(this.ids, {
      boundaries: parts.slice(1).map((p) => fromSortForm(p.start)),
      owners: parts.map((p) => p.node as string),
      partitionWeights: parts.map((p) => (by === 'bytes' ? p.bytes : by === 'keys' ? p.tree.size : p.readRate.perSecond(now) + p.writeRate.perSecond(now))),
    });
  }
}
