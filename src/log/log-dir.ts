/**
 * The broker's own files in a data directory: `shardkit-log.json` (the marker
 * that says "this is a shardkit log", checked before anything is written),
 * `topics.json` (topics and their settings) and `consumer-offsets.json`
 * (committed offsets of every group). Each is replaced atomically
 * (write-temp, fsync, rename, fsync directory), so a crash leaves the old
 * version or the new one.
 */
import { CorruptionError, InvalidArgumentError } from '../errors.js';
import type { StorageDirectory } from './storage/directory.js';
import { isLockEntry } from './storage/dir-lock.js';
import { openJson, sealJson } from './storage/json-file.js';
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

/** Entries that do not make a directory "not empty": the lock's files and a marker write a crashed or racing claimer left half done. */
function ignorable(name: string): boolean {
  return isLockEntry(name) || name === `${MARKER}.tmp`;
}

/**
 * Check that `dir` is empty or a shardkit log, lock it for this process,
 * and write the marker if empty. Throws InvalidArgumentError (and writes
 * nothing) for anything else, StateError `DIRECTORY_LOCKED` (retriable) if
 * another live process holds it. The contents are checked before locking (a
 * foreign directory gets no lock files) and again once locked, so processes
 * opening one new directory at once see one owner and retriable errors, never
 * each other's half-written marker.
 */
export function claimDirectory(dir: StorageDirectory, describe: string): void {
  checkContents(dir, describe, false);
  dir.lock();
  if (checkContents(dir, describe, true)) dir.writeAtomic(MARKER, Buffer.from(JSON.stringify({ format: 'shardkit-log', version: FORMAT_VERSION })));
}

/** True when the directory is (still) new; throws InvalidArgumentError when it is not a shardkit log. `locked`: we own it, so a marker is final. */
function checkContents(dir: StorageDirectory, describe: string, locked: boolean): boolean {
  const entries = dir.list('').filter((e) => !ignorable(e));
  if (entries.length === 0) return true;
  const allowed = 'an empty or new directory, or a shardkit log directory (one with shardkit-log.json)';
  if (!entries.includes(MARKER)) throw new InvalidArgumentError('dataDir', describe, allowed);
  let marker: unknown;
  try {
    marker = JSON.parse(dir.read(MARKER, 0, dir.size(MARKER)).toString('utf8'));
  } catch (e) {
    if (!locked && (e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw new InvalidArgumentError('dataDir', describe, allowed);
  }
  const m = marker as { format?: unknown; version?: unknown } | null;
  if (m === null || typeof m !== 'object' || m.format !== 'shardkit-log') throw new InvalidArgumentError('dataDir', describe, allowed);
  if (m.version !== FORMAT_VERSION) throw new InvalidArgumentError('dataDir format version', m.version, `${FORMAT_VERSION}`);
  return false;
}

/**
 * The topics recorded in the directory (empty if none yet). CorruptionError
 * if topics.json is damaged (it is checksummed), or if a partition directory
 * that holds records is not listed in it (topics.json deleted, or a topic or
 * partition count damaged): a log is never opened without data it holds.
 * Directories named `__…` are internal and not checked. O(topics + root entries).
 */
export function loadTopics(dir: StorageDirectory): StoredTopic[] {
  let topics: StoredTopic[] = [];
  if (dir.exists(TOPICS)) {
    const j = openJson(dir.read(TOPICS, 0, dir.size(TOPICS)), TOPICS, ['format', 'topics']) as { format?: unknown; topics?: unknown };
    if (j.format !== 'shardkit-topics' || !Array.isArray(j.topics)) throw new CorruptionError(`${TOPICS} is not a shardkit topics file`);
    for (const t of j.topics as StoredTopic[]) {
      if (t === null || typeof t !== 'object' || typeof t.name !== 'string' || !Number.isSafeInteger(t.partitions) || t.partitions < 1 || typeof t.config !== 'object') {
        throw new CorruptionError(`${TOPICS} has a malformed topic entry`);
      }
    }
    topics = j.topics as StoredTopic[];
  }
  checkUnlisted(dir, topics);
  return topics;
}

/** Throw if a `<topic>-<partition>` directory holding records is not one of `topics`' partitions. */
function checkUnlisted(dir: StorageDirectory, topics: readonly StoredTopic[]): void {
  const listed = new Map(topics.map((t) => [t.name, t.partitions]));
  for (const entry of dir.list('')) {
    const m = /^(.+)-(\d+)$/.exec(entry);
    if (m === null || entry.startsWith('__')) continue;
    const n = listed.get(m[1] as string);
    if (n !== undefined && Number(m[2]) < n) continue;
    let files: string[];
    try {
      files = dir.list(entry);
    } catch {
      continue; // a file, not a partition directory
    }
    const holdsRecords = files.some((f) => f.endsWith('.log') && dir.size(`${entry}/${f}`) > 0);
    if (holdsRecords) throw new CorruptionError(`${entry} holds records but ${TOPICS} does not list it (${TOPICS} deleted or damaged); nothing was opened`);
  }
}

/** Replace topics.json atomically (checksummed). */
export function saveTopics(dir: StorageDirectory, topics: readonly StoredTopic[]): void {
  dir.writeAtomic(TOPICS, sealJson({ format: 'shardkit-topics', topics }, 1));
}

/** The committed offsets recorded in the directory. */
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

/** Replace consumer-offsets.json atomically. O(committed offsets). */
export function saveOffsets(dir: StorageDirectory, table: OffsetTable): void {
  const groups = [...table].map(([g, m]) => [g, [...m]]);
  dir.writeAtomic(OFFSETS, Buffer.from(JSON.stringify({ format: 'shardkit-offsets', groups })));
}
