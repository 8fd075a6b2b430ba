import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../util/clock.js';
import { ModNPlacement } from '../partitioning/mod-n.js';
import { ConsistentHashRing } from '../partitioning/ring.js';
import { Coordinator } from './coordinator.js';
import type { CoordinatorOptions } from './options.js';
import { ReplicaCluster } from './cluster.js';
import { DurableHintStore } from './durable-hint-store.js';
import { MemoryLogFile } from './log-file.js';
import { MemoryHintStore } from './hint-store.js';
import { FixedOrderPlacement } from './test-helpers.js';

// Preference list for every key: a b c | d e f (N = 3: a, b, c preferred; d, e, f fallbacks in order).
const NODES = ['a', 'b', 'c', 'd', 'e', 'f'];
function setup(extra: Partial<CoordinatorOptions> = {}): { c: Coordinator; clock: ManualClock } {
  const clock = new ManualClock(1000);
  const c = new Coordinator({ nodes: NODES, placement: new FixedOrderPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 500, clock, ...extra });
  return { c, clock };
}
const keysOn = (c: Coordinator, id: string): number => c.cluster.node(id).replicas.size;

describe('writes (DDIA ch. 5: quorums for reading and writing)', () => {
  it('stores a write on every available preferred node with a new version each time', () => {
    const { c } = setup();
    const w1 = c.write('k', 'one');
    const w2 = c.write('k', 'two');
    expect(w1).toMatchObject({ ok: true, replicasWritten: ['a', 'b', 'c'], hintsStored: [], acks: 3, sloppy: false });
    expect(w2.version?.counter).toBeGreaterThan(w1.version?.counter ?? Infinity);
    for (const id of ['a', 'b', 'c']) expect(c.cluster.node(id).replicas.get('k')?.value).toBe('two');
    for (const id of ['d', 'e', 'f']) expect(keysOn(c, id)).toBe(0);
    c.checkInvariants();
  });

  it('sloppy quorum: an unavailable preferred node gets a hint on the next available node after the first N, in preference order', () => {
    const { c } = setup();
    c.nodeDown('b');
    c.nodeDown('d');
    const w = c.write('k', 'v');
    expect(w).toMatchObject({ ok: true, replicasWritten: ['a', 'c'], acks: 3, sloppy: true });
    expect(w.hintsStored).toEqual([{ holder: 'e', target: 'b', id: 1 }]);
    const h = [...c.cluster.node('e').hints.all()][0];
    expect(h).toMatchObject({ target: 'b', key: 'k', value: 'v', version: w.version, createdAtMs: 1000, ttlMs: 500 });
    c.checkInvariants();
  });

  it('on the consistent ring (the default placement) hints go to the next healthy nodes clockwise after the first N (Dynamo)', () => {
    const nodes = Array.from({ length: 8 }, (_, i) => `node-${i}`);
    const c = new Coordinator({ nodes, n: 3, w: 2, r: 2, hintTtlMs: 100, clock: new ManualClock() });
    expect(c.placement).toBeInstanceOf(ConsistentHashRing);
    const ring = new ConsistentHashRing(nodes);
    for (let i = 0; i < 200; i++) {
      const key = `user:${i}`;
      const walk = ring.preferenceList(key, nodes.length);
      const down = [walk[1] as string, walk[3] as string];
      for (const id of down) c.nodeDown(id);
      const w = c.write(key, 'v');
      expect(w.preferred).toEqual(walk.slice(0, 3));
      expect(w.replicasWritten).toEqual([walk[0], walk[2]]);
      expect(w.hintsStored.map((h) => [h.holder, h.target])).toEqual([[walk[4], walk[1]]]);
      for (const id of down) c.nodeUp(id);
      c.tick();
    }
    c.checkInvariants();
  });

  it('each unavailable preferred node gets its hint on a different fallback node', () => {
    const { c } = setup();
    c.nodeDown('a');
    c.nodeDown('b');
    const w = c.write('k', 'v');
    expect(w.hintsStored.map((h) => `${h.holder}→${h.target}`)).toEqual(['d→a', 'e→b']);
    expect(w).toMatchObject({ ok: true, acks: 3, sloppy: true });
  });

  it('succeeds when replicas plus hints reach W (the seed rule), and fails before writing anything when they cannot', () => {
    const { c } = setup({ w: 3 });
    for (const id of ['b', 'c', 'd', 'e']) c.nodeDown(id);
    const w = c.write('k', 'v');
    expect(w.ok).toBe(false);
    expect(w.version).toBeUndefined();
    expect(w.reason).toMatch(/W is 3/);
    expect(keysOn(c, 'a')).toBe(0);
    expect(c.status().hintsPending).toBe(0);
    c.nodeUp('e');
    expect(c.write('k', 'v')).toMatchObject({ ok: true, acks: 3, replicasWritten: ['a'] });
  });

  it('strict quorum: fewer than W available preferred nodes fails the write with no hints (the seed rule)', () => {
    const { c } = setup({ sloppyQuorum: false });
    c.nodeDown('a');
    c.nodeDown('b');
    const w = c.write('k', 'v');
    expect(w).toMatchObject({ ok: false, hintsStored: [], acks: 0 });
    expect(c.status().hintsPending).toBe(0);
    expect(keysOn(c, 'c')).toBe(0);
  });

  it('strict quorum with hinted handoff (Cassandra): hints are stored but do not count toward W', () => {
    const { c } = setup({ sloppyQuorum: false });
    c.nodeDown('a');
    const w = c.write('k', 'v');
    expect(w).toMatchObject({ ok: true, acks: 2, sloppy: false, hintsStored: [{ holder: 'd', target: 'a', id: 1 }] });
    const off = setup({ sloppyQuorum: false, hintedHandoff: false }).c;
    off.nodeDown('a');
    expect(off.write('k', 'v')).toMatchObject({ ok: true, acks: 2, hintsStored: [], hintsRejected: [{ target: 'a', reason: 'hints-disabled' }] });
  });

  it('hintsMax: a full holder is skipped for the next fallback; when none has room the hint is rejected and its ack not counted', () => {
    const { c } = setup({ hintsMax: 1, w: 3 });
    c.nodeDown('c');
    expect(c.write('k1', 'v').hintsStored).toEqual([{ holder: 'd', target: 'c', id: 1 }]);
    expect(c.write('k2', 'v').hintsStored).toEqual([{ holder: 'e', target: 'c', id: 1 }]);
    expect(c.write('k3', 'v').hintsStored).toEqual([{ holder: 'f', target: 'c', id: 1 }]);
    const w = c.write('k4', 'v');
    expect(w).toMatchObject({ ok: false, hintsStored: [], hintsRejected: [{ target: 'c', reason: 'hints-full' }] });
    expect(keysOn(c, 'a')).toBe(3);
    expect(c.metrics()).toMatchObject({ hintsStored: 3, hintsRejected: 1, writesFailed: 1 });
    const all = setup({ w: 2 }).c;
    for (const id of ['c', 'd', 'e', 'f']) all.nodeDown(id);
    expect(all.write('k', 'v')).toMatchObject({ ok: true, acks: 2, hintsRejected: [{ target: 'c', reason: 'no-fallback-node' }] });
  });

  it('a hint the store fails to keep is reported as a storage error and not counted: never a silent drop', () => {
    const cluster = new ReplicaCluster(NODES, {
      hintStore: (id) => {
        const s = new MemoryHintStore();
        if (id === 'd') s.add = () => { throw new Error('disk full'); };
        return s;
      },
    });
    const c = new Coordinator({ cluster, placement: new FixedOrderPlacement(NODES), n: 3, w: 3, r: 2, hintTtlMs: 500, clock: new ManualClock() });
    c.nodeDown('c');
    const w = c.write('k', 'v');
    expect(w).toMatchObject({ ok: false, acks: 2, hintsStored: [], hintsRejected: [{ target: 'c', reason: 'storage-error', detail: 'disk full' }] });
    expect(w.reason).toMatch(/storage errors/);
  });
});

describe('reads and read repair (DDIA ch. 5: read repair)', () => {
  it('returns the newest version among R available preferred replicas and repairs the stale ones it read', () => {
    const { c } = setup({ r: 3 });
    c.write('k', 'old');
    c.nodeDown('b');
    c.write('k', 'new');
    c.nodeUp('b');
    const r = c.read('k');
    expect(r).toMatchObject({ ok: true, found: true, value: 'new', replicasRead: ['a', 'b', 'c'], readRepairs: ['b'] });
    expect(c.cluster.node('b').replicas.get('k')?.value).toBe('new');
    expect(c.read('k').readRepairs).toEqual([]);
    expect(c.metrics().readRepairs).toBe(1);
  });

  it('repairs a replica that is missing the key, and leaves it alone when read repair is off', () => {
    for (const readRepair of [true, false]) {
      const { c } = setup({ r: 3, readRepair });
      c.nodeDown('c');
      c.write('k', 'v');
      c.nodeUp('c');
      expect(c.read('k').readRepairs).toEqual(readRepair ? ['c'] : []);
      expect(c.cluster.node('c').replicas.get('k')?.value).toBe(readRepair ? 'v' : undefined);
    }
  });

  it('fails when fewer than R preferred nodes are available, and reports a key never written as not found', () => {
    const { c } = setup();
    expect(c.read('nothing')).toMatchObject({ ok: true, found: false, value: undefined });
    c.nodeDown('a');
    c.nodeDown('b');
    expect(c.read('k')).toMatchObject({ ok: false, replicasRead: [] });
    expect(c.metrics()).toMatchObject({ reads: 2, readsFailed: 1 });
  });

  it('behaves like a Map when every node is up (model-based, any placement)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('x', 'y', 'z', 'ключ'), fc.string({ maxLength: 3 })), { maxLength: 60 }), (ops) => {
        const nodes = ['n0', 'n1', 'n2', 'n3', 'n4'];
        const c = new Coordinator({ nodes, placement: new ModNPlacement(nodes), n: 3, w: 2, r: 2, hintTtlMs: 10, clock: new ManualClock() });
        const model = new Map<string, string>();
        for (const [isWrite, key, value] of ops) {
          if (isWrite) {
            expect(c.write(key, value).ok).toBe(true);
            model.set(key, value);
          } else expect(c.read(key).value).toBe(model.get(key));
          c.checkInvariants();
        }
      }),
      { seed: 6201, numRuns: 100 },
    );
  });
});

describe('hinted handoff (DDIA ch. 5; Dynamo §4.6)', () => {
  it('delivers hints when the target recovers, removes them from the holder and reports the keys recovered', () => {
    const { c } = setup();
    c.nodeDown('b');
    c.write('k1', 'v1');
    c.write('k2', 'v2');
    expect(c.tick().delivered).toBe(0);
    expect(c.nodeUp('b')).toEqual({ node: 'b', hintsPending: 2 });
    const h = c.tick();
    expect(h).toMatchObject({ delivered: 2, applied: 2, expired: 0, keysRecovered: ['k1', 'k2'], pending: 0 });
    expect(c.cluster.node('b').replicas.get('k2')?.value).toBe('v2');
    expect(c.cluster.node('d').hints.count).toBe(0);
    c.checkInvariants();
  });

  it('newest version wins on the target: a hint older than what the target holds does not overwrite it', () => {
    const { c } = setup();
    c.nodeDown('b');
    c.write('k', 'old');
    c.nodeUp('b');
    c.write('k', 'new');
    const h = c.tick();
    expect(h.deliveries.map((d) => d.outcome)).toEqual(['superseded']);
    expect(h.keysRecovered).toEqual([]);
    expect(c.cluster.node('b').replicas.get('k')?.value).toBe('new');
  });

  it('drops a hint that expires at created-at + TTL, counts it and never delivers it', () => {
    const { c, clock } = setup({ hintTtlMs: 500 });
    c.nodeDown('b');
    c.write('k', 'v');
    clock.advance(499);
    expect(c.tick().expired).toBe(0);
    clock.advance(1);
    const h = c.tick();
    expect(h).toMatchObject({ expired: 1, delivered: 0, pending: 0 });
    expect(h.expiredHints[0]).toMatchObject({ holder: 'd', target: 'b', key: 'k' });
    c.nodeUp('b');
    expect(c.tick().delivered).toBe(0);
    expect(c.cluster.node('b').replicas.get('k')).toBeUndefined();
    expect(c.metrics().hintsExpired).toBe(1);
  });

  it('is throttled: a recovering node receives at most handoffRatePerTick hints per tick', () => {
    const { c } = setup({ handoffRatePerTick: 3 });
    c.nodeDown('a');
    c.nodeDown('b');
    for (let i = 0; i < 10; i++) c.write(`k${i}`, 'v');
    c.nodeUp('a');
    c.nodeUp('b');
    const perTick: number[][] = [];
    for (let t = 0; t < 5; t++) {
      const h = c.tick();
      perTick.push(['a', 'b'].map((id) => h.deliveries.filter((d) => d.target === id).length));
    }
    expect(perTick).toEqual([[3, 3], [3, 3], [3, 3], [1, 1], [0, 0]]);
    expect(c.handoff('a')).toMatchObject({ delivered: 0, pending: 0 });
  });

  it('an explicit handoff delivers only to the named target, within its budget', () => {
    const { c } = setup();
    c.nodeDown('a');
    c.nodeDown('b');
    for (let i = 0; i < 4; i++) c.write(`k${i}`, 'v');
    c.nodeUp('a');
    c.nodeUp('b');
    const h = c.handoff('a', 2);
    expect(h.deliveries.map((d) => d.target)).toEqual(['a', 'a']);
    expect(h.pending).toBe(6);
  });

  it('a holder that is down keeps its hints until it is back', () => {
    const { c } = setup();
    c.nodeDown('b');
    c.write('k', 'v');
    c.nodeDown('d');
    c.nodeUp('b');
    expect(c.tick().delivered).toBe(0);
    c.nodeUp('d');
    expect(c.tick().delivered).toBe(1);
  });

  it('hints survive a crash and restart of the node holding them (durable store); a memory store loses them and says so', () => {
    const files = new Map<string, MemoryLogFile>();
    const durable = new ReplicaCluster(NODES, {
      hintStore: (id) => {
        const f = new MemoryLogFile();
        files.set(id, f);
        return new DurableHintStore(f);
      },
    });
    const c = new Coordinator({ cluster: durable, placement: new FixedOrderPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 500, clock: new ManualClock() });
    c.nodeDown('b');
    c.write('k', 'v');
    expect(c.crashNode('d')).toEqual({ recovered: 1, lost: 0, tornBytes: 0 });
    c.nodeUp('d');
    c.nodeUp('b');
    expect(c.tick()).toMatchObject({ delivered: 1, keysRecovered: ['k'] });

    const { c: volatile } = setup();
    volatile.nodeDown('b');
    volatile.write('k', 'v');
    expect(volatile.crashNode('d')).toEqual({ recovered: 0, lost: 1, tornBytes: 0 });
    volatile.nodeUp('d');
    volatile.nodeUp('b');
    expect(volatile.tick().delivered).toBe(0);
  });

  it('reports the cluster status: availability, hint count and key count per node', () => {
    const { c } = setup();
    c.nodeDown('a');
    c.write('k', 'v');
    expect(c.status()).toEqual({
      nodes: [
        { id: 'a', available: false, hints: 0, keys: 0 },
        { id: 'b', available: true, hints: 0, keys: 1 },
        { id: 'c', available: true, hints: 0, keys: 1 },
        { id: 'd', available: true, hints: 1, keys: 0 },
        { id: 'e', available: true, hints: 0, keys: 0 },
        { id: 'f', available: true, hints: 0, keys: 0 },
      ],
      hintsPending: 1,
    });
  });
});

describe('versions across coordinators (DDIA ch. 5: detecting concurrent writes)', () => {
  it('two coordinators sharing a cluster never issue the same version; concurrent writes are detected and resolved by the declared rule', () => {
    const cluster = new ReplicaCluster(NODES);
    const opts = { cluster, placement: new FixedOrderPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 500, clock: new ManualClock() };
    const c1 = new Coordinator({ ...opts, coordinatorId: 'c1' });
    const c2 = new Coordinator({ ...opts, coordinatorId: 'c2' });
    const a = c1.write('k', 'from c1');
    const b = c2.write('k', 'from c2'); // c2 has not seen c1's write: same counter, concurrent
    expect(a.version).toEqual({ counter: 1, coordinator: 'c1' });
    expect(b.version).toEqual({ counter: 1, coordinator: 'c2' });
    expect(b.concurrent).toBe(3);
    expect(c1.read('k').value).toBe('from c2'); // equal counters: the larger coordinator id wins
    const c = c1.write('k', 'c1 again'); // c1 observed (1, c2) on the read
    expect(c.version).toEqual({ counter: 2, coordinator: 'c1' });
    const d = c2.write('k', 'c2 late'); // c2 observed counter 1 in its write acknowledgements, not c1's 2
    expect(d.version).toEqual({ counter: 2, coordinator: 'c2' });
    expect(c2.read('k').value).toBe('c2 late');
    const e = c2.write('k', 'stale');
    expect(e.version?.counter).toBe(3);
    expect(c2.metrics().concurrentWrites).toBeGreaterThan(0);
  });

  it('a write from a coordinator that lags behind is superseded on replicas holding a newer version (last-writer-wins)', () => {
    const cluster = new ReplicaCluster(NODES);
    const opts = { cluster, placement: new FixedOrderPlacement(NODES), n: 3, w: 2, r: 2, hintTtlMs: 500, clock: new ManualClock() };
    const fast = new Coordinator({ ...opts, coordinatorId: 'a' });
    const slow = new Coordinator({ ...opts, coordinatorId: 'b' });
    for (let i = 0; i < 5; i++) fast.write('k', `fast ${i}`);
    const w = slow.write('k', 'slow');
    expect(w).toMatchObject({ ok: true, superseded: 3 });
    expect(slow.read('k').value).toBe('fast 4');
    expect(slow.write('k', 'slow 2').superseded).toBe(0);
    expect(fast.read('k').value).toBe('slow 2');
  });
});
