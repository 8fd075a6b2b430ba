/**
 * Argument checks shared by the MetaStore adapters of outside services
 * (etcd, ZooKeeper): the same limits and the same typed errors as the
 * embedded core (./core.ts), checked before anything is sent, so bad input
 * changes nothing on the service.
 */
import { InvalidArgumentError, requireInt } from '../../errors.js';
import { DEFAULT_META_LIMITS, type MetaLimits } from './core.js';
import type { PutOptions } from './types.js';

const utf8 = new TextEncoder();

/** Throw InvalidArgumentError unless `key` is a non-empty string within `limits.keyBytesMax` UTF-8 bytes. */
export function checkKey(key: unknown, limits: MetaLimits = DEFAULT_META_LIMITS): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError('key', key, 'a non-empty string');
  const n = utf8.encode(key).length;
  if (n > limits.keyBytesMax) throw new InvalidArgumentError('key length', n, `at most ${limits.keyBytesMax} UTF-8 bytes`);
}

/** Throw InvalidArgumentError unless `value` is a Uint8Array of at most `valueBytesMax` bytes. */
export function checkValue(value: unknown, valueBytesMax: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('value', value, 'a Uint8Array');
  if (value.length > valueBytesMax) throw new InvalidArgumentError('value length', value.length, `at most ${valueBytesMax} bytes`);
}

/** Check put/delete options: ifModRevision a non-negative integer, lease a non-empty string (puts only). */
export function checkWriteOptions(options: PutOptions | undefined, allowLease: boolean): PutOptions {
  const o = options ?? {};
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options', o, 'an object');
  if (o.ifModRevision !== undefined) requireInt('ifModRevision', o.ifModRevision, 0);
  if (o.lease !== undefined) {
    if (!allowLease) throw new InvalidArgumentError('lease', o.lease, 'no lease on a delete');
    if (typeof o.lease !== 'string' || o.lease.length === 0) throw new InvalidArgumentError('lease', o.lease, 'a lease id from grantLease');
  }
  return o;
}

/** Check a watch's arguments. */
export function checkWatch(prefix: unknown, fromRevision: unknown): void {
  if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', prefix, 'a string (may be empty)');
  requireInt('fromRevision', fromRevision as number, 0);
}

/** Check a lease TTL against the limits; returns it. */
export function checkTtl(ttlMs: unknown, min: number, max: number): number {
  return requireInt('ttlMs', ttlMs as number, min, max);
}
