/**
 * The linearizability checker on known-good and known-bad histories, against
 * a brute-force oracle on every small history fast-check makes, and on
 * histories of a simulated linearizable register (always accepted) that are
 * then broken (always rejected).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { checkHistory, explain, type HistoryOp } from './linearizable.js';

const set = (value: string, invokedAt: number, returnedAt: number | undefined, key = 'k'): HistoryOp => ({ key, kind: 'set', value, invokedAt, ...(returnedAt === undefined ? {} : { returnedAt }) });
const get = (result: string | null, invokedAt: number, returnedAt: number | undefined, key = 'k'): HistoryOp => ({ key, kind: 'get', result, invokedAt, ...(returnedAt === undefined ? {} : { returnedAt }) });
const del = (invokedAt: number, returnedAt: number, key = 'k'): HistoryOp => ({ key, kind: 'del', invokedAt, returnedAt });

describe('linearizability checker: known histories', () => {
  it('accepts sequential histories and reads of concurrent writes in either order', () => {
    expect(checkHistory([]).result).toBe('linearizable');
    expect(checkHistory([get(null, 0, 1), set('a', 2, 3), get('a', 4, 5), del(6, 7), get(null, 8, 9)]).result).toBe('linearizable');
    // A read overlapping a write may see the old or the new value.
    expect(checkHistory([set('a', 0, 1), set('b', 2, 10), get('a', 3, 4)]).result).toBe('linearizable');
    expect(checkHistory([set('a', 0, 1), set('b', 2, 10), get('b', 3, 4)]).result).toBe('linearizable');
    // Two concurrent writes, then reads agreeing on the one that came last.
    expect(checkHistory([set('a', 0, 5), set('b', 1, 6), get('a', 7, 8), get('a', 9, 10)]).result).toBe('linearizable');
  });

  it('rejects a stale read, a value never written, and reads that go back in time', () => {
    // The write of b completed before the read began: reading a is stale.
    const stale = [set('a', 0, 1), set('b', 2, 3), get('a', 4, 5)];
    const v = checkHistory(stale);
    expect(v.result).toBe('not linearizable');
    expect(v.failing?.key).toBe('k');
    expect(explain(stale, v.failing as NonNullable<typeof v.failing>)).toContain('#2 get → "a" [4, 5]');
    expect(checkHistory([set('a', 0, 1), get('zz', 2, 3)]).result).toBe('not linearizable');
    // Once a read returned the new value, a later read cannot return the old one (even with the write still running).
    expect(checkHistory([set('a', 0, 1), set('b', 2, 20), get('b', 3, 4), get('a', 5, 6)]).result).toBe('not linearizable');
    // A read before any write that sees a value written later.
    expect(checkHistory([get('a', 0, 1), set('a', 2, 3)]).result).toBe('not linearizable');
  });

  it('keys are independent: one bad key fails the history and is named', () => {
    const h = [set('a', 0, 1, 'x'), get('a', 2, 3, 'x'), set('a', 0, 1, 'y'), set('b', 2, 3, 'y'), get('a', 4, 5, 'y')];
    const v = checkHistory(h);
    expect(v.result).toBe('not linearizable');
    expect(v.failing?.key).toBe('y');
    expect(v.keys.find((k) => k.key === 'x')?.result).toBe('linearizable');
  });

  it('a write whose outcome is unknown may have happened at any time after its call, or never', () => {
    expect(checkHistory([set('a', 0, 1), set('b', 2, undefined), get('a', 3, 4), get('b', 5, 6), get('b', 7, 8)]).result).toBe('linearizable');
    expect(checkHistory([set('a', 0, 1), set('b', 2, undefined), get('a', 30, 40)]).result).toBe('linearizable');
    // But not before it was invoked.
    expect(checkHistory([set('a', 0, 1), get('b', 2, 3), set('b', 4, undefined)]).result).toBe('not linearizable');
    // And once seen, it has happened.
    expect(checkHistory([set('a', 0, 1), set('b', 2, undefined), get('b', 3, 4), get('a', 5, 6)]).result).toBe('not linearizable');
    // A read whose answer never came constrains nothing.
    expect(checkHistory([set('a', 0, 1), get('zz', 2, undefined)]).result).toBe('linearizable');
  });

  it('gives up with unknown, not a hang, past its step budget', () => {
    const many: HistoryOp[] = Array.from({ length: 14 }, (_x, i) => set(`v${i}`, 0, 100));
    many.push(get('nope', 200, 201));
    const v = checkHistory(many, { maxSteps: 1000 });
    expect(v.result).toBe('unknown');
    expect(v.failing?.steps).toBeGreaterThan(1000);
  });

  it('a malformed history is an InvalidArgumentError naming the operation', () => {
    const bad: unknown[] = [null, { key: 1, kind: 'get', invokedAt: 0 }, { key: 'k', kind: 'cas', invokedAt: 0 }, { key: 'k', kind: 'set', invokedAt: 0, returnedAt: 1 }, { key: 'k', kind: 'get', invokedAt: Number.NaN }, { key: 'k', kind: 'get', result: 'a', invokedAt: 5, returnedAt: 4 }, { key: 'k', kind: 'get', result: 3, invokedAt: 0, returnedAt: 1 }];
    for (const op of bad) expect(() => checkHistory([set('a', 0, 1), op as HistoryOp]), JSON.stringify(op)).toThrow(/history\[1\]/);
    expect(() => checkHistory('x' as unknown as HistoryOp[])).toThrow(InvalidArgumentError);
    expect(() => checkHistory([], { maxSteps: 0 })).toThrow(InvalidArgumentError);
  });
});

/** Brute force: some order of all operations respects real time and is a legal register run. */
function bruteForce(history: readonly HistoryOp[]): boolean {
  const ops = history.filter((op) => !(op.kind === 'get' && op.returnedAt === undefined));
  const n = ops.length;
  const used = new Array<boolean>(n).fill(false);
  const ret = (op: HistoryOp): number => op.returnedAt ?? Number.POSITIVE_INFINITY;
  const search = (placed: number, state: string | null): boolean => {
    if (placed === n) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const op = ops[i] as HistoryOp;
      // Every unplaced operation that returned strictly before this one's call must come first.
      if (ops.some((o, j) => !used[j] && j !== i && ret(o) < op.invokedAt)) continue;
      let next = state;
      if (op.kind === 'set') next = op.value as string;
      else if (op.kind === 'del') next = null;
      else if (op.result !== state) continue;
      used[i] = true;
      if (search(placed + 1, next)) return true;
      used[i] = false;
    }
    return false;
  };
  return search(0, null);
}

const arbSmallHistory = fc.array(
  fc.record({
    kind: fc.constantFrom('get' as const, 'set' as const, 'del' as const),
    value: fc.constantFrom('a', 'b', 'c'),
    result: fc.constantFrom<string | null>('a', 'b', 'c', null),
    invokedAt: fc.integer({ min: 0, max: 12 }),
    length: fc.integer({ min: 0, max: 8 }),
    unknown: fc.integer({ min: 0, max: 9 }),
  }),
  { maxLength: 7 },
);

describe('linearizability checker: properties (seeded)', () => {
  it('agrees with a brute-force search on every small history', () => {
    fc.assert(
      fc.property(arbSmallHistory, (raw) => {
        const h: HistoryOp[] = raw.map((r) => {
          const returnedAt = r.unknown === 0 ? undefined : r.invokedAt + r.length;
          if (r.kind === 'set') return set(r.value, r.invokedAt, returnedAt);
          if (r.kind === 'del') return returnedAt === undefined ? { key: 'k', kind: 'del', invokedAt: r.invokedAt } : del(r.invokedAt, returnedAt);
          return get(r.result, r.invokedAt, returnedAt);
        });
        const verdict = checkHistory(h).result;
        expect(verdict, JSON.stringify(h)).toBe(bruteForce(h) ? 'linearizable' : 'not linearizable');
      }),
      { seed: 20261202, numRuns: 3000 },
    );
  });

  it('accepts every history of a simulated linearizable register, and rejects it once one read is made to return a value never written', () => {
    const arb = fc.record({
      ops: fc.array(fc.record({ client: fc.integer({ min: 0, max: 4 }), read: fc.boolean(), start: fc.integer({ min: 0, max: 1000 }), length: fc.integer({ min: 1, max: 60 }), at: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 60 }),
      keys: fc.integer({ min: 1, max: 3 }),
      victim: fc.nat(),
    });
    fc.assert(
      fc.property(arb, ({ ops, keys, victim }) => {
        // Each operation takes effect at a point inside its interval; outputs follow that order.
        const timed = ops.map((o, i) => ({ ...o, i, key: `k${i % keys}`, point: o.start + o.at * o.length, value: `v${i}` }));
        const byPoint = [...timed].sort((a, b) => a.point - b.point);
        const state = new Map<string, string | null>();
        const results = new Map<number, string | null>();
        for (const o of byPoint) {
          if (o.read) results.set(o.i, state.get(o.key) ?? null);
          else state.set(o.key, o.value);
        }
        const history: HistoryOp[] = timed.map((o) => (o.read ? { key: o.key, kind: 'get', result: results.get(o.i) ?? null, invokedAt: o.start, returnedAt: o.start + o.length, client: o.client } : { key: o.key, kind: 'set', value: o.value, invokedAt: o.start, returnedAt: o.start + o.length, client: o.client }));
        expect(checkHistory(history).result).toBe('linearizable');
        const reads = history.map((h, i) => (h.kind === 'get' ? i : -1)).filter((i) => i >= 0);
        if (reads.length === 0) return;
        const r = reads[victim % reads.length] as number;
        const broken = history.map((h, i) => (i === r ? { ...h, result: 'never-written' } : h));
        const v = checkHistory(broken);
        expect(v.result).toBe('not linearizable');
        expect(v.failing?.key).toBe(history[r]?.key);
      }),
      { seed: 1202, numRuns: 300 },
    );
  });
});
