/**
 * Model-based property test (ARCHITECTURE.md, principle 4; sorted-btree's
 * style): any random sequence of puts, updates and deletes is applied to both
 * strategies — sync and async, hash- and range-partitioned terms — and to a
 * plain Map. After every operation every database passes checkInvariants();
 * every query equals the same filter over the Map (sync: always; async: after
 * a flush, and for strong queries at any time); an eventual query in async mode
 * never returns a document that does not match. Databases whose full queue
 * rejects writes must refuse them whole, and accept them after a flush.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CapacityError } from '../errors.js';
import { DocumentPartitionedDB } from './document-partitioned.js';
import { TermPartitionedDB } from './term-partitioned.js';
import { RangeTermPartitioner } from './term-partitioner.js';
import type { IndexedDB } from './indexed-db.js';
import { partitionKeyBefore, type IndexedDBOptions, type QueryOptions } from './options.js';
import { type Doc, type FieldValue, compareValues, termKey } from './values.js';

const FIELDS = ['a', 'b', 'c'] as const;
const VALUES: readonly FieldValue[] = ['red', 'blue', 1, 2, '1', -0.5];
const SORTED = [...VALUES].sort(compareValues);
const USERS = ['u0', 'u1', 'u2', 'u3'];
const P = 4;

type Op =
  | { kind: 'put'; pk: string; doc: Record<string, FieldValue | null | undefined> }
  | { kind: 'delete'; pk: string }
  | { kind: 'flush' };

const pkArb = fc.tuple(fc.constantFrom(...USERS), fc.integer({ min: 0, max: 3 })).map(([u, i]) => `${u}:${i}`);
const valueArb = fc.oneof(fc.constantFrom(...VALUES), fc.constant(null), fc.constant(undefined));
const docArb = fc.record({ a: valueArb, b: valueArb, c: valueArb, extra: fc.string({ maxLength: 3 }) }, { requiredKeys: ['extra'] });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), pk: pkArb, doc: docArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pk: pkArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

function databases(): Array<{ name: string; db: IndexedDB; range: boolean }> {
  const base: IndexedDBOptions = { partitions: P, fields: FIELDS, partitionKeyOf: partitionKeyBefore(':') };
  const rangeTerms = (): RangeTermPartitioner => new RangeTermPartitioner(P, { a: [1, 'blue'], b: ['1'], c: [-0.5, 2, 'red'] });
  const out: Array<{ name: string; db: IndexedDB; range: boolean }> = [];
  for (const indexMode of ['sync', 'async'] as const) {
    const o = { ...base, indexMode, pendingMax: 24, whenFull: 'flush' as const };
    out.push({ name: `local ${indexMode}`, db: new DocumentPartitionedDB(o), range: true });
    out.push({ name: `global hash ${indexMode}`, db: new TermPartitionedDB(o), range: false });
    out.push({ name: `global range ${indexMode}`, db: new TermPartitionedDB({ ...o, termPartitioner: rangeTerms() }), range: true });
  }
  // A full queue that rejects: the write fails whole, the caller flushes and retries (see applyOp).
  out.push({ name: 'local async reject', db: new DocumentPartitionedDB({ ...base, indexMode: 'async', pendingMax: 6, whenFull: 'reject' }), range: true });
  out.push({ name: 'global range async reject', db: new TermPartitionedDB({ ...base, indexMode: 'async', pendingMax: 6, whenFull: 'reject', termPartitioner: rangeTerms() }), range: true });
  return out;
}

const valueOf = (doc: Doc, f: string): FieldValue | undefined => {
  const v = Object.hasOwn(doc, f) ? doc[f] : undefined;
  return v === null || v === undefined ? undefined : (v as FieldValue);
};

function model(m: Map<string, Doc>, where: Array<[string, FieldValue]>, opts: QueryOptions = {}): string[] {
  return [...m.entries()]
    .filter(([, d]) => where.every(([f, v]) => { const x = valueOf(d, f); return x !== undefined && termKey(x) === termKey(v); }))
    .filter(([pk]) => opts.partitionKey === undefined || pk.startsWith(`${opts.partitionKey}:`))
    .map(([pk]) => pk)
    .sort();
}

function modelRange(m: Map<string, Doc>, f: string, min: FieldValue, max: FieldValue): string[] {
  return [...m.entries()]
    .filter(([, d]) => { const x = valueOf(d, f); return x !== undefined && compareValues(x, min) >= 0 && compareValues(x, max) <= 0; })
    .map(([pk]) => pk)
    .sort();
}

/**
 * Apply `op`. A write refused by a full queue (whenFull 'reject') must be a
 * retriable CapacityError that left the database unchanged; the caller
 * flushes and retries once, which must then succeed.
 */
function applyOp(db: IndexedDB, op: Op): void {
  const write = (): unknown => (op.kind === 'put' ? db.put(op.pk, op.doc) : op.kind === 'delete' ? db.delete(op.pk) : db.flushIndex());
  try {
    write();
  } catch (e) {
    if (!(e instanceof CapacityError)) throw e;
    expect(e.retriable).toBe(true);
    expect(db.whenFull).toBe('reject');
    db.checkInvariants();
    db.flushIndex();
    write();
  }
}

const keys = (r: { hits: ReadonlyArray<readonly [string, Doc]> }): string[] => r.hits.map((h) => h[0]);

/** Every query shape, on one database, against the model. `exact`: results must equal the model; otherwise a subset. */
function checkQueries(db: IndexedDB, range: boolean, m: Map<string, Doc>, exact: boolean, consistency: 'eventual' | 'strong'): void {
  const cmp = (got: string[], want: string[], what: string): void => {
    if (exact) expect(got, what).toEqual(want);
    else for (const pk of got) expect(want, `${what}: ${pk} does not match`).toContain(pk);
  };
  for (const f of FIELDS) {
    for (const v of VALUES) cmp(keys(db.queryByField(f, v, { consistency })), model(m, [[f, v]]), `${f}=${String(v)}`);
    if (range) {
      for (let i = 0; i < SORTED.length; i += 2) {
        const lo = SORTED[i] as FieldValue;
        const hi = SORTED[Math.min(SORTED.length - 1, i + 2)] as FieldValue;
        cmp(keys(db.queryRange(f, lo, hi, { consistency })), modelRange(m, f, lo, hi), `${f} in [${String(lo)}, ${String(hi)}]`);
      }
    }
  }
  cmp(keys(db.query({ a: 'red', b: 1 }, { consistency })), model(m, [['a', 'red'], ['b', 1]]), 'a=red AND b=1');
  cmp(keys(db.query({ a: 1, c: '1' }, { consistency })), model(m, [['a', 1], ['c', '1']]), 'a=1 AND c="1"');
  cmp(keys(db.queryByField('a', 'blue', { consistency, partitionKey: 'u1' })), model(m, [['a', 'blue']], { partitionKey: 'u1' }), 'a=blue, partitionKey u1');
}

describe('model-based: both strategies agree with a filter over a plain Map', () => {
  it('after any sequence of puts, updates and deletes (sync: always; async: after a flush; strong: always)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const dbs = databases();
        const m = new Map<string, Doc>();
        ops.forEach((op, step) => {
          if (op.kind === 'put') m.set(op.pk, op.doc);
          else if (op.kind === 'delete') m.delete(op.pk);
          for (const { name, db, range } of dbs) {
            applyOp(db, op);
            db.checkInvariants();
            expect(db.size, name).toBe(m.size);
            for (const [pk, doc] of m) expect(db.get(pk).document, `${name} get ${pk}`).toEqual(doc);
            const sync = db.indexMode === 'sync';
            checkQueries(db, range, m, sync, 'eventual');
            // Every third step an async database answers strongly: exact, applying only its terms' updates.
            if (!sync && step % 3 === 2) checkQueries(db, range, m, true, 'strong');
            db.checkInvariants();
          }
        });
        for (const { db, range } of dbs) {
          if (db.indexMode === 'async') {
            checkQueries(db, range, m, true, 'strong');
            db.checkInvariants();
            db.flushIndex();
            db.checkInvariants();
            expect(db.indexLag().pending).toBe(0);
            checkQueries(db, range, m, true, 'eventual');
          }
        }
      }),
      { seed: 20260529, numRuns: 80 },
    );
  });
});
