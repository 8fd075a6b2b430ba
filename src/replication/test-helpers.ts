/**
 * Shared fixtures for the replication tests: a placement whose preference
 * lists are spelled out by hand, so a test can say exactly which nodes are
 * preferred and which come next.
 */
import { NotFoundError, StateError } from '../errors.js';
import type { Key } from '../hash/key.js';
import { type Placement, checkReplicas, EMPTY_PLAN } from '../partitioning/placement.js';

/** Every key's preference list is `order` (all nodes): the first N are preferred, the rest are fallbacks in order. */
export class FixedOrderPlacement implements Placement {
  readonly strategy = 'fixed-order';
  constructor(readonly nodeIds: readonly string[]) {}
  weightOf(id: string): number {
    if (!this.nodeIds.includes(id)) throw new NotFoundError('node', id, this.nodeIds);
    return 1;
  }
  locate(_key: Key): string {
    const first = this.nodeIds[0];
    if (first === undefined) throw new StateError('no nodes');
    return first;
  }
  preferenceList(_key: Key, n: number): string[] {
    checkReplicas(n, this.nodeIds.length);
    return this.nodeIds.slice(0, n);
  }
  withNode(): never {
    throw new StateError('fixed-order placement is a test fixture');
  }
  withoutNode(): never {
    throw new StateError('fixed-order placement is a test fixture');
  }
  planTo(): typeof EMPTY_PLAN {
    return EMPTY_PLAN;
  }
  loadShares(): ReadonlyMap<string, number> {
    return new Map(this.nodeIds.map((id, i) => [id, i === 0 ? 1 : 0]));
  }
  checkInvariants(): void {}
  describe(): string {
    return `fixed order ${this.nodeIds.join(' → ')}`;
  }
}
