import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { ManualClock } from '../util/clock.js';
import { ModNPlacement } from '../partitioning/mod-n.js';
import { Coordinator } from './coordinator.js';
import type { CoordinatorOptions } from './options.js';
import { ReplicaCluster } from './cluster.js';

const NODES = ['a', 'b', 'c', 'd'];
const base = (): CoordinatorOptions => ({ nodes: NODES, placement: new ModNPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 100, clock: new ManualClock() });

/** Everything observable about a coordinator's state. */
function snapshot(c: Coordinator): string {
  const stores = c.cluster.all().map((n) => ({ id: n.id, up: n.available, keys: [...n.replicas.keys()].map((k) => [k, n.replicas.get(k)]), hints: [...n.hints.all()] }));
  return JSON.stringify({ stores, metrics: c.metrics(), counter: c.versionCounter });
}

describe('bad input: typed errors naming what was wrong, and no state changed', () => {
  it.each([
    ['W greater than N', { w: 4 }, /w \(write quorum\).*got 4.*from 1 to 3/],
    ['R greater than N', { r: 4 }, /r \(read quorum\).*got 4/],
    ['N greater than the node count', { n: 5 }, /n \(replication factor\).*got 5.*node count \(4\)/],
    ['N of zero', { n: 0 }, /replication factor/],
    ['W of zero', { w: 0 }, /write quorum/],
    ['R negative', { r: -1 }, /read quorum/],
    ['N not an integer', { n: 2.5 }, /replication factor/],
    ['TTL of zero', { hintTtlMs: 0 }, /hintTtlMs.*> 0/],
    ['TTL negative', { hintTtlMs: -5 }, /hintTtlMs/],
    ['TTL not finite', { hintTtlMs: Infinity }, /hintTtlMs/],
    ['handoffRatePerTick of zero', { handoffRatePerTick: 0 }, /handoffRatePerTick/],
    ['hintsMax negative', { hintsMax: -1 }, /hintsMax/],
    ['sloppyQuorum not a boolean', { sloppyQuorum: 'yes' as unknown as boolean }, /sloppyQuorum/],
    ['no clock', { clock: undefined as unknown as ManualClock }, /clock/],
    ['empty coordinator id', { coordinatorId: '' }, /coordinatorId/],
    ['a placement over other nodes', { placement: new ModNPlacement(['a', 'b', 'c', 'x']) }, /placement/],
    ['both nodes and cluster', { cluster: new ReplicaCluster(NODES) }, /exactly one/],
  ])('rejects %s at construction', (_what, change, message) => {
    expect(() => new Coordinator({ ...base(), ...change })).toThrow(InvalidArgumentError);
    expect(() => new Coordinator({ ...base(), ...change })).toThrow(message);
  });

  it('rejects duplicate or non-string node ids', () => {
    expect(() => new Coordinator({ ...base(), nodes: ['a', 'a', 'b'], placement: undefined })).toThrow(InvalidArgumentError);
    expect(() => new Coordinator({ ...base(), nodes: ['a', 7 as unknown as string, 'b'], placement: undefined })).toThrow(InvalidArgumentError);
  });

  it('rejects unknown node ids in down, up, crash and handoff, changing nothing', () => {
    const c = new Coordinator(base());
    c.nodeDown('a');
    c.write('k', 'v');
    const before = snapshot(c);
    expect(() => c.nodeDown('zz')).toThrow(NotFoundError);
    expect(() => c.nodeUp('zz')).toThrow(/unknown node "zz"; known: a, b, c, d/);
    expect(() => c.crashNode('zz')).toThrow(NotFoundError);
    expect(() => c.handoff('zz')).toThrow(NotFoundError);
    expect(() => c.handoff('a', 0)).toThrow(InvalidArgumentError);
    expect(snapshot(c)).toBe(before);
    c.checkInvariants();
  });

  it('rejects non-string keys and values in writes and reads, changing nothing', () => {
    const c = new Coordinator(base());
    c.write('k', 'v');
    const before = snapshot(c);
    for (const key of [42, null, undefined, new Uint8Array([1]), { k: 1 }]) {
      expect(() => c.write(key as unknown as string, 'v')).toThrow(InvalidArgumentError);
      expect(() => c.read(key as unknown as string)).toThrow(/invalid key.*allowed: a string/);
    }
    expect(() => c.write('k', 5 as unknown as string)).toThrow(/invalid value/);
    expect(snapshot(c)).toBe(before);
  });
});
