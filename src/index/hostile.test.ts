/**
 * `shardkit/index` against the hostile-value generator (src/testing/hostile.ts):
 * every public constructor, method and function, with each hostile value in
 * each parameter in turn. A value in the documented domain is accepted (or
 * gets a ShardkitError such as NotFoundError for an unknown but well-typed
 * field); anything else gets a typed ShardkitError, never a TypeError, a
 * RangeError or the error of a proxy trap, and a refused call leaves the
 * database exactly as it was (documents, index entries, stats, lag).
 */
import { describe, it, expect } from 'vitest';
import { expectTypedOrAccepted, hostileValues, isObjectLike, safeIsArray } from '../testing/hostile.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import type { IndexedDB } from './indexed-db.js';
import type { IndexedDBOptions } from './options.js';
import { partitionIds, partitionKeyBefore } from './options.js';
import { HashTermPartitioner, RangeTermPartitioner, type TermPartitioner } from './term-partitioner.js';
import { compareValues } from './values.js';
import { PartitionLatencyModel, percentileSorted, tailLatencyStudy } from './latency.js';
import { compareStrategies } from './compare.js';
import { cars, snapshot } from './indexed-db.suite.js';
import { RangePlacement } from '../partitioning/range.js';

const HOSTILE = hostileValues();
const FIELDS = ['color', 'make', 'year'];

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNumberIn = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isPk = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isFieldValue = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
/** A plain object (prototype Object.prototype or null) whose fields can be read: the domain of documents. */
function isPlainReadable(v: unknown): boolean {
  if (!isObjectLike(v)) return false;
  try {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    const copy = { ...(v as object) } as Record<string, unknown>;
    return FIELDS.every((f) => !Object.hasOwn(copy, f) || copy[f] == null || isFieldValue(copy[f]));
  } catch {
    return false;
  }
}
/** Up to `max` strictly increasing field values: the domain of one field's boundaries. */
function isBoundaryList(v: unknown, max: number): boolean {
  if (!safeIsArray(v)) return false;
  const list = [...(v as unknown[])];
  return list.length <= max && list.every(isFieldValue) && list.every((x, i) => i === 0 || compareValues(list[i - 1] as number, x as number) < 0);
}
/** A Map or plain object of field → list whose lists all satisfy `list`: a per-field table. */
function isFieldTable(v: unknown, list: (l: unknown) => boolean): boolean {
  if (!isObjectLike(v)) return false;
  try {
    const entries = v instanceof Map ? [...(v as Map<unknown, unknown>)] : Object.entries(v as object);
    return entries.every(([k, l]) => typeof k === 'string' && list(l));
  } catch {
    return false;
  }
}
/** An object whose named fields can all be read (options objects). */
function readable(v: unknown, keys: readonly string[]): boolean {
  if (v === undefined) return true;
  if (!isObjectLike(v)) return false;
  try {
    for (const k of keys) void (v as Record<string, unknown>)[k];
    return true;
  } catch {
    return false;
  }
}
const QUERY_OPTION_KEYS = ['consistency', 'pk', 'partitionKey'];

const STRATEGIES: Array<[string, (o: IndexedDBOptions) => IndexedDB]> = [
  ['document-partitioned', (o) => new DocumentPartitionedDB(o)],
  ['term-partitioned (hash)', (o) => new TermPartitionedDB(o)],
  ['term-partitioned (range)', (o) => new TermPartitionedDB({ ...o, termPartitioner: new RangeTermPartitioner(4, { year: [2019, 2020] }) })],
];

/** Every method of a database with the hostile value `v` in one parameter, and whether `v` is in that parameter's domain. */
function methodCalls(db: IndexedDB, v: unknown): Array<[string, () => unknown, boolean]> {
  const calls: Array<[string, () => unknown, boolean]> = [
    ['put(v, doc)', () => db.put(v as string, { color: 'red' }), isPk(v)],
    ['put(pk, v)', () => db.put('new', v as Record<string, unknown>), isPlainReadable(v)],
    ['put(pk, { color: v })', () => db.put('191', { color: v }), v == null || isFieldValue(v)],
    ['get(v)', () => db.get(v as string), isPk(v)],
    ['delete(v)', () => db.delete(v as string), isPk(v)],
    ['partitionOfKey(v)', () => db.partitionOfKey(v as string), isPk(v)],
    ['queryByField(v, red)', () => db.queryByField(v as string, 'red'), false],
    ['queryByField(color, v)', () => db.queryByField('color', v as string), isFieldValue(v)],
    ['queryByField(color, red, v)', () => db.queryByField('color', 'red', v as object), readable(v, QUERY_OPTION_KEYS)],
    // An optional option given as null takes its default, like undefined (options.ts).
    ['queryByField(color, red, { consistency: v })', () => db.queryByField('color', 'red', { consistency: v as 'strong' }), v == null],
    ['queryByField(color, red, { pk: v })', () => db.queryByField('color', 'red', { pk: v as string }), v === undefined || isPk(v)],
    ['queryByField(color, red, { partitionKey: v })', () => db.queryByField('color', 'red', { partitionKey: v as string }), v === undefined || typeof v === 'string'],
    ['query(v)', () => db.query(v as Record<string, string>), false],
    ['query({ color: v })', () => db.query({ color: v as string }), isFieldValue(v)],
    ['query({ color: red }, v)', () => db.query({ color: 'red' }, v as object), readable(v, QUERY_OPTION_KEYS)],
    ['queryRange(v, 1, 2)', () => db.queryRange(v as string, 1, 2), false],
    ['queryRange(year, v, 3000)', () => db.queryRange('year', v as number, 3000), isFieldValue(v) && typeof v === 'number'],
    ['queryRange(year, 0, v)', () => db.queryRange('year', 0, v as number), isFieldValue(v)],
    ['queryRange(year, 0, 3000, v)', () => db.queryRange('year', 0, 3000, v as object), readable(v, QUERY_OPTION_KEYS)],
    ['partitionContents(v)', () => db.partitionContents(v as number), isInt(v, 0, db.partitionCount - 1)],
  ];
  if (db instanceof TermPartitionedDB) {
    calls.push(['indexPartitionOfTerm(v, red)', () => db.indexPartitionOfTerm(v as string, 'red'), false]);
    calls.push(['indexPartitionOfTerm(color, v)', () => db.indexPartitionOfTerm('color', v as string), isFieldValue(v)]);
  }
  return calls;
}

/** Run `call` on a fresh database; a refusal must leave it exactly as it was, an acceptance must keep its invariants. */
function checkOn(name: string, label: string, db: IndexedDB, call: () => unknown, accepted: boolean): void {
  const before = snapshot(db);
  const out = expectTypedOrAccepted(`${name}.${label}`, call, accepted);
  if (!out.ok) expect(snapshot(db), `${name}.${label}: the database changed although the call was refused`).toEqual(before);
  db.checkInvariants();
}

describe('secondary indexes under hostile input: a typed error or a documented acceptance, and the database unchanged (issue 12 §4)', () => {
  it.each(STRATEGIES)('%s: every method, every hostile value in every parameter, sync and async', (name, create) => {
    for (const indexMode of ['sync', 'async'] as const) {
      for (const h of HOSTILE) {
        const count = methodCalls(cars(create, { indexMode }), h.make()).length;
        for (let i = 0; i < count; i++) {
          // A fresh database and a fresh value per call: an accepted call changes the database, a getter counts its reads.
          const db = cars(create, { indexMode });
          const [label, call, accepted] = methodCalls(db, h.make())[i] as [string, () => unknown, boolean];
          checkOn(`${name} (${indexMode})`, `${label} with ${h.name}`, db, call, accepted);
        }
      }
    }
  });

  it.each(STRATEGIES)('%s: construction with a hostile options object or option', (name, create) => {
    const valid: IndexedDBOptions = { partitions: 4, fields: ['year'], indexMode: 'async' };
    for (const h of HOSTILE) {
      const v = h.make();
      const attempts: Array<[string, () => unknown, boolean]> = [
        // The options object itself goes straight to the constructor (the range factory would spread it first).
        ['options', () => (name.startsWith('term') ? new TermPartitionedDB(h.make() as IndexedDBOptions) : new DocumentPartitionedDB(h.make() as IndexedDBOptions)), false],
        ['partitions', () => create({ ...valid, partitions: h.make() as number }), isInt(v, 4, 65_536)],
        ['fields', () => create({ ...valid, fields: h.make() as string[] }), safeIsArray(v) && (v as unknown[]).length <= 1 && (v as unknown[]).every((x) => typeof x === 'string')],
        ['indexMode', () => create({ ...valid, indexMode: h.make() as 'sync' }), v == null],
        ['pendingMax', () => create({ ...valid, pendingMax: h.make() as number }), v == null || isInt(v, 2, Number.MAX_SAFE_INTEGER)],
        ['whenFull', () => create({ ...valid, whenFull: h.make() as 'flush' }), v == null],
        ['clock', () => create({ ...valid, clock: h.make() as never }), v == null],
        ['partitionKeyOf', () => create({ ...valid, partitionKeyOf: h.make() as never }), v == null || typeof v === 'function'],
      ];
      if (name.startsWith('term')) attempts.push(['termPartitioner', () => new TermPartitionedDB({ ...valid, termPartitioner: h.make() as TermPartitioner }), v == null]);
      for (const [label, call, accepted] of attempts) {
        const out = expectTypedOrAccepted(`new ${name}(${label}: ${h.name})`, call, accepted);
        if (out.ok) (out.value as IndexedDB).checkInvariants();
      }
    }
  });

  it('term partitioners: constructors, static constructors and every method', () => {
    const hash = new HashTermPartitioner(4);
    const range = new RangeTermPartitioner(4, { year: [2019, 2020], color: ['m'] });
    const before = [range.describe(), range.boundariesOf('year'), range.boundariesOf('color')];
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, () => unknown, boolean]> = [
        ['new HashTermPartitioner(v)', () => new HashTermPartitioner(h.make() as number), isInt(v, 1, 1 << 20)],
        ['new RangeTermPartitioner(v, {})', () => new RangeTermPartitioner(h.make() as number, {}), isInt(v, 1, 1 << 20)],
        ['new RangeTermPartitioner(4, v)', () => new RangeTermPartitioner(4, h.make() as Record<string, number[]>), isFieldTable(v, (l) => isBoundaryList(l, 3))],
        ['new RangeTermPartitioner(4, { year: v })', () => new RangeTermPartitioner(4, { year: h.make() as number[] }), isBoundaryList(v, 3)],
        ['new RangeTermPartitioner(4, { year: [1, v] })', () => new RangeTermPartitioner(4, { year: [1, h.make() as number] }), isFieldValue(v) && compareValues(1, v as number) < 0],
        ['new RangeTermPartitioner(4, Map(year → v))', () => new RangeTermPartitioner(4, new Map([['year', h.make() as number[]]])), isBoundaryList(v, 3)],
        ['RangeTermPartitioner.fromSample(v, {})', () => RangeTermPartitioner.fromSample(h.make() as number, {}), isInt(v, 1, 1 << 20)],
        ['RangeTermPartitioner.fromSample(4, v)', () => RangeTermPartitioner.fromSample(4, h.make() as Record<string, number[]>), isFieldTable(v, (l) => safeIsArray(l) && [...(l as unknown[])].every(isFieldValue))],
        ['RangeTermPartitioner.fromSample(4, { year: v })', () => RangeTermPartitioner.fromSample(4, { year: h.make() as number[] }), safeIsArray(v) && (v as unknown[]).every(isFieldValue) && (v as unknown[]).length === (v as unknown[]).filter(() => true).length],
        ['RangeTermPartitioner.fromRangePlacements(v, {})', () => RangeTermPartitioner.fromRangePlacements(h.make() as number, {}), isInt(v, 1, 1 << 20)],
        ['RangeTermPartitioner.fromRangePlacements(4, v)', () => RangeTermPartitioner.fromRangePlacements(4, h.make() as Record<string, RangePlacement>), isFieldTable(v, (l) => l instanceof RangePlacement)],
        ['RangeTermPartitioner.fromRangePlacements(4, { color: v })', () => RangeTermPartitioner.fromRangePlacements(4, { color: h.make() as RangePlacement }), false],
        ['hash.partitionOf(v, red)', () => hash.partitionOf(h.make() as string, 'red'), typeof v === 'string'],
        ['hash.partitionOf(color, v)', () => hash.partitionOf('color', h.make() as string), isFieldValue(v)],
        ['hash.overlapping(v, 1, 2)', () => hash.overlapping(h.make() as string, 1, 2), false],
        ['range.partitionOf(v, 2019)', () => range.partitionOf(h.make() as string, 2019), typeof v === 'string'],
        ['range.partitionOf(year, v)', () => range.partitionOf('year', h.make() as number), isFieldValue(v)],
        ['range.overlapping(v, 1, 2)', () => range.overlapping(h.make() as string, 1, 2), v === 'year' || v === 'color'],
        ['range.overlapping(year, v, 3000)', () => range.overlapping('year', h.make() as number, 3000), typeof v === 'number' && Number.isFinite(v)],
        ['range.overlapping(year, 0, v)', () => range.overlapping('year', 0, h.make() as number), isFieldValue(v)],
        ['range.supportsRange(v)', () => range.supportsRange(h.make() as string), typeof v === 'string'],
        ['range.boundariesOf(v)', () => range.boundariesOf(h.make() as string), typeof v === 'string'],
      ];
      for (const [label, call, accepted] of calls) {
        const out = expectTypedOrAccepted(`${label} with ${h.name}`, call, accepted);
        if (out.ok && typeof out.value === 'number') expect(Number.isInteger(out.value) && out.value >= 0 && out.value < 4, `${label} with ${h.name}: partition ${String(out.value)}`).toBe(true);
        if (out.ok && out.value instanceof RangeTermPartitioner) out.value.checkInvariants();
      }
    }
    range.checkInvariants();
    expect([range.describe(), range.boundariesOf('year'), range.boundariesOf('color')]).toEqual(before);
  });

  it('helpers: partitionKeyBefore, partitionIds, compareValues, percentileSorted', () => {
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, () => unknown, boolean]> = [
        ['partitionKeyBefore(v)', () => partitionKeyBefore(h.make() as string), isPk(v)],
        ['partitionKeyBefore(:)(v)', () => partitionKeyBefore(':')(h.make() as string), typeof v === 'string'],
        ['partitionIds(v)', () => partitionIds(h.make() as number), isInt(v, 0, 65_536)],
        ['compareValues(v, 1)', () => compareValues(h.make() as number, 1), isFieldValue(v)],
        ['compareValues(a, v)', () => compareValues('a', h.make() as number), isFieldValue(v)],
        ['percentileSorted(v, 0.5)', () => percentileSorted(h.make() as number[], 0.5), (safeIsArray(v) && (v as unknown[]).every((x) => typeof x === 'number'))],
        ['percentileSorted([1, 2], v)', () => percentileSorted([1, 2], h.make() as number), typeof v === 'number' && v >= 0 && v <= 1],
      ];
      for (const [label, call, accepted] of calls) {
        const out = expectTypedOrAccepted(`${label} with ${h.name}`, call, accepted);
        if (out.ok && label.startsWith('compareValues')) expect([-1, 0, 1]).toContain(Math.sign(out.value as number));
        if (out.ok && label.startsWith('percentileSorted')) expect(typeof out.value === 'number' && !Number.isNaN(out.value), `${label} with ${h.name}`).toBe(true);
      }
    }
  });

  it('the latency model, the tail-latency study and compareStrategies', () => {
    const model = new PartitionLatencyModel({ partitions: 4, seed: 7 });
    const probe = (): number[] => [model.requestPercentile(0.5, 100)];
    const before = probe();
    const modelOptions = ['partitions', 'seed', 'medianMs', 'sigma', 'medianSpread', 'slowPartition'] as const;
    const studyOptions = ['partitionCounts', 'queries', 'hitsPerQuery', 'slowFactor', 'seed', 'medianMs', 'sigma'] as const;
    const small = { partitionCounts: [1, 2], queries: 5 };
    const docs: Array<readonly [string, Record<string, unknown>]> = [['a', { color: 'red' }], ['b', { color: 'blue' }]];
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, () => unknown, boolean]> = [
        ['new PartitionLatencyModel(v)', () => new PartitionLatencyModel(h.make() as never), false],
        ...modelOptions.map((o): [string, () => unknown, boolean] => [
          `new PartitionLatencyModel({ ${o}: v })`,
          () => new PartitionLatencyModel({ partitions: 4, seed: 1, [o]: h.make() }),
          o === 'partitions' || o === 'seed' ? isInt(v, o === 'seed' ? -(2 ** 31) : 1, o === 'seed' ? 2 ** 32 - 1 : 1 << 16) : v == null || (o === 'sigma' && isNumberIn(v, 0, 5)) || (o === 'medianMs' && typeof v === 'number' && v > 0 && Number.isFinite(v)) || (o === 'medianSpread' && isNumberIn(v, 0, 0.99)),
        ]),
        ['new PartitionLatencyModel({ slowPartition: { partition: v, factor: 2 } })', () => new PartitionLatencyModel({ partitions: 4, seed: 1, slowPartition: { partition: h.make() as number, factor: 2 } }), isInt(v, 0, 3)],
        ['model.sample(v)', () => model.sample(h.make() as number), isInt(v, 0, 3)],
        ['model.sample(0, v)', () => model.sample(0, h.make() as 0), v === undefined || v === 0],
        ['model.hedgedSample(v, 1)', () => model.hedgedSample(h.make() as number, 1), isInt(v, 0, 3)],
        ['model.hedgedSample(0, v)', () => model.hedgedSample(0, h.make() as number), typeof v === 'number' && Number.isFinite(v) && v >= 0],
        ['model.requestPercentile(v, 100)', () => model.requestPercentile(h.make() as number, 100), typeof v === 'number' && v >= 0 && v <= 1],
        ['model.requestPercentile(0.5, v)', () => model.requestPercentile(0.5, h.make() as number), v === undefined || isInt(v, 1, 10_000_000)],
        ['model.query(v)', () => model.query(h.make() as number[][]), safeIsArray(v) && (v as unknown[]).length === 0],
        ['model.query([v])', () => model.query([h.make() as number[]]), safeIsArray(v) && (v as unknown[]).every((x) => isInt(x, 0, 3))],
        ['model.query([[0]], v)', () => model.query([[0]], h.make() as number), v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)],
        ['model.summarize(v)', () => model.summarize(h.make() as number[][][]), false],
        ['model.summarize([[[0]]], v)', () => model.summarize([[[0]]], h.make() as number), v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0)],
        // undefined, or an object whose fields read fine, is the default study (8 partition counts × 10,000 queries
        // per row): too slow to run for every such value here; the per-option cases below cover what it reads.
        ...(readable(v, studyOptions) ? [] : [['tailLatencyStudy(v)', () => tailLatencyStudy(h.make() as never), false] as [string, () => unknown, boolean]]),
        ...studyOptions.map((o): [string, () => unknown, boolean] => [
          `tailLatencyStudy({ ${o}: v })`,
          () => tailLatencyStudy({ ...small, [o]: h.make() }),
          v == null ||
            (o === 'partitionCounts' && safeIsArray(v) && (v as unknown[]).length > 0 && (v as unknown[]).every((x) => isInt(x, 1, 1 << 16))) ||
            (o === 'queries' && isInt(v, 1, 1_000_000)) ||
            (o === 'hitsPerQuery' && isInt(v, 0, 1 << 16) && (v as number) <= 1_000_000) ||
            (o === 'slowFactor' && typeof v === 'number' && Number.isFinite(v) && v >= 1) ||
            (o === 'seed' && isInt(v, -(2 ** 31), 2 ** 32 - 1)) ||
            (o === 'medianMs' && typeof v === 'number' && v > 0 && Number.isFinite(v)) ||
            (o === 'sigma' && isNumberIn(v, 0, 5)),
        ]),
        ['compareStrategies(v, [], 4, fields)', () => compareStrategies(h.make() as never, [], 4, ['color']), safeIsArray(v) && (v as unknown[]).length === 0],
        ['compareStrategies(docs, v, 4, fields)', () => compareStrategies(docs, h.make() as never, 4, ['color']), safeIsArray(v) && (v as unknown[]).length === 0],
        ['compareStrategies(docs, [v], 4, fields)', () => compareStrategies(docs, [h.make() as never], 4, ['color']), false],
        ['compareStrategies(docs, [], v, fields)', () => compareStrategies(docs, [], h.make() as number, ['color']), isInt(v, 1, 65_536) && (v as number) <= 65_536],
        ['compareStrategies(docs, [], 4, v)', () => compareStrategies(docs, [], 4, h.make() as string[]), safeIsArray(v) && (v as unknown[]).length <= 1 && (v as unknown[]).every((x) => typeof x === 'string')],
        ['compareStrategies(docs, [], 4, fields, v)', () => compareStrategies(docs, [], 4, ['color'], h.make() as never), readable(v, ['termPartitioner', 'latency'])],
        ['compareStrategies(docs, [], 4, fields, { latency: v })', () => compareStrategies(docs, [], 4, ['color'], { latency: h.make() as never }), v === null || readable(v, ['seed', 'medianMs', 'sigma', 'slowPartition'])],
      ];
      for (const [label, call, accepted] of calls) expectTypedOrAccepted(`${label} with ${h.name}`, call, accepted);
    }
    expect(probe()).toEqual(before);
  });
});
