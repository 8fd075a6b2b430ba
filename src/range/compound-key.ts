/**
 * Cassandra-style compound keys (DDIA ch. 6, "Partitioning by hash of key":
 * a compound primary key whose first part picks the partition and whose
 * other columns sort the rows inside it) encoded as one string key for the
 * range store, so that:
 *
 * - all rows of a partition key are contiguous, sorted by clustering key;
 * - partition keys sort among themselves in byte order, even when one is a
 *   prefix of another or contains U+0000;
 * - `compoundRowGroup` maps any row to the first key of its partition key, so
 *   the store (option `rowGroupOf`) never splits a partition key's rows.
 *
 * Encoding: partitionKey with each U+0000 escaped as U+0000 U+00FF, then the
 * terminator U+0000 U+0001, then the clustering key as is. The terminator
 * sorts below every escaped or ordinary continuation, which is what makes a
 * shorter partition key sort first (the FoundationDB tuple layer's trick).
 * Clustering keys are strings: encode numbers order-preservingly first
 * (e.g. zero-padded).
 */
import { InvalidArgumentError } from '../errors.js';

const TERMINATOR = '\u0000\u0001';
const ESCAPED_ZERO = '\u0000\u00ff';

function escape(partitionKey: string): string {
  return partitionKey.includes('\u0000') ? partitionKey.replaceAll('\u0000', ESCAPED_ZERO) : partitionKey;
}

function checkString(name: string, v: unknown): string {
  if (typeof v !== 'string') throw new InvalidArgumentError(name, v, 'a string');
  return v;
}

/** The store key of row (partitionKey, clusteringKey). O(length). */
export function compoundKey(partitionKey: string, clusteringKey = ''): string {
  return escape(checkString('partitionKey', partitionKey)) + TERMINATOR + checkString('clusteringKey', clusteringKey);
}

/** Position just past the terminator, or -1 when `key` is not a compound key. */
function terminatorEnd(key: string): number {
  for (let i = key.indexOf('\u0000'); i >= 0 && i + 1 < key.length; i = key.indexOf('\u0000', i + 2)) {
    if (key.charCodeAt(i + 1) === 1) return i + 2;
  }
  return -1;
}

/** Split a compound key back into its parts; InvalidArgumentError for other keys. O(length). */
export function decodeCompoundKey(key: string): { partitionKey: string; clusteringKey: string } {
  const end = terminatorEnd(checkString('key', key));
  if (end < 0) throw new InvalidArgumentError('compound key', key, 'a key made by compoundKey(partitionKey, clusteringKey)');
  return { partitionKey: key.slice(0, end - 2).replaceAll(ESCAPED_ZERO, '\u0000'), clusteringKey: key.slice(end) };
}

/**
 * The first key of `key`'s row group: its partition key with an empty
 * clustering key. Pass as the store's `rowGroupOf`. A key that is not a
 * compound key is its own group. O(length).
 */
export function compoundRowGroup(key: string): string {
  const end = terminatorEnd(key);
  return end < 0 ? key : key.slice(0, end);
}

/**
 * The scan range [start, end) of the rows of `partitionKey` whose clustering
 * keys lie in [fromClustering, toClustering) (all rows when omitted). Feed it
 * to `rangeScan(start, end)`. O(length).
 */
export function compoundRange(partitionKey: string, fromClustering = '', toClustering?: string): { start: string; end: string } {
  const prefix = escape(checkString('partitionKey', partitionKey));
  return {
    start: prefix + TERMINATOR + checkString('fromClustering', fromClustering),
    end: toClustering === undefined ? `${prefix}\u0000\u0002` : prefix + TERMINATOR + checkString('toClustering', toClustering),
  };
}
