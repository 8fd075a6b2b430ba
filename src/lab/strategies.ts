/**
 * The placement strategies the lab compares, each as a named factory over a
 * node list. Only public constructors of `partitioning/` are used; the lab
 * never switches on a strategy's name (ARCHITECTURE.md, principle 2): what
 * differs between strategies is declared here as data.
 */
import type { Key } from '../hash/key.js';
import type { NodeSpec, Placement } from '../partitioning/placement.js';
import { ModNPlacement } from '../partitioning/mod-n.js';

/** A strategy configuration under test. */
export interface StrategyCase {
  /** Label in tables and legends, e.g. `ring (150 vnodes)`. */
  readonly label: string;
  /** Build a placement over `nodes`. O(the strategy's build cost). */
  create(nodes: readonly NodeSpec[]): Placement;
  /** The node to remove when measuring a leave (jump can only drop its last bucket). Default: a middle node. */
  leaving?(p: Placement): string;
  /** Does the strategy promise that a join moves keys only to the new node (and ~1/(n+1) of them)? */
  readonly minimalMovement: boolean;
  /** Does `weight` scale a node's share? */
  readonly weighted: boolean;
}

/** Node ids `node-0` … `node-<n−1>`. */
export function nodeNames(n: number, prefix = 'node-'): NodeSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));
}

/** The node a leave removes: the strategy's choice, else the middle one (not the newest, to avoid flattering list-ordered strategies). */
export function leavingNode(s: StrategyCase, p: Placement): string {
  return s.leaving ? s.leaving(p) : (p.nodeIds[Math.floor(p.nodeIds.length / 2)] as string);
}

/** Fraction of `keys` whose owner differs between `a` and `b`, and how many moved between two nodes that both exist in both. O(|keys| × lookup). */
export function movedByLookup(a: Placement, b: Placement, keys: readonly Key[]): { moved: number; strayMoves: number } {
  const inA = new Set(a.nodeIds);
  const inB = new Set(b.nodeIds);
  let moved = 0;
  let stray = 0;
  for (const k of keys) {
    const from = a.locate(k);
    const to = b.locate(k);
    if (from !== to) {
      moved++;
      // A move between two nodes present before and after is not forced by the membership change.
      if (inA.has(to) && inB.has(from)) stray++;
    }
  }
  return { moved: moved / keys.length, strayMoves: stray / keys.length };
}

/** The hash-mod-N baseline (DDIA's "how not to do it"). */
export const MOD_N: StrategyCase = {
  label: 'hash mod N',
  create: (nodes) => new ModNPlacement(nodes),
  minimalMovement: false,
  weighted: false,
};

/**
 * Every strategy configuration of the rebalancing and balance experiments, in
 * legend order.
 */
export function rebalancingCases(): StrategyCase[] {
  return [MOD_N];
}
