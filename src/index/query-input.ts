/**
 * Validation of query input at the edge of the secondary-index databases:
 * every field must be indexed, every value a string or finite number,
 * min ≤ max. Errors name what was given and what is allowed; nothing is read
 * or changed before validation passes.
 */
import { InvalidArgumentError, readOptions } from '../errors.js';
import type { Condition, QueryOptions } from './options.js';
import { type FieldValue, assertFieldValue, assertIndexedField, assertPrimaryKey, compareValues } from './values.js';

/** Query options after validation. */
export interface ParsedQueryOptions {
  readonly strong: boolean;
  readonly pk: string | undefined;
  readonly partitionKey: string | undefined;
}

/** An equality condition on an indexed field. O(F). */
export function parseEquality(field: unknown, value: unknown, fields: readonly string[]): Condition {
  assertIndexedField(field, fields);
  assertFieldValue(`value for field ${JSON.stringify(field)}`, value);
  return { kind: 'eq', field, value };
}

/** A range condition min ≤ value ≤ max on an indexed field. O(F). */
export function parseRange(field: unknown, min: unknown, max: unknown, fields: readonly string[]): Condition {
  assertIndexedField(field, fields);
  assertFieldValue('min', min);
  assertFieldValue('max', max);
  if (compareValues(min, max) > 0) throw new InvalidArgumentError('range', `${String(min)} > ${String(max)}`, 'min ≤ max (numbers before strings)');
  return { kind: 'range', field, min, max };
}

/** Validate QueryOptions. O(1). */
export function parseQueryOptions(options: unknown): ParsedQueryOptions {
  if (options === undefined) throw new InvalidArgumentError('query options', options, 'an object');
  const o = readOptions('query options', options as QueryOptions, ['consistency', 'pk', 'partitionKey'], 'an object');
  const consistency = o.consistency ?? 'eventual';
  if (consistency !== 'eventual' && consistency !== 'strong') throw new InvalidArgumentError('consistency', consistency, '"eventual" or "strong"');
  if (o.pk !== undefined) assertPrimaryKey(o.pk, 'pk');
  if (o.partitionKey !== undefined && typeof o.partitionKey !== 'string') throw new InvalidArgumentError('partitionKey', o.partitionKey, 'a string');
  if (o.pk !== undefined && o.partitionKey !== undefined) throw new InvalidArgumentError('query options', 'pk and partitionKey', 'at most one of pk and partitionKey');
  return { strong: consistency === 'strong', pk: o.pk, partitionKey: o.partitionKey };
}

/**
 * Whether value `v` satisfies condition `c`. For field values `===` is term
 * identity (`1 !== "1"`, `0 === -0`, no NaN), the same as comparing termKeys,
 * without building strings. O(length of the values).
 */
export function conditionHolds(c: Condition, v: FieldValue): boolean {
  return c.kind === 'eq' ? v === c.value : compareValues(v, c.min) >= 0 && compareValues(v, c.max) <= 0;
}

/**
 * The intersection of posting sets, smallest first so the work is bounded by
 * the shortest list: O(min |set| × sets). An empty list of sets is empty.
 */
export function intersect(sets: readonly ReadonlySet<string>[]): string[] {
  if (sets.length === 0) return [];
  if (sets.length === 1) return [...(sets[0] as ReadonlySet<string>)];
  const sorted = [...sets].sort((a, b) => a.size - b.size);
  const [first, ...rest] = sorted as [ReadonlySet<string>, ...ReadonlySet<string>[]];
  const out: string[] = [];
  outer: for (const pk of first) {
    for (const s of rest) if (!s.has(pk)) continue outer;
    out.push(pk);
  }
  return out;
}
