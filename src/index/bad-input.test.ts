import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError, ShardkitError, StateError } from '../errors.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import { RangeTermPartitioner } from './term-partitioner.js';
import type { IndexedDB } from './indexed-db.js';
import type { IndexedDBOptions } from './options.js';
import { cars, snapshot } from './indexed-db.suite.js';
import { compareStrategies } from './compare.js';

const validCount = (p: unknown): number => (typeof p === 'number' && Number.isInteger(p) && p >= 3 ? p : 3);

const strategies: Array<[string, (o: IndexedDBOptions) => IndexedDB]> = [
  ['document-partitioned', (o) => new DocumentPartitionedDB(o)],
  ['term-partitioned (hash)', (o) => new TermPartitionedDB(o)],
  // The term partitioner gets a valid count even when the database's is not, so the database's own check is what fails.
  ['term-partitioned (range)', (o) => new TermPartitionedDB({ ...o, termPartitioner: new RangeTermPartitioner(validCount(o?.partitions), { year: [2019, 2020] }) })],
];

/** Expect `op` to throw `type` with a message matching `message`, leaving `db` exactly as it was. */
function rejects(db: IndexedDB, op: () => unknown, type: new (...args: never[]) => ShardkitError, message: RegExp): void {
  const before = snapshot(db);
  let err: unknown;
  try {
    op();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(type);
  expect((err as Error).message).toMatch(message);
  expect(snapshot(db)).toEqual(before);
  db.checkInvariants();
}

for (const [name, create] of strategies) {
  describe(`${name}: bad input gives a typed error naming what was wrong, and changes nothing`, () => {
    const db = (): IndexedDB => cars(create, { indexMode: 'async' });

    it('an unknown field in a query', () => {
      const d = db();
      rejects(d, () => d.queryByField('colour', 'red'), NotFoundError, /indexed field "colour".*known: color, make, year/);
      rejects(d, () => d.query({ color: 'red', wheels: 4 }), NotFoundError, /"wheels"/);
      rejects(d, () => d.queryRange('weight', 1, 2), NotFoundError, /"weight"/);
      rejects(d, () => d.queryByField(7 as unknown as string, 'red'), InvalidArgumentError, /invalid field: got 7/);
    });

    it('a non-string or empty primary key', () => {
      const d = db();
      for (const pk of [42, null, undefined, {}, '']) {
        rejects(d, () => d.put(pk as unknown as string, { color: 'red' }), InvalidArgumentError, /primary key.*non-empty string/);
        rejects(d, () => d.get(pk as unknown as string), InvalidArgumentError, /primary key/);
        rejects(d, () => d.delete(pk as unknown as string), InvalidArgumentError, /primary key/);
      }
      rejects(d, () => d.queryByField('color', 'red', { pk: 5 as unknown as string }), InvalidArgumentError, /invalid pk/);
    });

    it('min > max in a range query', () => {
      const d = db();
      rejects(d, () => d.queryRange('year', 2021, 2019), InvalidArgumentError, /2021 > 2019.*min ≤ max/);
      rejects(d, () => d.queryRange('color', 'z', 5), InvalidArgumentError, /min ≤ max/);
    });

    it('a bad document or an indexed value of the wrong type, on insert and on replace', () => {
      const d = db();
      rejects(d, () => d.put('x', null as unknown as Record<string, unknown>), InvalidArgumentError, /document/);
      rejects(d, () => d.put('x', ['red'] as unknown as Record<string, unknown>), InvalidArgumentError, /document/);
      rejects(d, () => d.put('191', { color: { r: 255 } }), InvalidArgumentError, /indexed field "color" of document "191"/);
      rejects(d, () => d.put('191', { color: 'red', year: Number.NaN }), InvalidArgumentError, /"year".*finite number/);
      rejects(d, () => d.put('191', { color: 'red', year: 10n }), InvalidArgumentError, /"year"/);
    });

    it('bad query values and options', () => {
      const d = db();
      rejects(d, () => d.queryByField('year', Infinity), InvalidArgumentError, /value for field "year"/);
      rejects(d, () => d.query({}), InvalidArgumentError, /at least one/);
      rejects(d, () => d.query(null as unknown as Record<string, string>), InvalidArgumentError, /query/);
      rejects(d, () => d.queryByField('color', 'red', { consistency: 'linearizable' as 'strong' }), InvalidArgumentError, /consistency/);
      rejects(d, () => d.queryByField('color', 'red', { pk: '191', partitionKey: '191' }), InvalidArgumentError, /at most one/);
      rejects(d, () => d.partitionContents(99), InvalidArgumentError, /partition/);
    });

    it('partition counts ≤ 0 and other bad options', () => {
      for (const partitions of [0, -1, 1.5, Number.NaN]) {
        expect(() => create({ partitions, fields: ['a'] })).toThrow(InvalidArgumentError);
      }
      expect(() => create({ partitions: 0, fields: ['a'] })).toThrow(/invalid partitions: got 0/);
      expect(() => create({ partitions: { partitionCount: 3 } as never, fields: ['a'] })).toThrow(InvalidArgumentError);
      expect(() => create({ partitions: 4, fields: 'color' as never })).toThrow(/fields/);
      expect(() => create({ partitions: 4, fields: ['a', 'a'] })).toThrow(/distinct/);
      expect(() => create({ partitions: 4, fields: [''] })).toThrow(/field name/);
      expect(() => create(null as unknown as IndexedDBOptions)).toThrow(InvalidArgumentError);
    });

    it('a partitionKeyOf that returns a non-string is refused per write', () => {
      const d = create({ partitions: 4, fields: ['a'], partitionKeyOf: (pk) => (pk === 'bad' ? (3 as unknown as string) : pk) });
      d.put('good', { a: 1 });
      rejects(d, () => d.put('bad', { a: 1 }), InvalidArgumentError, /partition key of "bad"/);
    });
  });
}

describe('term-partitioned: range query on a hash-partitioned term index', () => {
  it('throws a StateError naming the field and the fix', () => {
    const d = cars((o) => new TermPartitionedDB(o));
    rejects(d, () => d.queryRange('year', 2018, 2020), StateError, /field "year" are partitioned by hash.*RangeTermPartitioner/);
  });
});

describe('term partitioners and compareStrategies: bad input', () => {
  it('range boundaries must be increasing values, no more than partitions − 1', () => {
    expect(() => new RangeTermPartitioner(3, { a: [5, 1] })).toThrow(/strictly increasing/);
    expect(() => new RangeTermPartitioner(3, { a: [1, 2, 3] })).toThrow(/at most partitionCount − 1 = 2/);
    expect(() => new RangeTermPartitioner(3, { a: [1, {} as unknown as number] })).toThrow(InvalidArgumentError);
    expect(() => new RangeTermPartitioner(0, {})).toThrow(InvalidArgumentError);
    expect(() => RangeTermPartitioner.fromSample(4, { a: [1, Number.NaN] })).toThrow(InvalidArgumentError);
    expect(() => RangeTermPartitioner.fromRangePlacements(4, { a: {} as never })).toThrow(/RangePlacement/);
  });

  it('compareStrategies refuses bad documents, queries and partition counts', () => {
    expect(() => compareStrategies([], [], 0, ['a'])).toThrow(InvalidArgumentError);
    expect(() => compareStrategies([['k', { a: 1 }]], [['b', 1]], 4, ['a'])).toThrow(NotFoundError);
    expect(() => compareStrategies([['k'] as never], [], 4, ['a'])).toThrow(/\[primary key, document\] pair/);
    expect(() => compareStrategies(5 as never, [], 4, ['a'])).toThrow(InvalidArgumentError);
  });
});
