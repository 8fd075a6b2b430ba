/**
 * The invariants of a secondary-index database (ARCHITECTURE.md, principle 4),
 * checked from its parts so both strategies share one definition:
 *
 * 1. every document lives in the partition its primary key maps to;
 * 2. every index entry lives in the index partition the strategy assigns it;
 * 3. with the pending updates applied in order (async mode), the index holds
 *    exactly the entries the documents imply: each entry points at a live
 *    document with that value, and each indexed value of each document is
 *    indexed;
 * 4. each shard, the queue and the document count are internally consistent.
 */
import { invariant } from '../errors.js';
import type { IndexShard } from './index-shard.js';
import type { IndexUpdateQueue } from './update-queue.js';
import { type Doc, type FieldValue, indexedValue, termKey } from './values.js';

/** The parts `checkDatabaseInvariants` reads. */
export interface DatabaseParts {
  readonly fields: readonly string[];
  readonly data: readonly ReadonlyMap<string, Doc>[];
  readonly shards: readonly IndexShard[];
  readonly queue: IndexUpdateQueue | undefined;
  readonly documentCount: number;
  partitionOfKey(pk: string): number;
  indexPartitionOf(field: string, value: FieldValue, dataPartition: number): number;
}

const entryId = (field: string, value: FieldValue, pk: string): string => `${field}\u0000${termKey(value)}\u0000${pk}`;

/** Throws InvariantError naming the first broken rule. O(documents × F + entries + pending). */
export function checkDatabaseInvariants(db: DatabaseParts): void {
  let docs = 0;
  const expected = new Map<string, number>(); // entry id → index partition it belongs in
  db.data.forEach((map, p) => {
    for (const [pk, doc] of map) {
      docs++;
      invariant(db.partitionOfKey(pk) === p, () => `document ${pk} stored in partition ${p} but its key maps to ${db.partitionOfKey(pk)}`);
      for (const field of db.fields) {
        const v = indexedValue(doc, field, pk);
        if (v !== undefined) expected.set(entryId(field, v, pk), db.indexPartitionOf(field, v, p));
      }
    }
  });
  invariant(docs === db.documentCount, () => `document count ${db.documentCount} but ${docs} stored`);

  const actual = new Map<string, number>();
  db.shards.forEach((shard, p) => {
    shard.checkInvariants();
    for (const e of shard.all()) {
      const dp = db.partitionOfKey(e.pk);
      invariant(db.indexPartitionOf(e.field, e.value, dp) === p, () => `index entry ${e.field}=${String(e.value)} → ${e.pk} stored in partition ${p}, belongs elsewhere`);
      actual.set(entryId(e.field, e.value, e.pk), p);
    }
  });

  if (db.queue !== undefined) {
    db.queue.checkInvariants();
    db.shards.forEach((_, p) => {
      for (const u of (db.queue as IndexUpdateQueue).pendingIn(p)) {
        const id = entryId(u.field, u.value, u.pk);
        if (u.op === 'add') actual.set(id, p);
        else actual.delete(id);
      }
    });
  }

  for (const [id, p] of actual) {
    invariant(expected.get(id) === p, () => `index entry ${id.replaceAll('\u0000', ' | ')} in partition ${p} has no live document with that value`);
  }
  for (const [id, p] of expected) {
    invariant(actual.get(id) === p, () => `document value ${id.replaceAll('\u0000', ' | ')} is missing from index partition ${p}`);
  }
}
