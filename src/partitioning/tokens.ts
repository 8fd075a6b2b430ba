/**
 * Partitioning proportional to nodes (DDIA ch. 6; Cassandra's vnodes): each
 * node owns T tokens (`tokensPerNode`, default 16, scaled by weight) on the
 * 32-bit hash ring; a key (MurmurHash3 x86_32 by default, as the ring) belongs
 * to the first token clockwise, i.e. token t owns the hashes in (previous
 * token, t]. A joining node picks its tokens, and takes exactly the ranges
 * those tokens cut off: keys move only to it. A leaving node's ranges go to
 * the next token clockwise: keys move only from it.
 *
 * How a joining node picks its tokens (`allocation`):
 * - `random`: T uniformly random tokens (Cassandra before 3.0). Balance is
 *   luck: with 16 tokens per node and 100 nodes, max/mean came out 1.6–1.9
 *   over the seeds we measured (bench/notes/placement-partitions.md).
 * - `balanced` (default), in the spirit of Cassandra's
 *   `allocate_tokens_for_keyspace` (CASSANDRA-7032): the new node takes its
 *   weighted share from the most loaded nodes only, cutting them down to a
 *   common level (water-filling); each of its tokens splits one of a donor's
 *   largest ranges (details in ./token-allocation.ts). The first node's tokens
 *   are evenly spaced. A placement built from n nodes adds them one at a time,
 *   as a real cluster grows: 100 nodes × 16 tokens end at max/mean ≈ 1.03.
 *
 * Randomness is injected, never `Math.random()`: with `seed` (default 0) a
 * node's random choices depend only on the seed and its id, so a placement is
 * a reproducible value; with `random` every join draws from that generator.
 *
 * Lookup: one hash and a binary search over the sorted token array, O(log nT),
 * allocation-free. Plans are exact, with the hash ranges of every move.
 */
import { type Key, type Hash32, assertKey } from '../hash/key.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { type Random, mulberry32, randomUint32 } from '../util/random.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant, isInstance, requireInt } from '../errors.js';
import {
  type NodeSpec,
  type Placement,
  type PlacementChange,
  type Plan,
  type TransferRange,
  EMPTY_PLAN,
  PlanBuilder,
  checkReplicas,
  imbalance,
  normalizeNode,
  normalizeNodes,
  readOptions,
} from './placement.js';
import { balancedTokens, randomTokens } from './token-allocation.js';
import { ringIndex } from './ring-core.js';

/** Default tokens per node: Cassandra 4.0's `num_tokens` default. */
export const DEFAULT_TOKENS_PER_NODE = 16;
/** Upper bound of tokens per node (after weight scaling). */
export const MAX_TOKENS_PER_NODE = 4096;

/** Options of a TokenPlacement; every one is validated by the constructor (InvalidArgumentError naming what is allowed). */
export interface TokenOptions {
  /** Tokens per node of weight 1, 1 … 4096 (default 16). A node of weight w owns max(1, round(T·w)). */
  tokensPerNode?: number;
  /** How a joining node picks its tokens (default `balanced`). */
  allocation?: 'random' | 'balanced';
  /** Seed of the per-node random choices (default 0). */
  seed?: number;
  /** A shared random source; overrides `seed` (each join draws from it). */
  random?: Random;
  /** 32-bit key hash (default MurmurHash3 x86_32, seed 0). */
  hash?: Hash32;
}

const SPACE = 4294967296;
const defaultHash: Hash32 = (key) => murmur3x86_32(key);

interface Config {
  readonly tokensPerNode: number;
  readonly allocation: 'random' | 'balanced';
  readonly seed: number;
  readonly random: Random | undefined;
  readonly hash: Hash32;
}

function config(given: TokenOptions | undefined): Config {
  const options = readOptions(given);
  const tokensPerNode = requireInt('tokensPerNode', options.tokensPerNode ?? DEFAULT_TOKENS_PER_NODE, 1, MAX_TOKENS_PER_NODE);
  const allocation = options.allocation ?? 'balanced';
  if (allocation !== 'random' && allocation !== 'balanced') throw new InvalidArgumentError('allocation', allocation, '"random" or "balanced"');
  const seed = requireInt('seed', options.seed ?? 0, 0, 0xffffffff);
  if (options.random !== undefined && typeof options.random !== 'function') throw new InvalidArgumentError('random', options.random, 'a function returning doubles in [0, 1)');
  if (options.hash !== undefined && typeof options.hash !== 'function') throw new InvalidArgumentError('hash', options.hash, 'a function key → uint32');
  return { tokensPerNode, allocation, seed, random: options.random, hash: options.hash ?? defaultHash };
}

/** Length of the range (prev, t] on the 2^32 ring; a lone token owns all of it. */
function rangeLength(prev: number, t: number): number {
  const d = t - prev;
  return d > 0 ? d : d + SPACE;
}

/** Cassandra-style token placement. Immutable: membership changes return a new placement and its plan. */
export class TokenPlacement implements Placement {
  readonly strategy = 'tokens';
  readonly nodeIds: readonly string[];
  private readonly weights: readonly number[];
  /** Sorted, distinct tokens. */
  private readonly tokens: Uint32Array;
  /** owners[i]: index into nodeIds of the node owning tokens[i]. */
  private readonly owners: Int32Array;
  private readonly cfg: Config;

  /**
   * A placement of `nodes` (non-empty, distinct ids, weights > 0), added one
   * at a time in the given order with the chosen allocation.
   * O(n²·T) (each join merges into the sorted tokens; balanced joins also scan every range): 100 nodes × 16 tokens build in about 10–70 ms, 1,000 nodes in about 2 s (balanced) on this kind of machine.
   */
  constructor(nodes: readonly (NodeSpec | string)[], options?: TokenOptions) {
    const specs = normalizeNodes(nodes);
    const cfg = config(options);
    let tokens: number[] = [];
    let owners: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as Required<NodeSpec>;
      weights.push(spec.weight);
      const picked = pickTokens(cfg, spec, tokens, owners, weights);
      [tokens, owners] = mergeTokens(tokens, owners, picked, i);
    }
    this.cfg = cfg;
    this.nodeIds = Object.freeze(specs.map((s) => s.id));
    this.weights = Object.freeze(weights);
    this.tokens = Uint32Array.from(tokens);
    this.owners = Int32Array.from(owners);
  }

  private static fromParts(cfg: Config, nodeIds: readonly string[], weights: readonly number[], tokens: readonly number[], owners: readonly number[]): TokenPlacement {
    const p = Object.create(TokenPlacement.prototype) as { -readonly [K in keyof TokenPlacement]: unknown } & Record<string, unknown>;
    p.strategy = 'tokens';
    p.cfg = cfg;
    p.nodeIds = Object.freeze([...nodeIds]);
    p.weights = Object.freeze([...weights]);
    p.tokens = Uint32Array.from(tokens);
    p.owners = Int32Array.from(owners);
    return p as unknown as TokenPlacement;
  }

  /** Tokens of weight-1 nodes. */
  get tokensPerNode(): number {
    return this.cfg.tokensPerNode;
  }

  /** The allocation joining nodes use. */
  get allocation(): 'random' | 'balanced' {
    return this.cfg.allocation;
  }

  /** Weight of node `id`; unknown id: NotFoundError. O(n). */
  weightOf(id: string): number {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    return this.weights[i] as number;
  }

  /** The tokens node `id` owns, ascending. O(nT). */
  tokensOf(id: string): number[] {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    const out: number[] = [];
    for (let t = 0; t < this.tokens.length; t++) if (this.owners[t] === i) out.push(this.tokens[t] as number);
    return out;
  }

  /** Index of the first token ≥ h, wrapping to 0: ring-core's branch-free binary search. O(log nT), allocation-free. */
  private tokenIndex(h: number): number {
    return ringIndex(this.tokens, h);
  }

  /** The node owning `key`: the first token clockwise from hash(key). O(|key| + log nT), allocation-free. */
  locate(key: Key): string {
    assertKey(key);
    return this.nodeIds[this.owners[this.tokenIndex(this.cfg.hash(key) >>> 0)] as number] as string;
  }

  /** The first n distinct nodes clockwise from the key's position, primary first. O(nT) worst case. */
  preferenceList(key: Key, n: number): string[] {
    checkReplicas(n, this.nodeIds.length);
    assertKey(key);
    const start = this.tokenIndex(this.cfg.hash(key) >>> 0);
    const seen = new Uint8Array(this.nodeIds.length);
    const out: string[] = [];
    for (let step = 0; step < this.tokens.length && out.length < n; step++) {
      const o = this.owners[(start + step) % this.tokens.length] as number;
      if (!seen[o]) {
        seen[o] = 1;
        out.push(this.nodeIds[o] as string);
      }
    }
    return out;
  }

  /**
   * A new placement with `node` added (its tokens picked by the allocation) and
   * the exact plan: the ranges its tokens cut off, each from the node that
   * owned it. Existing id: no-op. O(nT) plus the allocation.
   */
  withNode(node: NodeSpec | string): PlacementChange<this> {
    const spec = normalizeNode(node);
    if (this.nodeIds.includes(spec.id)) return { placement: this, plan: EMPTY_PLAN };
    const weights = [...this.weights, spec.weight];
    const picked = pickTokens(this.cfg, spec, [...this.tokens], [...this.owners], weights);
    const [tokens, owners] = mergeTokens([...this.tokens], [...this.owners], picked, this.nodeIds.length);
    const next = TokenPlacement.fromParts(this.cfg, [...this.nodeIds, spec.id], weights, tokens, owners) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /**
   * A new placement without node `id`: its tokens disappear and each of its
   * ranges goes to the next token clockwise. Unknown id: NotFoundError; the last
   * node: StateError. O(nT).
   */
  withoutNode(id: string): PlacementChange<this> {
    const gone = this.nodeIds.indexOf(id);
    if (gone < 0) throw new NotFoundError('node', id, this.nodeIds);
    if (this.nodeIds.length === 1) throw new StateError(`cannot remove ${JSON.stringify(id)}: it is the last node and every range needs an owner`);
    const tokens: number[] = [];
    const owners: number[] = [];
    for (let i = 0; i < this.tokens.length; i++) {
      const o = this.owners[i] as number;
      if (o === gone) continue;
      tokens.push(this.tokens[i] as number);
      owners.push(o > gone ? o - 1 : o);
    }
    const next = TokenPlacement.fromParts(
      this.cfg,
      this.nodeIds.filter((_, i) => i !== gone),
      this.weights.filter((_, i) => i !== gone),
      tokens,
      owners,
    ) as this;
    return { placement: next, plan: this.planTo(next) };
  }

  /**
   * Exact plan: the union of both token sets cuts the ring into ranges each
   * owned by one node before and one after; every range whose owner differs is
   * a move. Adjacent ranges with the same (from, to) are merged (across the
   * wrap too), so `transfers` lists maximal ranges in ring order. `next` must
   * use the same hash. O((a + b) log(a + b)).
   */
  planTo(next: this): Plan {
    if (!isInstance(next, TokenPlacement) || next.cfg.hash !== this.cfg.hash) {
      throw new InvalidArgumentError('plan target', next, 'a tokens placement with the same hash');
    }
    const points = [...new Set([...this.tokens, ...next.tokens])].sort((a, b) => a - b);
    const segments: { start: number; end: number; from: string; to: string; length: number }[] = [];
    for (let i = 0; i < points.length; i++) {
      const end = points[i] as number;
      const start = points[(i - 1 + points.length) % points.length] as number;
      const from = this.nodeIds[this.owners[this.tokenIndex(end)] as number] as string;
      const to = next.nodeIds[next.owners[next.tokenIndex(end)] as number] as string;
      if (from === to) continue;
      const tail = segments[segments.length - 1];
      if (tail && tail.end === start && tail.from === from && tail.to === to) {
        tail.end = end;
        tail.length += rangeLength(start, end);
      } else {
        segments.push({ start, end, from, to, length: rangeLength(start, end) });
      }
    }
    if (segments.length > 1) {
      const head = segments[0] as (typeof segments)[number];
      const tail = segments[segments.length - 1] as (typeof segments)[number];
      if (tail.end === head.start && tail.from === head.from && tail.to === head.to) {
        head.start = tail.start;
        head.length += tail.length;
        segments.pop();
      }
    }
    const b = new PlanBuilder();
    const transfers: TransferRange[] = [];
    for (const s of segments) {
      b.add(s.from, s.to, s.length / SPACE, { range: { start: s.start, end: s.end } });
      transfers.push({ start: s.start, end: s.end, from: s.from, to: s.to });
    }
    return { ...b.build('exact'), transfers };
  }

  /** Exact share of the hash ring per node. O(nT). */
  loadShares(): ReadonlyMap<string, number> {
    const sums = new Float64Array(this.nodeIds.length);
    const n = this.tokens.length;
    for (let i = 0; i < n; i++) {
      const prev = this.tokens[(i - 1 + n) % n] as number;
      (sums[this.owners[i] as number] as number) += rangeLength(prev, this.tokens[i] as number);
    }
    const shares = new Map<string, number>();
    this.nodeIds.forEach((id, i) => shares.set(id, (sums[i] as number) / SPACE));
    return shares;
  }

  /** Throws InvariantError unless ids are distinct, tokens strictly ascending, every owner valid and every node holds a token. O(nT). */
  checkInvariants(): void {
    invariant(new Set(this.nodeIds).size === this.nodeIds.length, 'tokens: duplicate node ids');
    invariant(this.tokens.length === this.owners.length, 'tokens: token and owner arrays differ in length');
    const perNode = new Int32Array(this.nodeIds.length);
    for (let i = 0; i < this.tokens.length; i++) {
      if (i > 0) invariant((this.tokens[i - 1] as number) < (this.tokens[i] as number), () => `tokens: not strictly ascending at index ${i}`);
      const o = this.owners[i] as number;
      invariant(o >= 0 && o < this.nodeIds.length, () => `tokens: token ${i} has owner index ${o}`);
      (perNode[o] as number)++;
    }
    this.nodeIds.forEach((id, i) => invariant((perNode[i] as number) >= 1, () => `tokens: node ${JSON.stringify(id)} owns no token`));
  }

  /** One line: nodes, tokens per node, allocation and max/mean. O(nT). */
  describe(): string {
    const shares = [...this.loadShares().values()];
    return `tokens: ${this.nodeIds.length} nodes × ${this.cfg.tokensPerNode} tokens (${this.cfg.allocation} allocation, ${this.tokens.length} tokens in all); max/mean ${imbalance(shares).toFixed(3)}`;
  }
}

/** Tokens a node of `weight` gets. */
function tokenCount(cfg: Config, weight: number): number {
  const t = Math.max(1, Math.round(cfg.tokensPerNode * weight));
  if (t > MAX_TOKENS_PER_NODE) throw new InvalidArgumentError('weight', weight, `at most ${MAX_TOKENS_PER_NODE / cfg.tokensPerNode} with ${cfg.tokensPerNode} tokens per node`);
  return t;
}

/** The random source for a node's choices: the shared one, or one seeded from (seed, id). */
function randomFor(cfg: Config, id: string): Random {
  return cfg.random ?? mulberry32((cfg.seed ^ murmur3x86_32(id, 0x9747b28c)) >>> 0);
}

/** The tokens the newest node (weights.length − 1) picks, given the current sorted tokens and owners. */
function pickTokens(cfg: Config, spec: Required<NodeSpec>, tokens: readonly number[], owners: readonly number[], weights: readonly number[]): number[] {
  const count = tokenCount(cfg, spec.weight);
  const random = randomFor(cfg, spec.id);
  if (tokens.length === 0 && cfg.allocation === 'balanced') {
    // The first node of a balanced placement: evenly spaced tokens from a random offset.
    const offset = randomUint32(random);
    return Array.from({ length: count }, (_, i) => (offset + Math.floor((i * SPACE) / count)) % SPACE);
  }
  if (cfg.allocation === 'random') return randomTokens(count, tokens, random);
  return balancedTokens(count, tokens, owners, weights, random);
}

/** Merge new tokens (owned by `node`) into the sorted arrays: sort the few new ones, then one linear merge. O(N + T log T). */
function mergeTokens(tokens: readonly number[], owners: readonly number[], picked: readonly number[], node: number): [number[], number[]] {
  const fresh = [...picked].sort((a, b) => a - b);
  const outTokens: number[] = [];
  const outOwners: number[] = [];
  let i = 0;
  for (let j = 0; j < fresh.length; j++) {
    const t = fresh[j] as number;
    while (i < tokens.length && (tokens[i] as number) < t) {
      outTokens.push(tokens[i] as number);
      outOwners.push(owners[i] as number);
      i++;
    }
    if (tokens[i] === t || (j > 0 && fresh[j - 1] === t)) invariant(false, `tokens: picked token ${t} collides with another token`);
    outTokens.push(t);
    outOwners.push(node);
  }
  for (; i < tokens.length; i++) {
    outTokens.push(tokens[i] as number);
    outOwners.push(owners[i] as number);
  }
  return [outTokens, outOwners];
}
