/**
 * The range balancer: given where partitions live and what each weighs (bytes,
 * keys or load), a plan of moves that brings every node within `tolerance` of
 * the mean while moving few bytes (DDIA ch. 6, "Rebalancing partitions"; the
 * HBase balancer and CockroachDB's allocator do the same job with more inputs).
 *
 * Greedy, and honest about it: each step takes the most loaded node (donor)
 * and the least loaded (receiver) and moves one donor partition of weight w
 * with 0 < w < gap (so the sum of squared node loads strictly falls: the loop
 * terminates). Among the partitions that would fix the violated bound in one
 * move without pushing the receiver over the upper bound, it takes the one
 * with the fewest bytes; when none does, the heaviest that fits (most
 * progress). Minimising moved bytes exactly is a bin-packing problem; the
 * tests compare the result with the lower bound Σ max(0, load − upper).
 *
 * When every partition weighs at most tolerance × mean, a plan within
 * tolerance always exists and this finds one (if the donor is above the upper
 * bound, the gap to the receiver exceeds tolerance × mean ≥ w, so some move
 * is allowed). Otherwise `withinTolerance` may be false: a partition too big
 * to place is a reason to split it first.
 */
import { InvalidArgumentError } from '../errors.js';

/** What the balancer knows about one partition. */
export interface BalanceItem {
  readonly id: number;
  readonly node: string;
  readonly bytes: number;
  readonly keys: number;
  /** Requests per second (reads + writes). */
  readonly load: number;
}

export type BalanceMeasure = 'bytes' | 'keys' | 'load';

/** One partition changing node. */
export interface PartitionMove {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
  readonly bytes: number;
  readonly keys: number;
  readonly load: number;
}

/** A rebalancing plan: the moves, and what the nodes carry before and after. */
export interface RebalancePlan {
  readonly by: BalanceMeasure;
  readonly tolerance: number;
  readonly moves: readonly PartitionMove[];
  readonly movedBytes: number;
  /** Per node, in the measure `by`. */
  readonly before: ReadonlyMap<string, number>;
  readonly after: ReadonlyMap<string, number>;
  /** Max/mean node load before and after (1 is even). */
  readonly imbalanceBefore: number;
  readonly imbalanceAfter: number;
  /** Every node within tolerance × mean of the mean after the plan. */
  readonly withinTolerance: boolean;
  /** Lower bound on the measure that must move: Σ over nodes of max(0, load − upper bound). */
  readonly mustMove: number;
}

export interface BalanceOptions {
  by?: BalanceMeasure;
  /** Allowed relative distance from the mean, e.g. 0.1 = ±10 %. Default 0.1. */
  tolerance?: number;
  /** Largest number of moves in one plan (default: 4 × partitions + 16). */
  maxMoves?: number;
}

function maxOverMean(loads: ReadonlyMap<string, number>): number {
  let max = 0;
  let sum = 0;
  for (const v of loads.values()) {
    sum += v;
    if (v > max) max = v;
  }
  return sum === 0 ? 1 : max / (sum / loads.size);
}

/** Validate a balance measure (default `bytes`); InvalidArgumentError for anything else. O(1). */
export function checkMeasure(by: unknown = 'bytes'): BalanceMeasure {
  if (by !== 'bytes' && by !== 'keys' && by !== 'load') throw new InvalidArgumentError('by', by, '"bytes", "keys" or "load"');
  return by;
}

/** Plan moves bringing every node within tolerance of the mean. O(moves × (n + partitions on the donor)). */
export function planBalance(nodes: readonly string[], items: readonly BalanceItem[], options: BalanceOptions = {}): RebalancePlan {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object { by, tolerance, maxMoves }');
  const by = checkMeasure(options.by);
  const tolerance = options.tolerance ?? 0.1;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) throw new InvalidArgumentError('tolerance', tolerance, 'a finite number ≥ 0 (0.1 = within 10% of the mean)');
  if (nodes.length === 0) throw new InvalidArgumentError('nodes', nodes, 'at least one node');
  const maxMoves = options.maxMoves ?? 4 * items.length + 16;
  const owner = new Map<number, string>();
  const onNode = new Map<string, BalanceItem[]>(nodes.map((n) => [n, []]));
  const load = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const it of items) {
    const list = onNode.get(it.node);
    if (list === undefined) throw new InvalidArgumentError(`node of partition ${it.id}`, it.node, `one of ${nodes.join(', ')}`);
    list.push(it);
    owner.set(it.id, it.node);
    load.set(it.node, (load.get(it.node) as number) + it[by]);
  }
  const before = new Map(load);
  const total = [...load.values()].reduce((s, x) => s + x, 0);
  const mean = total / nodes.length;
  const upper = mean * (1 + tolerance) + 1e-9;
  const lower = mean * (1 - tolerance) - 1e-9;
  let mustMove = 0;
  for (const v of load.values()) mustMove += Math.max(0, v - upper);
  const moves: PartitionMove[] = [];
  while (moves.length < maxMoves) {
    let donor = nodes[0] as string;
    let receiver = nodes[0] as string;
    for (const n of nodes) {
      if ((load.get(n) as number) > (load.get(donor) as number)) donor = n;
      if ((load.get(n) as number) < (load.get(receiver) as number)) receiver = n;
    }
    const ld = load.get(donor) as number;
    const lr = load.get(receiver) as number;
    if (ld <= upper && lr >= lower) break;
    const gap = ld - lr;
    const fixes = (w: number): boolean => (ld > upper ? ld - w <= upper : lr + w >= lower) && lr + w <= upper && ld - w >= lower;
    let pick: BalanceItem | undefined;
    let pickFixes = false;
    for (const it of onNode.get(donor) as BalanceItem[]) {
      const w = it[by];
      if (!(w > 0 && w < gap)) continue;
      const f = fixes(w);
      if (pick === undefined || (f && !pickFixes) || (f && pickFixes && (it.bytes < pick.bytes || (it.bytes === pick.bytes && w < pick[by]))) || (!f && !pickFixes && w > pick[by])) {
        pick = it;
        pickFixes = f;
      }
    }
    if (pick === undefined) break;
    const w = pick[by];
    (onNode.get(donor) as BalanceItem[]).splice((onNode.get(donor) as BalanceItem[]).indexOf(pick), 1);
    (onNode.get(receiver) as BalanceItem[]).push(pick);
    load.set(donor, ld - w);
    load.set(receiver, lr + w);
    const from = owner.get(pick.id) as string;
    owner.set(pick.id, receiver);
    moves.push({ partition: pick.id, from, to: receiver, bytes: pick.bytes, keys: pick.keys, load: pick.load });
  }
  // A partition moved twice (A→B→C) is one move A→C; one moved back is none.
  const net = new Map<number, PartitionMove>();
  for (const m of moves) {
    const first = net.get(m.partition);
    net.set(m.partition, first ? { ...m, from: first.from } : m);
  }
  const finalMoves = [...net.values()].filter((m) => m.from !== m.to);
  let within = true;
  for (const v of load.values()) if (v > upper || v < lower) within = false;
  return {
    by,
    tolerance,
    moves: finalMoves,
    movedBytes: finalMoves.reduce((s, m) => s + m.bytes, 0),
    before,
    after: load,
    imbalanceBefore: maxOverMean(before),
    imbalanceAfter: maxOverMean(load),
    withinTolerance: within,
    mustMove,
  };
}
