/**
 * The low-level exports of shardkit/log (partition logs, topics, the offsets
 * log, group coordination, storage directories, batch views and cursors,
 * fetch buffers, cleanup, batch encoding, the directory lock, the assignors
 * and their helpers, topic-partition helpers, the exported error classes)
 * against the hostile-value generator (src/testing/hostile.ts): every value
 * in every parameter gets a typed ShardkitError or a documented acceptance,
 * and a refused call leaves the structure as it was (end offsets, records
 * read back, file bytes, members and generations, a fetch window and its
 * views). Each test gathers every failure before reporting, so one run lists
 * them all. (The entry points above these — Broker, Producer, Consumer and
 * the pure name, message, partitioner and settings functions — are in
 * hostile.test.ts.)
 */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, ShardkitError, StateError } from '../errors.js';
import { ManualClock } from '../util/clock.js';
import { expectTypedOrAccepted, hostileValues, isObjectLike, safeIsArray } from '../testing/hostile.js';
import { checkGroupId, checkTopicName } from './message.js';
import { allPartitions, cooperativeStickyAssignor, diffAssignments, emptyAssignment, handovers, intersect, minimumMoves, normalise, rangeAssignor, roundRobinAssignor, stickyAssign, stickyAssignor } from './assignors/index.js';
import { compareTopicPartitions, tpKey } from './types.js';
import { DiskFullError } from './storage/disk-full.js';
import { OffsetsCorruptionError, OffsetsLog } from './offsets-log.js';
import { SegmentCorruptionError, type Segment } from './storage/segment.js';
import { GroupCoordinator } from './group/coordinator.js';
import { LocalGroup, type GroupMemberHandle } from './group/local-group.js';
import { Topic, topicConfig } from './topic.js';
import { MemoryDirectory, type StorageDirectory } from './storage/directory.js';
import { FsDirectory } from './storage/fs-directory.js';
import { PartitionLog } from './storage/partition-log.js';
import { partitionConfig } from './storage/partition-config.js';
import { BatchLocation, RecordBatchView, RecordCursor } from './storage/batch-view.js';
import { FetchBuffer } from './storage/fetch-buffer.js';
import { applyRetention, compact } from './storage/cleanup.js';
import { checkBatch, encodeBatch } from './storage/record-batch.js';
import { DirectoryLock } from './storage/dir-lock.js';
import type { RecordInput } from './types.js';

const HOSTILE = hostileValues();
const isInt = (v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const PROXIES = ['proxy with throwing traps', 'revoked proxy'];
/** An options object whose fields can be read (absent fields take their defaults). */
const isOptionsObject = (name: string, v: unknown): boolean => v === undefined || (isObjectLike(v) && !PROXIES.includes(name));
const isU8 = (name: string): boolean => name === 'Uint8Array';
const wellFormed = (v: unknown): boolean => typeof v === 'string' && (v as unknown as { isWellFormed(): boolean }).isWellFormed();
/** One name of a relative path: what every directory method takes. */
const isPathName = (v: unknown): boolean => wellFormed(v) && (v as string).length > 0 && Buffer.byteLength(v as string) <= 255 && !/[/\\]/.test(v as string) && v !== '.' && v !== '..';
const validTopic = (v: unknown): boolean => {
  try {
    checkTopicName(v);
    return true;
  } catch {
    return false;
  }
};
const validGroup = (v: unknown): boolean => {
  try {
    checkGroupId(v);
    return true;
  } catch {
    return false;
  }
};

const tmp: string[] = [];
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shardkit-hostile-lowlevel-'));
  tmp.push(d);
  return d;
}

/** Every file of a StorageDirectory with its bytes (hex), for "unchanged" checks. */
function snapshot(dir: StorageDirectory, at = ''): string {
  const out: string[] = [];
  for (const name of dir.list(at)) {
    const p = at === '' ? name : `${at}/${name}`;
    let bytes: string | null = null;
    try {
      bytes = dir.read(p, 0, dir.size(p)).toString('hex');
    } catch {
      bytes = null;
    }
    out.push(bytes === null ? `${p}/ {${snapshot(dir, p)}}` : `${p}=${bytes}`);
  }
  return out.join(';');
}

/** Every file under a real directory with its bytes. */
function snapshotFs(root: string): string {
  const out: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const p = join(root, name);
    out.push(statSync(p).isDirectory() ? `${name}/ {${snapshotFs(p)}}` : `${name}=${readFileSync(p).toString('hex')}`);
  }
  return out.join(';');
}

/** A failure collector: each check records what went wrong; `done()` reports them all. */
function collector(): { check: (label: string, call: () => unknown, accepted: boolean, observe?: () => string) => unknown; done: () => void } {
  const failures: string[] = [];
  return {
    check(label, call, accepted, observe) {
      try {
        const before = observe?.();
        const out = expectTypedOrAccepted(label, call, accepted);
        if (!out.ok && observe !== undefined) {
          const after = observe();
          if (after !== before) failures.push(`${label}: changed although the call was refused`);
        }
        return out.ok ? out.value : undefined;
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
        return undefined;
      }
    },
    done() {
      expect(failures).toEqual([]);
    },
  };
}

const rec = (value = 1): RecordInput => ({ key: null, value: new Uint8Array([value]), timestampMs: 5, headers: [] });

/** A memory partition log with small segments: 3 closed segments and an active one, 8 records. */
function fixtureLog(): { dir: MemoryDirectory; log: PartitionLog; clock: ManualClock } {
  const dir = new MemoryDirectory();
  const clock = new ManualClock(1_000);
  const log = PartitionLog.open(dir, 'p', partitionConfig({ segmentBytes: 128 }), clock, { topic: 'orders', partition: 0 });
  for (let i = 0; i < 8; i++) log.append([rec(i)]);
  return { dir, log, clock };
}

/** A segment of a partition log, for error constructors that name one. */
const fixtureSegment = ((): Segment => {
  const { log } = fixtureLog();
  const seg = log.closedSegments()[0]!;
  log.close();
  return seg;
})();

/** What a caller can observe of a partition log: offsets, segments, every record, every byte. */
function observeLog(log: PartitionLog, dir: StorageDirectory): string {
  const records = log.read(0, 1_000).map((r) => [r.offset, r.timestampMs, r.key?.toString('hex') ?? null, r.value?.toString('hex') ?? null, Object.entries(r.headers).map(([k, v]) => [k, v.toString('hex')])]);
  return JSON.stringify({ start: log.logStartOffset, end: log.nextOffset, segments: log.segmentBaseOffsets(), records, files: snapshot(dir) });
}

describe('log low-level exports under hostile values (issue 12 §4)', () => {
  it('PartitionLog.open: every parameter; a refused open writes nothing', () => {
    const c = collector();
    for (const h of HOSTILE) {
      const v = h.make();
      const dir = new MemoryDirectory();
      const clock = new ManualClock(1);
      const cfg = partitionConfig();
      const obs = (): string => snapshot(dir);
      const open = (label: string, call: () => PartitionLog, accepted: boolean): void => {
        const out = c.check(`PartitionLog.open(${label}) with ${h.name}`, call, accepted, obs);
        if (out instanceof PartitionLog) out.close();
      };
      open('v, q, cfg, clock', () => PartitionLog.open(h.make() as never, 'q', cfg, clock), false);
      open('dir, v, cfg, clock', () => PartitionLog.open(dir, h.make() as string, cfg, clock), isPathName(v));
      open('dir, q, v, clock', () => PartitionLog.open(dir, 'q', h.make() as never, clock), isOptionsObject(h.name, v));
      open('dir, q, { segmentBytes: v }, clock', () => PartitionLog.open(dir, 'q', { ...cfg, segmentBytes: h.make() as number }, clock), v === undefined || isInt(v, 64, 2 ** 31));
      open('dir, q, cfg, v', () => PartitionLog.open(dir, 'q', cfg, h.make() as never), false);
      open('dir, q, cfg, { now: v }', () => PartitionLog.open(dir, 'q', cfg, { now: h.make() as () => number }), false);
      open('dir, q, cfg, { now: () => v }', () => PartitionLog.open(dir, 'q', cfg, { now: () => h.make() as number }), typeof v === 'number' && Number.isFinite(v));
      open('dir, q, cfg, clock, v', () => PartitionLog.open(dir, 'q', cfg, clock, h.make() as never), v === undefined);
      open('dir, q, cfg, clock, { topic: v }', () => PartitionLog.open(dir, 'q', cfg, clock, { topic: h.make() as string, partition: 0 }), validTopic(v));
      open('dir, q, cfg, clock, { partition: v }', () => PartitionLog.open(dir, 'q', cfg, clock, { topic: 'q', partition: h.make() as number }), isInt(v, 0, 2 ** 31 - 1));
      open('dir, q, cfg, clock, tp, v', () => PartitionLog.open(dir, 'q', cfg, clock, { topic: 'q', partition: 0 }, h.make() as never), isOptionsObject(h.name, v));
      open('dir, q, cfg, clock, tp, { mustExist: v }', () => PartitionLog.open(dir, 'q', cfg, clock, { topic: 'q', partition: 0 }, { mustExist: h.make() as boolean }), v === undefined || typeof v === 'boolean');
    }
    c.done();
  });

  it('PartitionLog methods: appends, reads, offsets, retention and segment replacement; the log unchanged on refusal', () => {
    const c = collector();
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, (log: PartitionLog) => unknown, boolean]> = [
        ['append(v)', (log) => log.append(h.make() as never), false],
        ['append([v])', (log) => log.append([h.make() as never]), false],
        ['append([ok, v])', (log) => log.append([rec(), h.make() as never]), false],
        ['append([{ key: v }])', (log) => log.append([{ ...rec(), key: h.make() as Uint8Array }]), v == null || isU8(h.name)],
        ['append([{ value: v }])', (log) => log.append([{ ...rec(), value: h.make() as Uint8Array }]), v === null || isU8(h.name)],
        ['append([{ timestampMs: v }])', (log) => log.append([{ ...rec(), timestampMs: h.make() as number }]), isInt(v, 0)],
        ['append([{ headers: v }])', (log) => log.append([{ ...rec(), headers: h.make() as never }]), safeIsArray(v) && (v as unknown[]).length === 0],
        ['append([{ headers: [v] }])', (log) => log.append([{ ...rec(), headers: [h.make() as never] }]), false],
        ['append([{ headers: [[v, bytes]] }])', (log) => log.append([{ ...rec(), headers: [[h.make() as string, new Uint8Array([1])]] }]), wellFormed(v)],
        ['append([{ headers: [[name, v]] }])', (log) => log.append([{ ...rec(), headers: [['h', h.make() as Uint8Array]] }]), isU8(h.name)],
        ['read(v, 10)', (log) => log.read(h.make() as number, 10), isInt(v, 0)],
        ['read(0, v)', (log) => log.read(0, h.make() as number), isInt(v, 1)],
        ['readBatches(v, 10, fetch)', (log) => log.readBatches(h.make() as number, 10, new FetchBuffer()), isInt(v, 0)],
        ['readBatches(0, v, fetch)', (log) => log.readBatches(0, h.make() as number, new FetchBuffer()), isInt(v, 1)],
        ['readBatches(0, 10, v)', (log) => log.readBatches(0, 10, h.make() as never), false],
        ['offsetForTime(v)', (log) => log.offsetForTime(h.make() as number), typeof v === 'number' && Number.isFinite(v)],
        ['advanceStartOffset(v)', (log) => log.advanceStartOffset(h.make() as number), isInt(v, 0)],
        ['deleteOldSegments(v)', (log) => log.deleteOldSegments(h.make() as never), typeof v === 'function'],
        ['deleteOldSegments(() => v)', (log) => log.deleteOldSegments(() => h.make() as boolean), typeof v === 'boolean'],
        ['segmentPathFor(v)', (log) => log.segmentPathFor(h.make() as number), isInt(v, 0)],
        ['readSegment(v)', (log) => log.readSegment(h.make() as never), false],
        ['replaceSegment(v, [])', (log) => log.replaceSegment(h.make() as never, []), false],
        ['replaceSegment(closed, v)', (log) => log.replaceSegment(log.closedSegments()[0]!, h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0],
        ['replaceSegment(closed, [v])', (log) => log.replaceSegment(log.closedSegments()[0]!, [h.make() as Buffer]), false],
      ];
      for (const [label, call, accepted] of calls) {
        const { dir, log } = fixtureLog();
        c.check(`PartitionLog.${label} with ${h.name}`, () => call(log), accepted, () => observeLog(log, dir));
        log.checkInvariants();
        expect(log.verify().problems, `PartitionLog.${label} with ${h.name}: verify`).toEqual([]);
        log.close();
      }
    }
    c.done();
  });

  it('PartitionLog.append reads each record field once: what is checked is what is stored', () => {
    const { log } = fixtureLog();
    let reads = 0;
    const shifty = {
      key: null,
      get value(): Uint8Array | null {
        reads++;
        return reads === 1 ? new Uint8Array([7]) : (5 as unknown as Uint8Array);
      },
      timestampMs: 9,
      headers: [],
    };
    const offset = log.append([shifty as RecordInput]);
    expect(reads).toBe(1);
    expect(log.read(offset, 1)[0]?.value).toEqual(Buffer.from([7]));
    log.close();
  });

  it('encodeBatch: every parameter; what it returns is a valid batch', () => {
    const c = collector();
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Array<[string, () => Buffer, boolean]> = [
        ['encodeBatch(v, [r])', () => encodeBatch(h.make() as number, [rec()]), isInt(v, 0)],
        ['encodeBatch(0, v)', () => encodeBatch(0, h.make() as never), false],
        ['encodeBatch(0, [v])', () => encodeBatch(0, [h.make() as never]), false],
        ['encodeBatch(0, [{ value: v }])', () => encodeBatch(0, [{ ...rec(), value: h.make() as Uint8Array }]), v === null || isU8(h.name)],
        // An absent key is no key (null), as for messages.
        ['encodeBatch(0, [{ key: v }])', () => encodeBatch(0, [{ ...rec(), key: h.make() as Uint8Array }]), v == null || isU8(h.name)],
        ['encodeBatch(0, [{ timestampMs: v }])', () => encodeBatch(0, [{ ...rec(), timestampMs: h.make() as number }]), isInt(v, 0)],
        ['encodeBatch(0, [{ headers: v }])', () => encodeBatch(0, [{ ...rec(), headers: h.make() as never }]), safeIsArray(v) && (v as unknown[]).length === 0],
        ['encodeBatch(0, [r], v)', () => encodeBatch(0, [rec()], h.make() as number[]), v === undefined],
        ['encodeBatch(0, [r], [v])', () => encodeBatch(0, [rec()], [h.make() as number]), isInt(v, 0, 2 ** 32 - 1)],
        ['encodeBatch(0, [r, r], [0, v])', () => encodeBatch(0, [rec(), rec()], [0, h.make() as number]), isInt(v, 1, 2 ** 32 - 1)],
        ['encodeBatch(0, [r], undefined, v)', () => encodeBatch(0, [rec()], undefined, h.make() as number), v === undefined || isInt(v, 0, 2 ** 32 - 1)],
      ];
      for (const [label, call, accepted] of calls) {
        const out = c.check(`${label} with ${h.name}`, call, accepted);
        if (out !== undefined) expect(checkBatch(out as Buffer, 0), `${label} with ${h.name}: a malformed batch`).toBeNull();
      }
    }
    c.done();
  });

  it('applyRetention and compact: every parameter; a refused pass deletes nothing', () => {
    const c = collector();
    for (const h of HOSTILE) {
      const v = h.make();
      const none = { retentionMs: null, retentionBytes: null, retentionMessages: null };
      const calls: Array<[string, (log: PartitionLog) => unknown, boolean]> = [
        ['applyRetention(v, policy, 0)', () => applyRetention(h.make() as never, none, 0), false],
        ['applyRetention(log, v, 0)', (log) => applyRetention(log, h.make() as never, 0), isOptionsObject(h.name, v)],
        ['applyRetention(log, { retentionMs: v }, 0)', (log) => applyRetention(log, { ...none, retentionMs: h.make() as number }, 0), v == null || isInt(v, 0)],
        ['applyRetention(log, { retentionBytes: v }, 0)', (log) => applyRetention(log, { ...none, retentionBytes: h.make() as number }, 0), v == null || isInt(v, 0)],
        // retentionMessages 1 would delete segments; the bad retentionMs after it must stop the pass before anything is deleted.
        ['applyRetention(log, { retentionMessages: 1, retentionMs: v }, 0)', (log) => applyRetention(log, { ...none, retentionMessages: 1, retentionMs: h.make() as number }, 0), v == null || isInt(v, 0)],
        ['applyRetention(log, { retentionMessages: v }, 0)', (log) => applyRetention(log, { ...none, retentionMessages: h.make() as number }, 0), v == null || isInt(v, 0)],
        ['applyRetention(log, policy, v)', (log) => applyRetention(log, { ...none, retentionMs: 1 }, h.make() as number), isInt(v, 0)],
        ['compact(v, options)', () => compact(h.make() as never, { nowMs: 0, deleteRetentionMs: 0 }), false],
        ['compact(log, v)', (log) => compact(log, h.make() as never), false],
        ['compact(log, { nowMs: v })', (log) => compact(log, { nowMs: h.make() as number, deleteRetentionMs: 0 }), isInt(v, 0)],
        ['compact(log, { deleteRetentionMs: v })', (log) => compact(log, { nowMs: 0, deleteRetentionMs: h.make() as number }), isInt(v, 0)],
        ['compact(log, { rollActive: v })', (log) => compact(log, { nowMs: 0, deleteRetentionMs: 0, rollActive: h.make() as boolean }), v === undefined || typeof v === 'boolean'],
      ];
      for (const [label, call, accepted] of calls) {
        const { dir, log } = fixtureLog();
        c.check(`${label} with ${h.name}`, () => call(log), accepted, () => observeLog(log, dir));
        log.checkInvariants();
        log.close();
      }
    }
    c.done();
  });

  it('OffsetsLog: open, get, lastCommitMs, commit and delete; the table and file unchanged on refusal', () => {
    const c = collector();
    for (const h of HOSTILE) {
      const v = h.make();
      const dir = new MemoryDirectory();
      const obs = (): string => snapshot(dir);
      c.check(`OffsetsLog.open(v, 0) with ${h.name}`, () => OffsetsLog.open(h.make() as never, 0), false);
      c.check(`OffsetsLog.open(dir, v) with ${h.name}`, () => OffsetsLog.open(dir, h.make() as number), isInt(v, 0), obs);
      c.check(`OffsetsLog.open(dir, 0, v) with ${h.name}`, () => OffsetsLog.open(dir, 0, h.make() as never), isOptionsObject(h.name, v), obs);
      c.check(`OffsetsLog.open(dir, 0, { compactFactor: v }) with ${h.name}`, () => OffsetsLog.open(dir, 0, { compactFactor: h.make() as number }), v == null || isInt(v, 2, 1000), obs); // null: the default, as for every optional setting
      c.check(`OffsetsLog.open(dir, 0, { compactMinBytes: v }) with ${h.name}`, () => OffsetsLog.open(dir, 0, { compactMinBytes: h.make() as number }), v == null || isInt(v, 0), obs);
      const log = OffsetsLog.open(dir, 0);
      log.commit('g', [{ topic: 'orders', partition: 0, offset: 3 }], 10);
      const table = (): string => JSON.stringify({ groups: [...log.groupIds()], g: log.get('g', 'orders', 0), ms: log.lastCommitMs('g'), size: log.sizeBytes, files: snapshot(dir) });
      const ok = { topic: 'orders', partition: 1, offset: 4 };
      const calls: Array<[string, () => unknown, boolean]> = [
        ['get(v, orders, 0)', () => log.get(h.make() as string, 'orders', 0), typeof v === 'string'],
        ['get(g, v, 0)', () => log.get('g', h.make() as string, 0), typeof v === 'string'],
        ['get(g, orders, v)', () => log.get('g', 'orders', h.make() as number), isInt(v, 0)],
        ['lastCommitMs(v)', () => log.lastCommitMs(h.make() as string), typeof v === 'string'],
        ['commit(v, [ok], 20)', () => log.commit(h.make() as string, [ok], 20), validGroup(v)],
        ['commit(g, v, 20)', () => log.commit('g', h.make() as never, 20), safeIsArray(v) && (v as unknown[]).length === 0],
        ['commit(g, [v], 20)', () => log.commit('g', [h.make() as never], 20), false],
        ['commit(g, [{ topic: v }], 20)', () => log.commit('g', [{ ...ok, topic: h.make() as string }], 20), validTopic(v)],
        ['commit(g, [{ partition: v }], 20)', () => log.commit('g', [{ ...ok, partition: h.make() as number }], 20), isInt(v, 0)],
        ['commit(g, [{ offset: v }], 20)', () => log.commit('g', [{ ...ok, offset: h.make() as number }], 20), isInt(v, 0)],
        ['commit(g, [ok], v)', () => log.commit('g', [ok], h.make() as number), isInt(v, 0)],
        ['delete(v, 20)', () => log.delete(h.make() as never, 20), safeIsArray(v) && [...(v as unknown[])].every((x) => typeof x === 'string')],
        ['delete([v], 20)', () => log.delete([h.make() as string], 20), typeof v === 'string'],
        ['delete([g], v)', () => log.delete(['g'], h.make() as number), isInt(v, 0)],
      ];
      for (const [label, call, accepted] of calls) c.check(`OffsetsLog.${label} with ${h.name}`, call, accepted, table);
      // Still the committed offset of before (unless an accepted delete removed the group).
      if (log.get('g', 'orders', 0) !== undefined) expect(log.get('g', 'orders', 0)).toBe(3);
      log.checkInvariants();
    }
    c.done();
  });

  it('Topic: constructor, log and cleanup; refused calls write nothing', () => {
    const c = collector();
    const clock = new ManualClock(1);
    for (const h of HOSTILE) {
      const v = h.make();
      const dir = new MemoryDirectory();
      const cfg = topicConfig();
      const obs = (): string => snapshot(dir);
      const make = (label: string, call: () => Topic, accepted: boolean): void => {
        const t = c.check(`new Topic(${label}) with ${h.name}`, call, accepted, obs);
        if (t instanceof Topic) t.close();
      };
      make('v, t, 1, cfg, clock', () => new Topic(h.make() as never, 't', 1, cfg, clock), false);
      make('dir, v, 1, cfg, clock', () => new Topic(dir, h.make() as string, 1, cfg, clock), validTopic(v));
      make('dir, t, v, cfg, clock', () => new Topic(dir, 't', h.make() as number, cfg, clock), isInt(v, 1, 10_000));
      make('dir, t, 1, v, clock', () => new Topic(dir, 't', 1, h.make() as never, clock), isOptionsObject(h.name, v));
      // null is the default policy, as Broker.createTopic documents (hostile.test.ts: createTopic with cleanupPolicy null is accepted).
      make('dir, t, 1, { cleanupPolicy: v }, clock', () => new Topic(dir, 't', 1, { ...cfg, cleanupPolicy: h.make() as 'delete' }, clock), v == null);
      make('dir, t, 1, cfg, v', () => new Topic(dir, 't', 1, cfg, h.make() as never), false);
      make('dir, t, 1, cfg, clock, v', () => new Topic(dir, 't', 1, cfg, clock, h.make() as boolean), v === undefined || typeof v === 'boolean');
      const t = new Topic(dir, 'u', 2, cfg, clock);
      t.log(0).append([rec()]);
      c.check(`Topic.log(v) with ${h.name}`, () => t.log(h.make()), isInt(v, 0, 1), obs);
      c.check(`Topic.cleanup(v) with ${h.name}`, () => t.cleanup(h.make() as number), isInt(v, 0), obs);
      t.checkInvariants();
      t.close();
    }
    c.done();
  });

  it('GroupCoordinator and LocalGroup: options and every method; members and generations unchanged on refusal', () => {
    const c = collector();
    const base = { groupId: 'g', assignor: rangeAssignor, clock: new ManualClock(1), partitionsOf: () => 2 };
    const local = { ...base, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 };
    const handle = (): GroupMemberHandle => ({ topics: ['orders'], groupInstanceId: null, revokeAll: () => undefined, assigned: () => undefined, evicted: () => undefined });
    for (const h of HOSTILE) {
      const v = h.make();
      for (const [k, ok] of [
        ['groupId', validGroup(v)],
        ['assignor', false],
        ['clock', false],
        ['partitionsOf', typeof v === 'function'],
        // Absent or null: the default, as Broker.open documents for the same two timeouts (hostile.test.ts).
        ['sessionTimeoutMs', v == null || isInt(v, 1)],
        ['rebalanceTimeoutMs', v == null || isInt(v, 1)],
        ['historyMax', v == null || isInt(v, 1)],
      ] as const) {
        c.check(`new GroupCoordinator({ ${k}: v }) with ${h.name}`, () => new GroupCoordinator({ ...base, [k]: h.make() }), ok);
        if (k !== 'historyMax') c.check(`new LocalGroup({ ${k}: v }) with ${h.name}`, () => new LocalGroup({ ...local, [k]: h.make() }), ok);
      }
      c.check(`new GroupCoordinator(v) with ${h.name}`, () => new GroupCoordinator(h.make() as never), false);
      c.check(`new LocalGroup(v) with ${h.name}`, () => new LocalGroup(h.make() as never), false);
      c.check(`new GroupCoordinator({ assignor: { protocol: v } }) with ${h.name}`, () => new GroupCoordinator({ ...base, assignor: { ...rangeAssignor, name: 'range', assign: rangeAssignor.assign, protocol: h.make() as 'eager' } }), false);

      const coord = (): { g: GroupCoordinator; id: string } => {
        const g = new GroupCoordinator(base);
        const r = g.join({ memberId: null, topics: ['orders'] });
        if (!r.ok) throw new Error('join failed');
        g.sync(r.memberId, r.generation);
        return { g, id: r.memberId };
      };
      const observe = (g: GroupCoordinator): string => JSON.stringify({ gen: g.generation, state: g.state, members: g.memberIds(), assignment: [...g.currentAssignment()], history: g.history.length });
      const gcalls: Array<[string, (g: GroupCoordinator, id: string) => unknown, boolean]> = [
        ['join(v)', (g) => g.join(h.make() as never), false],
        ['join({ memberId: v })', (g) => g.join({ memberId: h.make() as string, topics: ['orders'] }), v == null || typeof v === 'string'],
        ['join({ groupInstanceId: v })', (g) => g.join({ memberId: null, groupInstanceId: h.make() as string, topics: ['orders'] }), v == null || (typeof v === 'string' && v.length > 0)],
        ['join({ topics: v })', (g) => g.join({ memberId: null, topics: h.make() as string[] }), safeIsArray(v) && [...(v as unknown[])].every((x) => typeof x === 'string')],
        ['join({ topics: [v] })', (g) => g.join({ memberId: null, topics: [h.make() as string] }), validTopic(v)],
        ['sync(v, gen)', (g) => g.sync(h.make() as string, g.generation), typeof v === 'string'],
        ['sync(id, v)', (g, id) => g.sync(id, h.make() as number), isInt(v, -1)],
        ['heartbeat(v, gen)', (g) => g.heartbeat(h.make() as string, g.generation), typeof v === 'string'],
        ['heartbeat(id, v)', (g, id) => g.heartbeat(id, h.make() as number), isInt(v, -1)],
        ['leave(v)', (g) => g.leave(h.make() as string), typeof v === 'string'],
        ['commit(v, gen)', (g) => g.commit(h.make() as string, g.generation), v === null || typeof v === 'string'],
        ['commit(id, v)', (g, id) => g.commit(id, h.make() as number), isInt(v, -1)],
        ['assignmentOf(v)', (g) => g.assignmentOf(h.make() as string), typeof v === 'string'],
      ];
      for (const [label, call, accepted] of gcalls) {
        const { g, id } = coord();
        c.check(`GroupCoordinator.${label} with ${h.name}`, () => call(g, id), accepted, () => observe(g));
        g.checkInvariants();
      }
      // partitionsOf is the caller's metadata: an answer that is not a partition count is a typed error at the rebalance.
      {
        const g = new GroupCoordinator({ ...base, partitionsOf: () => h.make() as number });
        c.check(`GroupCoordinator.join with partitionsOf answering ${h.name}`, () => g.join({ memberId: null, topics: ['orders'] }), isInt(v, 0, 100_000), () => observe(g));
        g.checkInvariants();
      }

      const lcalls: Array<[string, (l: LocalGroup, id: string) => unknown, boolean]> = [
        ['join(v)', (l) => l.join(h.make() as never), false],
        ['join({ topics: v })', (l) => l.join({ ...handle(), topics: h.make() as string[] }), safeIsArray(v) && (v as unknown[]).length > 0 && [...(v as unknown[])].every((x) => typeof x === 'string')],
        ['join({ groupInstanceId: v })', (l) => l.join({ ...handle(), groupInstanceId: h.make() as string }), v === null || (typeof v === 'string' && v.length > 0)],
        // assigned is a callback: any function is one.
        ['join({ assigned: v })', (l) => l.join({ ...handle(), assigned: h.make() as never }), typeof v === 'function'],
        ['join({ revokeAll: v })', (l) => l.join({ ...handle(), revokeAll: h.make() as never }), typeof v === 'function'],
        ['join({ evicted: v })', (l) => l.join({ ...handle(), evicted: h.make() as never }), typeof v === 'function'],
        ['join({ topics: [v] })', (l) => l.join({ ...handle(), topics: [h.make() as string] }), validTopic(v)],
        ['leave(v)', (l) => l.leave(h.make() as string), typeof v === 'string'],
        ['detach(v)', (l) => l.detach(h.make() as string), typeof v === 'string'],
        ['heartbeat(v, gen)', (l) => l.heartbeat(h.make() as string, l.coordinator.generation), typeof v === 'string'],
        ['heartbeat(id, v)', (l, id) => l.heartbeat(id, h.make() as number), isInt(v, -1)],
      ];
      for (const [label, call, accepted] of lcalls) {
        const l = new LocalGroup(local);
        const id = l.join(handle());
        c.check(`LocalGroup.${label} with ${h.name}`, () => call(l, id), accepted, () => observe(l.coordinator));
        l.coordinator.checkInvariants();
      }
    }
    c.done();
  });

  it('GroupCoordinator and LocalGroup: a rebalance that fails halfway (metadata, clock, assignor) leaves members and generations as they were', () => {
    let bad = false;
    let now = 1;
    const clock = { now: (): number => (bad && now > 1_000 ? Number.NaN : now) };
    const observe = (g: GroupCoordinator): string =>
      JSON.stringify({ gen: g.generation, state: g.state, members: g.memberIds(), assignment: [...g.currentAssignment()], history: g.history.length });
    const g = new GroupCoordinator({ groupId: 'g', assignor: rangeAssignor, clock, partitionsOf: (t) => (bad && t === 'orders' ? Number.NaN : 2), sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 100 });
    const a = g.join({ memberId: null, topics: ['orders'] });
    if (!a.ok) throw new Error('join a');
    g.sync(a.memberId, a.generation);
    // b joins: a rebalance starts that a (silent from now on) never rejoins.
    const b = g.join({ memberId: null, topics: ['orders'] });
    if (!b.ok) throw new Error('join b');
    expect(g.state).toBe('rebalancing');
    bad = true;
    now = 500;
    const before = observe(g);
    // The rebalance timeout removes a and completes with b: the metadata fails, so a is still there.
    expect(() => g.tick()).toThrow(InvalidArgumentError);
    expect(observe(g)).toBe(before);
    // a leaving completes the rebalance with b alone: the same failure, and a is still there.
    expect(() => g.leave(a.memberId)).toThrow(InvalidArgumentError);
    expect(observe(g)).toBe(before);
    expect(() => g.join({ memberId: null, topics: ['orders'] })).toThrow(InvalidArgumentError);
    expect(observe(g)).toBe(before);
    g.checkInvariants();
    // The clock answering NaN: refused before anything changes.
    now = 2_000;
    expect(() => g.join({ memberId: b.memberId, topics: ['other'] })).toThrow(InvalidArgumentError);
    expect(() => g.tick()).toThrow(InvalidArgumentError);
    expect(observe(g)).toBe(before);
    bad = false;
    expect(g.tick().expired).toEqual([a.memberId]);
    expect(g.memberIds()).toEqual([b.memberId]);
    g.checkInvariants();

    // An assignor that throws: its error, and the group as it was.
    const boom = { name: 'boom', protocol: 'eager' as const, assign: (): never => { throw new Error('assignor failed'); } };
    const g2 = new GroupCoordinator({ groupId: 'g2', assignor: boom, clock: new ManualClock(1), partitionsOf: () => 2 });
    const empty = observe(g2);
    expect(() => g2.join({ memberId: null, topics: ['orders'] })).toThrow('assignor failed');
    expect(observe(g2)).toBe(empty);
    g2.checkInvariants();

    // LocalGroup, eager: a join refused by the coordinator asks no member to revoke its partitions.
    const revoked: string[] = [];
    const l = new LocalGroup({ groupId: 'l', assignor: rangeAssignor, clock: new ManualClock(1), partitionsOf: (t) => (t === 'bad' ? -1 : 2), sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 });
    const member = (name: string, topics: string[]): GroupMemberHandle => ({ topics, groupInstanceId: null, revokeAll: () => revoked.push(name), assigned: () => undefined, evicted: () => undefined });
    l.join(member('first', ['orders']));
    revoked.length = 0;
    const settled = observe(l.coordinator);
    expect(() => l.join(member('second', ['bad']))).toThrow(InvalidArgumentError);
    expect(revoked).toEqual([]);
    expect(observe(l.coordinator)).toBe(settled);
    l.coordinator.checkInvariants();
  });

  it('assignors, assignment helpers, topic-partition helpers and error constructors: a typed error or a documented acceptance', () => {
    const c = collector();
    const tp = { topic: 't', partition: 0 };
    const counts = new Map([['t', 2]]);
    const owned = new Map([['m', [{ topic: 't', partition: 1 }]]]);
    const members = [{ memberId: 'm', topics: ['t'] }];
    const input = { members, partitionsPerTopic: counts, previous: owned };
    const assignors = [rangeAssignor, roundRobinAssignor, stickyAssignor, cooperativeStickyAssignor];
    for (const h of HOSTILE) {
      const v = h.make();
      const isTopicList = safeIsArray(v) && [...(v as unknown[])].every((x) => typeof x === 'string');
      const calls: Array<[string, () => unknown, boolean]> = [
        ['tpKey(v, 0)', () => tpKey(h.make() as string, 0), typeof v === 'string'],
        ['tpKey(t, v)', () => tpKey('t', h.make() as number), isInt(v, 0)],
        ['compareTopicPartitions(v, tp)', () => compareTopicPartitions(h.make() as never, tp), false],
        ['compareTopicPartitions(tp, v)', () => compareTopicPartitions(tp, h.make() as never), false],
        ['compareTopicPartitions({ topic: v }, tp)', () => compareTopicPartitions({ ...tp, topic: h.make() as string }, tp), typeof v === 'string'],
        ['compareTopicPartitions(tp, { partition: v })', () => compareTopicPartitions(tp, { ...tp, partition: h.make() as number }), isInt(v, 0)],
        ['allPartitions(v, counts)', () => allPartitions(h.make() as string[], counts), isTopicList],
        ['allPartitions([t], v)', () => allPartitions(['t'], h.make() as never), false],
        ['emptyAssignment(v)', () => emptyAssignment(h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0],
        ['emptyAssignment([v])', () => emptyAssignment([h.make() as never]), false],
        ['emptyAssignment([{ memberId: v }])', () => emptyAssignment([{ memberId: h.make() as string, topics: [] }]), typeof v === 'string' && v.length > 0],
        ['normalise(v)', () => normalise(h.make() as never), false],
        ['normalise(new Map([[m, v]]))', () => normalise(new Map([['m', h.make() as never]])), safeIsArray(v) && (v as unknown[]).length === 0],
        ['diffAssignments(v, owned)', () => diffAssignments(h.make() as never, owned), false],
        ['diffAssignments(owned, v)', () => diffAssignments(owned, h.make() as never), false],
        ['diffAssignments(owned, new Map([[m, [v]]]))', () => diffAssignments(owned, new Map([['m', [h.make() as never]]])), false],
        ['handovers(v)', () => handovers(h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0],
        ['handovers([v])', () => handovers([h.make() as never]), false],
        ['handovers([{ from: v }])', () => handovers([{ ...tp, from: h.make() as string, to: 'm' }]), v === null || typeof v === 'string'],
        ['intersect(v, owned)', () => intersect(h.make() as never, owned), false],
        ['intersect(owned, v)', () => intersect(owned, h.make() as never), false],
        ['minimumMoves(v, counts, owned)', () => minimumMoves(h.make() as never, counts, owned), safeIsArray(v) && (v as unknown[]).length === 0],
        ['minimumMoves(members, v, owned)', () => minimumMoves(members, h.make() as never, owned), false],
        ['minimumMoves(members, counts, v)', () => minimumMoves(members, counts, h.make() as never), false],
        ['minimumMoves([{ topics: v }], counts, owned)', () => minimumMoves([{ memberId: 'm', topics: h.make() as string[] }], counts, owned), isTopicList],
        ['stickyAssign(v)', () => stickyAssign(h.make() as never), false],
        ...assignors.flatMap((a): Array<[string, () => unknown, boolean]> => [
          [`${a.name}.assign(v)`, () => a.assign(h.make() as never), false],
          [`${a.name}.assign({ members: v })`, () => a.assign({ ...input, members: h.make() as never }), safeIsArray(v) && (v as unknown[]).length === 0],
          [`${a.name}.assign({ members: [{ memberId: v }] })`, () => a.assign({ ...input, members: [{ memberId: h.make() as string, topics: ['t'] }] }), typeof v === 'string' && v.length > 0],
          [`${a.name}.assign({ partitionsPerTopic: v })`, () => a.assign({ ...input, partitionsPerTopic: h.make() as never }), false],
          [`${a.name}.assign({ partitionsPerTopic: new Map([[t, v]]) })`, () => a.assign({ ...input, partitionsPerTopic: new Map([['t', h.make() as number]]) }), isInt(v, 0, 100_000)],
          [`${a.name}.assign({ previous: v })`, () => a.assign({ ...input, previous: h.make() as never }), false],
          [`${a.name}.assign({ previous: new Map([[m, [v]]]) })`, () => a.assign({ ...input, previous: new Map([['m', [h.make() as never]]]) }), false],
        ]),
      ];
      for (const [label, call, accepted] of calls) c.check(`${label} with ${h.name}`, call, accepted);
      // An error's constructor never fails on what it is to describe.
      const errors: Array<[string, () => Error]> = [
        ['new DiskFullError(v, 0, p, w, cause)', () => new DiskFullError(h.make() as string, 0, 'p', 'appending', new Error('ENOSPC'))],
        ['new DiskFullError(t, v, p, w, cause)', () => new DiskFullError('t', h.make() as number, 'p', 'appending', new Error('ENOSPC'))],
        ['new DiskFullError(t, 0, v, w, cause)', () => new DiskFullError('t', 0, h.make() as string, 'appending', new Error('ENOSPC'))],
        ['new DiskFullError(t, 0, p, v, cause)', () => new DiskFullError('t', 0, 'p', h.make() as string, new Error('ENOSPC'))],
        ['new DiskFullError(t, 0, p, w, v)', () => new DiskFullError('t', 0, 'p', 'appending', h.make())],
        ['new OffsetsCorruptionError(v, 0, r)', () => new OffsetsCorruptionError(h.make() as string, 0, 'bad crc')],
        ['new OffsetsCorruptionError(f, v, r)', () => new OffsetsCorruptionError('f', h.make() as number, 'bad crc')],
        ['new OffsetsCorruptionError(f, 0, v)', () => new OffsetsCorruptionError('f', 0, h.make() as string)],
        ['new SegmentCorruptionError(v, 0, 0, w)', () => new SegmentCorruptionError(h.make() as never, 0, 0, 'bad crc')],
        ['new SegmentCorruptionError(seg, v, 0, w)', () => new SegmentCorruptionError(fixtureSegment, h.make() as number, 0, 'bad crc')],
        ['new SegmentCorruptionError(seg, 0, v, w)', () => new SegmentCorruptionError(fixtureSegment, 0, h.make() as number, 'bad crc')],
        ['new SegmentCorruptionError(seg, 0, 0, v)', () => new SegmentCorruptionError(fixtureSegment, 0, 0, h.make() as string)],
      ];
      for (const [label, make] of errors) {
        // Any throw, typed or not, is a failure here: reported as an untyped error by the collector.
        c.check(`${label} with ${h.name}`, () => {
          let e: unknown;
          try {
            e = make();
          } catch (thrown) {
            throw new Error(`the constructor threw ${thrown instanceof Error ? `${thrown.constructor.name}: ${thrown.message.slice(0, 200)}` : 'a non-error'}`);
          }
          if (!(e instanceof ShardkitError) || typeof e.message !== 'string' || e.message.length > 2_000) throw new Error('not a ShardkitError with a short message');
          return e;
        }, true);
      }
    }
    c.done();
  });

  it('MemoryDirectory and FsDirectory: every method and parameter; the files unchanged on refusal', () => {
    const c = collector();
    const root = tempDir();
    for (const h of HOSTILE) {
      const v = h.make();
      c.check(`new FsDirectory(v) with ${h.name}`, () => new FsDirectory(h.make() as string).close(), false, () => snapshotFs(root));
      c.check(`new FsDirectory(root, v) with ${h.name}`, () => new FsDirectory(root, h.make() as never).close(), isOptionsObject(h.name, v), () => snapshotFs(root));
      // Absent or null: the default, as for every optional setting of the module (Broker.open, OffsetsLog.open, consumers).
      c.check(`new FsDirectory(root, { maxOpenFiles: v }) with ${h.name}`, () => new FsDirectory(root, { maxOpenFiles: h.make() as number }).close(), v == null || isInt(v, 1, 1_000_000), () => snapshotFs(root));
      const target = Buffer.alloc(16);
      const path = isPathName(v);
      const bytes = h.name === 'Uint8Array';
      const calls: Array<[string, (d: StorageDirectory & { corrupt?: MemoryDirectory['corrupt'] }) => unknown, boolean]> = [
        ['list(v)', (d) => d.list(h.make() as string), path || v === ''],
        ['exists(v)', (d) => d.exists(h.make() as string), path || v === ''],
        ['mkdir(v)', (d) => d.mkdir(h.make() as string), path],
        ['size(v)', (d) => d.size(h.make() as string), path],
        ['read(v, 0, 1)', (d) => d.read(h.make() as string, 0, 1), path],
        ['read(f, v, 1)', (d) => d.read('f', h.make() as number, 1), isInt(v, 0)],
        ['read(f, 0, v)', (d) => d.read('f', 0, h.make() as number), isInt(v, 0)],
        ['readInto(v, 0, 1, target)', (d) => d.readInto(h.make() as string, 0, 1, target), path],
        ['readInto(f, v, 1, target)', (d) => d.readInto('f', h.make() as number, 1, target), isInt(v, 0)],
        ['readInto(f, 0, v, target)', (d) => d.readInto('f', 0, h.make() as number, target), isInt(v, 0, target.length)],
        ['readInto(f, 0, 1, v)', (d) => d.readInto('f', 0, 1, h.make() as Buffer), false],
        ['append(v, data)', (d) => d.append(h.make() as string, new Uint8Array([1])), path],
        ['append(f, v)', (d) => d.append('f', h.make() as Uint8Array), bytes],
        ['sync(v)', (d) => d.sync(h.make() as string), path],
        ['truncate(v, 0)', (d) => d.truncate(h.make() as string, 0), path],
        ['truncate(f, v)', (d) => d.truncate('f', h.make() as number), isInt(v, 0)],
        ['remove(v)', (d) => d.remove(h.make() as string), path],
        ['removeDir(v)', (d) => d.removeDir(h.make() as string), path],
        ['writeAtomic(v, data)', (d) => d.writeAtomic(h.make() as string, new Uint8Array([1])), path],
        ['writeAtomic(f, v)', (d) => d.writeAtomic('f', h.make() as Uint8Array), bytes],
        ['rename(v, g)', (d) => d.rename(h.make() as string, 'g'), path],
        ['rename(f, v)', (d) => d.rename('f', h.make() as string), path],
      ];
      const memOnly: Array<[string, (d: MemoryDirectory) => unknown, boolean]> = [
        ['crashed(v)', (d) => d.crashed(h.make() as never), v === undefined || typeof v === 'function'],
        ['corrupt(v, 0, b)', (d) => d.corrupt(h.make() as string, 0, new Uint8Array([9])), path],
        ['corrupt(f, v, b)', (d) => d.corrupt('f', h.make() as number, new Uint8Array([9])), isInt(v, 0, 2)],
        ['corrupt(f, 0, v)', (d) => d.corrupt('f', 0, h.make() as Uint8Array), bytes],
      ];
      for (const [label, call, accepted] of calls) {
        const mem = new MemoryDirectory();
        mem.append('f', new Uint8Array([1, 2, 3]));
        mem.mkdir('sub');
        c.check(`MemoryDirectory.${label} with ${h.name}`, () => call(mem), accepted, () => snapshot(mem));
        const fsRoot = tempDir();
        const fsd = new FsDirectory(fsRoot);
        fsd.append('f', new Uint8Array([1, 2, 3]));
        fsd.mkdir('sub');
        c.check(`FsDirectory.${label} with ${h.name}`, () => call(fsd), accepted, () => snapshotFs(fsRoot));
        fsd.close();
      }
      for (const [label, call, accepted] of memOnly) {
        const mem = new MemoryDirectory();
        mem.append('f', new Uint8Array([1, 2, 3]));
        c.check(`MemoryDirectory.${label} with ${h.name}`, () => call(mem), accepted, () => snapshot(mem));
      }
    }
    c.done();
  });

  it('DirectoryLock, FetchBuffer, RecordBatchView and RecordCursor: every parameter; a refused call leaves the window and its views as they were', () => {
    const c = collector();
    const { dir, log } = fixtureLog();
    const seg = log.closedSegments()[0]!;
    // A segment of more than one 4 KiB window, so a fill starts a read ahead.
    const bigDir = new MemoryDirectory();
    const big = PartitionLog.open(bigDir, 'big', partitionConfig({ segmentBytes: 8192 }), new ManualClock(1));
    for (let i = 0; i < 80; i++) big.append([{ ...rec(), value: new Uint8Array(100).fill(i) }]);
    const bigSeg = big.closedSegments()[0]!;
    expect(bigSeg.sizeBytes).toBeGreaterThan(4096);
    const small = new FetchBuffer(4096);
    // The read-ahead (and so the descriptor check below) runs with the native addon, which the main test pass requires.
    expect(small.readAhead).toBe(process.env.SHARDKIT_NATIVE !== '0');
    small.fill(bigDir, bigSeg, 0, 1);
    const smallWindow = (): string => JSON.stringify({ gen: small.generation, bytes: small.buffer.toString('hex') });
    const lock = DirectoryLock.acquire(tempDir());
    lock.release();
    for (const h of HOSTILE) {
      const v = h.make();
      c.check(`DirectoryLock.acquire(v) with ${h.name}`, () => DirectoryLock.acquire(h.make() as string).release(), false);
      c.check(`new FetchBuffer(v) with ${h.name}`, () => new FetchBuffer(h.make() as number), v === undefined || isInt(v, 4096, 256 * 1024 * 1024));
      c.check(`new FetchBuffer(4096, v) with ${h.name}`, () => new FetchBuffer(4096, h.make() as never), isOptionsObject(h.name, v));
      c.check(`new FetchBuffer(4096, { readAhead: v }) with ${h.name}`, () => new FetchBuffer(4096, { readAhead: h.make() as boolean }), v === undefined || typeof v === 'boolean');
      c.check(`new FetchBuffer(4096, { cancelUnstarted: v }) with ${h.name}`, () => new FetchBuffer(4096, { cancelUnstarted: h.make() as boolean }), v === undefined || typeof v === 'boolean');
      const fetch = new FetchBuffer();
      const [view] = log.readBatches(0, 10, fetch);
      if (view === undefined) throw new Error('fixture: no batch read');
      // The window and its views: a refused call must not refill (bump the generation) or make the view stale.
      const window = (): string => JSON.stringify({ gen: fetch.generation, fresh: view.fresh, bytes: fetch.buffer.subarray(0, view.sizeBytes).toString('hex') });
      const other = new FetchBuffer();
      c.check(`FetchBuffer.covers(v, 0, 1) with ${h.name}`, () => fetch.covers(h.make() as never, 0, 1), true, window);
      c.check(`FetchBuffer.covers(seg, v, 1) with ${h.name}`, () => fetch.covers(seg, h.make() as number, 1), isInt(v, 0), window);
      c.check(`FetchBuffer.covers(seg, 0, v) with ${h.name}`, () => fetch.covers(seg, 0, h.make() as number), isInt(v, 0), window);
      c.check(`FetchBuffer.indexOf(v) with ${h.name}`, () => fetch.indexOf(h.make() as number), isInt(v, 0), window);
      c.check(`FetchBuffer.reserveIndex(v) with ${h.name}`, () => fetch.reserveIndex(h.make() as number), isInt(v, 0, 2 ** 28), window);
      // A fill that is refused must leave the window as it was; one that is accepted refills it (making views stale): on a buffer of its own.
      const fill = (label: string, call: (f: FetchBuffer) => void, accepted: boolean): void => {
        if (accepted) c.check(`FetchBuffer.fill(${label}) with ${h.name} (own buffer)`, () => call(other), true);
        else c.check(`FetchBuffer.fill(${label}) with ${h.name}`, () => call(fetch), false, window);
      };
      fill('v, seg, 0, 1', (f) => f.fill(h.make() as never, seg, 0, 1), false);
      // descriptor is optional (absent: no read-ahead); anything else must be a function.
      fill('{ readInto, descriptor: v }, seg, 0, 1', (f) => f.fill({ readInto: dir.readInto.bind(dir), descriptor: h.make() } as never, seg, 0, 1), v === undefined || typeof v === 'function');
      // What descriptor answers goes to the read-ahead thread: a file descriptor or refused, before the window changes.
      // Without the native addon there is no read-ahead, and the descriptor is never asked for.
      if (small.readAhead && !isInt(v, 0, 2 ** 31 - 1)) c.check(`FetchBuffer.fill({ readInto, descriptor: () => v }, big, 0, 1) with ${h.name}`, () => small.fill({ readInto: bigDir.readInto.bind(bigDir), descriptor: () => h.make() } as never, bigSeg, 0, 1), false, smallWindow);
      fill('dir, v, 0, 1', (f) => f.fill(dir, h.make() as never, 0, 1), false);
      fill('dir, seg, v, 1', (f) => f.fill(dir, seg, h.make() as number, 1), isInt(v, 0, seg.sizeBytes - 1));
      fill('dir, seg, 0, v', (f) => f.fill(dir, seg, 0, h.make() as number), isInt(v, 0, seg.sizeBytes));

      // The first batch of the fixture: one record, offset 0, at the start of the window.
      const extent = { batchStart: 0, recordsStart: 35, count: 1, nextOffset: 1, firstOffset: 0 };
      const where = new BatchLocation(seg.logPath, 0);
      const views: Array<[string, () => RecordBatchView, boolean]> = [
        ['new RecordBatchView(v, extent, t, 0, where)', () => new RecordBatchView(h.make() as never, extent, 't', 0, where), false],
        ['new RecordBatchView(fetch, v, t, 0, where)', () => new RecordBatchView(fetch, h.make() as never, 't', 0, where), false],
        ['new RecordBatchView(fetch, { batchStart: v }, t, 0, where)', () => new RecordBatchView(fetch, { ...extent, batchStart: h.make() as number }, 't', 0, where), v === 0],
        ['new RecordBatchView(fetch, { recordsStart: v }, t, 0, where)', () => new RecordBatchView(fetch, { ...extent, recordsStart: h.make() as number }, 't', 0, where), isInt(v, 35, view.sizeBytes)],
        ['new RecordBatchView(fetch, { count: v }, t, 0, where)', () => new RecordBatchView(fetch, { ...extent, count: h.make() as number }, 't', 0, where), v === 1],
        ['new RecordBatchView(fetch, { firstOffset: v }, t, 0, where)', () => new RecordBatchView(fetch, { ...extent, firstOffset: h.make() as number }, 't', 0, where), v === 0],
        ['new RecordBatchView(fetch, { nextOffset: v }, t, 0, where)', () => new RecordBatchView(fetch, { ...extent, nextOffset: h.make() as number }, 't', 0, where), isInt(v, 1)],
        ['new RecordBatchView(fetch, extent, v, 0, where)', () => new RecordBatchView(fetch, extent, h.make() as string, 0, where), typeof v === 'string'],
        ['new RecordBatchView(fetch, extent, t, v, where)', () => new RecordBatchView(fetch, extent, 't', h.make() as number, where), isInt(v, 0)],
        ['new RecordBatchView(fetch, extent, t, 0, v)', () => new RecordBatchView(fetch, extent, 't', 0, h.make() as never), false],
      ];
      for (const [label, call, accepted] of views) {
        const made = c.check(`${label} with ${h.name}`, call, accepted, window);
        // What was accepted reads as a view of that batch (its one record), or fails typed.
        if (made instanceof RecordBatchView) c.check(`${label} with ${h.name}: toMessages`, () => made.toMessages(), true);
      }
      c.check(`RecordBatchView.open(v) with ${h.name}`, () => view.open(h.make() as never), false, window);
      c.check(`RecordCursor.reset(v) with ${h.name}`, () => new RecordCursor().reset(h.make() as never), false, window);
      const attached = view.records();
      const cursorState = (): string => JSON.stringify({ offset: attached.offset, valueLength: attached.valueLength, key: attached.keyLength, start: attached.recordStart });
      expect(attached.next()).toBe(true);
      const s0 = cursorState();
      c.check(`RecordCursor.attach(v, ...) with ${h.name}`, () => (attached.attach as (...a: unknown[]) => void)(h.make(), fetch, 0, fetch.dataView, 0, new Int32Array(4), 0, 1, 1, where), false, window);
      expect(cursorState(), `attach with ${h.name} moved the cursor`).toBe(s0);
      // The view and its cursors still read the batch after every refused call.
      const cur = view.records();
      expect(cur.next()).toBe(true);
      expect(cur.value()).toEqual(Buffer.from([0]));
      expect(cur.next()).toBe(false);
    }
    c.done();

    // A cursor not on a record (never reset, or reset but before next()): next() is false or moves; the readers are StateErrors.
    const fetch = new FetchBuffer();
    const [view] = log.readBatches(0, 10, fetch);
    for (const [name, cur] of [['fresh', new RecordCursor()], ['reset, before next()', view!.records()]] as const) {
      expect([cur.offset, cur.valueLength, cur.keyLength, cur.recordStart]).toEqual([-1, -1, -1, -1]);
      for (const [reader, read] of [
        ['key()', () => cur.key()],
        ['value()', () => cur.value()],
        ['headers()', () => cur.headers()],
        ['timestampMs', () => cur.timestampMs],
        ['headerCount', () => cur.headerCount],
      ] as const) {
        expect(read, `${name} cursor: ${reader}`).toThrow(StateError);
      }
    }
    expect(new RecordCursor().next()).toBe(false);
    expect(() => new RecordCursor().buffer).toThrow(StateError);
    small.release();
    big.close();
    log.close();
  });
});
