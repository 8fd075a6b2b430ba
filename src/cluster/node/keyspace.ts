/**
 * How a key and its value are laid out in the store. A store key is the
 * 4-byte big-endian storage partition, then the key's bytes. A record is a
 * flags byte (bit 0: has an expiry), the expiry as a float64 of epoch
 * milliseconds when present, then the value's bytes. Only strings exist, so
 * TYPE is "string" or "none". Expiry is lazy: an expired record reads as
 * missing (on the node's injected clock) and is overwritten or deleted by the
 * next write; there is no background expiry, so DBSIZE counts expired keys
 * until then (as Redis's DBSIZE counts keys not yet evicted).
 */

const PREFIX_BYTES = 4;
const EXPIRY_FLAG = 1;

/** The store key of `key` in `partition`. O(|key|). */
export function storeKey(partition: number, key: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + key.length);
  out.writeUInt32BE(partition, 0);
  out.set(key, PREFIX_BYTES);
  return out;
}

/** First store key of `partition` (inclusive bound). */
export function partitionStart(partition: number): Buffer {
  return storeKey(partition, new Uint8Array(0));
}

/** The user key of a store key (a view). */
export function userKey(stored: Buffer): Buffer {
  return stored.subarray(PREFIX_BYTES);
}

/** The partition of a store key. */
export function partitionOfStored(stored: Buffer): number {
  return stored.readUInt32BE(0);
}

/** A decoded record. */
export interface Entry {
  readonly value: Buffer;
  /** Epoch milliseconds, or undefined for no expiry. */
  readonly expireAtMs: number | undefined;
}

/** Encode a record. */
export function encodeEntry(value: Uint8Array, expireAtMs?: number): Buffer {
  const header = expireAtMs === undefined ? 1 : 9;
  const out = Buffer.allocUnsafe(header + value.length);
  out[0] = expireAtMs === undefined ? 0 : EXPIRY_FLAG;
  if (expireAtMs !== undefined) out.writeDoubleBE(expireAtMs, 1);
  out.set(value, header);
  return out;
}

/** Decode a record; undefined when it has expired at `nowMs`. */
export function decodeEntry(record: Buffer, nowMs: number): Entry | undefined {
  if (((record[0] as number) & EXPIRY_FLAG) === 0) return { value: record.subarray(1), expireAtMs: undefined };
  const expireAtMs = record.readDoubleBE(1);
  if (nowMs >= expireAtMs) return undefined;
  return { value: record.subarray(9), expireAtMs };
}
