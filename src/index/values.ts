/**
 * Documents, primary keys and indexed values for the secondary indexes
 * (DDIA ch. 6, "Partitioning and Secondary Indexes").
 *
 * A document is a plain object; its primary key is a separate non-empty
 * string. An indexed field holds a string, a finite number, or nothing
 * (absent, `undefined` or `null`: the document is simply not in that field's
 * index). Values are ordered numbers first (numerically), then strings in
 * code point (= UTF-8 byte) order, the order of `partitioning/range.ts`, so
 * range queries, range-partitioned term indexes and range placements agree
 * on one total order, even over mixed fields.
 */
import { InvalidArgumentError, NotFoundError, describeThrown, isArraySafe, readArray } from '../errors.js';
import { compareKeys } from '../partitioning/range-keys.js';

/** A value a secondary index can hold: a string or a finite number. */
export type FieldValue = string | number;

/** A document: a plain object. Only the configured indexed fields are read by the index. */
export type Doc = Readonly<Record<string, unknown>>;

/**
 * The index's identity for a value: distinct for distinct values (`1` and
 * `"1"` differ; `0` and `-0` are the same, as with `===`). O(length).
 * Posting lists are keyed by it so one Map serves both types.
 */
export function termKey(value: FieldValue): string {
  return typeof value === 'number' ? `n${value}` : `s${value}`;
}

/** True for a string or a finite number. O(1). */
export function isFieldValue(value: unknown): value is FieldValue {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Total order on values: numbers before strings; numbers numerically; strings
 * in code point (UTF-8 byte) order. Returns negative, 0 or positive. O(length).
 */
export function compareValues(a: FieldValue, b: FieldValue): number {
  assertFieldValue('value', a);
  assertFieldValue('value', b);
  if (typeof a === 'number') {
    if (typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return compareKeys(a, b);
}

const VALUE_ALLOWED = 'a string or a finite number';

/** Throw InvalidArgumentError unless `value` is a FieldValue. O(1). */
export function assertFieldValue(parameter: string, value: unknown): asserts value is FieldValue {
  if (!isFieldValue(value)) throw new InvalidArgumentError(parameter, value, VALUE_ALLOWED);
}

/** Throw InvalidArgumentError unless `pk` is a non-empty string. O(1). */
export function assertPrimaryKey(pk: unknown, parameter = 'primary key'): asserts pk is string {
  if (typeof pk !== 'string' || pk.length === 0) throw new InvalidArgumentError(parameter, pk, 'a non-empty string');
}

const DOC_ALLOWED = 'a plain object of fields (prototype Object.prototype or null; not an array, Map, Date, boxed primitive or typed array)';

/**
 * Throw InvalidArgumentError unless `doc` is a plain object: prototype
 * Object.prototype or null. An array, a Map, a Date, a boxed primitive or a
 * typed array is refused (its contents are not own enumerable fields, so
 * storing it would silently store something else), as is a proxy whose
 * prototype cannot be read. O(1).
 */
export function assertDoc(doc: unknown): asserts doc is Doc {
  if (doc === null || typeof doc !== 'object' || isArraySafe(doc)) throw new InvalidArgumentError('document', doc, DOC_ALLOWED);
  let proto: unknown;
  try {
    proto = Object.getPrototypeOf(doc);
  } catch (e) {
    throw new InvalidArgumentError('document', doc, `${DOC_ALLOWED} whose prototype can be read (reading it threw: ${describeThrown(e)})`);
  }
  if (proto !== Object.prototype && proto !== null) throw new InvalidArgumentError('document', doc, DOC_ALLOWED);
}

/**
 * A frozen copy of `doc`'s own enumerable properties, each read exactly once:
 * what put indexes and stores, so a getter cannot give the index one value and
 * the stored document another. A value that is not a document, or one whose
 * properties cannot be read (a throwing getter or proxy trap), is an
 * InvalidArgumentError; nothing has changed then. O(fields of doc).
 */
export function snapshotDoc(doc: unknown): Doc {
  assertDoc(doc);
  try {
    return Object.freeze({ ...doc });
  } catch (e) {
    throw new InvalidArgumentError('document', doc, `a plain object whose fields can be read (reading them threw: ${describeThrown(e)})`);
  }
}

/**
 * The value of an indexed field of `doc`, or undefined when the document does
 * not have one (absent, undefined or null). Reads own properties only, so a
 * field named `__proto__` or `constructor` is just a field. Throws
 * InvalidArgumentError (naming the document and field) for any other type.
 * O(1).
 */
export function indexedValue(doc: Doc, field: string, pk: string): FieldValue | undefined {
  if (!Object.hasOwn(doc, field)) return undefined;
  const v = doc[field];
  if (v === undefined || v === null) return undefined;
  if (!isFieldValue(v)) {
    throw new InvalidArgumentError(`indexed field ${JSON.stringify(field)} of document ${JSON.stringify(pk)}`, v, `${VALUE_ALLOWED}, or absent (undefined/null)`);
  }
  return v;
}

/**
 * Validate the list of indexed fields: an array of distinct non-empty strings.
 * Empty is allowed: a database with no secondary index (every field query is
 * then a NotFoundError), the baseline a comparison needs. Returns a frozen
 * copy. O(F).
 */
export function normalizeFields(fields: unknown): readonly string[] {
  const list = readArray('fields', fields, 'an array of distinct non-empty field names (empty: no secondary index)');
  const seen = new Set<string>();
  for (const f of list) {
    if (typeof f !== 'string' || f.length === 0) throw new InvalidArgumentError('field name', f, 'a non-empty string');
    if (seen.has(f)) throw new InvalidArgumentError('fields', f, 'distinct field names (this one appears twice)');
    seen.add(f);
  }
  return Object.freeze(list as string[]);
}

/** Throw NotFoundError (kind `indexed field`, listing the known ones) unless `field` is indexed. O(F). */
export function assertIndexedField(field: unknown, fields: readonly string[]): asserts field is string {
  if (typeof field !== 'string') throw new InvalidArgumentError('field', field, `one of the indexed fields: ${fields.join(', ')}`);
  if (!fields.includes(field)) throw new NotFoundError('indexed field', field, fields);
}
