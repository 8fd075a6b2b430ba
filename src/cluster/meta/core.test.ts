import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../errors.js';
import { ManualClock } from '../../util/clock.js';
import { MetaCore, keyOf } from './core.js';
import { CompactedError, LeaseLostError } from './errors.js';
import type { WatchEvent } from './types.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The trivial model: a Map of key → {value, create, mod, lease}, a revision counter, leases with deadlines. */
interface Model {
  rev: number;
  kvs: Map<string, { value: string; create: number; mod: number; lease?: string }>;
  leases: Map<string, { deadline: number; ttl: number }>;
  nextLease: number;
}

type Op =
  | { op: 'put'; key: string; value: string; cond: 'none' | 'absent' | 'current' | 'stale'; lease: number | null }
  | { op: 'delete'; key: string; cond: 'none' | 'current' | 'stale' }
  | { op: 'grant'; ttl: number }
  | { op: 'keepAlive'; lease: number }
  | { op: 'revoke'; lease: number }
  | { op: 'advance'; ms: number };

const keyArb = fc.constantFrom('a', 'b', 'm/1', 'm/2', 'm/3');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), key: keyArb, value: fc.string({ maxLength: 4 }), cond: fc.constantFrom('none' as const, 'absent' as const, 'current' as const, 'stale' as const), lease: fc.option(fc.nat(4)) }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb, cond: fc.constantFrom('none' as const, 'current' as const, 'stale' as const) }),
  fc.record({ op: fc.constant('grant' as const), ttl: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ op: fc.constant('keepAlive' as const), lease: fc.nat(4) }),
  fc.record({ op: fc.constant('revoke' as const), lease: fc.nat(4) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60 }) }),
);

function modelEnd(m: Model, id: string): void {
  for (const [k, kv] of [...m.kvs].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (kv.lease === id) {
      m.kvs.delete(k);
      m.rev++;
    }
  }
  m.leases.delete(id);
}

/** Run one op on core and model; throws when they disagree. */
function step(core: MetaCore, clock: ManualClock, m: Model, op: Op): void {
  const now = clock.now();
  const live = (id: string): boolean => (m.leases.get(id)?.deadline ?? -1) > now;
  const leaseId = (n: number): string => String(n + 1);
  const modRev = (key: string): number | undefined => m.kvs.get(key)?.mod;
  const run = <T>(f: () => T): T | Error => {
    try {
      return f();
    } catch (e) {
      if (e instanceof InvariantError) throw e;
      return e as Error;
    }
  };
  switch (op.op) {
    case 'put': {
      const cond = op.cond === 'none' ? undefined : op.cond === 'absent' ? 0 : op.cond === 'current' ? (modRev(op.key) ?? 0) : (modRev(op.key) ?? 0) + 1000;
      const lease = op.lease === null ? undefined : leaseId(op.lease);
      const got = run(() => {
        const p = core.planPut(op.key, bytes(op.value), { ifModRevision: cond, lease });
        core.apply(p.effects);
        return p.result;
      });
      if (lease !== undefined && !live(lease)) return void expect(got).toBeInstanceOf(LeaseLostError);
      const cur = m.kvs.get(op.key);
      const holds = cond === undefined || (cond === 0 ? cur === undefined : cur?.mod === cond);
      if (holds) {
        m.rev++;
        m.kvs.set(op.key, { value: op.value, create: cur?.create ?? m.rev, mod: m.rev, ...(lease === undefined ? {} : { lease }) });
      }
      return void expect(got).toEqual({ ok: holds, revision: m.rev });
    }
    case 'delete': {
      const cond = op.cond === 'none' ? undefined : op.cond === 'current' ? (modRev(op.key) ?? 0) : (modRev(op.key) ?? 0) + 1000;
      const p = core.planDelete(op.key, { ifModRevision: cond });
      core.apply(p.effects);
      const cur = m.kvs.get(op.key);
      const holds = cond === undefined || (cond === 0 ? cur === undefined : cur?.mod === cond);
      if (holds && cur !== undefined) {
        m.rev++;
        m.kvs.delete(op.key);
      }
      return void expect(p.result).toEqual({ ok: holds, revision: m.rev });
    }
    case 'grant': {
      const p = core.planGrant(op.ttl);
      core.apply(p.effects);
      const id = String(m.nextLease++);
      m.leases.set(id, { deadline: now + op.ttl, ttl: op.ttl });
      return void expect(p.result.id).toBe(id);
    }
    case 'keepAlive': {
      const id = leaseId(op.lease);
      const got = run(() => core.keepAlive(id));
      if (!live(id)) return void expect(got).toBeInstanceOf(LeaseLostError);
      const l = m.leases.get(id)!;
      l.deadline = now + l.ttl;
      return void expect(got).toEqual({ ttlMs: l.ttl });
    }
    case 'revoke': {
      const id = leaseId(op.lease);
      const got = run(() => core.apply(core.planRevoke(id).effects));
      if (!live(id)) return void expect(got).toBeInstanceOf(LeaseLostError);
      return modelEnd(m, id);
    }
    case 'advance': {
      clock.advance(op.ms);
      const p = core.planExpire();
      core.apply(p.effects);
      const due = [...m.leases].filter(([, l]) => l.deadline <= clock.now()).map(([id]) => id);
      for (const id of due) modelEnd(m, id);
      return void expect(new Set(p.result.expired)).toEqual(new Set(due));
    }
  }
}

function expectSame(core: MetaCore, m: Model): void {
  core.checkInvariants();
  expect(core.revision).toBe(m.rev);
  const listed = core.list('').kvs.map((kv) => [kv.key, text(kv.value), kv.createRevision, kv.modRevision, kv.lease]);
  const model = [...m.kvs].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, v.value, v.create, v.mod, v.lease]);
  expect(listed).toEqual(model);
  expect(core.size.leases).toBe(m.leases.size);
}

describe('metadata core', () => {
  it('agrees with a Map + counter model on any sequence of puts, deletes, conditions and leases (seeded)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const clock = new ManualClock(0);
        const core = new MetaCore(clock);
        const m: Model = { rev: 0, kvs: new Map(), leases: new Map(), nextLease: 1 };
        for (const op of ops) {
          step(core, clock, m, op);
          expectSame(core, m);
        }
      }),
      { seed: 140301, numRuns: 300 },
    );
  });

  it('replaying the history from revision 0 rebuilds the state; a restored snapshot equals the original', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const clock = new ManualClock(0);
        const core = new MetaCore(clock);
        const m: Model = { rev: 0, kvs: new Map(), leases: new Map(), nextLease: 1 };
        for (const op of ops) step(core, clock, m, op);
        const rebuilt = new Map<string, string>();
        let prev = 0;
        for (const ev of core.eventsAfter('', 0)) {
          expect(ev.revision).toBe(prev + 1);
          prev = ev.revision;
          if (ev.type === 'put') rebuilt.set(ev.kv.key, text(ev.kv.value));
          else rebuilt.delete(ev.key);
        }
        expect(prev).toBe(core.revision);
        expect(new Map(core.list('').kvs.map((kv) => [kv.key, text(kv.value)]))).toEqual(rebuilt);
        const copy = new MetaCore(clock);
        copy.restore(core.state());
        expect(copy.state()).toEqual(core.state());
        expect(copy.compactRevision).toBe(core.revision);
      }),
      { seed: 140302, numRuns: 200 },
    );
  });

  it('the history is bounded: the oldest changes are compacted and a watch from them gets CompactedError', () => {
    const core = new MetaCore(new ManualClock(0), { historyMax: 5 });
    for (let i = 0; i < 12; i++) core.apply(core.planPut(`k${i % 3}`, bytes(String(i))).effects);
    core.checkInvariants();
    expect(core.compactRevision).toBe(7);
    expect(() => core.eventsAfter('', 6)).toThrow(CompactedError);
    const after: WatchEvent[] = core.eventsAfter('', 7);
    expect(after.map((e) => e.revision)).toEqual([8, 9, 10, 11, 12]);
    expect(core.eventsAfter('k1', 7).map(keyOf)).toEqual(['k1', 'k1']);
  });

  it('a lease restored from a snapshot gets a full TTL from the restore; lease ids are never reused', () => {
    const clock = new ManualClock(0);
    const core = new MetaCore(clock);
    const a = core.planGrant(100);
    core.apply(a.effects);
    core.apply(core.planPut('members/n1', bytes('x'), { lease: a.result.id }).effects);
    const b = core.planGrant(100);
    core.apply(b.effects);
    core.apply(core.planRevoke(b.result.id).effects);
    clock.advance(90);
    const state = core.state();
    const restarted = new MetaCore(clock);
    restarted.restore(state);
    clock.advance(50);
    expect(restarted.planExpire().result.expired).toEqual([]);
    expect(restarted.planGrant(10).result.id).toBe('3');
    clock.advance(60);
    restarted.apply(restarted.planExpire().effects);
    expect(restarted.get('members/n1')).toBeUndefined();
  });
});
