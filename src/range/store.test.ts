import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RangeStore } from './store.js';
import { ManualClock } from '../util/clock.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { compareKeys } from '../partitioning/range-keys.js';
import type { RangeEvent } from './types.js';

const clock = (): ManualClock => new ManualClock(0);

function store(options: ConstructorParameters<typeof RangeStore<string>>[0] = {}): RangeStore<string> {
  return new RangeStore<string>({ clock: clock(), ...options });
}

describe('range store: seed behaviour (DDIA ch. 6, partitioning by key range)', () => {
  it('starts with one partition ["", ∞)', () => {
    const s = store();
    expect(s.partitionCount).toBe(1);
    const [p] = s.partitions();
    expect(p).toMatchObject({ start: '', end: null, size: 0 });
    s.checkInvariants();
  });

  it('puts (insert or update), gets (missing → undefined) and deletes (returns whether it existed)', () => {
    const s = store();
    s.put('a', '1');
    s.checkInvariants();
    s.put('a', '22');
    s.checkInvariants();
    expect(s.get('a')).toBe('22');
    expect(s.get('b')).toBeUndefined();
    expect(s.totalKeys).toBe(1);
    expect(s.partitions()[0]?.bytes).toBe(1 + 2);
    expect(s.delete('a')).toBe(true);
    s.checkInvariants();
    expect(s.delete('a')).toBe(false);
    expect(s.totalKeys).toBe(0);
    expect(s.partitions()[0]?.bytes).toBe(0);
  });

  it('splits a partition holding more than maxPartitionSize keys into halves differing by at most one key (dynamic partitioning)', () => {
    for (const max of [2, 3, 4, 7, 10]) {
      const s = store({ maxPartitionSize: max, minPartitionSize: 1 });
      const events: RangeEvent[] = [];
      s.subscribe((e) => events.push(e));
      for (let i = 0; i < 200; i++) {
        s.put(`k${String((i * 7919) % 1000).padStart(4, '0')}`, 'v');
        s.checkInvariants();
      }
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        if (e.type !== 'split') continue;
        expect(e.parent.size).toBe(max + 1);
        expect(Math.abs(e.left.size - e.right.size)).toBeLessThanOrEqual(1);
        expect(e.left.size + e.right.size).toBe(e.parent.size);
        expect(e.left.bytes + e.right.bytes).toBe(e.parent.bytes);
        expect(e.left.id).toBe(e.parent.id);
        expect(e.right.start).toBe(e.splitKey);
      }
      for (const p of s.partitions()) expect(p.size).toBeLessThanOrEqual(max);
    }
  });

  it('keeps boundaries contiguous and ids unique across splits and merges', () => {
    const s = store({ maxPartitionSize: 4, minPartitionSize: 3 });
    for (let i = 0; i < 100; i++) s.put(`key${i}`, 'x');
    for (let i = 0; i < 95; i++) s.delete(`key${i}`);
    expect(s.mergeSmallPartitions()).toBeGreaterThan(0);
    s.checkInvariants();
    const parts = s.partitions();
    expect(parts[0]?.start).toBe('');
    expect(parts[parts.length - 1]?.end).toBeNull();
    for (let i = 1; i < parts.length; i++) expect(parts[i]?.start).toBe(parts[i - 1]?.end);
    expect(new Set(parts.map((p) => p.id)).size).toBe(parts.length);
  });

  it('mergeSmallPartitions merges neighbours whose combined size is ≤ minPartitionSize, repeatedly, and returns the count', () => {
    const s = store({ maxPartitionSize: 10, minPartitionSize: 6, boundaries: ['b', 'c', 'd', 'e', 'f'] });
    const sizes = [1, 2, 2, 5, 0, 1];
    'abcdef'.split('').forEach((c, i) => {
      for (let j = 0; j < (sizes[i] as number); j++) s.put(`${c}${j}`, 'v');
    });
    const before = s.rangeScan('');
    const merges = s.mergeSmallPartitions();
    s.checkInvariants();
    // a+b+c = 5 ≤ 6 (2 merges), then +d = 10 > 6; d+e = 5 (1 merge), +f = 6 (1 merge).
    expect(merges).toBe(4);
    expect(s.partitions().map((p) => p.size)).toEqual([5, 6]);
    expect(s.rangeScan('')).toEqual(before);
    expect(s.mergeSmallPartitions()).toBe(0);
  });

  it('rangeScan returns start ≤ key < end in key order across partitions, touching only overlapping partitions', () => {
    const s = store({ maxPartitionSize: 5, minPartitionSize: 1 });
    const keys = Array.from({ length: 60 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    for (const k of keys) s.put(k, k.toUpperCase());
    const before = new Map(s.partitions().map((p) => [p.id, p.reads]));
    const got = s.rangeScan('k010', 'k020');
    expect(got.map(([k]) => k)).toEqual(keys.slice(10, 20));
    expect(got[0]?.[1]).toBe('K010');
    const touched = s.partitions().filter((p) => p.reads !== before.get(p.id));
    for (const p of touched) {
      expect(p.end === null || compareKeys(p.end, 'k010') > 0).toBe(true);
      expect(compareKeys(p.start, 'k020') < 0).toBe(true);
    }
    const overlapping = s.partitions().filter((p) => (p.end === null || p.end > 'k010') && p.start < 'k020');
    expect(touched.length).toBe(overlapping.length);
    expect(s.rangeScan('k055').map(([k]) => k)).toEqual(keys.slice(55));
    expect(s.rangeScan('k020', 'k020')).toEqual([]);
  });

  it('reports the partition owning a key, the partition count and the total keys', () => {
    const s = store({ maxPartitionSize: 3, minPartitionSize: 1 });
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) s.put(k, 'v');
    const p = s.partitionFor('d');
    expect(p.start <= 'd' && (p.end === null || 'd' < p.end)).toBe(true);
    expect(s.partitionCount).toBe(s.partitions().length);
    expect(s.totalKeys).toBe(6);
  });
});

describe('range store: key order', () => {
  it('orders keys by UTF-8 bytes: an emoji after U+FF61, though JavaScript sorts it before', () => {
    const s = store({ maxPartitionSize: 2, minPartitionSize: 1 });
    const keys = ['a', '｡', '😀', 'é', '\ue000', 'z'];
    for (const k of keys) {
      s.put(k, k);
      s.checkInvariants();
    }
    expect(s.rangeScan('').map(([k]) => k)).toEqual([...keys].sort(compareKeys));
    expect(s.rangeScan('｡', '😀').map(([k]) => k)).toEqual(['｡']);
    expect(s.get('😀')).toBe('😀');
  });
});

describe('range store: bad input', () => {
  it('rejects non-string keys, bad sizes and backwards scans with typed errors, and stays unchanged', () => {
    expect(() => new RangeStore({ maxPartitionSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ maxPartitionSize: -3 })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ maxPartitionSize: 10, minPartitionSize: 11 })).toThrow(/minPartitionSize/);
    expect(() => new RangeStore({ maxPartitionSize: 10, minPartitionSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ maxPartitionSize: 2.5 })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ boundaries: ['b', 'a'] })).toThrow(InvalidArgumentError);
    expect(() => new RangeStore({ boundaries: ['a', 'a'] })).toThrow(InvalidArgumentError);
    const s = store({ maxPartitionSize: 3, minPartitionSize: 1 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) s.put(k, 'v');
    const shape = (): string => JSON.stringify([s.partitions().map(({ id, start, end, size, bytes, reads, writes }) => ({ id, start, end, size, bytes, reads, writes })), s.totalKeys]);
    const data = s.rangeScan('');
    const snapshot = shape();
    expect(() => s.put(42 as unknown as string, 'v')).toThrow(InvalidArgumentError);
    expect(() => s.put('k', undefined as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => s.get(null as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => s.delete({} as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => s.rangeScan('m', 'c')).toThrow(/start/);
    expect(() => s.rangeScan(1 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => s.preSplit(['x', 'w'])).toThrow(InvalidArgumentError);
    expect(() => s.preSplit(['x', 'x'])).toThrow(InvalidArgumentError);
    expect(() => s.splitAt('')).toThrow(InvalidArgumentError);
    expect(() => s.mergeWithNext(999)).toThrow(NotFoundError);
    expect(() => s.mergeWithNext(s.partitions()[s.partitionCount - 1]?.id as number)).toThrow(InvalidArgumentError);
    expect(() => new RangeStore<unknown>({ sizeOf: () => -1 }).put('k', 1)).toThrow(InvalidArgumentError);
    try {
      s.rangeScan('m', 'c');
    } catch (e) {
      expect((e as Error).message).toContain('"c"');
    }
    expect(shape()).toBe(snapshot);
    expect(s.rangeScan('')).toEqual(data);
    s.checkInvariants();
  });
});

describe('range store: pre-splitting (HBase SPLITS)', () => {
  it('starts with the given boundaries and splits further as keys arrive', () => {
    const s = store({ boundaries: ['g', 'n', 't'], maxPartitionSize: 4, minPartitionSize: 1 });
    expect(s.partitions().map((p) => [p.start, p.end])).toEqual([
      ['', 'g'],
      ['g', 'n'],
      ['n', 't'],
      ['t', null],
    ]);
    expect(s.preSplit(['g', 'p'])).toBe(1);
    s.checkInvariants();
    expect(s.partitionCount).toBe(5);
  });
});

describe('range store: model-based property test (sorted-btree style)', () => {
  type Op =
    | { t: 'put'; k: string; v: string }
    | { t: 'del'; k: string }
    | { t: 'get'; k: string }
    | { t: 'scan'; a: string; b: string | undefined }
    | { t: 'split'; k: string }
    | { t: 'merge' }
    | { t: 'mergeOne'; pick: number };
  const key = fc.oneof(fc.stringMatching(/^[a-e]{0,3}$/), fc.constantFrom('😀', '｡', 'é', '\ue000a', 'b😀'));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 4 }) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('del' as const), k: key }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('get' as const), k: key }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('scan' as const), a: key, b: fc.option(key, { nil: undefined }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('split' as const), k: key }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('merge' as const) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('mergeOne' as const), pick: fc.nat(20) }) },
  );

  it('applies random puts, deletes, gets, scans, splits and merges to the store and a sorted array alike (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(op, { maxLength: 120 }), (max, ops) => {
        const s = store({ maxPartitionSize: max, minPartitionSize: Math.max(1, max - 1) });
        const model: [string, string][] = [];
        const find = (k: string): number => model.findIndex(([x]) => x === k);
        for (const o of ops) {
          switch (o.t) {
            case 'put': {
              s.put(o.k, o.v);
              const i = find(o.k);
              if (i >= 0) model[i] = [o.k, o.v];
              else {
                model.push([o.k, o.v]);
                model.sort((a, b) => compareKeys(a[0], b[0]));
              }
              break;
            }
            case 'del': {
              const i = find(o.k);
              expect(s.delete(o.k)).toBe(i >= 0);
              if (i >= 0) model.splice(i, 1);
              break;
            }
            case 'get':
              expect(s.get(o.k)).toBe(model[find(o.k)]?.[1]);
              break;
            case 'scan': {
              if (o.b !== undefined && compareKeys(o.b, o.a) < 0) {
                expect(() => s.rangeScan(o.a, o.b)).toThrow(InvalidArgumentError);
                break;
              }
              const want = model.filter(([k]) => compareKeys(k, o.a) >= 0 && (o.b === undefined || compareKeys(k, o.b) < 0));
              expect(s.rangeScan(o.a, o.b)).toEqual(want);
              break;
            }
            case 'split':
              if (o.k !== '') s.splitAt(o.k);
              break;
            case 'merge':
              s.mergeSmallPartitions();
              break;
            case 'mergeOne': {
              const parts = s.partitions();
              if (parts.length > 1) s.mergeWithNext((parts[o.pick % (parts.length - 1)] as { id: number }).id);
              break;
            }
          }
          s.checkInvariants();
          expect(s.totalKeys).toBe(model.length);
        }
        expect(s.rangeScan('')).toEqual(model);
      }),
      { seed: 4242, numRuns: 150 },
    );
  });
});
