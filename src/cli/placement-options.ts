/**
 * Command-line options that describe a placement, shared by `shardkit locate`
 * and `shardkit plan`: the strategy, the nodes and the strategy's parameters.
 * Values are parsed and checked at the edge; the registry then rejects an
 * option the chosen strategy does not take, with a one-line reason.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import type { NodeSpec } from '../partitioning/placement.js';
import type { CreateOptions } from '../partitioning/registry.js';
import { InvalidArgumentError } from '../errors.js';
import { HASH32_NAMES, STRATEGY_NAMES } from './names.js';
import { grouped, integerOption } from './parse.js';

export { integer } from './parse.js';

/** The nodes used when --nodes is not given. */
export const DEFAULT_NODES: readonly string[] = Object.freeze(['a', 'b', 'c', 'd', 'e']);

/** Parsed placement options, as commander hands them to an action. */
export interface PlacementFlags {
  strategy: string;
  nodes: NodeSpec[];
  partitions?: number;
  vnodes?: number;
  tokensPerNode?: number;
  allocation?: 'random' | 'balanced';
  hash?: string;
  seed?: number;
  boundaries?: string[];
}

/** Most node ids one `--nodes` (or `--add`, `--remove`) list may hold. */
export const MAX_NODES = 10_000;

/** Parse `a,b=2,c` into node specs (`id=weight` gives a weight). Ids may contain anything but `,` and `=`; at most MAX_NODES. */
export function parseNodes(value: string): NodeSpec[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p.length === 0)) throw new CommanderArgumentError('--nodes must be a comma-separated list of non-empty node ids (id=weight for a weight)');
  if (parts.length > MAX_NODES) throw new CommanderArgumentError(`--nodes: ${grouped(parts.length)} nodes given; the most is ${grouped(MAX_NODES)}`);
  return parts.map((p) => {
    const eq = p.indexOf('=');
    if (eq < 0) return { id: p };
    const id = p.slice(0, eq);
    const w = p.slice(eq + 1);
    const weight = Number(w);
    if (id.length === 0 || w.length === 0 || !Number.isFinite(weight) || weight <= 0) throw new CommanderArgumentError(`--nodes: "${p}" must be id or id=weight with a weight > 0`);
    return { id, weight };
  });
}

function list(flag: string) {
  return (value: string): string[] => {
    const items = value.split(',');
    if (items.some((s) => s.length === 0)) throw new CommanderArgumentError(`${flag} must be a comma-separated list of non-empty values`);
    return items;
  };
}

/** Add the placement options to `command`. */
export function addPlacementOptions(command: Command): Command {
  return command
    .addOption(new Option('-s, --strategy <name>', `placement strategy (required): ${STRATEGY_NAMES.join(', ')}`).makeOptionMandatory())
    .addOption(
      new Option('-n, --nodes <ids>', `comma-separated node ids, at most ${grouped(MAX_NODES)}; id=weight gives a node a weight`)
        .argParser(parseNodes)
        .default(DEFAULT_NODES.map((id) => ({ id })), DEFAULT_NODES.join(',')),
    )
    .addOption(integerOption('--partitions <n>', 'slots: partition count (default 1024)', 1, 1 << 24))
    .addOption(integerOption('--vnodes <n>', 'ring: virtual nodes per unit of weight (default 150); ketama: digests per server (default 40)', 1, 100_000))
    .addOption(integerOption('--tokens-per-node <n>', 'tokens: tokens per node (default 16)', 1, 4096))
    .addOption(new Option('--allocation <how>', 'tokens: how a joining node picks tokens (default balanced)').choices(['random', 'balanced']))
    .addOption(new Option('--hash <name>', `key hash for mod-n, slots, ring, rendezvous, tokens (default murmur3-x86-32): ${HASH32_NAMES.join(', ')}`))
    .addOption(integerOption('--seed <n>', 'tokens: seed of random token choices (default 0)', 0, 0xffffffff))
    .addOption(new Option('--boundaries <keys>', 'range: comma-separated start keys of partitions 1…P−1').argParser(list('--boundaries')));
}

/** Most points (ring vnodes, ketama points, tokens) one placement built from the CLI may hold: about 80 MB of tables. */
export const MAX_PLACEMENT_POINTS = 10_000_000;

/**
 * Refuse a ring, ketama or tokens placement over `nodes` with more than
 * MAX_PLACEMENT_POINTS points in all (each option is bounded alone, but
 * 10,000 nodes × 100,000 vnodes would exhaust memory). An estimate from the
 * defaults (ring 150 per unit of weight, ketama 40 digests × 4 points per
 * unit of weight, tokens 16 per node). O(nodes).
 */
export function checkPlacementSize(flags: PlacementFlags, nodes: readonly NodeSpec[] = flags.nodes): void {
  const weight = nodes.reduce((sum, n) => sum + (n.weight ?? 1), 0);
  let points: number;
  let what: string;
  if (flags.strategy === 'ring') [points, what] = [weight * (flags.vnodes ?? 150), 'weights × --vnodes'];
  else if (flags.strategy === 'ketama') [points, what] = [weight * (flags.vnodes ?? 40) * 4, 'weights × --vnodes × 4'];
  else if (flags.strategy === 'tokens') [points, what] = [nodes.length * (flags.tokensPerNode ?? 16), 'nodes × --tokens-per-node'];
  else return;
  if (points > MAX_PLACEMENT_POINTS) throw new InvalidArgumentError(`--nodes with ${flags.strategy}`, `${grouped(nodes.length)} nodes, ${grouped(Math.round(points))} points (${what})`, `at most ${grouped(MAX_PLACEMENT_POINTS)} points`);
}

/** The registry options for parsed flags: only those given, so the registry can reject the ones a strategy does not take. */
export function createOptions(flags: PlacementFlags, nodes: readonly NodeSpec[] = flags.nodes): CreateOptions {
  const o: CreateOptions = { nodes };
  if (flags.partitions !== undefined) o.partitions = flags.partitions;
  if (flags.vnodes !== undefined) o.vnodes = flags.vnodes;
  if (flags.tokensPerNode !== undefined) o.tokensPerNode = flags.tokensPerNode;
  if (flags.allocation !== undefined) o.allocation = flags.allocation;
  if (flags.hash !== undefined) o.hash = flags.hash;
  if (flags.seed !== undefined) o.seed = flags.seed;
  if (flags.boundaries !== undefined) o.boundaries = flags.boundaries;
  return o;
}
