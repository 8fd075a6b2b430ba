/**
 * `shardkit plan`: what moves when nodes join or leave, under a placement
 * strategy: the moves (from → to, share of the key space, partitions or
 * ranges carried), the moved fraction and its lower bound. Bad input exits 2
 * with a one-line reason (also a node both added and removed, or added twice).
 * The strategies are loaded only when it runs.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import type { NodeSpec, Placement } from '../partitioning/placement.js';
import { type PlacementFlags, addPlacementOptions, checkPlacementSize, createOptions, parseNodes } from './placement-options.js';

interface PlanFlags extends PlacementFlags {
  add?: NodeSpec[];
  remove?: NodeSpec[];
  json?: boolean;
}

/**
 * The least any placement could move to go from `a`'s shares to `b`'s: the
 * share gained by the nodes that gain (Σ max(0, after − before)). O(n).
 */
export function movementLowerBound(a: Placement, b: Placement): number {
  const before = a.loadShares();
  let gained = 0;
  for (const [id, share] of b.loadShares()) gained += Math.max(0, share - (before.get(id) ?? 0));
  return gained;
}

/** Add `shardkit plan` to the program. */
export function register(program: Command): void {
  const command = program.command('plan').description('print the plan of moves when nodes join (--add) or leave (--remove)');
  addPlacementOptions(command)
    .addOption(command.createOption('--add <ids>', 'nodes that join (comma-separated; id=weight for a weight)').argParser(parseNodes))
    .addOption(command.createOption('--remove <ids>', 'nodes that leave (comma-separated)').argParser(parseNodes))
    .option('--json', 'print the plan as JSON (moves with their partitions or ranges)')
    .addHelpText(
      'after',
      '\nDefaults: nodes a,b,c,d,e; every strategy parameter at its library default.\nExamples:\n  shardkit plan --strategy slots --nodes a,b,c --add d\n  shardkit plan --strategy mod-n --nodes a,b,c,d --add e      (almost everything moves)\n  shardkit plan --strategy tokens --nodes a,b,c,d --remove b --json\n',
    )
    .action(run);
}

/** Refuse a change that is not one: nothing given, a node twice in a list, or a node both added and removed. */
function checkChange(flags: PlanFlags): void {
  if (!flags.add && !flags.remove) throw new InvalidArgumentError('plan', 'no change', 'at least one of --add <ids> or --remove <ids>');
  for (const [flag, list] of [['--add', flags.add], ['--remove', flags.remove]] as const) {
    const seen = new Set<string>();
    for (const n of list ?? []) {
      if (seen.has(n.id)) throw new InvalidArgumentError(flag, n.id, 'each node once');
      seen.add(n.id);
    }
  }
  const removed = new Set((flags.remove ?? []).map((n) => n.id));
  for (const n of flags.add ?? []) if (removed.has(n.id)) throw new InvalidArgumentError('--add/--remove', n.id, 'a node in only one of --add and --remove (adding and removing it is no change)');
}

async function run(flags: PlanFlags): Promise<void> {
  checkChange(flags);
  checkPlacementSize(flags, [...flags.nodes, ...(flags.add ?? [])]);
  const [{ defaultPlanSample }, { formatPercent, formatPlan, planBetween }, { createPlacement }] = await Promise.all([
    import('../partitioning/placement.js'),
    import('../partitioning/plan.js'),
    import('../partitioning/registry.js'),
  ]);
  const before = createPlacement(flags.strategy, createOptions(flags));
  let after = before;
  for (const node of flags.add ?? []) {
    if (after.nodeIds.includes(node.id)) throw new InvalidArgumentError('--add', node.id, 'a node that is not already in --nodes');
    after = after.withNode(node).placement;
  }
  for (const node of flags.remove ?? []) after = after.withoutNode(node.id).placement;
  const plan = planBetween(before, after, defaultPlanSample());
  const bound = movementLowerBound(before, after);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ strategy: before.strategy, before: before.nodeIds, after: after.nodeIds, lowerBound: bound, ...plan }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`before: ${before.describe()}\nafter:  ${after.describe()}\n\n${formatPlan(plan)}\nlower bound (share that changes hands): ${formatPercent(bound)}\n`);
}
