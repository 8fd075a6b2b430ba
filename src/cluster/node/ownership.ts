/**
 * Who owns a key under the node's current cluster map, and what to answer
 * when it is not this node (Redis Cluster's redirections): `-MOVED <slot>
 * <host>:<port>` for a key owned elsewhere, and, for the rebalancing issue,
 * `-ASK` for a key of a partition this node is migrating that is no longer
 * here, and acceptance of an ASKING request for a partition it is importing.
 * The migrating/importing tables are empty until moves exist; the decision
 * procedure already follows Redis's getNodeByQuery order.
 *
 * Storage partition of a key: the placement's partition when the placement
 * is partitioned (slots, redis-slots, range, jump, mod-n), otherwise the
 * key's CRC16 slot, so keys are always grouped in contiguous ranges.
 * The slot named in MOVED/ASK is always the CRC16 slot (what Redis clients
 * compute and index their tables by).
 */
import { redisKeySlot } from '../../hash/redis-slot.js';
import { isPartitioned, type Placement } from '../../partitioning/placement.js';
import { StateError } from '../../errors.js';
import { type ClusterMap, type MapNode, mapNode, placementOf } from '../map.js';
import { parseRedirect } from '../client/redirect.js';

/** What to do with a request for a key. */
export type Route =
  | { readonly kind: 'local' }
  | { readonly kind: 'moved'; readonly slot: number; readonly node: MapNode }
  | { readonly kind: 'ask'; readonly slot: number; readonly node: MapNode };

/** What a forwarding node does with the owner's reply to a request it forwarded. */
export type ForwardOutcome = { readonly kind: 'relay' } | { readonly kind: 'stale' } | { readonly kind: 'follow'; readonly node: MapNode };

/**
 * Judge `reply` (RESP bytes), the owner's answer to a request this node
 * forwarded, under this node's ownership `own`. A forwarded request is
 * answered MOVED only when the owner's map disagrees with this node's:
 * - MOVED naming this very node → `stale`: under the owner's newer map the
 *   key is this node's, and this node has not learned that map yet. Relaying
 *   it would send the client straight back here to be forwarded again, until
 *   the map arrives; the node answers TRYAGAIN instead and reloads its map.
 * - MOVED naming another node of this map → `follow`: the owner knows a newer
 *   map; the node forwards once more, to the node named, and reloads its map,
 *   rather than hand a plain client a redirect it cannot follow.
 * - anything else → `relay`, unchanged.
 * O(reply + nodes) for a MOVED, O(1) otherwise.
 */
export function judgeForwardReply(reply: Buffer, own: Ownership): ForwardOutcome {
  if (reply.length < 8 || reply[0] !== 0x2d || reply.toString('latin1', 1, 7) !== 'MOVED ') return RELAY;
  const self = own.self;
  const r = parseRedirect(reply.toString('latin1', 1, reply.length - 2), self.host);
  if (r === undefined) return RELAY;
  if (r.host === self.host && r.port === self.port) return STALE;
  const node = own.map.nodes.find((n) => n.host === r.host && n.port === r.port);
  return node === undefined ? RELAY : { kind: 'follow', node };
}

const RELAY: ForwardOutcome = { kind: 'relay' };
const STALE: ForwardOutcome = { kind: 'stale' };

/** The error text of a redirection, as Redis words it. */
export function redirectText(route: Exclude<Route, { kind: 'local' }>): string {
  return `${route.kind === 'moved' ? 'MOVED' : 'ASK'} ${route.slot} ${route.node.host}:${route.node.port}`;
}

/** Ownership decisions of one node under one map (immutable; a new map gives a new Ownership). */
export class Ownership {
  readonly placement: Placement;
  readonly self: MapNode;
  /** True when the storage partition of a key is its CRC16 slot. */
  readonly partitionIsSlot: boolean;
  /** Partitions being moved away: partition → target (the rebalancing issue fills this). */
  readonly migrating = new Map<number, MapNode>();
  /** Partitions being moved here (the rebalancing issue fills this). */
  readonly importing = new Set<number>();
  private readonly byId: ReadonlyMap<string, MapNode>;
  /** The map's write fences (moves switching), as sorted disjoint ranges; usually empty. */
  private readonly fenceRanges: readonly { first: number; last: number }[];

  constructor(
    readonly map: ClusterMap,
    readonly selfId: string,
  ) {
    const self = mapNode(map, selfId);
    if (self === undefined) throw new StateError(`node ${selfId} is not in the cluster map (epoch ${map.epoch}: ${map.nodes.map((n) => n.id).join(', ')})`);
    this.self = self;
    this.placement = placementOf(map);
    this.partitionIsSlot = map.strategy === 'redis-slots' || !isPartitioned(this.placement);
    this.byId = new Map(map.nodes.map((n) => [n.id, n]));
    this.fenceRanges = [...(map.fences ?? [])].sort((a, b) => a.first - b.first);
  }

  /** True when writes to storage partition `p` are fenced (a move of it is switching). O(fences). */
  fenced(p: number): boolean {
    for (const f of this.fenceRanges) {
      if (p < f.first) return false;
      if (p <= f.last) return true;
    }
    return false;
  }

  /** True when the map fences any partition. */
  get hasFences(): boolean {
    return this.fenceRanges.length > 0;
  }

  /** True when this node owns every partition of first … last. O(last − first). */
  ownsAll(first: number, last: number): boolean {
    return this.ownedIn(first, last) === last - first + 1;
  }

  /** How many partitions of first … last this node owns. O(last − first). */
  ownedIn(first: number, last: number): number {
    const p = this.placement;
    if (!isPartitioned(p)) return 0;
    let n = 0;
    const end = Math.min(last, p.partitionCount - 1);
    for (let i = Math.max(0, first); i <= end; i++) if (p.ownerOf(i) === this.self.id) n++;
    return n;
  }

  get epoch(): number {
    return this.map.epoch;
  }

  /** True when the placement is Redis Cluster's slots, so Redis clients route by themselves. */
  get slotsAreOwnership(): boolean {
    return this.map.strategy === 'redis-slots';
  }

  /** The storage partition of `key`. O(placement lookup). */
  partitionOf(key: Uint8Array): number {
    const p = this.placement;
    return this.partitionIsSlot ? redisKeySlot(key) : isPartitioned(p) ? p.partitionOf(key) : 0;
  }

  /** The node owning `key`. */
  ownerOf(key: Uint8Array): MapNode {
    return this.byId.get(this.placement.locate(key)) as MapNode;
  }

  /**
   * Route a request for `key` (Redis's order: owned and not migrating → local;
   * migrating and the key is gone → ASK; importing and ASKING → local; else MOVED).
   * `existsHere` is asked only for a migrating partition.
   */
  route(key: Uint8Array, asking: boolean, existsHere: () => boolean): Route {
    const owner = this.ownerOf(key);
    const partition = this.partitionOf(key);
    if (owner === this.self) {
      const target = this.migrating.get(partition);
      if (target !== undefined && !existsHere()) return { kind: 'ask', slot: redisKeySlot(key), node: target };
      return { kind: 'local' };
    }
    if (asking && this.importing.has(partition)) return { kind: 'local' };
    return { kind: 'moved', slot: redisKeySlot(key), node: owner };
  }
}
