/**
 * Key hashes by name, for strategies built from plain options (the registry,
 * the CLI). Each name maps to one shared function, so two placements built
 * with the same name use the same hash and can be planned against each other.
 * Names are looked up in a Map (never a plain object).
 */
import type { Hash32, Key } from '../hash/key.js';
import { NotFoundError } from '../errors.js';
import { murmur3x86_32 } from '../hash/murmur3-x86-32.js';
import { crc32, crc32c } from '../hash/crc32.js';
import { kafkaMurmur2Positive } from '../hash/kafka.js';

const HASHES: ReadonlyMap<string, Hash32> = new Map<string, Hash32>([
  ['murmur3-x86-32', (k: Key) => murmur3x86_32(k)],
  ['crc32', (k: Key) => crc32(k)],
  ['crc32c', (k: Key) => crc32c(k)],
  ['kafka-murmur2', kafkaMurmur2Positive],
]);

/** Names `hash32FromName` accepts. */
export const HASH32_NAMES: readonly string[] = Object.freeze([...HASHES.keys()]);

/** The 32-bit key hash called `name`. Unknown name: NotFoundError listing the names. O(1). */
export function hash32FromName(name: string): Hash32 {
  const h = typeof name === 'string' ? HASHES.get(name) : undefined;
  if (!h) throw new NotFoundError('hash', String(name), HASH32_NAMES);
  return h;
}
