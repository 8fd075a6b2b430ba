/**
 * Small JSON metadata files with a checksum: the object is written with a
 * last field `crc`, the CRC-32C of the JSON text of the other fields, so one
 * flipped bit in a number (a log start offset, a partition count) is
 * detected instead of read as a different value. Files written by earlier
 * versions, without `crc`, are accepted only when they have exactly the
 * fields those versions wrote.
 */
import { CorruptionError } from '../../errors.js';
import { crc32cRange } from '../../hash/crc32c-bytes.js';

function crcOf(json: string): number {
  const b = Buffer.from(json, 'utf8');
  return crc32cRange(b, 0, b.length);
}

/** `value` as JSON bytes with a trailing `crc` field. O(size). */
export function sealJson(value: Record<string, unknown>, indent?: number): Buffer {
  const crc = crcOf(JSON.stringify(value));
  return Buffer.from(JSON.stringify({ ...value, crc }, null, indent));
}

/**
 * Parse bytes written by `sealJson` and check the checksum; CorruptionError
 * (naming `path`) if it is not JSON, the checksum is wrong, or a file without
 * one has other fields than `legacyFields`. Returns the object without `crc`.
 */
export function openJson(bytes: Buffer, path: string, legacyFields: readonly string[]): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CorruptionError(`${path} is not valid JSON`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CorruptionError(`${path} is not a JSON object`);
  const o = v as Record<string, unknown>;
  if (!('crc' in o)) {
    const keys = Object.keys(o).sort();
    if (keys.join(',') !== [...legacyFields].sort().join(',')) throw new CorruptionError(`${path} has no checksum and unexpected fields (${keys.join(', ')})`);
    return o;
  }
  const { crc, ...rest } = o;
  if (crc !== crcOf(JSON.stringify(rest))) throw new CorruptionError(`${path} fails its checksum (damaged on disk)`);
  return rest;
}
