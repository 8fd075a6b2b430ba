/**
 * Plans across strategies: the moves between any two placements of one
 * strategy, and a readable table of them (for the CLI, the lab, and the
 * people who approve a rebalance — DDIA ch. 6, "Operations: automatic or
 * manual rebalancing").
 */
import type { Key } from '../hash/key.js';
import { InvalidArgumentError, ShardkitError } from '../errors.js';
import { type Placement, type Plan, isArraySafe } from './placement.js';

/**
 * The plan from `a` to `b`, two placements of the same strategy (and the same
 * parameters, which `a.planTo` checks). Exact where the strategy has ranges or
 * partitions; sampled over `sample` otherwise. Throws InvalidArgumentError when
 * the strategies differ. Cost: that of `a.planTo`.
 */
export function planBetween<P extends Placement>(a: P, b: P, sample?: readonly Key[]): Plan {
  if (!isPlacementLike(a)) throw new InvalidArgumentError('placement a', a, 'a Placement');
  if (!isPlacementLike(b)) throw new InvalidArgumentError('placement b', b, 'a Placement');
  if (a.strategy !== b.strategy) throw new InvalidArgumentError('placement b', b.strategy, `a placement of the same strategy as a (${a.strategy})`);
  return a.planTo(b, sample);
}

/** Whether `p` looks like a placement (an object with planTo and a string strategy); false instead of a throw for hostile proxies. */
function isPlacementLike(p: unknown): boolean {
  try {
    return p !== null && typeof p === 'object' && typeof (p as Placement).planTo === 'function' && typeof (p as Placement).strategy === 'string';
  } catch {
    return false;
  }
}

/** Render a fraction as a percentage with enough digits to tell small moves apart. */
export function formatPercent(x: number): string {
  const pct = x * 100;
  if (pct === 0) return '0%';
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 0.1) return `${pct.toFixed(2)}%`;
  return `${pct.toPrecision(2)}%`;
}

/**
 * A plan as a readable table: one line per move (from → to, fraction of the
 * key space, and the number of partitions, ranges or sample keys it carries),
 * then the total moved fraction. O(moves).
 *
 * ```
 * from     to  moved  carries
 * a     →  d   8.33%  1 partition
 * b     →  d   8.33%  1 partition
 * total moved: 16.7% (exact, 2 moves)
 * ```
 */
export function formatPlan(plan: Plan): string {
  const allowed = 'a Plan (from withNode, withoutNode or planTo)';
  if (plan === null || typeof plan !== 'object') throw new InvalidArgumentError('plan', plan, allowed);
  try {
    return formatChecked(plan);
  } catch (e) {
    if (e instanceof ShardkitError) throw e;
    throw new InvalidArgumentError('plan', plan, `${allowed} (reading it failed: ${e instanceof Error ? e.message : 'a throw'})`);
  }
}

function formatChecked(plan: Plan): string {
  if (!isArraySafe(plan.moves)) throw new InvalidArgumentError('plan.moves', plan.moves, 'an array of moves');
  if (plan.moves.length === 0) return `nothing moves (${plan.method})`;
  const rows = plan.moves.map((m) => {
    const detail =
      m.partitions !== undefined ? count(m.partitions.length, 'partition') : m.ranges !== undefined ? count(m.ranges.length, 'range') : m.keys !== undefined ? count(m.keys, 'sample key') : '';
    return [m.from, '→', m.to, formatPercent(m.fraction), detail];
  });
  const header = ['from', '', 'to', 'moved', 'carries'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 3 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  const how = plan.method === 'sampled' ? `sampled over ${plan.sampleSize ?? '?'} keys` : 'exact';
  return [line(header), ...rows.map(line), `total moved: ${formatPercent(plan.movedFraction)} (${how}, ${plan.moves.length} move${plan.moves.length === 1 ? '' : 's'})`].join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
