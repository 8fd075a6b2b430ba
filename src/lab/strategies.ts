/**
 * The placement strategies the lab compares, each as a named factory over a
 * node list. Only public constructors of `partitioning/` are used; the lab
 * never switches on a strategy's name (ARCHITECTURE.md, principle 2): what
 * differs between strategies is declared here as data.
 */
import type { Key } from '../hash/key.js';
import type { NodeSpec, Placement } from '../partitioning/placement.js';
import { ModNPlacement } from '../partitioning/mod-n.js';
import { ConsistentHashRing } from '../partitioning/ring.js';
import { JumpPlacement } from '../partitioning/jump.js';
import { KetamaRing } from '../partitioning/ketama.js';
import { RendezvousPlacement } from '../partitioning/rendezvous.js';
import { SlotPlacement } from '../partitioning/slots.js';
import { TokenPlacement } from '../partitioning/tokens.js';

/** A strategy configuration under test. */
export interface StrategyCase {
  /** Label in tables and legends, e.g. `ring (150 vnodes)`. */
  readonly label: string;
  /** Build a placement over `nodes`; strategies with random choices draw them from `seed`. O(the strategy's build cost). */
  create(nodes: readonly NodeSpec[], seed: number): Placement;
  /** The node to remove when measuring a leave (jump can only drop its last bucket). Default: a middle node. */
  leaving?(p: Placement): string;
  /** Does the strategy promise that a join moves keys only to the new node (and ~1/(n+1) of them)? */
  readonly minimalMovement: boolean;
  /** Does `weight` scale a node's share? */
  readonly weighted: boolean;
  /** The max/mean key-space share the strategy promises over `n` equal nodes, if it promises one. */
  readonly balanceBound?: (n: number) => number;
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

/** Fixed partitions: 1024 hash slots, assigned to nodes within ±1 of their share. */
export const SLOTS: StrategyCase = {
  label: 'fixed partitions (1024)',
  create: (nodes) => new SlotPlacement(nodes, { partitions: 1024 }),
  minimalMovement: true,
  weighted: true,
  // Every node holds ⌊P/n⌋ or ⌈P/n⌉ partitions: max/mean = ⌈P/n⌉ ÷ (P/n).
  balanceBound: (n) => Math.ceil(1024 / n) / (1024 / n),
};

/** Cassandra-style tokens: `tokensPerNode` per node, picked at random or by splitting the most loaded ranges. */
export function tokens(allocation: 'random' | 'balanced', tokensPerNode = 16): StrategyCase {
  return {
    label: `tokens ${allocation} (${tokensPerNode}/node)`,
    create: (nodes, seed) => new TokenPlacement(nodes, { allocation, tokensPerNode, seed }),
    minimalMovement: true,
    weighted: true,
    // Random tokens promise nothing (that is the point of showing them); balanced allocation with 16 tokens: ≤ 1.10.
    ...(allocation === 'balanced' && tokensPerNode >= 16 ? { balanceBound: () => 1.1 } : {}),
  };
}

/** A consistent hash ring with `vnodes` points per node of weight 1. */
export function ring(vnodes: number): StrategyCase {
  return {
    label: `ring (${vnodes} vnode${vnodes === 1 ? '' : 's'})`,
    create: (nodes) => new ConsistentHashRing(nodes, { vnodes }),
    minimalMovement: true,
    weighted: true,
    // The foundation's target for 150 vnodes at 100 nodes (hashring measures 1.24).
    ...(vnodes >= 150 ? { balanceBound: () => 1.25 } : {}),
  };
}

/** A ketama ring, placing keys exactly where npm `hashring` does (40 digests × 4 points per server). */
export const KETAMA: StrategyCase = {
  label: 'ketama (hashring)',
  create: (nodes) => new KetamaRing(nodes),
  minimalMovement: true,
  weighted: true,
};

/** Jump consistent hash: buckets 0 … n−1, so only the last node can leave. */
export const JUMP: StrategyCase = {
  label: 'jump',
  create: (nodes) => new JumpPlacement(nodes),
  leaving: (p) => p.nodeIds[p.nodeIds.length - 1] as string,
  minimalMovement: true,
  weighted: false,
};

/** Rendezvous (highest random weight) hashing, weighted by the logarithmic method. */
export const RENDEZVOUS: StrategyCase = {
  label: 'rendezvous',
  create: (nodes) => new RendezvousPlacement(nodes),
  minimalMovement: true,
  weighted: true,
};

/**
 * Every strategy configuration of the rebalancing experiment, in legend order.
 */
export function rebalancingCases(): StrategyCase[] {
  return [MOD_N, SLOTS, ring(1), ring(16), ring(150), ring(256), KETAMA, JUMP, RENDEZVOUS, tokens('random'), tokens('balanced')];
}

/** The strategies compared for balance and hot keys: one representative configuration each. */
export function mainCases(): StrategyCase[] {
  return [MOD_N, SLOTS, ring(150), KETAMA, JUMP, RENDEZVOUS, tokens('random'), tokens('balanced')];
}

/** Strategies whose points per node can be varied, as a family over that count (balance vs vnodes/tokens). */
export function pointFamilies(): Array<{ label: string; make(points: number): StrategyCase }> {
  return [
    { label: 'ring (vnodes/node)', make: ring },
    { label: 'tokens random (tokens/node)', make: (t) => tokens('random', t) },
    { label: 'tokens balanced (tokens/node)', make: (t) => tokens('balanced', t) },
  ];
}
