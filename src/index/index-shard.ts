/**
 * One index partition's contents: per indexed field, a posting list (set of
 * primary keys) per term. Both strategies store their index in these shards;
 * they differ only in which shard an entry goes to (the document's own
 * partition, or the partition owning the term).
 */
import { invariant } from '../errors.js';
import { type FieldValue, compareValues, termKey } from './values.js';

/** A term and the primary keys of the documents holding it. */
export interface Posting {
  readonly value: FieldValue;
  readonly pks: Set<string>;
}

/** One index entry: document `pk` has `value` in `field`. */
export interface IndexEntry {
  readonly field: string;
  readonly value: FieldValue;
  readonly pk: string;
}

/**
 * The term dictionary of one index partition: field → term → posting set.
 * Equality O(1) expected; range scans O(terms of the field in this shard).
 * Mutated only by its database, which keeps it consistent with the documents.
 */
export class IndexShard {
  private readonly byField = new Map<string, Map<string, Posting>>();
  private entries = 0;

  /** One (empty) term dictionary per indexed field. O(F). */
  constructor(fields: readonly string[]) {
    for (const f of fields) this.byField.set(f, new Map());
  }

  /** Number of (field, value, pk) entries. O(1). */
  get entryCount(): number {
    return this.entries;
  }

  /** Add `pk` to the posting list of (field, value); a no-op if present. O(1) expected. */
  add(field: string, value: FieldValue, pk: string): void {
    const terms = this.terms(field);
    const key = termKey(value);
    let posting = terms.get(key);
    if (posting === undefined) {
      posting = { value, pks: new Set() };
      terms.set(key, posting);
    }
    if (!posting.pks.has(pk)) {
      posting.pks.add(pk);
      this.entries++;
    }
  }

  /** Remove `pk` from (field, value), dropping an emptied term. Returns whether it was there. O(1) expected. */
  remove(field: string, value: FieldValue, pk: string): boolean {
    const terms = this.terms(field);
    const key = termKey(value);
    const posting = terms.get(key);
    if (posting === undefined || !posting.pks.delete(pk)) return false;
    this.entries--;
    if (posting.pks.size === 0) terms.delete(key);
    return true;
  }

  /** The posting list of (field, value), or undefined. Do not mutate. O(1) expected. */
  lookup(field: string, value: FieldValue): ReadonlySet<string> | undefined {
    return this.terms(field).get(termKey(value))?.pks;
  }

  /**
   * The postings of `field` with min ≤ value ≤ max. O(T) in the shard's terms
   * for that field (a hash dictionary keeps equality lookups O(1); range scans
   * pay for it, and a range-partitioned term index keeps T small by sending
   * only the overlapping shards the query).
   */
  range(field: string, min: FieldValue, max: FieldValue): Posting[] {
    const out: Posting[] = [];
    for (const posting of this.terms(field).values()) {
      if (compareValues(posting.value, min) >= 0 && compareValues(posting.value, max) <= 0) out.push(posting);
    }
    return out;
  }

  /** Every entry, field by field. O(entries). */
  *all(): Generator<IndexEntry> {
    for (const [field, terms] of this.byField) {
      for (const posting of terms.values()) for (const pk of posting.pks) yield { field, value: posting.value, pk };
    }
  }

  /** Postings of one field, in insertion order. O(1) to start. */
  postings(field: string): IterableIterator<Posting> {
    return this.terms(field).values();
  }

  /** Throws InvariantError: counts agree, no empty posting lists, each term keyed by its value. O(entries). */
  checkInvariants(): void {
    let n = 0;
    for (const [field, terms] of this.byField) {
      for (const [key, posting] of terms) {
        invariant(posting.pks.size > 0, () => `index shard: empty posting list for ${field}=${key}`);
        invariant(termKey(posting.value) === key, () => `index shard: term ${key} of ${field} holds value ${String(posting.value)}`);
        n += posting.pks.size;
      }
    }
    invariant(n === this.entries, () => `index shard: entry count ${this.entries} but ${n} entries stored`);
  }

  private terms(field: string): Map<string, Posting> {
    const t = this.byField.get(field);
    invariant(t !== undefined, () => `index shard: field ${field} is not indexed`);
    return t;
  }
}
