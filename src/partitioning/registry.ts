/**
 * The strategy registry: every placement strategy by name, with the options
 * it takes, for the CLI, the lab and configuration files. Input from outside
 * is validated here (ARCHITECTURE.md, principle 8): an unknown strategy is a
 * NotFoundError listing the names, an option a strategy does not take is an
 * InvalidArgumentError, and names are looked up in a Map, never as keys of a
 * plain object.
 */
import type { Hash32 } from '../hash/key.js';
import { hash32ByName } from '../hash/registry.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { type NodeSpec, type Placement, readOptions } from './placement.js';
import { ModNPlacement } from './mod-n.js';
import { SlotPlacement } from './slots.js';
import { ConsistentHashRing } from './ring.js';
import { KetamaRing } from './ketama.js';
import { JumpPlacement } from './jump.js';
import { RendezvousPlacement } from './rendezvous.js';
import { RangePlacement } from './range.js';
import { TokenPlacement } from './tokens.js';

/** What `createPlacement` takes. Each strategy accepts `nodes` and the options listed in its `options`. */
export interface CreateOptions {
  /** Node ids or {id, weight} specs. */
  nodes: readonly (NodeSpec | string)[];
  /** Partition count (slots). */
  partitions?: number;
  /** Virtual nodes per unit of weight (ring). */
  vnodes?: number;
  /** Tokens per node of weight 1 (tokens). */
  tokensPerNode?: number;
  /** Token allocation for joining nodes (tokens). */
  allocation?: 'random' | 'balanced';
  /** Name of a 32-bit key hash from the hash registry (e.g. `murmur3-x86-32`, `crc32`). */
  hash?: string;
  /** Seed of a strategy's random choices (tokens). */
  seed?: number;
  /** Start keys of partitions 1 … P−1 (range). */
  boundaries?: readonly string[];
}

/** An option of CreateOptions other than `nodes`. */
export type StrategyOption = Exclude<keyof CreateOptions, 'nodes'>;

/** A registered strategy. */
export interface StrategyInfo {
  readonly name: string;
  /** One line: what it is and when to use it. */
  readonly summary: string;
  /** Options it takes besides `nodes`. */
  readonly options: readonly StrategyOption[];
  /** Whether its plans are exact (from ranges or partitions) rather than sampled over keys. */
  readonly exactPlans: boolean;
  create(options: CreateOptions): Placement;
}

const ALL_OPTIONS: readonly StrategyOption[] = ['partitions', 'vnodes', 'tokensPerNode', 'allocation', 'hash', 'seed', 'boundaries'];

/** The hash named in the options. The default name maps to undefined, so the strategy uses its own default function and placements built with and without `hash: 'murmur3-x86-32'` can be planned against each other. */
function hashOf(o: CreateOptions): Hash32 | undefined {
  if (o.hash === undefined) return undefined;
  const fn = hash32ByName(o.hash);
  return o.hash === 'murmur3-x86-32' ? undefined : fn;
}

const INFOS: readonly StrategyInfo[] = [
  {
    name: 'mod-n',
    summary: 'hash(key) mod N: the baseline that moves almost every key when N changes',
    options: ['hash'],
    exactPlans: true,
    create: (o) => new ModNPlacement(o.nodes, { hash: hashOf(o) }),
  },
  {
    name: 'slots',
    summary: 'fixed partitions: hash(key) mod P, partitions assigned within ±1 of each node share, minimal moves',
    options: ['partitions', 'hash'],
    exactPlans: true,
    create: (o) => new SlotPlacement(o.nodes, { partitions: o.partitions, hash: hashOf(o) }),
  },
  {
    name: 'redis-slots',
    summary: 'Redis Cluster: 16384 CRC16 slots with hash tags, contiguous slot ranges per node',
    options: [],
    exactPlans: true,
    create: (o) => SlotPlacement.redis(o.nodes),
  },
  {
    name: 'ring',
    summary: 'consistent hash ring with weighted virtual nodes (default 150 per node)',
    options: ['vnodes', 'hash'],
    exactPlans: true,
    create: (o) => new ConsistentHashRing(o.nodes, { vnodes: o.vnodes, hash: hashOf(o) }),
  },
  {
    name: 'ketama',
    summary: 'ketama ring (libketama, npm hashring): MD5 points, keys land where hashring puts them',
    options: ['vnodes'],
    exactPlans: true,
    create: (o) => new KetamaRing(o.nodes, { vnodes: o.vnodes }),
  },
  {
    name: 'jump',
    summary: 'jump consistent hash (Lamping & Veach): no memory, no weights, only the last node can leave',
    options: [],
    exactPlans: false,
    create: (o) => new JumpPlacement(o.nodes),
  },
  {
    name: 'rendezvous',
    summary: 'rendezvous (highest random weight) hashing, weighted by the logarithmic method; top-k for replicas',
    options: ['hash'],
    exactPlans: false,
    create: (o) => new RendezvousPlacement(o.nodes, { hash: hashOf(o) }),
  },
  {
    name: 'range',
    summary: 'key ranges: sorted boundaries, partition by binary search (the range store builds on it)',
    options: ['boundaries'],
    exactPlans: true,
    create: (o) => new RangePlacement(o.nodes, { boundaries: o.boundaries }),
  },
  {
    name: 'tokens',
    summary: 'Cassandra-style tokens proportional to nodes, random or balanced allocation',
    options: ['tokensPerNode', 'allocation', 'seed', 'hash'],
    exactPlans: true,
    create: (o) => new TokenPlacement(o.nodes, { tokensPerNode: o.tokensPerNode, allocation: o.allocation, seed: o.seed, hash: hashOf(o) }),
  },
];

const BY_NAME: ReadonlyMap<string, StrategyInfo> = new Map(INFOS.map((i) => [i.name, i]));

/** Names of every registered strategy, in a stable order. */
export const STRATEGIES: readonly string[] = Object.freeze(INFOS.map((i) => i.name));

/** The registered strategy `name`. Unknown name: NotFoundError listing the names. O(1). */
export function strategyInfo(name: string): StrategyInfo {
  const info = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (!info) throw new NotFoundError('strategy', name, STRATEGIES);
  return info;
}

/**
 * Build a placement of strategy `name` from plain options (as they arrive from
 * a CLI or a config file). Validates the name and that every option given is
 * one the strategy takes; the strategy's constructor validates the values.
 * Cost: the strategy's build cost.
 */
export function createPlacement(name: string, given: CreateOptions): Placement {
  if (given === undefined) throw new InvalidArgumentError('options', given, 'an object with at least `nodes`');
  const info = strategyInfo(name);
  const options = readOptions(given) as CreateOptions;
  for (const key of Object.keys(options)) {
    if (key === 'nodes') continue;
    if (!(ALL_OPTIONS as readonly string[]).includes(key)) throw new InvalidArgumentError('option', key, `one of nodes, ${ALL_OPTIONS.join(', ')}`);
    const value = (options as unknown as Record<string, unknown>)[key];
    if (value !== undefined && !(info.options as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`option ${key} for strategy ${name}`, value, info.options.length ? `only ${info.options.join(', ')}` : 'no options besides nodes');
    }
  }
  return info.create(options);
}
