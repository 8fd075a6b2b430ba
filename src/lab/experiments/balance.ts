/**
 * Experiment 2 — balance: how evenly each strategy spreads keys (max/mean load
 * per node; 1 is perfect) as the node count and the points per node
 * (vnodes, tokens) vary, and whether weighted nodes get load in proportion to
 * their weight. DDIA ch. 6: "the goal with partitioning is to spread the data
 * and the query load evenly across nodes"; random boundaries (a ring with one
 * point per node) are unfair, and more points per node even it out.
 *
 * Two measures: key-space shares (`loadShares()`, exact for ring, tokens,
 * slots and mod-N) and the share of the key sample each node receives (what
 * your keys experience, including sampling noise: the dashed reference is a
 * uniformly random assignment of the same sample).
 */
import type { Check, ChartSpec, Experiment, ExperimentContext, ExperimentOutput, Table } from '../experiment.js';
import type { NodeSpec, Placement } from '../../partitioning/placement.js';
import { type StrategyCase, mainCases, nodeNames, pointFamilies } from '../strategies.js';
import { maxOverMean, round } from '../workload.js';
import { randomUint32, type Random } from '../../util/random.js';

const NODE_COUNTS_FULL = [2, 4, 8, 16, 32, 64, 100];
const NODE_COUNTS_QUICK = [2, 8, 32, 100];
const POINTS_FULL = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const POINTS_QUICK = [1, 4, 16, 64, 256];
const POINTS_NODES = 20;
const WEIGHTS: readonly number[] = [1, 1, 2, 4];

/** max/mean of the key sample's counts per node. O(|keys| × lookup). */
function sampleImbalance(p: Placement, keys: readonly string[]): number {
  const counts = new Map<string, number>(p.nodeIds.map((id) => [id, 0]));
  for (const k of keys) {
    const n = p.locate(k);
    counts.set(n, (counts.get(n) as number) + 1);
  }
  return maxOverMean(counts.values());
}

/** max/mean of a uniformly random assignment of `keyCount` keys to `n` nodes: the sampling-noise floor. */
function randomFloor(keyCount: number, n: number, random: Random): number {
  const counts = new Float64Array(n);
  for (let i = 0; i < keyCount; i++) {
    const j = Math.floor(random() * n);
    counts[j] = (counts[j] as number) + 1;
  }
  return maxOverMean(counts);
}

function nodeCountChart(cases: readonly StrategyCase[], counts: readonly number[], keys: readonly string[], seed: number, random: Random, tick: () => void) {
  const sample = new Map<string, number[]>();
  const space = new Map<string, number[]>();
  for (const s of cases) {
    const a: number[] = [];
    const b: number[] = [];
    for (const n of counts) {
      const p = s.create(nodeNames(n), seed);
      a.push(sampleImbalance(p, keys));
      b.push(maxOverMean(p.loadShares().values()));
      tick();
    }
    sample.set(s.label, a);
    space.set(s.label, b);
  }
  const floor = counts.map((n) => randomFloor(keys.length, n, random));
  return { sample, space, floor };
}

function weightedShares(s: StrategyCase, keys: readonly string[], seed: number): number[] {
  const nodes: NodeSpec[] = WEIGHTS.map((w, i) => ({ id: `w${w}-${i}`, weight: w }));
  const p = s.create(nodes, seed);
  const counts = new Map<string, number>(p.nodeIds.map((id) => [id, 0]));
  for (const k of keys) {
    const n = p.locate(k);
    counts.set(n, (counts.get(n) as number) + 1);
  }
  return nodes.map((n) => (counts.get(n.id) as number) / keys.length);
}

export const balance: Experiment = {
  id: 'balance',
  title: 'Balance: how evenly keys spread over nodes',
  claim:
    'Hash partitioning spreads keys evenly only with enough partitions per node: a ring with one point per node is badly skewed, and more vnodes (or tokens, or fixed partitions) bring the most loaded node close to the mean; weighted nodes receive load in proportion to their weight (DDIA ch. 6, "Partitioning by hash of key", "Rebalancing partitions").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const keys = ctx.keys.slice(0, ctx.size(50_000, 10_000));
    const counts = ctx.quick ? NODE_COUNTS_QUICK : NODE_COUNTS_FULL;
    const points = ctx.quick ? POINTS_QUICK : POINTS_FULL;
    const cases = mainCases();
    const families = pointFamilies();
    const weighted = cases.filter((c) => c.weighted);
    const seed = randomUint32(ctx.random);
    const total = cases.length * counts.length + families.length * points.length + weighted.length;
    let step = 0;
    const tick = () => ctx.progress(++step, total);

    const byN = nodeCountChart(cases, counts, keys, seed, ctx.random, tick);
    const byPoints = new Map<string, number[]>();
    for (const f of families) {
      byPoints.set(
        f.label,
        points.map((t) => {
          const v = maxOverMean(f.make(t).create(nodeNames(POINTS_NODES), seed).loadShares().values());
          tick();
          return v;
        }),
      );
    }
    const weights = new Map<string, number[]>();
    for (const s of weighted) {
      weights.set(s.label, weightedShares(s, keys, seed));
      tick();
    }
    const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);

    const charts: ChartSpec[] = [
      {
        id: 'by-nodes',
        title: 'Most loaded node vs the mean, by node count (your key sample)',
        type: 'line',
        x: { label: 'nodes', unit: 'nodes' },
        y: { label: 'max / mean keys per node', unit: '×', min: 1 },
        series: [
          ...cases.map((s) => ({ label: s.label, points: counts.map((n, i) => ({ x: n, y: round((byN.sample.get(s.label) as number[])[i] as number) })) })),
          { label: 'uniform random assignment (sampling noise)', dashed: true, points: counts.map((n, i) => ({ x: n, y: round(byN.floor[i] as number) })) },
        ],
        caption: `${keys.length.toLocaleString('en-US')} keys. With fewer keys per node the sample itself is uneven: the dashed line is what a perfectly fair random assignment of the same number of keys gives.`,
      },
      {
        id: 'by-points',
        title: `Most loaded node vs the mean, by points per node (${POINTS_NODES} nodes, key space)`,
        type: 'line',
        x: { label: 'vnodes or tokens per node', unit: 'points', scale: 'logarithmic' },
        y: { label: 'max / mean share of the key space', unit: '×', min: 1 },
        series: families.map((f) => ({ label: f.label, points: points.map((t, i) => ({ x: t, y: round((byPoints.get(f.label) as number[])[i] as number) })) })),
        caption: 'Exact shares of the 32-bit hash space. One point per node leaves some nodes several times the mean; the balanced token allocation splits the most loaded ranges and stays close to 1.',
      },
      {
        id: 'weighted',
        title: `Share of keys per node with weights ${WEIGHTS.join(', ')}`,
        type: 'bar',
        x: { label: 'node (weight)', unit: '', scale: 'category' },
        y: { label: 'share of keys', unit: '%' },
        categories: WEIGHTS.map((w, i) => `w${w}-${i} (weight ${w})`),
        series: [
          ...weighted.map((s) => ({ label: s.label, values: (weights.get(s.label) as number[]).map((v) => round(v * 100, 2)) })),
          { label: 'in proportion to weight', dashed: true, values: WEIGHTS.map((w) => round((w / totalWeight) * 100, 2)) },
        ],
      },
    ];

    const at100 = (label: string) => (byN.space.get(label) as number[])[counts.indexOf(100)] as number;
    const tables: Table[] = [
      {
        title: 'max / mean load per node (1 is perfect)',
        columns: [{ label: 'strategy' }, ...counts.map((n) => ({ label: `${n} nodes, sample`, unit: '×', format: 'fixed3' as const })), { label: '100 nodes, key space', unit: '×', format: 'fixed3' as const }],
        rows: [
          ...cases.map((s) => [s.label, ...(byN.sample.get(s.label) as number[]).map((v) => round(v)), round(at100(s.label))]),
          ['uniform random (noise floor)', ...byN.floor.map((v) => round(v)), '—'],
        ],
      },
      {
        title: `max / mean share of the key space by points per node (${POINTS_NODES} nodes)`,
        columns: [{ label: 'family' }, ...points.map((t) => ({ label: `${t}`, unit: '×', format: 'fixed3' as const }))],
        rows: families.map((f) => [f.label, ...(byPoints.get(f.label) as number[]).map((v) => round(v))]),
      },
      {
        title: 'Weighted nodes: share of keys ÷ weight share (1 is proportional)',
        columns: [{ label: 'strategy' }, ...WEIGHTS.map((w, i) => ({ label: `w${w}-${i}`, unit: '×', format: 'fixed3' as const }))],
        rows: weighted.map((s) => [s.label, ...(weights.get(s.label) as number[]).map((v, i) => round(v / ((WEIGHTS[i] as number) / totalWeight)))]),
      },
    ];

    const checks: Check[] = [];
    const ringFamily = byPoints.get(families[0]?.label ?? '');
    if (ringFamily) {
      const one = ringFamily[0] as number;
      const most = ringFamily[ringFamily.length - 1] as number;
      checks.push({
        claim: 'One point per node is badly skewed; many points per node even it out',
        held: one >= 1.5 && most <= 1.15,
        measured: `ring over ${POINTS_NODES} nodes: max/mean ${one.toFixed(2)} with 1 vnode, ${most.toFixed(2)} with ${points[points.length - 1]}`,
      });
    }
    for (const s of cases) {
      if (s.balanceBound === undefined) continue;
      const v = at100(s.label);
      const bound = s.balanceBound(100);
      checks.push({
        claim: `${s.label} keeps the most loaded of 100 nodes within its bound (max/mean ≤ ${bound.toFixed(3)})`,
        held: v <= bound + 1e-9,
        measured: `key-space max/mean at 100 nodes: ${v.toFixed(3)}`,
      });
    }
    const tokenFamilies = families.slice(1).map((f) => byPoints.get(f.label) as number[]);
    const at16 = points.indexOf(16);
    if (tokenFamilies.length === 2 && at16 >= 0) {
      const [random, balanced] = tokenFamilies.map((v) => v[at16] as number) as [number, number];
      checks.push({
        claim: 'Balanced token allocation is more even than random tokens (16 tokens per node)',
        held: balanced < random,
        measured: `max/mean over ${POINTS_NODES} nodes: balanced ${balanced.toFixed(3)}, random ${random.toFixed(3)}`,
      });
    }
    for (const s of weighted) {
      const ratios = (weights.get(s.label) as number[]).map((v, i) => v / ((WEIGHTS[i] as number) / totalWeight));
      const worst = Math.max(...ratios.map((r) => Math.abs(r - 1)));
      checks.push({
        claim: `${s.label} gives weighted nodes load in proportion to weight (within 15%)`,
        held: worst <= 0.15,
        measured: `share ÷ weight share per node: ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
      });
    }
    return {
      charts,
      tables,
      checks,
      notes: [
        `Strategies with random choices (tokens) draw them from the run's seed (${ctx.seed}). Weighted placements use nodes of weight ${WEIGHTS.join(', ')} and the key sample (${ctx.keySource.description}).`,
        'The ketama ring reproduces npm hashring exactly, and hashring gives a server floor(weight share × 40 × servers) MD5 digests of 4 points each: with weights 1, 1, 2, 4 a weight-1 server owns only 80 points, so its share strays further from its weight than on a ring with 150 points per unit of weight. Compatibility with hashring is the point of that strategy; use the consistent hash ring where weights must be honoured closely.',
      ],
    };
  },
};
