/**
 * In-process nodes for the replication core: each node has an availability
 * flag, a replica store and a hint store (both behind interfaces). One
 * cluster may be shared by several coordinators, each with its own id.
 * The networked cluster (cluster/) will replace this with real nodes.
 */
import { InvalidArgumentError, NotFoundError, invariant, readArray, readOptions } from '../errors.js';
import { normalizeNodes } from '../partitioning/placement.js';
import { type HintStore, MemoryHintStore } from './hint-store.js';
import { type ReplicaStore, MemoryReplicaStore } from './replica-store.js';
import type { ClusterStatus } from './reports.js';

/** One in-process node. */
export interface ClusterNode {
  readonly id: string;
  available: boolean;
  readonly replicas: ReplicaStore;
  readonly hints: HintStore;
}

/** Options of a cluster: how each node's storage is made (default: memory). */
export interface ReplicaClusterOptions {
  replicaStore?: (nodeId: string) => ReplicaStore;
  hintStore?: (nodeId: string) => HintStore;
}

/** What a store factory returned for node `id`, checked to have the store's methods (read once). */
function checkStore<S extends object>(option: string, id: string, store: unknown, methods: readonly string[]): S {
  const allowed = `a store with ${methods.join(', ')}`;
  if (store === null || typeof store !== 'object') throw new InvalidArgumentError(`${option}(${JSON.stringify(id)})`, store, allowed);
  const m = readOptions(`${option}(${JSON.stringify(id)})`, store as Record<string, unknown>, methods, allowed);
  if (methods.some((k) => typeof m[k] !== 'function')) throw new InvalidArgumentError(`${option}(${JSON.stringify(id)})`, store, allowed);
  return store as S;
}

/** A set of in-process nodes, all available at first. O(1) lookups by id. */
export class ReplicaCluster {
  readonly nodeIds: readonly string[];
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly list: ClusterNode[] = [];

  /** Nodes: non-empty, distinct, non-empty string ids. */
  constructor(nodeIds: readonly string[], given: ReplicaClusterOptions = {}) {
    const allowed = 'an array of distinct non-empty node id strings';
    const list = readArray('nodes', nodeIds, allowed);
    if (list.some((n) => typeof n !== 'string')) throw new InvalidArgumentError('nodes', nodeIds, allowed);
    this.nodeIds = Object.freeze(normalizeNodes(list as string[]).map((n) => n.id));
    const options = readOptions('options', given, ['replicaStore', 'hintStore']);
    for (const k of ['replicaStore', 'hintStore'] as const) {
      const f = options[k];
      if (f !== undefined && f !== null && typeof f !== 'function') throw new InvalidArgumentError(k, f, 'a function from node id to a store, or undefined for memory');
    }
    const makeReplicas = options.replicaStore ?? (() => new MemoryReplicaStore());
    const makeHints = options.hintStore ?? (() => new MemoryHintStore());
    for (const id of this.nodeIds) {
      const replicas = checkStore<ReplicaStore>('replicaStore', id, makeReplicas(id), ['get', 'put', 'keys', 'checkInvariants']);
      const hints = checkStore<HintStore>('hintStore', id, makeHints(id), ['add', 'remove', 'forTarget', 'countFor', 'targets', 'all', 'restart', 'close', 'checkInvariants']);
      const node: ClusterNode = { id, available: true, replicas, hints };
      this.nodes.set(id, node);
      this.list.push(node);
    }
  }

  /** The node `id`; NotFoundError for unknown ids. O(1). */
  node(id: string): ClusterNode {
    if (typeof id !== 'string') throw new InvalidArgumentError('node id', id, `a node id (a string): one of ${this.nodeIds.join(', ')}`);
    const n = this.nodes.get(id);
    if (!n) throw new NotFoundError('node', id, this.nodeIds);
    return n;
  }

  /** Whether `id` is a node of this cluster. */
  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Nodes in id order of construction. */
  all(): readonly ClusterNode[] {
    return this.list;
  }

  /** Hints held anywhere. O(nodes). */
  hintsPending(): number {
    let n = 0;
    for (const node of this.list) n += node.hints.count;
    return n;
  }

  /** Hints held anywhere for `target`. O(nodes). */
  hintsFor(target: string): number {
    if (typeof target !== 'string') throw new InvalidArgumentError('target', target, 'a node id (a string)');
    let n = 0;
    for (const node of this.list) n += node.hints.countFor(target);
    return n;
  }

  /** Every node's availability, hint count and key count. O(nodes). */
  status(): ClusterStatus {
    const nodes = this.list.map((n) => ({ id: n.id, available: n.available, hints: n.hints.count, keys: n.replicas.size }));
    return { nodes, hintsPending: nodes.reduce((s, n) => s + n.hints, 0) };
  }

  /** Close every node's storage (files). */
  close(): void {
    for (const n of this.list) n.hints.close();
  }

  checkInvariants(): void {
    invariant(this.list.length === this.nodes.size && this.list.length === this.nodeIds.length, 'cluster: node tables disagree');
    for (const n of this.list) {
      n.replicas.checkInvariants();
      n.hints.checkInvariants();
      for (const t of n.hints.targets()) {
        invariant(this.nodes.has(t), () => `cluster: node ${n.id} holds hints for unknown node ${t}`);
        invariant(t !== n.id, () => `cluster: node ${n.id} holds hints for itself`);
      }
    }
  }
}
