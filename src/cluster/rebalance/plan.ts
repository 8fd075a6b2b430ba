/**
 * The plan half of live rebalancing, pure (no I/O, no clock, no Math.random):
 * from the current cluster map, per-partition statistics merged from every
 * node and a request (add a node, remove a node, even out keys or bytes),
 * the target partition table and the RebalancePlan that gets there (./types.ts).
 *
 * Only partitioned strategies (`slots`, `redis-slots`) can be rebalanced
 * live: their map carries the partition → node table, and a move is a range
 * of partitions changing owner. Any other strategy is refused (StateError,
 * code REBALANCE_NEEDS_PARTITIONS).
 *
 * The target is built from the table the map holds now, not from the node
 * list: a running cluster's table is state (it may even be off balance in
 * the middle of another plan), so the placement's own minimal-movement
 * rebalance (`rebalance()` of src/partitioning/assignment.ts, what
 * SlotPlacement.withNode / withoutNode run) is applied to it directly.
 *
 * Moves are the partitions whose owner differs between the current and the
 * target table, grouped into runs of consecutive partitions with one source
 * and one target, each run cut at MAX_PARTITIONS_PER_MOVE partitions and
 * MAX_BYTES_PER_MOVE bytes (a single partition larger than that is a move
 * of its own).
 */
import { CorruptionError, InvalidArgumentError, NotFoundError, StateError, requireInt } from '../../errors.js';
import { rebalance } from '../../partitioning/assignment.js';
import { REDIS_SLOT_COUNT } from '../../hash/redis-slot.js';
import { DEFAULT_PARTITIONS } from '../../partitioning/slots.js';
import type { Random } from '../../util/random.js';
import type { ClusterMap, MapNode, OwnerRange } from '../map.js';
import { type PlanMove, type RebalancePlan, type Throttle, DEFAULT_THROTTLE } from './types.js';

/** At most this many partitions in one move. */
export const MAX_PARTITIONS_PER_MOVE = 256;
/** At most this many bytes (keys + records as stored) in one move, unless a single partition holds more: 64 MiB. */
export const MAX_BYTES_PER_MOVE = 64 * 1024 * 1024;
/**
 * Fixed cost of one move in the estimate, ms, on top of its bytes: the
 * write fence of the switch, the compare-and-set of the map, every node and
 * client learning the new map, and the cleanup of the source. A guess
 * (the executor's journal records the real fence times), deliberately on the
 * pessimistic side of what a loopback cluster shows.
 */
export const MOVE_OVERHEAD_MS = 500;
/**
 * `balance` stops once the most loaded node holds at most this multiple of
 * its weighted share (max/mean for equal weights): 1.05, within 5 %.
 */
export const BALANCE_THRESHOLD = 1.05;
/** `balance` makes at most this many single steps (a move or a swap of two partitions). */
export const MAX_BALANCE_STEPS = 20_000;

/** What to plan. */
export type PlanRequest =
  | { readonly kind: 'add'; readonly node: MapNode }
  | { readonly kind: 'remove'; readonly node: string }
  | { readonly kind: 'balance'; readonly by: 'keys' | 'bytes' | 'load' };

/** Keys and bytes (stored keys + records) of one partition. */
export interface PartitionStat {
  readonly keys: number;
  readonly bytes: number;
}

/** Per-partition statistics; a partition absent holds nothing. */
export type PartitionStats = ReadonlyMap<number, PartitionStat>;

/** The input of `computePlan`. */
export interface PlanInput {
  readonly map: ClusterMap;
  readonly stats: PartitionStats;
  readonly request: PlanRequest;
  /** Default DEFAULT_THROTTLE. */
  readonly throttle?: Throttle;
  /** The plan's createdAtMs (the caller's clock). */
  readonly nowMs: number;
  /** Randomness for the plan id (uniform in [0, 1)). */
  readonly random: Random;
}

/** How even a balance plan leaves the nodes, by its metric. */
export interface BalanceReport {
  readonly by: 'keys' | 'bytes';
  /** Max over nodes of (load / weighted share of the total): 1 is perfectly even. Before the plan. */
  readonly before: number;
  /** The same after the plan. */
  readonly after: number;
  /** The goal (BALANCE_THRESHOLD); `after` may stay above it when no step helps any more (a hot partition). */
  readonly threshold: number;
}

/** What `computePlan` returns. */
export interface PlanOutcome {
  readonly plan: RebalancePlan;
  /** The partition owners after the plan, as ranges over `plan.nodes` (indices): the map's `owners` once it is done. */
  readonly target: readonly OwnerRange[];
  /** For `balance`: the imbalance before and after. */
  readonly balance?: BalanceReport;
}

/** The error for a map whose strategy has no partition table. */
function notPartitioned(map: ClusterMap): StateError {
  return new StateError(`rebalancing needs a partitioned strategy (slots or redis-slots): it moves partitions between nodes; this cluster runs ${JSON.stringify(map.strategy)}`, {
    code: 'REBALANCE_NEEDS_PARTITIONS',
  });
}

/** The partition count of a partitioned map. O(1). */
export function partitionCountOf(map: ClusterMap): number {
  if (map.strategy === 'redis-slots') return REDIS_SLOT_COUNT;
  if (map.strategy !== 'slots') throw notPartitioned(map);
  const p = (map.options as { partitions?: unknown }).partitions;
  return p === undefined ? DEFAULT_PARTITIONS : requireInt('partitions', p, 1);
}

/**
 * The partition → node-id table of a partitioned map, checked for coverage
 * (CorruptionError when a range is outside the partitions or nodes, or a
 * partition has no owner). Does not require the table to be balanced.
 * StateError for a strategy without a table. O(P).
 */
export function ownerTable(map: ClusterMap): string[] {
  return idsOf(ownerIndexes(map), map.nodes);
}

function ownerIndexes(map: ClusterMap): Int32Array {
  const P = partitionCountOf(map);
  if (map.owners === undefined) throw new CorruptionError(`cluster map: strategy ${map.strategy} but no partition table (owners)`);
  const owners = new Int32Array(P).fill(-1);
  for (const r of map.owners) {
    if (!Number.isInteger(r.first) || !Number.isInteger(r.last) || !Number.isInteger(r.node) || r.first < 0 || r.last < r.first || r.last >= P || r.node < 0 || r.node >= map.nodes.length) {
      throw new CorruptionError(`cluster map: owner range ${JSON.stringify(r)} is outside partitions 0 … ${P - 1} or nodes 0 … ${map.nodes.length - 1}`);
    }
    owners.fill(r.node, r.first, r.last + 1);
  }
  const missing = owners.indexOf(-1);
  if (missing >= 0) throw new CorruptionError(`cluster map: partition ${missing} has no owner`);
  return owners;
}

function idsOf(owners: Int32Array, nodes: readonly MapNode[]): string[] {
  return Array.from(owners, (o) => (nodes[o] as MapNode).id);
}

/** A partition → node-index table as contiguous ranges. O(P). */
function rangesOf(table: Int32Array): OwnerRange[] {
  const out: OwnerRange[] = [];
  for (let p = 0; p < table.length; p++) {
    const node = table[p] as number;
    const last = out[out.length - 1];
    if (last !== undefined && last.node === node) out[out.length - 1] = { ...last, last: p };
    else out.push({ first: p, last: p, node });
  }
  return out;
}

/**
 * `table` (partition → node id) with every move applied: partitions
 * first … last given to `to`. Throws InvalidArgumentError when a move's
 * partitions are not owned by its `from` (in the table as the earlier moves
 * left it) or lie outside the table. Returns a new array. O(P + moved).
 */
export function applyMoves(table: readonly string[], moves: readonly PlanMove[]): string[] {
  const next = [...table];
  for (const m of moves) {
    if (!Number.isInteger(m.first) || !Number.isInteger(m.last) || m.first < 0 || m.last < m.first || m.last >= next.length) {
      throw new InvalidArgumentError('move', `${m.first}…${m.last}`, `partitions within 0 … ${next.length - 1}`);
    }
    for (let p = m.first; p <= m.last; p++) {
      if (next[p] !== m.from) throw new InvalidArgumentError(`move ${m.first}…${m.last} ${m.from}→${m.to}`, `partition ${p} owned by ${next[p]}`, `partitions owned by ${m.from}`);
      next[p] = m.to;
    }
  }
  return next;
}

/**
 * The largest of the per-partition rows several nodes report (SK.PARTSTATS
 * rows `[partition, keys, bytes]`): a partition normally lives on one node;
 * in the middle of a move it is on two (the target's copy partial, or the
 * source's leftovers after the switch), and the larger is the one that will
 * be moved. Keys and bytes are each the max over nodes. O(rows).
 */
export function mergePartitionStats(perNode: Iterable<Iterable<readonly [number, number, number]>>): Map<number, PartitionStat> {
  const out = new Map<number, PartitionStat>();
  for (const rows of perNode) {
    for (const [p, keys, bytes] of rows) {
      const had = out.get(p);
      out.set(p, had === undefined ? { keys, bytes } : { keys: Math.max(had.keys, keys), bytes: Math.max(had.bytes, bytes) });
    }
  }
  return out;
}

function checkStats(stats: PartitionStats, P: number): void {
  if (!(stats instanceof Map)) throw new InvalidArgumentError('stats', stats, 'a Map partition → {keys, bytes}');
  for (const [p, s] of stats) {
    if (!Number.isInteger(p) || p < 0 || p >= P) throw new InvalidArgumentError('stats partition', p, `an integer 0 … ${P - 1}`);
    const ok = s !== null && typeof s === 'object' && Number.isSafeInteger(s.keys) && s.keys >= 0 && Number.isSafeInteger(s.bytes) && s.bytes >= 0;
    if (!ok) throw new InvalidArgumentError(`stats of partition ${p}`, s, '{keys, bytes}: integers ≥ 0');
  }
}

function checkThrottle(t: Throttle): Throttle {
  if (t === null || typeof t !== 'object') throw new InvalidArgumentError('throttle', t, '{bytesPerSecPerNode, movesPerNode}');
  const bytesPerSecPerNode = requireInt('throttle.bytesPerSecPerNode', t.bytesPerSecPerNode, 1);
  const movesPerNode = requireInt('throttle.movesPerNode', t.movesPerNode, 1, 1024);
  return { bytesPerSecPerNode, movesPerNode };
}

function checkNewNode(map: ClusterMap, node: MapNode): MapNode {
  if (node === null || typeof node !== 'object') throw new InvalidArgumentError('node', node, 'an object {id, weight, host, port}');
  const { id, weight, host, port } = node;
  if (typeof id !== 'string' || id.length === 0 || id.length > 1024) throw new InvalidArgumentError('node id', id, 'a non-empty string of at most 1024 characters');
  if (typeof weight !== 'number' || !Number.isFinite(weight) || !(weight > 0)) throw new InvalidArgumentError(`weight of node ${id}`, weight, 'a finite number > 0');
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError(`host of node ${id}`, host, 'a host name or IP address');
  requireInt(`port of node ${id}`, port, 1, 65535);
  if (map.nodes.some((n) => n.id === id)) {
    throw new InvalidArgumentError('node to add', id, `an id not in the map already (the map has ${map.nodes.map((n) => n.id).join(', ')})`);
  }
  const same = map.nodes.find((n) => n.host === host && n.port === port);
  if (same !== undefined) throw new InvalidArgumentError(`address of node ${id}`, `${host}:${port}`, `an address no node of the map uses (${same.id} has it)`);
  return { id, weight, host, port };
}

/** A short plan id: `<kind>-e<epoch>-<6 base-36 digits from random>`. */
function planId(kind: string, epoch: number, random: Random): string {
  const r = random();
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new InvalidArgumentError('random()', r, 'a number in [0, 1)');
  return `${kind}-e${epoch}-${Math.floor(r * 36 ** 6).toString(36).padStart(6, '0')}`;
}

/**
 * The plan for `input.request` against `input.map`. Throws, changing nothing:
 * StateError (code REBALANCE_NEEDS_PARTITIONS) for a strategy other than
 * slots / redis-slots; InvalidArgumentError for adding a node whose id or
 * address the map has, bad stats, a bad throttle, or `balance` by `load`;
 * NotFoundError for removing an unknown node; StateError for removing the
 * last node. O(P + n log n) for add/remove; balance O(steps · P/n · log P).
 */
export function computePlan(input: PlanInput): PlanOutcome {
  const { map, stats, request } = input;
  const P = partitionCountOf(map);
  const current = ownerIndexes(map);
  checkStats(stats, P);
  const throttle = checkThrottle(input.throttle ?? DEFAULT_THROTTLE);
  if (typeof input.nowMs !== 'number' || !Number.isFinite(input.nowMs)) throw new InvalidArgumentError('nowMs', input.nowMs, 'a finite number (ms)');
  if (request === null || typeof request !== 'object') throw new InvalidArgumentError('request', request, "{kind: 'add', node} | {kind: 'remove', node} | {kind: 'balance', by}");
  let nodes: MapNode[];
  let target: Int32Array;
  let balance: BalanceReport | undefined;
  if (request.kind === 'add') {
    const node = checkNewNode(map, request.node);
    nodes = [...map.nodes, node];
    target = rebalance(current, nodes.map((n) => n.weight), { joiner: map.nodes.length });
  } else if (request.kind === 'remove') {
    const gone = map.nodes.findIndex((n) => n.id === request.node);
    if (gone < 0) throw new NotFoundError('node', request.node, map.nodes.map((n) => n.id));
    if (map.nodes.length === 1) throw new StateError(`cannot remove ${JSON.stringify(request.node)}: it is the last node and every partition needs an owner`, { code: 'LAST_NODE' });
    nodes = map.nodes.filter((_, i) => i !== gone);
    const remapped = current.map((o) => (o === gone ? -1 : o > gone ? o - 1 : o));
    target = rebalance(remapped, nodes.map((n) => n.weight));
  } else if (request.kind === 'balance') {
    if (request.by === 'load') {
      throw new InvalidArgumentError(
        'balance by',
        'load',
        'keys or bytes: nodes keep no per-partition load (requests) counter yet, and using keys in its place would only repeat --by keys under another name',
      );
    }
    if (request.by !== 'keys' && request.by !== 'bytes') throw new InvalidArgumentError('balance by', request.by, 'keys or bytes');
    nodes = [...map.nodes];
    const metric = new Float64Array(P);
    for (const [p, s] of stats) metric[p] = request.by === 'keys' ? s.keys : s.bytes;
    const r = balanceTable(current, nodes.map((n) => n.weight), metric);
    target = r.table;
    balance = { by: request.by, before: r.before, after: r.after, threshold: BALANCE_THRESHOLD };
  } else {
    throw new InvalidArgumentError('request kind', (request as { kind: unknown }).kind, 'add, remove or balance');
  }
  const before = idsOf(current, map.nodes);
  const after = idsOf(target, nodes);
  const moves = groupMoves(before, after, stats);
  const plan: RebalancePlan = {
    format: 1,
    id: planId(request.kind, map.epoch, input.random),
    kind: request.kind,
    ...(request.kind === 'balance' ? { by: request.by } : { node: request.kind === 'add' ? request.node.id : request.node }),
    createdAtMs: input.nowMs,
    fromEpoch: map.epoch,
    nodes,
    moves,
    throttle,
    estimateMs: estimatePlanMs(moves, throttle),
    state: 'proposed',
  };
  return { plan, target: rangesOf(target), ...(balance === undefined ? {} : { balance }) };
}

/**
 * The partitions whose owner differs between `before` and `after`
 * (partition → node id), as runs of consecutive partitions with one source
 * and one target, cut at MAX_PARTITIONS_PER_MOVE and MAX_BYTES_PER_MOVE;
 * keys and bytes from `stats`. In partition order. O(P).
 */
export function groupMoves(before: readonly string[], after: readonly string[], stats: PartitionStats): PlanMove[] {
  if (before.length !== after.length) throw new InvalidArgumentError('tables', `${before.length} and ${after.length} partitions`, 'two tables of the same length');
  const moves: PlanMove[] = [];
  let open: { first: number; last: number; from: string; to: string; keys: number; bytes: number } | undefined;
  const close = (): void => {
    if (open !== undefined) moves.push({ ...open });
    open = undefined;
  };
  for (let p = 0; p < before.length; p++) {
    const from = before[p] as string;
    const to = after[p] as string;
    if (from === to) {
      close();
      continue;
    }
    const s = stats.get(p) ?? { keys: 0, bytes: 0 };
    const fits =
      open !== undefined && open.from === from && open.to === to && open.last === p - 1 && open.last - open.first + 1 < MAX_PARTITIONS_PER_MOVE && open.bytes + s.bytes <= MAX_BYTES_PER_MOVE;
    if (open !== undefined && fits) {
      open.last = p;
      open.keys += s.keys;
      open.bytes += s.bytes;
    } else {
      close();
      open = { first: p, last: p, from, to, keys: s.keys, bytes: s.bytes };
    }
  }
  close();
  return moves;
}

/**
 * Expected duration of `moves` under `throttle`, ms: for each node, the
 * larger of the bytes it sends and the bytes it receives over
 * bytesPerSecPerNode (each direction has its own budget), plus
 * MOVE_OVERHEAD_MS for each round of at most movesPerNode of its moves at
 * once (⌈moves of the node / movesPerNode⌉ rounds); the plan takes as long
 * as its busiest node. Rounded up to whole ms. O(moves).
 */
export function estimatePlanMs(moves: readonly PlanMove[], throttle: Throttle): number {
  const t = checkThrottle(throttle);
  const per = new Map<string, { sent: number; received: number; moves: number }>();
  const of = (id: string) => {
    let e = per.get(id);
    if (e === undefined) per.set(id, (e = { sent: 0, received: 0, moves: 0 }));
    return e;
  };
  for (const m of moves) {
    const f = of(m.from);
    const to = of(m.to);
    f.sent += m.bytes;
    f.moves++;
    to.received += m.bytes;
    to.moves++;
  }
  let worst = 0;
  for (const e of per.values()) {
    const ms = (Math.max(e.sent, e.received) / t.bytesPerSecPerNode) * 1000 + Math.ceil(e.moves / t.movesPerNode) * MOVE_OVERHEAD_MS;
    worst = Math.max(worst, ms);
  }
  return Math.ceil(worst);
}

/**
 * Max over nodes of (load / weighted share of the total load), for a table
 * (partition → node index) and per-partition loads: 1 when perfectly even
 * (and when there is no load at all). O(P + n).
 */
export function tableImbalance(table: Int32Array, weights: readonly number[], metric: Float64Array): number {
  const loads = new Float64Array(weights.length);
  let total = 0;
  for (let p = 0; p < table.length; p++) {
    loads[table[p] as number] = (loads[table[p] as number] as number) + (metric[p] as number);
    total += metric[p] as number;
  }
  return ratioMax(loads, weights, total);
}

function ratioMax(loads: Float64Array, weights: readonly number[], total: number): number {
  if (total <= 0) return 1;
  const W = weights.reduce((s, w) => s + w, 0);
  let max = 0;
  for (let i = 0; i < weights.length; i++) max = Math.max(max, (loads[i] as number) / ((total * (weights[i] as number)) / W));
  return max;
}

/** A node's partitions sorted by load (ascending), for closest-load searches. */
class SortedParts {
  readonly parts: number[] = [];
  constructor(private readonly metric: Float64Array) {}
  /** Index of the first partition whose load is ≥ x. O(log k). */
  lowerBound(x: number): number {
    let lo = 0;
    let hi = this.parts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.metric[this.parts[mid] as number] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  insert(p: number): void {
    const m = this.metric[p] as number;
    let i = this.lowerBound(m);
    while (i < this.parts.length && (this.metric[this.parts[i] as number] as number) === m && (this.parts[i] as number) < p) i++;
    this.parts.splice(i, 0, p);
  }
  remove(p: number): void {
    const i = this.parts.indexOf(p);
    if (i >= 0) this.parts.splice(i, 1);
  }
  /** The partitions whose load is closest to x (at most two candidates). */
  closest(x: number): number[] {
    const i = this.lowerBound(x);
    const out: number[] = [];
    if (i < this.parts.length) out.push(this.parts[i] as number);
    if (i > 0) out.push(this.parts[i - 1] as number);
    return out;
  }
}

/**
 * Even out `metric` over the nodes: repeatedly take the node with the
 * highest load/share ratio (h) and the one with the lowest (l), and make the
 * single step between them — move one partition h → l, or swap a partition
 * of h with a lighter one of l — that brings their loads closest to equal.
 * Partition counts stay within each node's ⌊P·w/W⌋ … ⌈P·w/W⌉ (the quota the
 * slot strategies require of a table), so single moves happen only where
 * that slack exists and swaps elsewhere. A step is taken only if it strictly
 * lowers the larger of the two nodes' ratios (hysteresis: a step that a
 * later step would undo is never taken, and the overall maximum never
 * rises). Stops at BALANCE_THRESHOLD, when no step between h and l helps,
 * or after MAX_BALANCE_STEPS.
 */
function balanceTable(owners: Int32Array, weights: readonly number[], metric: Float64Array): { table: Int32Array; before: number; after: number } {
  const n = weights.length;
  const P = owners.length;
  const table = Int32Array.from(owners);
  const W = weights.reduce((s, w) => s + w, 0);
  let total = 0;
  for (let p = 0; p < P; p++) total += metric[p] as number;
  const before = tableImbalance(table, weights, metric);
  if (total <= 0 || n < 2) return { table, before, after: before };
  const loads = new Float64Array(n);
  const counts = new Int32Array(n);
  const lists = Array.from({ length: n }, () => new SortedParts(metric));
  for (let p = 0; p < P; p++) {
    const o = table[p] as number;
    loads[o] = (loads[o] as number) + (metric[p] as number);
    (counts[o] as number)++;
    (lists[o] as SortedParts).parts.push(p);
  }
  for (const l of lists) l.parts.sort((a, b) => (metric[a] as number) - (metric[b] as number) || a - b);
  const share = weights.map((w) => (total * w) / W);
  const lo = weights.map((w) => Math.floor((P * w) / W));
  const hi = weights.map((w) => Math.ceil((P * w) / W));
  const ratio = (i: number, load = loads[i] as number): number => load / (share[i] as number);
  for (let step = 0; step < MAX_BALANCE_STEPS; step++) {
    let h = 0;
    let l = 0;
    for (let i = 1; i < n; i++) {
      if (ratio(i) > ratio(h)) h = i;
      if (ratio(i) < ratio(l)) l = i;
    }
    const worst = ratio(h);
    if (worst <= BALANCE_THRESHOLD || h === l) break;
    const Lh = loads[h] as number;
    const Ll = loads[l] as number;
    const Th = share[h] as number;
    const Tl = share[l] as number;
    // The amount x moved h → l that equalises their ratios: (Lh − x)/Th = (Ll + x)/Tl.
    const ideal = (Lh * Tl - Ll * Th) / (Th + Tl);
    const cost = (x: number): number => Math.max(ratio(h, Lh - x), ratio(l, Ll + x));
    let best: { a: number; b: number | undefined; cost: number } | undefined;
    const consider = (a: number, b: number | undefined): void => {
      const x = (metric[a] as number) - (b === undefined ? 0 : (metric[b] as number));
      if (!(x > 0)) return;
      const c = cost(x);
      if (c < worst && (best === undefined || c < best.cost)) best = { a, b, cost: c };
    };
    const hList = lists[h] as SortedParts;
    const lList = lists[l] as SortedParts;
    if ((counts[h] as number) - 1 >= (lo[h] as number) && (counts[l] as number) + 1 <= (hi[l] as number)) {
      for (const a of hList.closest(ideal)) consider(a, undefined);
    }
    for (const a of hList.parts) {
      if ((metric[a] as number) <= 0) continue;
      for (const b of lList.closest((metric[a] as number) - ideal)) consider(a, b);
    }
    if (best === undefined) break;
    const { a, b } = best;
    table[a] = l;
    hList.remove(a);
    lList.insert(a);
    loads[h] = (loads[h] as number) - (metric[a] as number);
    loads[l] = (loads[l] as number) + (metric[a] as number);
    if (b === undefined) {
      (counts[h] as number)--;
      (counts[l] as number)++;
    } else {
      table[b] = h;
      lList.remove(b);
      hList.insert(b);
      loads[l] = (loads[l] as number) - (metric[b] as number);
      loads[h] = (loads[h] as number) + (metric[b] as number);
    }
  }
  return { table, before, after: ratioMax(loads, weights, total) };
}
