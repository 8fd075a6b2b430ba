/**
 * The report's colours: one per strategy, the same in every chart, so a
 * reader who learns that jump is green finds it green everywhere. References
 * (an optimum, a bound, a fair share) are near-black and dashed, drawn on top;
 * series that are not strategies (workloads, assignors, query kinds) take the
 * general palette in their chart's order, skipping no colour.
 *
 * Keyed by the strategy's label as `strategies.ts` writes it. The ring
 * variants share one hue, lighter for fewer vnodes; a family of a strategy
 * ("ring (vnodes/node)") and a measure of one ("jump: …") take its colour.
 */

/** Colour of each strategy label, in `rebalancingCases()` order. */
export const STRATEGY_COLORS: ReadonlyMap<string, string> = new Map([
  ['hash mod N', '#d62728'],
  ['fixed partitions (1024)', '#1f5fbf'],
  ['ring (1 vnode)', '#c9a6e8'],
  ['ring (16 vnodes)', '#a36fd9'],
  ['ring (150 vnodes)', '#7a3fbf'],
  ['ring (256 vnodes)', '#4a1f80'],
  ['ketama (hashring)', '#e0529c'],
  ['jump', '#2a9d3c'],
  ['rendezvous', '#f28e1c'],
  ['tokens random (16/node)', '#a68a00'],
  ['tokens balanced (16/node)', '#0f9aa8'],
]);

/** A family of configurations drawn in the colour of its representative strategy. */
const FAMILY_COLORS: ReadonlyMap<string, string> = new Map([
  ['ring (vnodes/node)', '#7a3fbf'],
  ['tokens random (tokens/node)', '#a68a00'],
  ['tokens balanced (tokens/node)', '#0f9aa8'],
]);

/** Dashed references, in order of appearance within a chart. */
export const REFERENCE_COLORS: readonly string[] = ['#16181d', '#6b7280', '#9ca3af'];

/** Series that are not strategies, in order of appearance within an experiment. */
export const GENERAL_PALETTE: readonly string[] = ['#1f5fbf', '#f28e1c', '#2a9d3c', '#d62728', '#7a3fbf', '#0f9aa8', '#8c564b', '#e0529c'];

/** Faint grey for the other strategies behind a small-multiple panel's own. */
export const CONTEXT_COLOR = '#d3d7de';

/** The strategy colour of a series label (`jump`, `jump: nodes contacted`, `ring (vnodes/node)`), if it names one. O(1). */
export function strategyColor(label: string): string | undefined {
  const direct = STRATEGY_COLORS.get(label) ?? FAMILY_COLORS.get(label);
  if (direct !== undefined) return direct;
  const colon = label.indexOf(': ');
  return colon > 0 ? STRATEGY_COLORS.get(label.slice(0, colon)) : undefined;
}

/**
 * Colours for one experiment's series: strategies from the fixed map, other
 * labels from the general palette in first-seen order (so a label keeps its
 * colour across the experiment's charts), references by position in their
 * chart. Call `color` once per series, chart by chart.
 */
export function experimentColors(): { color(label: string, dashed: boolean, referenceIndex: number): string } {
  const general = new Map<string, string>();
  return {
    color(label, dashed, referenceIndex) {
      if (dashed) return REFERENCE_COLORS[Math.min(referenceIndex, REFERENCE_COLORS.length - 1)] as string;
      const fixed = strategyColor(label);
      if (fixed !== undefined) return fixed;
      let c = general.get(label);
      if (c === undefined) {
        c = GENERAL_PALETTE[general.size % GENERAL_PALETTE.length] as string;
        general.set(label, c);
      }
      return c;
    },
  };
}
