/**
 * The broker's own files in a data directory: `shardkit-log.json` (the marker
 * that says "this is a shardkit log", checked before anything is written),
 * `topics.json` (topics and their settings) and, in directories written
 * before the offsets log (offsets-log.ts), `consumer-offsets.json`
 * (committed offsets of every group). Each is replaced atomically
 * (write-temp, fsync, rename, fsync directory), so a crash leaves the old
 * version or the new one.
 */
import { CorruptionError, InvalidArgumentError } from '../errors.js';
import type { StorageDirectory } from './storage/directory.js';
import { LOCK_FILE } from './storage/fs-directory.js';
import type { TopicConfig } from './topic.js';

const MARKER = 'shardkit-log.json';
const TOPICS = 'topics.json';
const OFFSETS = 'consumer-offsets.json';
const FORMAT_VERSION = 1;

/** A topic as stored in topics.json. */
export interface StoredTopic {
  name: string;
  partitions: number;
  config: TopicConfig;
}

/** Committed offsets: group → "topic/partition" → offset. */
export type OffsetTable = Map<string, Map<string, number>>;

function readJson(dir: StorageDirectory, path: string): unknown {
  try {
    return JSON.parse(dir.read(path, 0, dir.size(path)).toString('utf8'));
  } catch (e) {
    throw new CorruptionError(`${path} is not valid JSON`, { cause: e });
  }
}

/**
 * Check that `dir` is empty or a shardkit log, lock it for this process,
 * and write the marker if empty. Throws InvalidArgumentError (and writes
 * nothing) for anything else, StateError if another live process holds it.
 */
export function claimDirectory(dir: StorageDirectory, describe: string): void {
  const entries = dir.list('').filter((e) => e !== LOCK_FILE);
  if (entries.length === 0) {
    dir.lock();
    dir.writeAtomic(MARKER, Buffer.from(JSON.stringify({ format: 'shardkit-log', version: FORMAT_VERSION })));
    return;
  }
  const allowed = 'an empty or new directory, or a shardkit log directory (one with shardkit-log.json)';
  if (!entries.includes(MARKER)) throw new InvalidArgumentError('dataDir', describe, allowed);
  let marker: unknown;
  try {
    marker = JSON.parse(dir.read(MARKER, 0, dir.size(MARKER)).toString('utf8'));
  } catch {
    throw new InvalidArgumentError('dataDir', describe, allowed);
  }
  const m = marker as { format?: unknown; version?: unknown } | null;
  if (m === null || typeof m !== 'object' || m.format !== 'shardkit-log') throw new InvalidArgumentError('dataDir', describe, allowed);
  if (m.version !== FORMAT_VERSION) throw new InvalidArgumentError('dataDir format version', m.version, `${FORMAT_VERSION}`);
  dir.lock();
}

/** The topics recorded in the directory (empty if none yet). */
export function loadTopics(dir: StorageDirectory): StoredTopic[] {
  if (!dir.exists(TOPICS)) return [];
  const j = readJson(dir, TOPICS) as { format?: unknown; topics?: unknown } | null;
  if (j === null || typeof j !== 'object' || j.format !== 'shardkit-topics' || !Array.isArray(j.topics)) throw new CorruptionError(`${TOPICS} is not a shardkit topics file`);
  for (const t of j.topics as StoredTopic[]) {
    if (t === null || typeof t !== 'object' || typeof t.name !== 'string' || !Number.isSafeInteger(t.partitions) || t.partitions < 1 || typeof t.config !== 'object') {
      throw new CorruptionError(`${TOPICS} has a malformed topic entry`);
    }
  }
  return j.topics as StoredTopic[];
}

/** Replace topics.json atomically. */
export function saveTopics(dir: StorageDirectory, topics: readonly StoredTopic[]): void {
  dir.writeAtomic(TOPICS, Buffer.from(JSON.stringify({ format: 'shardkit-topics', topics }, null, 1)));
}

/**
 * The committed offsets recorded in `consumer-offsets.json`, the table of
 * directories written before the offsets log (offsets-log.ts reads it once
 * to convert it). Empty if absent.
 */
export function loadOffsets(dir: StorageDirectory): OffsetTable {
  const table: OffsetTable = new Map();
  if (!dir.exists(OFFSETS)) return table;
  const j = readJson(dir, OFFSETS) as { format?: unknown; groups?: unknown } | null;
  if (j === null || typeof j !== 'object' || j.format !== 'shardkit-offsets' || !Array.isArray(j.groups)) throw new CorruptionError(`${OFFSETS} is not a shardkit offsets file`);
  for (const g of j.groups as unknown[]) {
    const [group, entries] = g as [unknown, unknown];
    if (typeof group !== 'string' || !Array.isArray(entries)) throw new CorruptionError(`${OFFSETS} has a malformed group entry`);
    const m = new Map<string, number>();
    for (const e of entries as unknown[]) {
      const [tp, off] = e as [unknown, unknown];
      if (typeof tp !== 'string' || !Number.isSafeInteger(off) || (off as number) < 0) throw new CorruptionError(`${OFFSETS} has a malformed offset in group ${group}`);
      m.set(tp, off as number);
    }
    table.set(group, m);
  }
  return table;
}
