/**
 * A partition's storage settings and its small metadata file
 * (`partition.json`: log start offset, recovery point, clean-shutdown flag).
 */
import { CorruptionError, InvalidArgumentError, readOptions, requireInt } from '../../errors.js';
import type { FsyncPolicy } from '../types.js';
import { openJson, sealJson } from './json-file.js';

/** Storage settings of a partition. */
export interface PartitionLogConfig {
  /** Roll to a new segment before the active one would exceed this many bytes. */
  segmentBytes: number;
  /** Roll when the active segment's first record is this old. */
  segmentMs: number;
  /** One offset-index entry per this many bytes of batches. */
  indexIntervalBytes: number;
  /** When appends are fdatasync'ed: every batch, every `fsyncIntervalMs`, or only at close. */
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

/** Every setting of a partition (PartitionLogConfig's fields). */
export const PARTITION_CONFIG_KEYS = ['segmentBytes', 'segmentMs', 'indexIntervalBytes', 'fsync', 'fsyncIntervalMs'] as const satisfies readonly (keyof PartitionLogConfig)[];

/** Defaults (Kafka's, except a 64 MiB segment). */
export const DEFAULT_PARTITION_CONFIG: PartitionLogConfig = {
  segmentBytes: 64 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  indexIntervalBytes: 4096,
  fsync: 'always',
  fsyncIntervalMs: 1000,
};

/** Validate a partial config against the defaults; typed errors name the field. */
export function partitionConfig(c: Partial<PartitionLogConfig> = {}): PartitionLogConfig {
  // Each setting read once (absent or undefined: the default); one that throws when read is an InvalidArgumentError.
  const out = { ...DEFAULT_PARTITION_CONFIG, ...readOptions('partition settings', c, PARTITION_CONFIG_KEYS, 'an object of partition settings') };
  requireInt('segmentBytes', out.segmentBytes, 64, 2 ** 31);
  requireInt('segmentMs', out.segmentMs, 1);
  requireInt('indexIntervalBytes', out.indexIntervalBytes, 1);
  requireInt('fsyncIntervalMs', out.fsyncIntervalMs, 0);
  if (out.fsync !== 'always' && out.fsync !== 'interval' && out.fsync !== 'never') {
    throw new InvalidArgumentError('fsync', out.fsync, '"always", "interval" or "never"');
  }
  return out;
}

/** Contents of `partition.json`: where the log starts, what is known durable, and whether the last shutdown was clean. */
export interface PartitionMeta {
  format: 'shardkit-partition';
  logStartOffset: number;
  recoveryPoint: number;
  clean: boolean;
  /** The log end offset at the last clean shutdown (absent while the log is open, and in files of earlier versions). */
  endOffset?: number;
}

/** `partition.json`'s bytes for `meta` (checksummed: see json-file.ts). */
export function encodeMeta(meta: PartitionMeta): Buffer {
  return sealJson({ ...meta });
}

/** Parse and check `partition.json` (its checksum, then its fields); CorruptionError if it is damaged or not ours. */
export function parseMeta(bytes: Buffer, path: string): PartitionMeta {
  const o = openJson(bytes, path, ['format', 'logStartOffset', 'recoveryPoint', 'clean']) as Partial<PartitionMeta>;
  if (
    o.format !== 'shardkit-partition' ||
    !Number.isSafeInteger(o.logStartOffset) ||
    !Number.isSafeInteger(o.recoveryPoint) ||
    typeof o.clean !== 'boolean' ||
    (o.endOffset !== undefined && !Number.isSafeInteger(o.endOffset))
  ) {
    throw new CorruptionError(`${path} is not a shardkit partition file`);
  }
  return o as PartitionMeta;
}
