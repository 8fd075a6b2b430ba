/**
 * The client's routing core, without I/O: where a key goes under a map, how
 * keys of one multi-key command are grouped, and when the map is refreshed.
 *
 * Refresh rule (what keeps a burst of redirects from becoming a burst of
 * refreshes, redis/ioredis#1195): a MOVED reply asks for a refresh only when
 * the request was routed under the map the client still has (a request
 * routed under an older epoch was simply late); concurrent requests share
 * the refresh in flight; and after one completes, another starts no sooner
 * than `minIntervalMs` later unless forced (an owner that cannot be reached).
 */
import { redisKeySlot } from '../../hash/redis-slot.js';
import type { Placement } from '../../partitioning/placement.js';
import type { Clock } from '../../util/clock.js';
import { type ClusterMap, type MapNode, placementOf } from '../map.js';
import type { CommandArg } from '../resp/request-encoder.js';

/** One map, ready for lookups. Immutable. */
export class RoutingTable {
  readonly placement: Placement;
  private readonly byId: ReadonlyMap<string, MapNode>;
  private readonly byAddress: ReadonlyMap<string, MapNode>;

  constructor(readonly map: ClusterMap) {
    this.placement = placementOf(map);
    this.byId = new Map(map.nodes.map((n) => [n.id, n]));
    this.byAddress = new Map(map.nodes.map((n) => [`${n.host}:${n.port}`, n]));
  }

  get epoch(): number {
    return this.map.epoch;
  }

  /** The owner of `key` under this map. O(placement lookup). */
  ownerOf(key: CommandArg): MapNode {
    return this.byId.get(this.placement.locate(key)) as MapNode;
  }

  /**
   * The group of `key` for splitting a multi-key command: nodes accept the
   * keys of one request only when they share the CRC16 slot and the owner
   * (Redis's CROSSSLOT rule, kept under every placement).
   */
  groupOf(key: CommandArg): string {
    return `${redisKeySlot(key)}/${this.ownerOf(key).id}`;
  }

  /** The node at host:port in this map, if any. */
  nodeAt(address: string): MapNode | undefined {
    return this.byAddress.get(address);
  }

  /** Every node, in map order. */
  get nodes(): readonly MapNode[] {
    return this.map.nodes;
  }
}

/**
 * One request's redirects: the budget, and the nodes it has been sent to.
 * A MOVED back to a node the request has already been sent to means two
 * nodes' maps disagree (one has not learned the newest map yet): following
 * it at once would bounce the request between them until the budget is
 * spent, within a millisecond or two. Such a MOVED "settles" instead: the
 * client waits for its refresh (at most the TRYAGAIN delay) and re-routes by
 * its newest map when that is newer than the one the request was routed
 * under; otherwise it waits out the TRYAGAIN delay and then follows the MOVED. The budget then covers
 * `max` × that delay of disagreement, not `max` round trips.
 */
export class RedirectBudget {
  private readonly visited = new Set<string>();
  private used = 0;
  constructor(readonly max: number) {}

  /** The request is being sent to `address` (host:port). */
  visit(address: string): void {
    this.visited.add(address);
  }

  /** Take one redirect: false when it is one more than the budget allows. */
  take(): boolean {
    return ++this.used <= this.max;
  }

  /** What to do with a MOVED naming `address`: follow it, or settle when the request has been there already. */
  onMoved(address: string): 'follow' | 'settle' {
    return this.visited.has(address) ? 'settle' : 'follow';
  }
}

/** Counters of the refresh gate. */
export interface RefreshCounts {
  /** Refreshes started. */
  started: number;
  /** Requests for a refresh that joined one already in flight. */
  joined: number;
  /** Requests for a refresh dropped: routed under an older epoch, or within minIntervalMs of the last. */
  skipped: number;
}

/** Coalesces map refreshes (see the module comment). */
export class RefreshGate {
  private inFlight: Promise<void> | undefined;
  private lastEndMs = Number.NEGATIVE_INFINITY;
  readonly counts: RefreshCounts = { started: 0, joined: 0, skipped: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs: number,
    private readonly refresh: () => Promise<void>,
  ) {}

  /**
   * Ask for a refresh on behalf of a request routed under `routedEpoch` while
   * the client holds `currentEpoch`. Resolves when the refresh that serves
   * the request is done (at once when none is needed). Never rejects: a
   * failed refresh leaves the map as it was.
   */
  request(routedEpoch: number, currentEpoch: number, force = false): Promise<void> {
    if (this.inFlight !== undefined) {
      this.counts.joined++;
      return this.inFlight;
    }
    if (routedEpoch < currentEpoch || (!force && this.clock.now() - this.lastEndMs < this.minIntervalMs)) {
      this.counts.skipped++;
      return Promise.resolve();
    }
    this.counts.started++;
    const run = this.refresh()
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
        this.lastEndMs = this.clock.now();
      });
    this.inFlight = run;
    return run;
  }
}
