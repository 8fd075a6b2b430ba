/**
 * The B+ tree the range store keeps each partition's keys in: `sorted-btree`
 * (a well-kept, dependency-free B+ tree with O(log n) get/set/delete, ordered
 * iteration from any key and O(n) bulk loading of sorted input).
 *
 * The package is CommonJS with an `exports.default` class; under Node's ESM
 * loader a default import yields the module object, under bundlers the class.
 * This module resolves that once so the rest of `range/` imports a class.
 * Keys are sort-form strings (see partitioning/range-keys.ts) compared with
 * native `<`, which is code point (UTF-8 byte) order on the original keys.
 */
import * as btreeModule from 'sorted-btree';
import * as bulkLoadModule from 'sorted-btree/extended/bulkLoad.js';

export type BTree<K, V> = import('sorted-btree').default<K, V>;
// The class's constructor, spelled out: `typeof` the import would mean the
// module object under node16 resolution and the class under bundler, and the
// declarations must read the same under both.
type BTreeClass = new <K = unknown, V = unknown>(entries?: [K, V][], compare?: (a: K, b: K) => number, maxNodeSize?: number) => BTree<K, V>;

const mod = btreeModule as unknown as { default: BTreeClass & { default?: BTreeClass } };
/** The B+ tree class. */
export const BTreeImpl: BTreeClass = mod.default.default ?? mod.default;

const bulk = bulkLoadModule as unknown as { bulkLoad?: typeof bulkLoadModule.bulkLoad; default?: { bulkLoad: typeof bulkLoadModule.bulkLoad } };
const bulkLoadFn = bulk.bulkLoad ?? (bulk.default as { bulkLoad: typeof bulkLoadModule.bulkLoad }).bulkLoad;

/** Native string order: on sort forms, code point order of the keys. */
export function compareSortForms(a: string, b: string): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/** Node size of every partition tree (sorted-btree's default). */
export const TREE_NODE_SIZE = 32;

/** An empty tree of sort-form keys. O(1). */
export function emptyTree<V>(): BTree<string, V> {
  return new BTreeImpl<string, V>(undefined, compareSortForms, TREE_NODE_SIZE);
}

/** A tree holding `keys` (sorted, distinct sort forms) and their `values`. O(n). */
export function treeFromSorted<V>(keys: string[], values: V[]): BTree<string, V> {
  if (keys.length === 0) return emptyTree<V>();
  return bulkLoadFn<string, V>(keys, values, TREE_NODE_SIZE, compareSortForms);
}
