/**
 * Experiment 1 — rebalancing cost: the fraction of keys that change owner when
 * one node joins or leaves, per strategy, against the optimum (1/(n+1) for a
 * join to n nodes, 1/n for a leave from n nodes). DDIA ch. 6, "Rebalancing
 * partitions": hash mod N moves almost everything; fixed partitions, consistent
 * hashing and its relatives move about the optimum.
 *
 * Method: build each strategy over n nodes, add (or remove) one node, and look
 * every key of the sample up before and after. The same method for every
 * strategy, on the user's keys when `--keys` is given.
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput, Series } from '../experiment.js';
import { type StrategyCase, leavingNode, movedByLookup, nodeNames, rebalancingCases } from '../strategies.js';
import { round } from '../workload.js';
import { randomUint32 } from '../../util/random.js';

const FULL_NODE_COUNTS = [2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 40, 50, 64, 80, 100];
const QUICK_NODE_COUNTS = [2, 4, 10, 25, 50, 100];
const TABLE_NODE_COUNTS = [4, 10, 32, 100];

interface Row {
  readonly n: number;
  readonly join: number;
  readonly leave: number;
  readonly stray: number;
}

function measure(s: StrategyCase, n: number, keys: readonly string[], seed: number): Row {
  const before = s.create(nodeNames(n), seed);
  const joined = before.withNode(`node-${n}`).placement;
  const j = movedByLookup(before, joined, keys);
  const left = before.withoutNode(leavingNode(s, before)).placement;
  const l = movedByLookup(before, left, keys);
  return { n, join: j.moved, leave: l.moved, stray: Math.max(j.strayMoves, l.strayMoves) };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const rebalancing: Experiment = {
  id: 'rebalancing',
  title: 'Rebalancing cost: what moves when a node joins or leaves',
  claim:
    'Hash mod N moves almost every key when the node count changes (about n/(n+1) of them); fixed partitions, consistent hashing, jump, rendezvous and tokens move close to the minimum, 1/(n+1) of the keys for a join, and only to or from the node that changed (DDIA ch. 6, "Rebalancing partitions").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const counts = ctx.quick ? QUICK_NODE_COUNTS : FULL_NODE_COUNTS;
    const keys = ctx.keys.slice(0, ctx.size(20_000, 4_000));
    const cases = rebalancingCases();
    const rows = new Map<string, Row[]>();
    const seed = randomUint32(ctx.random);
    let step = 0;
    for (const s of cases) {
      const r: Row[] = [];
      for (const n of counts) {
        r.push(measure(s, n, keys, seed));
        ctx.progress(++step, cases.length * counts.length);
      }
      rows.set(s.label, r);
    }
    const pct = (x: number) => round(x * 100, 3);
    const series = (kind: 'join' | 'leave'): Series[] => [
      ...cases.map((s) => ({ label: s.label, points: (rows.get(s.label) as Row[]).map((r) => ({ x: r.n, y: pct(r[kind]) })) })),
      { label: kind === 'join' ? 'optimum 1/(n+1)' : 'optimum 1/n', dashed: true, points: counts.map((n) => ({ x: n, y: pct(kind === 'join' ? 1 / (n + 1) : 1 / n) })) },
    ];
    const ratios = (s: StrategyCase) => (rows.get(s.label) as Row[]).map((r) => r.join * (r.n + 1));
    const checks: Check[] = [];
    const modN = cases.find((s) => !s.minimalMovement);
    if (modN) {
      const r10 = (rows.get(modN.label) as Row[]).filter((r) => r.n >= 4);
      const worstShortfall = Math.min(...r10.map((r) => r.join / (r.n / (r.n + 1))));
      checks.push({
        claim: `${modN.label} moves about n/(n+1) of the keys on a join (n ≥ 4)`,
        held: worstShortfall > 0.9,
        measured: `moved ≥ ${(worstShortfall * 100).toFixed(1)}% of n/(n+1) at every n ≥ 4; e.g. n = ${r10[r10.length - 1]?.n}: ${((r10[r10.length - 1]?.join ?? 0) * 100).toFixed(1)}% of keys moved`,
      });
    }
    for (const s of cases.filter((c) => c.minimalMovement)) {
      const m = mean(ratios(s));
      const stray = Math.max(...(rows.get(s.label) as Row[]).map((r) => r.stray));
      checks.push({
        claim: `${s.label} moves about the optimum on a join (0.75–1.35× on average over n), only to or from the changed node`,
        held: m >= 0.75 && m <= 1.35 && stray === 0,
        measured: `join moves ${m.toFixed(2)}× the optimum on average over n; keys moved between unchanged nodes: ${(stray * 100).toFixed(2)}%`,
      });
    }
    const tableCounts = TABLE_NODE_COUNTS.filter((n) => counts.includes(n));
    const at = (s: StrategyCase, n: number) => (rows.get(s.label) as Row[]).find((r) => r.n === n) as Row;
    return {
      charts: [
        {
          id: 'join',
          title: 'Keys moved when one node joins n nodes',
          type: 'line',
          x: { label: 'nodes before the join, n', unit: 'nodes', scale: 'logarithmic' },
          y: { label: 'keys moved', unit: '%', scale: 'logarithmic' },
          series: series('join'),
          smallMultiples: true,
          caption: 'One panel per strategy, log scales, the other strategies in grey behind. The dashed line is the minimum any strategy must move: the new node’s fair share, 1/(n+1).',
        },
        {
          id: 'leave',
          title: 'Keys moved when one of n nodes leaves',
          type: 'line',
          x: { label: 'nodes before the leave, n', unit: 'nodes', scale: 'logarithmic' },
          y: { label: 'keys moved', unit: '%', scale: 'logarithmic' },
          series: series('leave'),
          smallMultiples: true,
          caption: 'One panel per strategy, as above. The minimum (dashed) is the leaving node’s share, 1/n.',
        },
      ],
      tables: [
        {
          title: 'Keys moved on a join (share of the key sample)',
          columns: [{ label: 'strategy' }, ...tableCounts.map((n) => ({ label: `n = ${n}`, format: 'percent' as const })), { label: 'mean / optimum', unit: '×', format: 'fixed2' as const }, { label: 'range over n', unit: '× optimum', format: 'text' as const }],
          rows: [
            ...cases.map((s) => [s.label, ...tableCounts.map((n) => round(at(s, n).join, 6)), round(mean(ratios(s)), 3), `${Math.min(...ratios(s)).toFixed(2)} – ${Math.max(...ratios(s)).toFixed(2)}`]),
            ['optimum 1/(n+1)', ...tableCounts.map((n) => round(1 / (n + 1), 6)), 1, '1.00 – 1.00'],
          ],
        },
      ],
      checks,
      notes: [
        `Each point: build the strategy over n nodes (node-0 … node-(n−1)), add one node (or remove one) through the placement's own withNode/withoutNode, and look up ${keys.length.toLocaleString('en-US')} keys of the sample (${ctx.keySource.description}) in both. The leave removes a middle node (jump consistent hash can only remove its last bucket, so it removes that).`,
        'Below 1× the optimum is not a saving: the new node took less than its fair share, and stays under-loaded. A wide range over n (ring with 1 vnode) means the cost of a join depends on where its one point happens to land.',
        'A strategy moving keys between two nodes that were both there before and after does work the membership change did not require: the checks count those moves too. libketama (and npm hashring, which the ketama ring reproduces exactly) gives each server floor(weight share × 40 × servers) digests computed in floating point; at some server counts (7, for one) that product falls just below an integer, every server loses a digest, and keys move between servers that did not change.',
      ],
    };
  },
};
