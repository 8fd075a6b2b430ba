/**
 * Ketama-compatible ring: places every key exactly where npm `hashring` v3
 * (and so libketama-style memcached clients configured alike) does, so a
 * user can switch to shardkit without moving a key.
 *
 * The continuum, as `hashring` builds it: server s (in server order) with
 * weight w gets L = floor((w / W) × vnodes × N) digests, W the sum of the
 * weights in server order, N the server count, computed in float64 exactly
 * as `hashring` does (so 7 equal servers get 39 digests each at vnodes = 40,
 * not 40). Digest i is MD5(`${name}-${i}`), name being the server string (or
 * its host alone when its port is the `defaultPort`); each digest gives
 * `pointsPerHash` points (4 for ketama, 3 for python's hash_ring): its
 * little-endian 32-bit words. A key's hash is the first little-endian word of
 * MD5(key); it belongs to the first point at or after it, wrapping. Points at
 * equal positions keep server order (`hashring` sorts stably), so the earlier
 * server owns the range.
 *
 * Lookup: one allocation-free MD5 and a bucket-table search over a sorted
 * Uint32Array (ring-core), O(key length) expected. Byte keys hash their bytes (hashring would hash the
 * string "1,2,3" of a Buffer; this ring treats a string and its UTF-8 bytes
 * alike, as every shardkit placement does).
 *
 * Minimal movement is not guaranteed, because hashring recomputes every
 * server's digest count from the new N and W on each change: with unequal
 * weights, and with equal weights at the node counts where the float formula
 * rounds down (7, 14, 28, 49, 56, … at vnodes = 40), a few keys move between
 * servers that stayed. Compatibility wins here: that is what hashring does.
 */
import { type Key, assertKey } from '../hash/key.js';
import { md5Word0, md5Words } from '../hash/md5.js';
import { InvalidArgumentError, NotFoundError, StateError, invariant, requireInt, isArraySafe } from '../errors.js';
import {
  type NodeSpec,
  type Placement,
  type PlacementChange,
  type Plan,
  EMPTY_PLAN,
  checkReplicas,
  normalizeNode,
  weightedImbalance,
  readOptions,
  requirePlanTarget,
} from './placement.js';
import { type OwnerArray, type RingView, buildRingTable, checkRing, checkRingTable, ownerArray, pct, requireSameHash, ringPlan, ringShares, ringWalk, shareSummary } from './ring-core.js';

/** A ketama server: an id (e.g. `10.0.0.1:11211`), a weight, and optionally its own digest count (hashring's `{ vnodes }`). */
export interface KetamaNodeSpec extends NodeSpec {
  /** Digests for this server regardless of weight, when it differs from the ring's `vnodes` (hashring's per-server `vnodes`). */
  readonly vnodes?: number;
}

export interface KetamaOptions {
  /** Digests per server at equal weight: hashring's `vnode count` (default 40; 1 … 10,000). */
  vnodes?: number;
  /** Points per digest: 4 (ketama, default) or 3 (`compatibility: 'hash_ring'`); 1 … 4 (hashring's `replicas`). */
  pointsPerHash?: number;
  /** hashring's `default port`: a server `host:port` with this port hashes as `host`. */
  defaultPort?: number;
}

const RANK_SPACE = 1048576;
const MAX_SERVERS = RANK_SPACE - 1;

interface Server {
  readonly id: string;
  readonly weight: number;
  /** Per-server digest count, 0 when not given. */
  readonly vnodes: number;
}

function normalizeServer(node: KetamaNodeSpec | string): Server {
  const spec = normalizeNode(node);
  let v: unknown;
  try {
    v = typeof node === 'string' ? undefined : node.vnodes;
  } catch {
    throw new InvalidArgumentError('node', node, 'a server id or an {id, weight, vnodes} spec whose properties can be read');
  }
  const vnodes = v === undefined ? 0 : requireInt(`vnodes of node ${JSON.stringify(spec.id)}`, v, 1, 10_000);
  return { id: spec.id, weight: spec.weight, vnodes };
}

/** The spec a server was built from (vnodes only when it was given). */
function specOf(s: Server): KetamaNodeSpec {
  return s.vnodes ? { id: s.id, weight: s.weight, vnodes: s.vnodes } : { id: s.id, weight: s.weight };
}

/** JavaScript's own-property order of an object with these keys: array indexes ascending, then insertion order (what hashring's add() does to its servers). */
function objectKeyOrder(servers: readonly Server[]): Server[] {
  const isIndex = (s: string): boolean => /^(0|[1-9]\d*)$/.test(s) && Number(s) < 4294967295;
  const idx = servers.filter((s) => isIndex(s.id)).sort((a, b) => Number(a.id) - Number(b.id));
  return [...idx, ...servers.filter((s) => !isIndex(s.id))];
}

/**
 * A ketama ring identical to npm `hashring` v3 (`new HashRing(servers,
 * 'md5', { 'vnode count': vnodes, replicas: pointsPerHash, 'default port':
 * defaultPort })`), as a value: withNode/withoutNode return a new ring and
 * the exact plan.
 */
export class KetamaRing implements Placement {
  readonly strategy = 'ketama';
  /** Server ids in hashring's server order (the order given; after withNode, object-key order as hashring's add()). */
  readonly nodeIds: readonly string[];
  readonly vnodes: number;
  readonly pointsPerHash: number;
  readonly defaultPort: number | undefined;
  private readonly servers: readonly Server[];
  private readonly counts: number[];
  private readonly positions: Uint32Array;
  private readonly owners: OwnerArray;
  /** Bucket table over the positions (ring-core's RingTable): lookups search one bucket. */
  private readonly table: Uint32Array;
  private readonly shift: number;

  /**
   * Build the continuum of `nodes` (server ids, or {id, weight, vnodes}), in
   * hashring's order: O(V log V) for V points. Empty is allowed (lookups then
   * throw StateError). InvalidArgumentError for empty or duplicate ids, bad
   * weights, or options out of range.
   */
  constructor(nodes: readonly (KetamaNodeSpec | string)[], given?: KetamaOptions) {
    const options = readOptions(given);
    this.vnodes = requireInt('vnodes', options.vnodes ?? 40, 1, 10_000);
    this.pointsPerHash = requireInt('pointsPerHash', options.pointsPerHash ?? 4, 1, 4);
    this.defaultPort = options.defaultPort === undefined ? undefined : requireInt('defaultPort', options.defaultPort, 1, 65535);
    if (!isArraySafe(nodes)) throw new InvalidArgumentError('nodes', nodes, 'an array of server ids or {id, weight, vnodes} specs');
    if (nodes.length > MAX_SERVERS) throw new InvalidArgumentError('nodes', nodes, `at most ${MAX_SERVERS} servers`);
    const servers: Server[] = [];
    for (let i = 0; i < nodes.length; i++) servers.push(normalizeServer(nodes[i] as KetamaNodeSpec | string)); // holes of a sparse array are checked too
    const seen = new Set<string>();
    for (const s of servers) {
      if (seen.has(s.id)) throw new InvalidArgumentError('nodes', s.id, 'distinct node ids (this id appears twice)');
      seen.add(s.id);
    }
    this.servers = servers;
    const names = new Map<string, string>();
    for (const s of servers) {
      const name = this.hashName(s.id);
      const other = names.get(name);
      if (other !== undefined) {
        throw new InvalidArgumentError('nodes', s.id, `ids that hash as different names (${JSON.stringify(other)} and ${JSON.stringify(s.id)} both hash as ${JSON.stringify(name)} with defaultPort ${this.defaultPort})`);
      }
      names.set(name, s.id);
    }
    this.nodeIds = Object.freeze(servers.map((s) => s.id));
    this.counts = this.digestCounts();
    const { positions, owners } = this.continuum();
    this.positions = positions;
    this.owners = owners;
    const t = buildRingTable(positions);
    this.table = t.table;
    this.shift = t.shift;
  }

  private get view(): RingView {
    return { positions: this.positions, owners: this.owners, nodeIds: this.nodeIds };
  }

  private get options(): KetamaOptions {
    return { vnodes: this.vnodes, pointsPerHash: this.pointsPerHash, ...(this.defaultPort !== undefined ? { defaultPort: this.defaultPort } : {}) };
  }

  /** hashring's per-server digest count, float for float. */
  private digestCounts(): number[] {
    const servers = this.servers;
    const total = servers.reduce((t, s) => t + s.weight, 0);
    return servers.map((s) => {
      const vnodes = s.vnodes || this.vnodes;
      if (vnodes !== this.vnodes) return vnodes;
      return Math.floor((s.weight / total) * vnodes * servers.length);
    });
  }

  /** The name a server's digests are computed from (its host alone when its port is the default port). */
  private hashName(id: string): string {
    if (this.defaultPort === undefined) return id;
    const parts = id.split(':');
    return Number(parts[1]) === this.defaultPort ? (parts[0] as string) : id;
  }

  private continuum(): { positions: Uint32Array; owners: OwnerArray } {
    const per = this.pointsPerHash;
    const total = this.counts.reduce((a, b) => a + b, 0) * per;
    const keys = new Float64Array(total);
    const words = new Uint32Array(4);
    let t = 0;
    this.servers.forEach((s, idx) => {
      const name = this.hashName(s.id);
      for (let i = 0; i < (this.counts[idx] as number); i++) {
        md5Words(`${name}-${i}`, words);
        for (let j = 0; j < per; j++) keys[t++] = (words[j] as number) * RANK_SPACE + idx;
      }
    });
    // Sorting (position, server index) keys reproduces hashring's stable sort of points by position.
    keys.sort();
    const positions = new Uint32Array(total);
    const owners = ownerArray(total, this.servers.length);
    for (let i = 0; i < total; i++) {
      const k = keys[i] as number;
      const pos = Math.floor(k / RANK_SPACE);
      positions[i] = pos;
      owners[i] = k - pos * RANK_SPACE;
    }
    return { positions, owners };
  }

  /**
   * A copy of the sorted point positions (for drawing the ring, and for
   * benchmarks that time the bare search over the same array). O(V).
   */
  pointPositions(): Uint32Array {
    return this.positions.slice();
  }

  /** The owner of each point, parallel to pointPositions(). O(V). */
  pointOwners(): string[] {
    return Array.from(this.owners, (o) => this.nodeIds[o] as string);
  }

  /** Weight of server `id`. O(n). NotFoundError for unknown ids. */
  weightOf(id: string): number {
    const s = this.servers.find((x) => x.id === id);
    if (!s) throw new NotFoundError('node', id, this.nodeIds);
    return s.weight;
  }

  /** Digests (points / pointsPerHash) of server `id` in this continuum. O(n). */
  digestsOf(id: string): number {
    const i = this.nodeIds.indexOf(id);
    if (i < 0) throw new NotFoundError('node', id, this.nodeIds);
    return this.counts[i] as number;
  }

  /** The key hash: first little-endian word of MD5(key) (hashring's `hashValue`). O(key length). */
  positionOf(key: Key): number {
    assertKey(key);
    return md5Word0(key);
  }

  /**
   * The server owning `key`, identical to hashring's `get(key)` for string
   * keys. O(key length) expected (bucket table), allocation-free. StateError when empty.
   */
  locate(key: Key): string {
    const positions = this.positions;
    if (typeof key !== 'string') assertKey(key);
    if (positions.length === 0) throw new StateError('the ketama ring has no points; add a server with withNode() first');
    const h = md5Word0(key);
    // ringIndexTabled inlined: the bucket of h, then its few positions.
    const table = this.table;
    let lo = table[h >>> this.shift] as number;
    let hi = table[(h >>> this.shift) + 1] as number;
    while (hi - lo > 4) {
      const mid = (lo + hi) >>> 1;
      if ((positions[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    while (lo < hi && (positions[lo] as number) < h) lo++;
    return this.nodeIds[this.owners[lo === positions.length ? 0 : lo] as number] as string;
  }

  /**
   * The first `n` distinct servers clockwise from `key`, primary first:
   * hashring's `range(key, n)`. O(log V + points walked).
   */
  preferenceList(key: Key, n: number): string[] {
    assertKey(key);
    checkReplicas(n, this.nodeIds.length);
    if (this.positions.length === 0) throw new StateError('the ketama ring has no points');
    return ringWalk(this.view, md5Word0(key), n);
  }

  /**
   * A new ring with `node` added (rebuilt, as hashring's add() does: every
   * server's digest count is recomputed), and the exact plan. O(V log V).
   * An id that exists: no-op.
   */
  withNode(node: KetamaNodeSpec | string): PlacementChange<this> {
    const s = normalizeServer(node);
    if (this.nodeIds.includes(s.id)) return { placement: this, plan: EMPTY_PLAN };
    const next = new KetamaRing(objectKeyOrder([...this.servers, s]).map(specOf), this.options) as this;
    return { placement: next, plan: ringPlan(this.view, next.view) };
  }

  /** A new ring without server `id` (rebuilt, as hashring's remove()), and the exact plan. O(V log V). */
  withoutNode(id: string): PlacementChange<this> {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    const next = new KetamaRing(
      this.servers.filter((s) => s.id !== id).map(specOf),
      this.options,
    ) as this;
    return { placement: next, plan: ringPlan(this.view, next.view) };
  }

  /** The exact plan to another ketama ring with the same options. O(V + V'). */
  planTo(next: this): Plan {
    requirePlanTarget(this.strategy, next, KetamaRing, 'a ketama ring with the same options');
    requireSameHash(this.strategy, next instanceof KetamaRing, next.vnodes === this.vnodes && next.pointsPerHash === this.pointsPerHash && next.defaultPort === this.defaultPort);
    return ringPlan(this.view, next.view);
  }

  /** Exact share of the circle per server (sums to 1 when there are points). O(V). */
  loadShares(): ReadonlyMap<string, number> {
    return ringShares(this.view);
  }

  /** Rules: sorted positions (ties in server order), valid owners, each server's digest count × pointsPerHash points. O(V). */
  checkInvariants(): void {
    invariant(this.servers.length === this.nodeIds.length, 'ketama: servers and node ids differ in length');
    const expected = this.digestCounts();
    invariant(
      expected.every((c, i) => c === this.counts[i]),
      'ketama: stored digest counts differ from the hashring formula',
    );
    checkRingTable('ketama', this.positions, { table: this.table, shift: this.shift });
    checkRing('ketama', this.view, expected.map((c) => c * this.pointsPerHash), (a, b) => a - b);
  }

  /** e.g. `ketama ring (hashring-compatible): 10 servers, 1600 points (40 digests × 4 points at equal weight); …`. */
  describe(): string {
    const head = `ketama ring (hashring-compatible): ${this.nodeIds.length} servers, ${this.positions.length} points (${this.vnodes} digests × ${this.pointsPerHash} points per server at equal weight)`;
    if (this.positions.length === 0) return `${head}; empty`;
    const shares = ringShares(this.view);
    const s = shareSummary(shares);
    return `${head}; share min ${pct(s.min)}, max ${pct(s.max)}; imbalance (max share / weighted fair share) ${weightedImbalance(this, shares).toFixed(3)}`;
  }
}
