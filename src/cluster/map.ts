/**
 * The cluster map: the placement a cluster runs (strategy, its options, the
 * nodes with their addresses) and its epoch, as stored in the metadata
 * service under `map`. The epoch rises by one on every change; every
 * ownership decision names the epoch it was made under (ARCHITECTURE.md,
 * "Epochs on everything").
 *
 * For partitioned strategies (`slots`, `redis-slots`) the partition → node
 * table is part of the value: like Redis's slot table it is state to keep,
 * not a function of the node list, once partitions have moved.
 */
import type { CreateOptions } from '../partitioning/registry.js';

/** A node as the map names it. */
export interface MapNode {
  readonly id: string;
  readonly weight: number;
  readonly host: string;
  readonly port: number;
}

/** Partitions first … last (inclusive) owned by nodes[node]. */
export interface OwnerRange {
  readonly first: number;
  readonly last: number;
  readonly node: number;
}

/** The placement of a running cluster, and its epoch. */
export interface ClusterMap {
  readonly format: 1;
  readonly epoch: number;
  readonly strategy: string;
  /** The strategy's options other than `nodes` (validated by `createPlacement`). */
  readonly options: Omit<CreateOptions, 'nodes'>;
  readonly nodes: readonly MapNode[];
  /** Partition owners for partitioned strategies, as contiguous ranges covering every partition. */
  readonly owners?: readonly OwnerRange[];
  /**
   * Partitions whose writes are fenced: a move is switching them to another
   * node (../rebalance/move-core.ts). Their owner serves reads and answers
   * writes TRYAGAIN until a later map commits the move or lifts the fence.
   * Kept in the map so the fence and the commit are each one
   * compare-and-set of one value, and a restarted owner is fenced at once.
   */
  readonly fences?: readonly PartitionRange[];
}

/** Partitions first … last (inclusive). */
export interface PartitionRange {
  readonly first: number;
  readonly last: number;
}

import { CorruptionError, InvalidArgumentError } from '../errors.js';
import { hash32ByName } from '../hash/registry.js';
import type { Placement } from '../partitioning/placement.js';
import { createPlacement, strategyInfo } from '../partitioning/registry.js';
import { RedisSlotPlacement, SlotPlacement } from '../partitioning/slots.js';

/** Largest TCP port. */
const PORT_MAX = 65535;

/**
 * The first map of a cluster (epoch 1) for `strategy` over `nodes`, with the
 * partition table filled in for partitioned strategies. Validates everything
 * (the strategy's constructor validates its options). O(build of the placement).
 */
export function initialMap(strategy: string, options: Omit<CreateOptions, 'nodes'>, nodes: readonly MapNode[]): ClusterMap {
  const draft: ClusterMap = { format: 1, epoch: 1, strategy, options, nodes: nodes.map(checkNode) };
  const placement = buildPlacement(draft);
  return withOwnersOf(draft, placement);
}

/**
 * The next map: same strategy and options, the given nodes and partition
 * table taken from `placement` (e.g. the result of `withNode`), epoch + 1.
 */
export function nextMap(map: ClusterMap, nodes: readonly MapNode[], placement: Placement): ClusterMap {
  return withOwnersOf({ ...map, epoch: map.epoch + 1, nodes: nodes.map(checkNode), owners: undefined }, placement);
}

/** The placement a map describes. O(build of the placement). Throws CorruptionError on an inconsistent map. */
export function placementOf(map: ClusterMap): Placement {
  return buildPlacement(map);
}

/** The map as bytes (UTF-8 JSON). */
export function encodeMap(map: ClusterMap): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(map));
}

/**
 * A map from bytes, validated: CorruptionError (naming what is wrong) when the
 * bytes are not a well-formed map. O(size).
 */
export function decodeMap(bytes: Uint8Array): ClusterMap {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CorruptionError('cluster map is not valid UTF-8 JSON', { cause: e });
  }
  return validateMap(value);
}

/** Check a decoded value is a ClusterMap (shape, epoch, nodes, owner ranges, and that it builds). */
export function validateMap(value: unknown): ClusterMap {
  const bad = (what: string): never => {
    throw new CorruptionError(`cluster map: ${what}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad('not an object');
  const v = value as Record<string, unknown>;
  if (v.format !== 1) bad(`format ${String(v.format)}; this version reads format 1`);
  if (typeof v.epoch !== 'number' || !Number.isSafeInteger(v.epoch) || v.epoch < 1) bad('epoch must be an integer ≥ 1');
  if (typeof v.strategy !== 'string') bad('strategy must be a string');
  if (v.options === null || typeof v.options !== 'object' || Array.isArray(v.options)) bad('options must be an object');
  if (!Array.isArray(v.nodes) || v.nodes.length === 0) bad('nodes must be a non-empty array');
  const map = value as ClusterMap;
  try {
    map.nodes.forEach(checkNode);
  } catch (e) {
    bad((e as Error).message);
  }
  if (map.owners !== undefined && !Array.isArray(map.owners)) bad('owners must be an array of ranges');
  if (map.fences !== undefined) {
    if (!Array.isArray(map.fences) || map.owners === undefined) bad('fences must be an array of ranges, in the map of a partitioned strategy');
    for (const f of map.fences) {
      const ok = f !== null && typeof f === 'object' && Number.isInteger(f.first) && Number.isInteger(f.last) && f.first >= 0 && f.last >= f.first;
      if (!ok) bad(`fence ${JSON.stringify(f)} is not a range {first, last} with 0 ≤ first ≤ last`);
    }
  }
  try {
    buildPlacement(map);
  } catch (e) {
    if (e instanceof CorruptionError) throw e;
    bad(`does not describe a placement: ${(e as Error).message}`);
  }
  return map;
}

/** The node `id` of the map, or undefined. O(n). */
export function mapNode(map: ClusterMap, id: string): MapNode | undefined {
  return map.nodes.find((n) => n.id === id);
}

function checkNode(node: MapNode): MapNode {
  if (node === null || typeof node !== 'object') throw new InvalidArgumentError('node', node, 'an object {id, weight, host, port}');
  const { id, weight, host, port } = node;
  if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError('node id', id, 'a non-empty string');
  if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) throw new InvalidArgumentError(`weight of node ${id}`, weight, 'a finite number > 0');
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError(`host of node ${id}`, host, 'a host name or IP address');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > PORT_MAX) throw new InvalidArgumentError(`port of node ${id}`, port, `an integer 1 … ${PORT_MAX}`);
  return { id, weight, host, port };
}

function buildPlacement(map: ClusterMap): Placement {
  const specs = map.nodes.map((n) => ({ id: n.id, weight: n.weight }));
  strategyInfo(map.strategy);
  if (map.owners === undefined || (map.strategy !== 'slots' && map.strategy !== 'redis-slots')) {
    return createPlacement(map.strategy, { ...map.options, nodes: specs });
  }
  const fresh = createPlacement(map.strategy, { ...map.options, nodes: specs }) as SlotPlacement;
  const owners = ownersArray(map.owners, fresh.partitionCount, map.nodes.length);
  // A running cluster's table is state, not a function of the node list: part way through a rebalancing plan it need not be within quota.
  if (map.strategy === 'redis-slots') return new RedisSlotPlacement(specs, owners, 'any');
  const hash = map.options.hash === undefined || map.options.hash === 'murmur3-x86-32' ? undefined : hash32ByName(map.options.hash);
  return new SlotPlacement(specs, { partitions: fresh.partitionCount, hash }, owners, 'any');
}

function ownersArray(ranges: readonly OwnerRange[], partitions: number, nodeCount: number): Int32Array {
  const owners = new Int32Array(partitions).fill(-1);
  for (const r of ranges) {
    const ok = r !== null && typeof r === 'object' && Number.isInteger(r.first) && Number.isInteger(r.last) && Number.isInteger(r.node);
    if (!ok || r.first < 0 || r.last < r.first || r.last >= partitions || r.node < 0 || r.node >= nodeCount) {
      throw new CorruptionError(`cluster map: owner range ${JSON.stringify(r)} is outside partitions 0 … ${partitions - 1} or nodes 0 … ${nodeCount - 1}`);
    }
    owners.fill(r.node, r.first, r.last + 1);
  }
  const missing = owners.indexOf(-1);
  if (missing >= 0) throw new CorruptionError(`cluster map: partition ${missing} has no owner`);
  return owners;
}

function withOwnersOf(map: ClusterMap, placement: Placement): ClusterMap {
  if (!(placement instanceof SlotPlacement)) {
    const { owners: _drop, ...rest } = map;
    return rest;
  }
  const ids = map.nodes.map((n) => n.id);
  const table = placement.assignment();
  const byMapIndex = new Int32Array(table.length);
  for (let p = 0; p < table.length; p++) {
    const node = ids.indexOf(placement.nodeIds[table[p] as number] as string);
    if (node < 0) throw new InvalidArgumentError('placement', placement.describe(), `a placement over the map's nodes (${ids.join(', ')})`);
    byMapIndex[p] = node;
  }
  return { ...map, owners: rangesOf(byMapIndex) };
}

/** A partition → node-index table as contiguous ranges, in partition order. O(partitions). */
function rangesOf(table: Int32Array): OwnerRange[] {
  const owners: OwnerRange[] = [];
  for (let p = 0; p < table.length; p++) {
    const node = table[p] as number;
    const last = owners[owners.length - 1];
    if (last !== undefined && last.node === node && last.last === p - 1) owners[owners.length - 1] = { ...last, last: p };
    else owners.push({ first: p, last: p, node });
  }
  return owners;
}

/**
 * The next map of a partitioned cluster (`slots`, `redis-slots`) with each
 * range `first … last` of `moves` given to `nodes[node]`, later moves
 * overriding earlier ones; same nodes, epoch + 1. The table after the moves
 * must be total; it need not be within quota (a plan executes move by
 * move). Moving ownership only:
 * the data of the moved partitions is not this function's business.
 * InvalidArgumentError, naming the bad move, when the map is not
 * partitioned or a move is outside its partitions or nodes; the map given
 * is never changed. O(partitions + moved).
 */
export function withPartitionsMoved(map: ClusterMap, moves: readonly OwnerRange[]): ClusterMap {
  if (map.owners === undefined) throw new InvalidArgumentError('map', map.strategy, 'the map of a partitioned strategy (slots, redis-slots)');
  if (!Array.isArray(moves)) throw new InvalidArgumentError('moves', moves, 'an array of {first, last, node}');
  const partitions = (buildPlacement(map) as SlotPlacement).partitionCount;
  const owners = ownersArray(map.owners, partitions, map.nodes.length);
  for (const m of moves) {
    const ok = m !== null && typeof m === 'object' && Number.isInteger(m.first) && Number.isInteger(m.last) && Number.isInteger(m.node);
    if (!ok || m.first < 0 || m.last < m.first || m.last >= partitions || m.node < 0 || m.node >= map.nodes.length) {
      throw new InvalidArgumentError('move', m, `{first, last, node} with 0 ≤ first ≤ last ≤ ${partitions - 1} and node 0 … ${map.nodes.length - 1}`);
    }
  }
  for (const m of moves) owners.fill(m.node, m.first, m.last + 1);
  const next: ClusterMap = { ...map, epoch: map.epoch + 1, owners: rangesOf(owners) };
  try {
    buildPlacement(next);
  } catch (e) {
    throw new InvalidArgumentError('moves', moves.length, `moves after which the partition table is one the strategy accepts (${(e as Error).message})`);
  }
  return next;
}
