/**
 * How a term-partitioned (global) secondary index splits its terms across
 * index partitions (DDIA ch. 6, "Partitioning Secondary Indexes by Term").
 *
 * - By hash of the term: even load, but a range of values is spread over every
 *   index partition, so range queries are not supported.
 * - By range of the term: boundaries taken from the data (quantiles of a
 *   sample) or given explicitly; a range query reads only the index partitions
 *   whose range overlaps it. Skewed values make hot index partitions.
 */
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { RangePlacement } from '../partitioning/range.js';
import { InvalidArgumentError, StateError, describeThrown, invariant, isArraySafe, isInstance, readArray, requireInt } from '../errors.js';
import { type FieldValue, assertFieldValue, compareValues, termKey } from './values.js';

/** Throw InvalidArgumentError unless `field` is a string. O(1). */
function assertFieldName(field: unknown): asserts field is string {
  if (typeof field !== 'string') throw new InvalidArgumentError('field', field, 'a field name (a string)');
}

/**
 * The [field, value] entries of a per-field table from outside (a Map or a
 * plain object), read once; a table that is neither, or whose entries throw
 * when read (a throwing getter, a proxy trap), is an InvalidArgumentError.
 * Each value is copied with readArray. O(entries).
 */
function fieldTable(parameter: string, table: unknown, what: string): Array<[string, unknown[]]> {
  const allowed = `a Map or an object of field → ${what}`;
  if (table === null || typeof table !== 'object' || isArraySafe(table)) throw new InvalidArgumentError(parameter, table, allowed);
  let entries: Array<[unknown, unknown]>;
  try {
    entries = isInstance(table, Map) ? [...(table as Map<unknown, unknown>).entries()] : Object.entries(table);
  } catch (e) {
    throw new InvalidArgumentError(parameter, table, `${allowed} whose entries can be read (reading them threw: ${describeThrown(e)})`);
  }
  return entries.map(([field, list]) => {
    assertFieldName(field);
    return [field, readArray(`${parameter} of field ${JSON.stringify(field)}`, list, `an array of ${what}`)];
  });
}

/** The shared interface of term partitioning strategies. */
export interface TermPartitioner {
  /** `hash` or `range`. Descriptive only: callers ask `supportsRange(field)`. */
  readonly kind: 'hash' | 'range';
  /** Index partitions this partitioner maps terms to: 0 … partitionCount−1. */
  readonly partitionCount: number;
  /** Whether `overlapping()` can answer (and prune) a range query on `field`. O(1). */
  supportsRange(field: string): boolean;
  /** The index partition holding term `value` of `field`. Allocation-light, O(1) or O(log P). */
  partitionOf(field: string, value: FieldValue): number;
  /**
   * The index partitions whose term range overlaps [min, max], ascending.
   * Throws StateError when the partitioner cannot answer (hash).
   */
  overlapping(field: string, min: FieldValue, max: FieldValue): number[];
  /** Throws InvariantError when an internal rule is broken. */
  checkInvariants(): void;
  /** A short readable summary. */
  describe(): string;
}

/**
 * Terms placed by MurmurHash3 x86_32 of `field NUL termKey(value)`, mod P.
 * The field is part of the term (as in DDIA's `color:red`), so the same value
 * in two fields need not share a partition. O(length of the term).
 */
export class HashTermPartitioner implements TermPartitioner {
  readonly kind = 'hash' as const;
  readonly partitionCount: number;

  /** `partitionCount`: an integer ≥ 1. */
  constructor(partitionCount: number) {
    this.partitionCount = requireInt('term partition count', partitionCount, 1, 1 << 20);
  }

  partitionOf(field: string, value: FieldValue): number {
    assertFieldName(field);
    assertFieldValue('value', value);
    return murmur3x86_32(`${field}\u0000${termKey(value)}`) % this.partitionCount;
  }

  supportsRange(): boolean {
    return false;
  }

  overlapping(field: string, _min?: FieldValue, _max?: FieldValue): number[] {
    assertFieldName(field);
    throw new StateError(
      `queryRange needs a range-partitioned term index, but the terms of field ${JSON.stringify(field)} are partitioned by hash (a value range would touch every index partition); configure a RangeTermPartitioner with boundaries for it`,
      { code: 'UNSUPPORTED_OPERATION' },
    );
  }

  checkInvariants(): void {
    invariant(Number.isInteger(this.partitionCount) && this.partitionCount >= 1, 'hash term partitioner: partition count must be ≥ 1');
  }

  describe(): string {
    return `terms by hash: murmur3(field, value) mod ${this.partitionCount}`;
  }
}

/**
 * Terms placed by range of value: partition i holds values v with
 * boundaries[i−1] ≤ v < boundaries[i] (the first from −∞, the last to +∞),
 * so P partitions need P−1 strictly increasing boundaries. One boundary list
 * per field (each field has its own value distribution). A field without a
 * list is partitioned by hash (so it does not pile up in one partition) and
 * refuses range queries like a HashTermPartitioner. Lookup: binary search,
 * O(log P).
 */
export class RangeTermPartitioner implements TermPartitioner {
  readonly kind = 'range' as const;
  readonly partitionCount: number;
  private readonly boundaries: ReadonlyMap<string, readonly FieldValue[]>;
  private readonly unlisted: HashTermPartitioner;

  /**
   * `partitionCount` ≥ 1; `boundaries`: per field, at most partitionCount−1
   * strictly increasing values (fewer leaves the last partitions empty for
   * that field). Throws InvalidArgumentError otherwise.
   */
  constructor(partitionCount: number, boundaries: ReadonlyMap<string, readonly FieldValue[]> | Readonly<Record<string, readonly FieldValue[]>>) {
    this.partitionCount = requireInt('term partition count', partitionCount, 1, 1 << 20);
    this.unlisted = new HashTermPartitioner(this.partitionCount);
    const entries = fieldTable('boundaries', boundaries, 'boundary values');
    const out = new Map<string, readonly FieldValue[]>();
    for (const [field, list] of entries) {
      if (list.length > this.partitionCount - 1) {
        throw new InvalidArgumentError(`boundaries of field ${JSON.stringify(field)}`, list, `at most partitionCount − 1 = ${this.partitionCount - 1} values`);
      }
      list.forEach((v, i) => {
        assertFieldValue(`boundary ${i} of field ${JSON.stringify(field)}`, v);
        if (i > 0 && compareValues(list[i - 1] as FieldValue, v) >= 0) {
          throw new InvalidArgumentError(`boundaries of field ${JSON.stringify(field)}`, v, 'strictly increasing values (numbers before strings)');
        }
      });
      out.set(field, Object.freeze(list as FieldValue[]));
    }
    this.boundaries = out;
  }

  /**
   * Boundaries from the data: the values of each field in `sample`, split at
   * quantiles into `partitionCount` parts of about equal count (duplicates
   * collapse, so a field with few distinct values uses fewer partitions).
   * O(S log S) per field.
   */
  static fromSample(partitionCount: number, sample: ReadonlyMap<string, readonly FieldValue[]> | Readonly<Record<string, readonly FieldValue[]>>): RangeTermPartitioner {
    requireInt('term partition count', partitionCount, 1, 1 << 20);
    const entries = fieldTable('sample', sample, 'values');
    const bounds = new Map<string, FieldValue[]>();
    for (const [field, values] of entries) {
      values.forEach((v, i) => assertFieldValue(`sample value ${i} of field ${JSON.stringify(field)}`, v));
      const sorted = (values as FieldValue[]).sort(compareValues);
      const list: FieldValue[] = [];
      for (let i = 1; i < partitionCount && sorted.length > 0; i++) {
        const v = sorted[Math.floor((i * sorted.length) / partitionCount)] as FieldValue;
        const last = list[list.length - 1];
        // The first boundary must exceed the smallest value, or partition 0 would be empty.
        if ((last === undefined && compareValues(v, sorted[0] as FieldValue) > 0) || (last !== undefined && compareValues(last, v) < 0)) list.push(v);
      }
      bounds.set(field, list);
    }
    return new RangeTermPartitioner(partitionCount, bounds);
  }

  /**
   * Boundaries from range placements (`partitioning/range.ts`), one per
   * field: the field's term ranges are exactly the placement's key ranges
   * (same code point order), e.g. a RangePlacement built with `fromSample`
   * over the field's values or kept by a range store. String terms only: a
   * number sorts before every string, so numeric values of such a field all
   * go to partition 0. Each placement's partitionCount must be ≤
   * `partitionCount`. O(total boundaries).
   */
  static fromRangePlacements(partitionCount: number, placements: Readonly<Record<string, RangePlacement>> | ReadonlyMap<string, RangePlacement>): RangeTermPartitioner {
    requireInt('term partition count', partitionCount, 1, 1 << 20);
    const allowed = 'a Map or an object of field → RangePlacement';
    if (placements === null || typeof placements !== 'object' || isArraySafe(placements)) throw new InvalidArgumentError('placements', placements, allowed);
    let entries: Array<[unknown, unknown]>;
    try {
      entries = isInstance(placements, Map) ? [...(placements as ReadonlyMap<string, RangePlacement>).entries()] : Object.entries(placements);
    } catch (e) {
      throw new InvalidArgumentError('placements', placements, `${allowed} whose entries can be read (reading them threw: ${describeThrown(e)})`);
    }
    const bounds = new Map<string, readonly FieldValue[]>();
    for (const [field, rp] of entries) {
      assertFieldName(field);
      if (!isInstance(rp, RangePlacement)) throw new InvalidArgumentError(`range placement of field ${JSON.stringify(field)}`, rp, 'a RangePlacement');
      bounds.set(field, rp.boundaries);
    }
    return new RangeTermPartitioner(partitionCount, bounds);
  }

  /** Whether `field` has boundaries (else its terms are hashed). O(1). */
  supportsRange(field: string): boolean {
    assertFieldName(field);
    return this.boundaries.has(field);
  }

  /** The boundaries of `field` (empty when the field has none). */
  boundariesOf(field: string): readonly FieldValue[] {
    assertFieldName(field);
    return this.boundaries.get(field) ?? [];
  }

  partitionOf(field: string, value: FieldValue): number {
    assertFieldName(field);
    assertFieldValue('value', value);
    const b = this.boundaries.get(field);
    if (b === undefined) return this.unlisted.partitionOf(field, value);
    // First boundary > value; its index is the partition.
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareValues(b[mid] as FieldValue, value) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  overlapping(field: string, min: FieldValue, max: FieldValue): number[] {
    assertFieldName(field);
    if (!this.boundaries.has(field)) return this.unlisted.overlapping(field);
    assertFieldValue('min', min);
    assertFieldValue('max', max);
    if (compareValues(min, max) > 0) throw new InvalidArgumentError('range', `${String(min)} > ${String(max)}`, 'min ≤ max (numbers before strings)');
    const first = this.partitionOf(field, min);
    const last = this.partitionOf(field, max);
    const out: number[] = [];
    for (let p = first; p <= last; p++) out.push(p);
    return out;
  }

  checkInvariants(): void {
    for (const [field, b] of this.boundaries) {
      invariant(b.length <= this.partitionCount - 1, () => `range term partitioner: field ${field} has ${b.length} boundaries for ${this.partitionCount} partitions`);
      for (let i = 1; i < b.length; i++) {
        invariant(compareValues(b[i - 1] as FieldValue, b[i] as FieldValue) < 0, () => `range term partitioner: boundaries of ${field} not increasing at ${i}`);
      }
    }
  }

  describe(): string {
    const parts = [...this.boundaries].map(([f, b]) => `${f}: ${b.length + 1} ranges`);
    return `terms by range over ${this.partitionCount} partitions (${parts.join('; ') || 'no boundaries'})`;
  }
}
