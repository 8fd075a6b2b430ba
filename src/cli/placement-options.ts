/**
 * Command-line options that describe a placement, shared by `shardkit locate`
 * and `shardkit plan`: the strategy, the nodes and the strategy's parameters.
 * Values are parsed and checked at the edge; the registry then rejects an
 * option the chosen strategy does not take, with a one-line reason.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import type { NodeSpec } from '../partitioning/placement.js';
import { type CreateOptions, STRATEGIES } from '../partitioning/registry.js';
import { HASH32_ALGORITHMS } from '../hash/registry.js';

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

/** A commander argument parser for an integer from `min` to `max`. */
export function integer(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new CommanderArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Parse `a,b=2,c` into node specs (`id=weight` gives a weight). Ids may contain anything but `,` and `=`. */
export function parseNodes(value: string): NodeSpec[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p.length === 0)) throw new CommanderArgumentError('--nodes must be a comma-separated list of non-empty node ids (id=weight for a weight)');
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
    .addOption(new Option('-s, --strategy <name>', `placement strategy: ${STRATEGIES.join(', ')}`).makeOptionMandatory())
    .addOption(new Option('-n, --nodes <ids>', 'comma-separated node ids; id=weight gives a node a weight').argParser(parseNodes).default(DEFAULT_NODES.map((id) => ({ id })), DEFAULT_NODES.join(',')))
    .addOption(new Option('--partitions <n>', 'slots: partition count (default 1024)').argParser(integer('--partitions', 1, 1 << 24)))
    .addOption(new Option('--vnodes <n>', 'ring: virtual nodes per unit of weight (default 150); ketama: digests per server (default 40)').argParser(integer('--vnodes', 1, 100_000)))
    .addOption(new Option('--tokens-per-node <n>', 'tokens: tokens per node (default 16)').argParser(integer('--tokens-per-node', 1, 4096)))
    .addOption(new Option('--allocation <how>', 'tokens: how a joining node picks tokens (default balanced)').choices(['random', 'balanced']))
    .addOption(new Option('--hash <name>', `key hash for mod-n, slots, ring, rendezvous, tokens (default murmur3-x86-32): ${HASH32_ALGORITHMS.join(', ')}`))
    .addOption(new Option('--seed <n>', 'tokens: seed of random token choices (default 0)').argParser(integer('--seed', 0, 0xffffffff)))
    .addOption(new Option('--boundaries <keys>', 'range: comma-separated start keys of partitions 1…P−1').argParser(list('--boundaries')));
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
