/**
 * The machinery shared by ring-shaped placements (the consistent hash ring and
 * the ketama-compatible ring): points on a 32-bit circle in a sorted
 * Uint32Array, a parallel array of node indexes, and the operations on them.
 *
 * Ownership rule (the one libketama and npm `hashring` use): a key whose hash
 * is h belongs to the first point at or after h, wrapping past 2^32−1 to the
 * first point. So point i owns the hashes in (positions[i−1], positions[i]],
 * and point 0 also owns everything past the last point. When several points
 * share a position, the first of them in array order owns the range; the
 * others own nothing (each ring decides that order and documents it).
 */
import { InvalidArgumentError, invariant } from '../errors.js';
import { type Plan, type TransferRange, PlanBuilder } from './placement.js';

/** Number of points on the ring: hashes are 0 … 2^32−1. */
export const RING_SIZE = 4294967296;

/** Node indexes parallel to the positions: 16-bit while there are ≤ 65,536 nodes. */
export type OwnerArray = Uint16Array | Uint32Array;

/** A ring's points, their owners (indexes into nodeIds), and the node ids. */
export interface RingView {
  readonly positions: Uint32Array;
  readonly owners: OwnerArray;
  readonly nodeIds: readonly string[];
}

/** An owner array of `length` entries able to index `nodeCount` nodes. */
export function ownerArray(length: number, nodeCount: number): OwnerArray {
  return nodeCount <= 65536 ? new Uint16Array(length) : new Uint32Array(length);
}

/**
 * Index of the point owning hash `h`: the first i with positions[i] ≥ h, or 0
 * when h is past the last point (the wrap). Hand-rolled binary search over the
 * typed array, without data-dependent branches (a mispredicted branch per
 * step costs more than the step): O(log n), no allocation. The ring must be
 * non-empty.
 */
export function ringIndex(positions: Uint32Array, h: number): number {
  // Branch-free lower bound: the answer stays in [base, base + n]; the select compiles to a conditional move.
  const len = positions.length;
  let base = 0;
  let n = len;
  while (n > 1) {
    const half = n >>> 1;
    base = (positions[base + half - 1] as number) < h ? base + half : base;
    n -= half;
  }
  const i = (positions[base] as number) < h ? base + 1 : base;
  return i === len ? 0 : i;
}

/** Most bits of the bucket table over a ring's positions (2^20 + 1 entries, 4 MiB, at most). */
export const MAX_INDEX_BITS = 20;

/**
 * A bucket table over a ring's sorted positions: bucket b covers the hashes
 * whose top `32 − shift` bits equal b, and table[b] is the index of the
 * first position at or after the bucket's start (table[size] = length). A
 * lookup then searches only the few positions of one bucket instead of the
 * whole ring, and touches two cache lines instead of log2(V) scattered ones.
 * About 2 positions per bucket: 4 bytes of table per 2 points.
 */
export interface RingTable {
  readonly table: Uint32Array;
  readonly shift: number;
}

/** Build the bucket table of sorted `positions`. O(V + buckets). */
export function buildRingTable(positions: Uint32Array): RingTable {
  const len = positions.length;
  const bits = Math.min(MAX_INDEX_BITS, Math.max(1, Math.ceil(Math.log2(Math.max(len, 2) / 2))));
  const shift = 32 - bits;
  const size = 2 ** bits;
  const step = 2 ** shift;
  const table = new Uint32Array(size + 1);
  let i = 0;
  for (let b = 0; b < size; b++) {
    const start = b * step;
    while (i < len && (positions[i] as number) < start) i++;
    table[b] = i;
  }
  table[size] = len;
  return { table, shift };
}

/**
 * Index of the point owning hash `h` (as ringIndex) through the bucket
 * table: the answer lies in [table[b], table[b+1]] for h's bucket b. A
 * bucket crowded by a poor hash is narrowed by binary search first, so a
 * lookup stays O(log V) in the worst case and O(1) expected. The ring must be
 * non-empty; no allocation.
 */
export function ringIndexTabled(positions: Uint32Array, t: RingTable, h: number): number {
  const b = h >>> t.shift;
  let lo = t.table[b] as number;
  let hi = t.table[b + 1] as number;
  while (hi - lo > 4) {
    const mid = (lo + hi) >>> 1;
    if ((positions[mid] as number) < h) lo = mid + 1;
    else hi = mid;
  }
  while (lo < hi && (positions[lo] as number) < h) lo++;
  return lo === positions.length ? 0 : lo;
}

/** Throw InvariantError unless `t` is the bucket table of `positions`. O(V + buckets). */
export function checkRingTable(name: string, positions: Uint32Array, t: RingTable): void {
  const fresh = buildRingTable(positions);
  invariant(fresh.shift === t.shift && fresh.table.length === t.table.length, `${name}: bucket table has the wrong size`);
  for (let b = 0; b < fresh.table.length; b++) invariant(fresh.table[b] === t.table[b], () => `${name}: bucket table entry ${b} is ${t.table[b]}, expected ${fresh.table[b]}`);
}

/**
 * Exact share of the circle owned by each node (arc lengths / 2^32; sums to
 * 1). O(points + nodes).
 */
export function ringShares(r: RingView): Map<string, number> {
  const { positions, owners, nodeIds } = r;
  const arc = new Float64Array(nodeIds.length);
  const n = positions.length;
  if (n > 0) {
    arc[owners[0] as number] = n === 1 ? RING_SIZE : RING_SIZE - (positions[n - 1] as number) + (positions[0] as number);
    for (let i = 1; i < n; i++) {
      const o = owners[i] as number;
      arc[o] = (arc[o] as number) + (positions[i] as number) - (positions[i - 1] as number);
    }
  }
  const shares = new Map<string, number>();
  nodeIds.forEach((id, i) => shares.set(id, (arc[i] as number) / RING_SIZE));
  return shares;
}

/**
 * The first `n` distinct nodes met walking clockwise from the point owning
 * hash `h`, primary first (Dynamo's preference list). O(points walked); the
 * caller has checked 1 ≤ n ≤ node count.
 */
export function ringWalk(r: RingView, h: number, n: number): string[] {
  const { positions, owners, nodeIds } = r;
  const out: string[] = [];
  const len = positions.length;
  const seen = n > 8 ? new Uint8Array(nodeIds.length) : undefined;
  let i = ringIndex(positions, h);
  for (let steps = 0; steps < len && out.length < n; steps++) {
    const o = owners[i] as number;
    const id = nodeIds[o] as string;
    if (seen) {
      if (!seen[o]) {
        seen[o] = 1;
        out.push(id);
      }
    } else if (!out.includes(id)) {
      out.push(id);
    }
    i = i + 1 === len ? 0 : i + 1;
  }
  return out;
}

/**
 * The exact plan between two rings over the same hash: every hash range whose
 * owner differs, with its length. Walks the union of both point sets once:
 * O(Va + Vb). Contiguous ranges with the same (from, to) are merged, so each
 * transfer is a maximal range. An empty ring on either side gives an empty
 * plan (no owner to move from or to).
 */
export function ringPlan(a: RingView, b: RingView): Plan {
  const builder = new PlanBuilder();
  const pa = a.positions;
  const pb = b.positions;
  const na = pa.length;
  const nb = pb.length;
  if (na === 0 || nb === 0) return { ...builder.build('exact'), transfers: [] };
  const segments: { start: number; end: number; from: string; to: string; length: number }[] = [];
  const last = Math.max(pa[na - 1] as number, pb[nb - 1] as number);
  let i = 0;
  let j = 0;
  let prev = last;
  let first = true;
  let distinct = 0;
  while (i < na || j < nb) {
    const u = i < na && (j >= nb || (pa[i] as number) <= (pb[j] as number)) ? (pa[i] as number) : (pb[j] as number);
    const from = a.nodeIds[a.owners[i < na ? i : 0] as number] as string;
    const to = b.nodeIds[b.owners[j < nb ? j : 0] as number] as string;
    distinct++;
    const length = first ? RING_SIZE - prev + u : u - prev;
    if (from !== to) {
      const tail = segments[segments.length - 1];
      if (tail && tail.end === prev && tail.from === from && tail.to === to) {
        tail.end = u;
        tail.length += length;
      } else {
        segments.push({ start: prev, end: u, from, to, length });
      }
    }
    while (i < na && (pa[i] as number) === u) i++;
    while (j < nb && (pb[j] as number) === u) j++;
    prev = u;
    first = false;
  }
  if (distinct === 1 && segments.length === 1) (segments[0] as { length: number }).length = RING_SIZE;
  // The first segment starts where the last one ends (the wrap): join them when they carry the same move.
  if (segments.length > 1) {
    const head = segments[0] as (typeof segments)[number];
    const tail = segments[segments.length - 1] as (typeof segments)[number];
    if (tail.end === head.start && tail.from === head.from && tail.to === head.to) {
      head.start = tail.start;
      head.length += tail.length;
      segments.pop();
    }
  }
  const transfers: TransferRange[] = [];
  for (const s of segments) {
    builder.add(s.from, s.to, s.length / RING_SIZE, { range: { start: s.start, end: s.end } });
    transfers.push({ start: s.start, end: s.end, from: s.from, to: s.to });
  }
  return { ...builder.build('exact'), transfers };
}

/** Share statistics for a readable summary: min and max share, and max/mean. */
export function shareSummary(shares: ReadonlyMap<string, number>): { min: number; max: number; imbalance: number } {
  let min = Infinity;
  let max = 0;
  for (const s of shares.values()) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  if (shares.size === 0) return { min: 0, max: 0, imbalance: 1 };
  return { min, max, imbalance: max * shares.size };
}

/** Format a share as a percentage with two decimals. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/**
 * Check the rules every ring keeps: positions and owners have one entry per
 * point, positions never decrease, owners index real nodes, and each node has
 * exactly `expectedCounts[i]` points. `tieOrder(a, b)` must be ≤ 0 for the
 * owners of two equal consecutive positions (the ring's documented tie-break).
 * O(points).
 */
export function checkRing(name: string, r: RingView, expectedCounts: ArrayLike<number>, tieOrder: (a: number, b: number) => number): void {
  const { positions, owners, nodeIds } = r;
  invariant(positions.length === owners.length, `${name}: ${positions.length} positions but ${owners.length} owners`);
  invariant(new Set(nodeIds).size === nodeIds.length, `${name}: duplicate node ids`);
  invariant(expectedCounts.length === nodeIds.length, `${name}: point counts for ${expectedCounts.length} nodes, but ${nodeIds.length} nodes`);
  const tally = new Uint32Array(nodeIds.length);
  for (let i = 0; i < positions.length; i++) {
    const o = owners[i] as number;
    invariant(o < nodeIds.length, () => `${name}: point ${i} owned by node index ${o}, but there are ${nodeIds.length} nodes`);
    tally[o] = (tally[o] as number) + 1;
    if (i > 0) {
      const p = positions[i - 1] as number;
      const q = positions[i] as number;
      invariant(p <= q, () => `${name}: positions not sorted at ${i} (${p} > ${q})`);
      if (p === q) invariant(tieOrder(owners[i - 1] as number, o) <= 0, () => `${name}: equal positions at ${i} not in tie-break order`);
    }
  }
  for (let k = 0; k < nodeIds.length; k++) {
    invariant(tally[k] === expectedCounts[k], () => `${name}: node ${nodeIds[k]} has ${tally[k]} points, expected ${expectedCounts[k]}`);
  }
}

/** The same-hash rule of planTo: plans between rings that hash keys differently mean nothing. */
export function requireSameHash(strategy: string, sameHash: boolean, sameParams: boolean): void {
  if (!sameHash || !sameParams) {
    throw new InvalidArgumentError('next', `a ${strategy} with other parameters`, `a ${strategy} with the same hash function and parameters as this one`);
  }
}
