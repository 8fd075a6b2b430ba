/**
 * The log's public entry points against the hostile-value generator
 * (src/testing/hostile.ts): every value gets a typed ShardkitError or is
 * accepted as documented, never a plain TypeError (a null-prototype topic
 * name once made the unknown-topic error itself throw, "Cannot convert
 * object to primitive value"), and the broker is unchanged afterwards.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { ManualClock } from '../util/clock.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from './broker.js';
import { InvalidArgumentError, ShardkitError } from '../errors.js';
import { expectTypedOrAccepted, hostileValues, isObjectLike, safeIsArray } from '../testing/hostile.js';
import type { Consumer } from './consumer.js';
import { mulberry32, type Random } from '../util/random.js';
import { checkGroupId, checkTopicName, toRecord } from './message.js';
import { keyedPartition, partitionerByName, roundRobinPartitioner, uniformStickyPartitioner, type Partitioner } from './partitioner.js';
import { assign, assignorByName } from './assignors/index.js';
import { topicConfig } from './topic.js';
import { partitionConfig } from './storage/partition-config.js';
import { parseSegmentName, segmentName } from './storage/segment.js';
import { checkBatch, encodeBatch, readBatchHeader } from './storage/record-batch.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openBroker(): Broker {
  const d = mkdtempSync(join(tmpdir(), 'shardkit-hostile-log-'));
  dirs.push(d);
  const b = Broker.open({ dataDir: d });
  b.createTopic('orders', { partitions: 2 });
  b.producer().send('orders', { key: 'k', value: 'v' });
  return b;
}

/** What a caller can observe of the broker: topics, their partitions and end offsets. */
function observe(b: Broker): string {
  return JSON.stringify(b.topicNames().map((t) => [t, b.describeTopic(t), b.latestOffset(t, 0)]));
}

describe('log: hostile values at every entry point (issue 12 §4)', () => {
  it('topic names, options and messages: a typed error or a documented acceptance, and nothing changes', () => {
    const b = openBroker();
    try {
      const check = (what: string, call: () => unknown, accepted: boolean) => {
        const before = observe(b);
        const out = expectTypedOrAccepted(what, call, accepted);
        if (!out.ok) expect(observe(b), `${what}: the broker changed although the call was refused`).toBe(before);
      };
      for (const h of hostileValues()) {
        const label = (what: string) => `${what} with ${h.name}`;
        const isNullish = h.name === 'undefined' || h.name === 'null';
        // "__proto__" is a valid topic name (topics live in a Map): created, then found.
        const validName = h.name === 'string "__proto__"';
        check(label('createTopic(name)'), () => b.createTopic(h.make() as string), validName);
        check(label('createTopic(options.partitions)'), () => b.createTopic(`t-${observe(b).length}`, { partitions: h.make() as number }), h.name === 'undefined');
        check(label('send(topic)'), () => b.producer().send(h.make() as string, { value: 'x' }), validName);
        check(label('send(message.key)'), () => b.producer().send('orders', { key: h.make() as string, value: 'x' }), h.kind === 'string' || isNullish || h.name === 'Uint8Array');
        check(label('describeTopic'), () => b.describeTopic(h.make() as string), validName);
        check(label('offsetForTime'), () => b.offsetForTime('orders', 0, h.make() as number), h.kind === 'number' && h.name !== 'NaN');
        check(label('commitOffsets(groupId)'), () => b.commitOffsets(h.make() as string, [{ topic: 'orders', partition: 0, offset: 1 }], null), h.kind === 'string');
      }
    } finally {
      b.close();
    }
  });
});

const HOSTILE = hostileValues();
const isInt = (v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isBytes = (name: string, v: unknown): boolean => typeof v === 'string' || name === 'Uint8Array';
/** `test()`, or false when it throws (a predicate over a value whose fields may throw when read). */
const safely = (test: () => boolean): boolean => {
  try {
    return test();
  } catch {
    return false;
  }
};
/** The proxies: objects whose every field read throws. */
const PROXIES = ['proxy with throwing traps', 'revoked proxy'];
/** An options object whose fields (the named ones among them) can be read: accepted, each absent field taking its default. */
const isOptionsObject = (name: string, v: unknown): boolean => v === undefined || (isObjectLike(v) && !PROXIES.includes(name));

/** A memory broker with topic `orders` (2 partitions, one message on partition 0) and group `g` with a committed offset. */
function memoryBroker(): Broker {
  const b = Broker.open({ clock: new ManualClock(1_000) });
  b.createTopic('orders', { partitions: 2 });
  b.producer().send('orders', { value: 'v', partition: 0 });
  b.commitOffsets('g', [{ topic: 'orders', partition: 0, offset: 1 }], null);
  return b;
}

/** Everything a caller can observe of a broker: topics, partitions, end offsets, groups and committed offsets. */
function observeAll(b: Broker): string {
  const topics = b.topicNames().map((t) => [t, b.describeTopic(t), Array.from({ length: b.partitionCount(t) }, (_, p) => [b.earliestOffset(t, p), b.latestOffset(t, p)])]);
  const groups = b.groupIds().map((g) => [g, b.committedOffset(g, 'orders', 0), b.committedOffset(g, 'orders', 1)]);
  return JSON.stringify({ topics, groups });
}

/** What a caller can observe of a consumer: its assignment, subscription, membership and positions. */
function observeConsumer(c: Consumer): string {
  return JSON.stringify({ assignment: c.assignment(), topics: c.topics, member: c.memberId, generation: c.generation, positions: c.assignment().map((tp) => c.position(tp.topic, tp.partition)) });
}

type Call = [label: string, call: (b: Broker) => unknown, accepted: boolean];

/** Run each call on a fresh memory broker: a refusal must leave the broker as it was; the broker keeps its invariants either way. */
function runCalls(what: string, calls: readonly Call[]): void {
  for (const [label, call, accepted] of calls) {
    const b = memoryBroker();
    try {
      const before = observeAll(b);
      const out = expectTypedOrAccepted(`${what}.${label}`, () => call(b), accepted);
      if (!out.ok) expect(observeAll(b), `${what}.${label}: the broker changed although the call was refused`).toBe(before);
      if (out.ok && out.value instanceof Broker) out.value.close();
      b.checkInvariants();
    } finally {
      b.close();
    }
  }
}

describe('log: every public Broker, Producer and Consumer entry point under hostile values (issue 12 §4)', () => {
  it('Broker.open: a hostile options object or option is a typed error, never a TypeError or a proxy\'s own error', () => {
    const keys = ['storage', 'clock', 'random', 'topicDefaults', 'sessionTimeoutMs', 'rebalanceTimeoutMs', 'offsetsRetentionMs'] as const;
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Call[] = [
        ['open(v)', () => Broker.open(h.make() as never), isOptionsObject(h.name, v)],
        // dataDir strings name directories (not created here: they would land in the working directory); anything else is refused.
        ...(typeof v === 'string' ? [] : ([['open({ dataDir: v })', () => Broker.open({ dataDir: h.make() as string }), v === undefined]] as Call[])),
        ...keys.map((k): Call => [
          `open({ ${k}: v })`,
          () => Broker.open({ [k]: h.make() }),
          v === undefined ||
            // null takes the default for these options (storage and dataDir: refused, a null there must not silently mean memory).
            (v === null && k !== 'storage') ||
            (k === 'random' && typeof v === 'function') ||
            (k === 'topicDefaults' && isOptionsObject(h.name, v)) ||
            ((k === 'sessionTimeoutMs' || k === 'rebalanceTimeoutMs' || k === 'offsetsRetentionMs') && isInt(v, 1)),
        ]),
        ['open({ clock: { now: v } })', () => Broker.open({ clock: { now: h.make() as () => number } }), typeof v === 'function'],
        ['open({ storage: { lock: v } })', () => Broker.open({ storage: { lock: h.make() } as never }), false],
        ['open({ topicDefaults: { segmentBytes: v } })', () => Broker.open({ topicDefaults: { segmentBytes: h.make() as number } }), v == null || isInt(v, 64, 2 ** 31)],
      ];
      runCalls('Broker', calls);
    }
  });

  it('Broker methods: topics, appends, reads, offsets, groups, commits, lag, producer and consumer options', () => {
    for (const h of HOSTILE) {
      const v = h.make();
      const record = { key: null, value: new Uint8Array([1]), timestampMs: 5, headers: [] };
      const tp = isInt(v, 0, 1);
      const calls: Call[] = [
        ['createTopic(t, v)', (b) => b.createTopic('t2', h.make() as never), isOptionsObject(h.name, v)],
        ['createTopic(t, { fsync: v })', (b) => b.createTopic('t2', { fsync: h.make() as 'always' }), v === undefined],
        ['createTopic(t, { cleanupPolicy: v })', (b) => b.createTopic('t2', { cleanupPolicy: h.make() as 'delete' }), v == null],
        ['createTopic(t, { retentionMs: v })', (b) => b.createTopic('t2', { retentionMs: h.make() as number }), v == null || isInt(v, 0)],
        ['createTopic(t, { segmentBytes: v })', (b) => b.createTopic('t2', { segmentBytes: h.make() as number }), v === undefined || isInt(v, 64, 2 ** 31)],
        ['topic(v)', (b) => b.topic(h.make() as string), false],
        ['partitionCount(v)', (b) => b.partitionCount(h.make() as string), false],
        ['append(v, 0, [r])', (b) => b.append(h.make() as string, 0, [record]), false],
        ['append(orders, v, [r])', (b) => b.append('orders', h.make() as number, [record]), tp],
        ['append(orders, 0, v)', (b) => b.append('orders', 0, h.make() as never), false],
        ['append(orders, 0, [v])', (b) => b.append('orders', 0, [h.make() as never]), false],
        ['append(orders, 0, [{ value: v }])', (b) => b.append('orders', 0, [{ ...record, value: h.make() as Uint8Array }]), v === null || h.name === 'Uint8Array'],
        ['append(orders, 0, [{ timestampMs: v }])', (b) => b.append('orders', 0, [{ ...record, timestampMs: h.make() as number }]), isInt(v, 0)],
        ['append(orders, 0, [{ headers: v }])', (b) => b.append('orders', 0, [{ ...record, headers: h.make() as never }]), safeIsArray(v) && (v as unknown[]).length === 0],
        ['read(v, 0, 0, 10)', (b) => b.read(h.make() as string, 0, 0, 10), false],
        ['read(orders, v, 0, 10)', (b) => b.read('orders', h.make() as number, 0, 10), tp],
        ['read(orders, 0, v, 10)', (b) => b.read('orders', 0, h.make() as number, 10), isInt(v, 0)],
        ['read(orders, 0, 0, v)', (b) => b.read('orders', 0, 0, h.make() as number), isInt(v, 1)],
        ['earliestOffset(v, 0)', (b) => b.earliestOffset(h.make() as string, 0), false],
        ['earliestOffset(orders, v)', (b) => b.earliestOffset('orders', h.make() as number), tp],
        ['latestOffset(orders, v)', (b) => b.latestOffset('orders', h.make() as number), tp],
        ['offsetForTime(orders, v, 0)', (b) => b.offsetForTime('orders', h.make() as number, 0), tp],
        ['group(v)', (b) => b.group(h.make() as string), typeof v === 'string' && v.length > 0 && v.length <= 255],
        ['group(g, v)', (b) => b.group('g', h.make() as string), v === undefined],
        ['commitOffsets(g, v, null)', (b) => b.commitOffsets('g', h.make() as never, null), safeIsArray(v) && (v as unknown[]).length === 0],
        ['commitOffsets(g, [v], null)', (b) => b.commitOffsets('g', [h.make() as never], null), false],
        ['commitOffsets(g, [{ topic: v }], null)', (b) => b.commitOffsets('g', [{ topic: h.make() as string, partition: 0, offset: 1 }], null), false],
        ['commitOffsets(g, [{ partition: v }], null)', (b) => b.commitOffsets('g', [{ topic: 'orders', partition: h.make() as number, offset: 1 }], null), tp],
        ['commitOffsets(g, [{ offset: v }], null)', (b) => b.commitOffsets('g', [{ topic: 'orders', partition: 0, offset: h.make() as number }], null), isInt(v, 0)],
        ['commitOffsets(g, [c], v)', (b) => b.commitOffsets('g', [{ topic: 'orders', partition: 0, offset: 1 }], h.make() as never), v === null],
        ['committedOffset(v, orders, 0)', (b) => b.committedOffset(h.make() as string, 'orders', 0), typeof v === 'string' && v.length > 0 && v.length <= 255],
        ['committedOffset(g, v, 0)', (b) => b.committedOffset('g', h.make() as string, 0), false],
        ['committedOffset(g, orders, v)', (b) => b.committedOffset('g', 'orders', h.make() as number), tp],
        ['lag(v, orders)', (b) => b.lag(h.make() as string, 'orders'), typeof v === 'string' && v.length > 0 && v.length <= 255],
        ['lag(g, v)', (b) => b.lag('g', h.make() as string), false],
        ['producer(v)', (b) => b.producer(h.make() as never), isOptionsObject(h.name, v)],
        ['producer({ partitioner: v })', (b) => b.producer({ partitioner: h.make() as string }), v == null],
        ['consumer(v)', (b) => b.consumer(h.make() as never), isOptionsObject(h.name, v)],
        ['consumer({ groupId: v })', (b) => b.consumer({ groupId: h.make() as string }), v == null || (typeof v === 'string' && v.length > 0 && v.length <= 255)],
        ['consumer({ groupInstanceId: v })', (b) => b.consumer({ groupId: 'g', groupInstanceId: h.make() as string }), v == null || (typeof v === 'string' && v.length > 0)],
        ['consumer({ assignor: v })', (b) => b.consumer({ assignor: h.make() as string }), v == null],
        ['consumer({ autoCommit: v })', (b) => b.consumer({ groupId: 'g', autoCommit: h.make() as boolean }), v == null || v === true],
        ['consumer({ autoCommitIntervalMs: v })', (b) => b.consumer({ autoCommitIntervalMs: h.make() as number }), v == null || isInt(v, 0)],
        ['consumer({ autoOffsetReset: v })', (b) => b.consumer({ autoOffsetReset: h.make() as 'latest' }), v == null],
        ['consumer({ maxPollRecords: v })', (b) => b.consumer({ maxPollRecords: h.make() as number }), v == null || isInt(v, 1, 1_000_000)],
        ['consumer({ fetchBufferBytes: v })', (b) => b.consumer({ fetchBufferBytes: h.make() as number }), v == null || isInt(v, 4096, 256 * 1024 * 1024)],
        ['consumer({ readAhead: v })', (b) => b.consumer({ readAhead: h.make() as boolean }), v == null || v === true],
      ];
      runCalls(`Broker (${h.name})`, calls);
    }
  });

  it('Producer: send and sendBatch with a hostile topic, message, field or list', () => {
    for (const h of HOSTILE) {
      const v = h.make();
      const calls: Call[] = [
        ['send(orders, v)', (b) => b.producer().send('orders', h.make() as never), false],
        ['send(orders, { value: v })', (b) => b.producer().send('orders', { value: h.make() as string }), v === null || isBytes(h.name, v)],
        ['send(orders, { partition: v })', (b) => b.producer().send('orders', { value: 'x', partition: h.make() as number }), v === undefined || isInt(v, 0, 1)],
        ['send(orders, { timestampMs: v })', (b) => b.producer().send('orders', { value: 'x', timestampMs: h.make() as number }), v === undefined || isInt(v, 0)],
        ['send(orders, { headers: v })', (b) => b.producer().send('orders', { value: 'x', headers: h.make() as never }), v === undefined || (isOptionsObject(h.name, v) && h.name !== 'object with a throwing getter' && Object.values(v as object).every((x) => typeof x === 'string' || x instanceof Uint8Array))],
        ['send(orders, { headers: { h: v } })', (b) => b.producer().send('orders', { value: 'x', headers: { h: h.make() as string } }), isBytes(h.name, v)],
        ['sendBatch(orders, v)', (b) => b.producer().sendBatch('orders', h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0],
        ['sendBatch(orders, [v])', (b) => b.producer().sendBatch('orders', [h.make() as never]), false],
        ['sendBatch(orders, [ok, v])', (b) => b.producer().sendBatch('orders', [{ value: 'a', partition: 0 }, h.make() as never]), false],
      ];
      runCalls(`Producer (${h.name})`, calls);
    }
  });

  it('Consumer: assign, subscribe, poll, seek, position, commit and committed with hostile values; the consumer unchanged on refusal', () => {
    for (const h of HOSTILE) {
      const v = h.make();
      const tp = isInt(v, 0, 1);
      const calls: Array<[string, (c: Consumer) => unknown, boolean, 'assigned' | 'fresh']> = [
        ['assign(v)', (c) => c.assign(h.make() as never), safeIsArray(v) && (v as unknown[]).length === 0, 'fresh'],
        ['assign([v])', (c) => c.assign([h.make() as never]), false, 'fresh'],
        ['assign([{ topic: v, partition: 0 }])', (c) => c.assign([{ topic: h.make() as string, partition: 0 }]), false, 'fresh'],
        ['assign([{ topic: orders, partition: v }])', (c) => c.assign([{ topic: 'orders', partition: h.make() as number }]), tp, 'fresh'],
        ['subscribe(v)', (c) => c.subscribe(h.make() as never), false, 'fresh'],
        ['subscribe([v])', (c) => c.subscribe([h.make() as string]), false, 'fresh'],
        ['poll(v)', (c) => c.poll(h.make() as number), v === undefined || isInt(v, 1, 1_000_000), 'assigned'],
        ['pollBatches(v)', (c) => c.pollBatches(h.make() as number), v === undefined || isInt(v, 1, 1_000_000), 'assigned'],
        ['seek(v, 0, 0)', (c) => c.seek(h.make() as string, 0, 0), false, 'assigned'],
        ['seek(orders, v, 0)', (c) => c.seek('orders', h.make() as number, 0), tp, 'assigned'],
        ['seek(orders, 0, v)', (c) => c.seek('orders', 0, h.make() as number), isInt(v, 0), 'assigned'],
        ['position(v, 0)', (c) => c.position(h.make() as string, 0), false, 'assigned'],
        ['position(orders, v)', (c) => c.position('orders', h.make() as number), tp, 'assigned'],
        ['commit(v)', (c) => c.commit(h.make() as never), v === undefined || (safeIsArray(v) && (v as unknown[]).length === 0), 'assigned'],
        ['commit([v])', (c) => c.commit([h.make() as never]), false, 'assigned'],
        ['committed(v, 0)', (c) => c.committed(h.make() as string, 0), false, 'assigned'],
        ['committed(orders, v)', (c) => c.committed('orders', h.make() as number), tp, 'assigned'],
      ];
      for (const [label, call, accepted, state] of calls) {
        const b = memoryBroker();
        try {
          const c = b.consumer({ groupId: 'g', autoCommit: false });
          if (state === 'assigned') c.assign([{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]);
          const before = [observeAll(b), observeConsumer(c)];
          const out = expectTypedOrAccepted(`Consumer.${label} with ${h.name}`, () => call(c), accepted);
          if (!out.ok) expect([observeAll(b), observeConsumer(c)], `Consumer.${label} with ${h.name}: changed although the call was refused`).toEqual(before);
          c.close();
          b.checkInvariants();
        } finally {
          b.close();
        }
      }
    }
  });
});

describe('log: options and entries are read once, and read failures are typed (issue 12 §4)', () => {
  /** An object whose `field` getter counts its reads and answers `values` in turn (the last one from then on). */
  function counting<T>(field: string, values: readonly T[]): { object: object; reads: () => number } {
    let n = 0;
    const object = {};
    Object.defineProperty(object, field, { enumerable: true, get: () => values[Math.min(n++, values.length - 1)] });
    return { object, reads: () => n };
  }
  const throwing = (field: string): object =>
    Object.defineProperty({}, field, {
      enumerable: true,
      get: () => {
        throw new Error(`hostile ${field}`);
      },
    });

  it('Broker.open: a getter that throws on any option is an InvalidArgumentError naming the option; each option is read once', () => {
    for (const k of ['dataDir', 'storage', 'clock', 'random', 'topicDefaults', 'sessionTimeoutMs', 'rebalanceTimeoutMs', 'offsetsRetentionMs']) {
      expect(() => Broker.open(throwing(k) as never), k).toThrow(InvalidArgumentError);
      expect(() => Broker.open(throwing(k) as never), k).toThrow(new RegExp(`reading ${k} threw: "hostile ${k}"`));
    }
    const clock = new ManualClock(5);
    const c = counting('clock', [clock, { now: 'not a function' }]);
    const b = Broker.open(c.object as never);
    expect(c.reads()).toBe(1);
    expect(b.clock).toBe(clock);
    b.close();
    expect(() => Broker.open({ clock: {} as never })).toThrow(/invalid clock.*a Clock \(\{ now\(\): number \}\)/);
    expect(() => Broker.open({ storage: { lock: () => undefined } as never })).toThrow(/invalid storage.*StorageDirectory.*list is not a function/);
    expect(() => Broker.open({ storage: null as never })).toThrow(/invalid storage/);
  });

  it('a message field, an offset commit and an assignment entry are read once: what is checked is what is stored', () => {
    const b = memoryBroker();
    try {
      // partition answers 0 when checked, then 7 (out of range) if read again
      const m = counting('partition', [0, 7]);
      Object.assign(m.object, { value: 'x' });
      expect(b.producer().send('orders', m.object as never).partition).toBe(0);
      expect(m.reads()).toBe(1);
      const offset = counting('offset', [3, -1]);
      Object.assign(offset.object, { topic: 'orders', partition: 0 });
      b.commitOffsets('g', [offset.object as never], null);
      expect(offset.reads()).toBe(1);
      expect(b.committedOffset('g', 'orders', 0)).toBe(3);
      const part = counting('partition', [1, 99]);
      Object.assign(part.object, { topic: 'orders' });
      const c = b.consumer();
      c.assign([part.object as never]);
      expect(part.reads()).toBe(1);
      expect(c.assignment()).toEqual([{ topic: 'orders', partition: 1 }]);
      c.close();
    } finally {
      b.close();
    }
  });

  it('the inputs issue 12 §4 lists get typed errors that say what is allowed', () => {
    const b = memoryBroker();
    try {
      const revoked = Proxy.revocable([], {});
      revoked.revoke();
      const cases: Array<[string, () => unknown, RegExp]> = [
        ['Broker.open(null)', () => Broker.open(null as never), /invalid options: got null; allowed: an options object/],
        ['append(orders, 0, null)', () => b.append('orders', 0, null as never), /invalid records: got null; allowed: a non-empty array of records/],
        ['commitOffsets(g, null)', () => b.commitOffsets('g', null as never, null), /invalid offsets: got null; allowed: an array of \{ topic, partition, offset \}/],
        ['commitOffsets(g, [null])', () => b.commitOffsets('g', [null as never], null), /invalid offsets\[0\]: got null/],
        ['assign([proxy])', () => b.consumer().assign([revoked.proxy as never]), /invalid partitions\[0\]/],
        ['position(null-prototype object)', () => b.consumer().position(Object.create(null) as string, 0), /invalid topic: got object \[object Object\]; allowed: 1 to 249 characters/],
        ['position(symbol)', () => b.consumer().position(Symbol('t') as never, 0), /invalid topic: got symbol\("t"\); allowed: 1 to 249 characters/],
        ['consumer({ assignor: null-prototype object })', () => b.consumer({ assignor: Object.create(null) as string }), /invalid assignor: got object.*allowed: an assignor name: range/],
        ['sendBatch(orders, revoked proxy)', () => b.producer().sendBatch('orders', revoked.proxy as never), /invalid messages: got object.*allowed: an array of messages/],
        ['assign(revoked proxy)', () => b.consumer().assign(revoked.proxy as never), /invalid partitions/],
        ['subscribe(revoked proxy)', () => b.consumer().subscribe(revoked.proxy as never), /invalid topics/],
      ];
      for (const [label, call, message] of cases) {
        expect(call, label).toThrow(ShardkitError);
        expect(call, label).toThrow(message);
      }
    } finally {
      b.close();
    }
  });
});

describe('log: the pure functions of shardkit/log under hostile values (issue 12 §4)', () => {
  it('names, messages, partitioners, assignors, settings, segment names and batch headers: a typed error or a documented acceptance', () => {
    const random = mulberry32(1);
    const header = encodeBatch(0, [{ key: null, value: new Uint8Array([1]), timestampMs: 1, headers: [] }]);
    for (const h of HOSTILE) {
      const v = h.make();
      const isGroupId = typeof v === 'string' && v.length > 0 && v.length <= 255;
      const partitioners: Array<[string, () => Partitioner]> = [
        ['roundRobinPartitioner()', () => roundRobinPartitioner()],
        ['uniformStickyPartitioner(random)', () => uniformStickyPartitioner(random)],
      ];
      const calls: Array<[string, () => unknown, boolean]> = [
        ['checkTopicName(v)', () => checkTopicName(h.make()), h.name === 'string "__proto__"'],
        ['checkGroupId(v)', () => checkGroupId(h.make()), isGroupId],
        ['toRecord(v, 0, 0)', () => toRecord(h.make(), 0, 0), false],
        ['toRecord({ value: v }, 0, 0)', () => toRecord({ value: h.make() }, 0, 0), v === null || isBytes(h.name, v)],
        ['toRecord({ value: x, key: v }, 0, 0)', () => toRecord({ value: 'x', key: h.make() }, 0, 0), v == null || isBytes(h.name, v)],
        ['keyedPartition(v, 4)', () => keyedPartition(h.make() as Uint8Array, 4), isBytes(h.name, v)],
        ['keyedPartition(key, v)', () => keyedPartition(new Uint8Array([1]), h.make() as number), isInt(v, 1, 2 ** 31 - 1)],
        ['partitionerByName(v, random)', () => partitionerByName(h.make() as string, random), false],
        ['uniformStickyPartitioner(v)', () => uniformStickyPartitioner(h.make() as Random), typeof v === 'function'],
        ['uniformStickyPartitioner(random, v)', () => uniformStickyPartitioner(random, h.make() as number), v === undefined || isInt(v, 1)],
        ...partitioners.flatMap(([name, make]): Array<[string, () => unknown, boolean]> => [
          [`${name}.partition(v, null, 1, 4)`, () => make().partition(h.make() as string, null, 1, 4), typeof v === 'string'],
          [`${name}.partition(t, v, 1, 4)`, () => make().partition('t', h.make() as Uint8Array, 1, 4), v === null || h.name === 'Uint8Array'],
          [`${name}.partition(t, null, v, 4)`, () => make().partition('t', null, h.make() as number, 4), isInt(v, 0)],
          [`${name}.partition(t, null, 1, v)`, () => make().partition('t', null, 1, h.make() as number), isInt(v, 1, 10_000)],
        ]),
        ['assignorByName(v)', () => assignorByName(h.make() as string), false],
        ['assign(v, [m], 4)', () => assign(h.make() as string, ['m'], 4), false],
        ['assign(range, v, 4)', () => assign('range', h.make() as string[], 4), safeIsArray(v) && [...(v as unknown[])].every((x) => typeof x === 'string' && x.length > 0)],
        ['assign(range, [v], 4)', () => assign('range', [h.make() as string], 4), typeof v === 'string' && v.length > 0],
        ['assign(range, [m], v)', () => assign('range', ['m'], h.make() as number), isInt(v, 0, 100_000) || (isObjectLike(v) && safely(() => Object.values(v as object).every((x) => isInt(x, 0, 100_000))))],
        ['assign(range, [m], 4, v)', () => assign('range', ['m'], 4, h.make() as Map<string, never>), v === undefined || h.name === 'Map'],
        ['topicConfig(v)', () => topicConfig(h.make() as never), isOptionsObject(h.name, v)],
        ['topicConfig({ retentionBytes: v })', () => topicConfig({ retentionBytes: h.make() as number }), v == null || isInt(v, 0)],
        ['partitionConfig(v)', () => partitionConfig(h.make() as never), isOptionsObject(h.name, v)],
        ['partitionConfig({ fsyncIntervalMs: v })', () => partitionConfig({ fsyncIntervalMs: h.make() as number }), v === undefined || isInt(v, 0)],
        ['segmentName(v)', () => segmentName(h.make() as number), isInt(v, 0)],
        ['parseSegmentName(v)', () => parseSegmentName(h.make() as string), typeof v === 'string'],
        ['readBatchHeader(v, 0)', () => readBatchHeader(h.make() as Buffer, 0), false],
        ['readBatchHeader(batch, v)', () => readBatchHeader(header, h.make() as number), isInt(v, 0, header.length)],
        ['checkBatch(batch, v)', () => checkBatch(header, h.make() as number), isInt(v, 0, header.length)],
      ];
      for (const [label, call, accepted] of calls) {
        const out = expectTypedOrAccepted(`${label} with ${h.name}`, call, accepted);
        if (out.ok && label.includes('.partition(')) expect(isInt(out.value, 0, 3), `${label} with ${h.name}: partition ${String(out.value)}`).toBe(true);
      }
    }
  });

  it('a partitioner that answers a partition outside the topic is refused before any partition is written', () => {
    const b = memoryBroker();
    try {
      const before = observeAll(b);
      let n = 0;
      // First message: partition 1 (valid); second: 7 (the topic has 2).
      const partitioner: Partitioner = { name: 'bad', partition: () => (n++ === 0 ? 1 : 7) };
      expect(() => b.producer({ partitioner }).sendBatch('orders', [{ value: 'a' }, { value: 'b' }])).toThrow(/invalid partition chosen by the partitioner for messages\[1\]: got 7; allowed: an integer from 0 to 1/);
      expect(observeAll(b)).toBe(before);
    } finally {
      b.close();
    }
  });
});
