import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Partitioners } from 'kafkajs';
import { ManualClock } from '../util/clock.js';
import { mulberry32 } from '../util/random.js';
import { InvalidArgumentError, NotFoundError, StateError } from '../errors.js';
import { Broker } from './broker.js';
import { keyedPartition } from './partitioner.js';
import { tempDirs } from './testing/temp-dirs.js';

const tempDir = tempDirs('broker');

const text = (b: Buffer | null) => (b === null ? null : b.toString());

function memBroker(clock = new ManualClock(1_000)) {
  return Broker.open({ clock, topicDefaults: { fsync: 'never' } });
}

describe('broker, producer and consumer (seed behaviour)', () => {
  it('produce returns topic, partition, offset and timestamp; offsets start at 0 per partition', () => {
    const b = memBroker();
    b.createTopic('events', { partitions: 2 });
    const p = b.producer();
    expect(p.send('events', { value: 'a', partition: 1 })).toEqual({ topic: 'events', partition: 1, offset: 0, timestampMs: 1000 });
    expect(p.send('events', { value: 'b', partition: 1 }).offset).toBe(1);
    expect(p.send('events', { value: 'c', partition: 0 }).offset).toBe(0);
    b.checkInvariants();
  });

  it('the same key always lands on the same partition: Kafka murmur2, as KafkaJS computes it', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 7 });
    const p = b.producer();
    const kafkajs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({ partitionId: i, leader: 0 }));
    for (let i = 0; i < 200; i++) {
      const key = `user-${i * 7919}`;
      const a = p.send('t', { key, value: 'x' }).partition;
      expect(p.send('t', { key, value: 'y' }).partition).toBe(a);
      expect(a).toBe(kafkajs({ topic: 't', partitionMetadata: partitionMetadata as never, message: { key, value: 'x' } }));
      expect(a).toBe(keyedPartition(Buffer.from(key), 7));
    }
  });

  it('unkeyed messages go round-robin: 9 over 3 partitions gives 3 each', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 3 });
    const results = b.producer().sendBatch('t', Array.from({ length: 9 }, (_, i) => ({ value: `m${i}` })));
    const counts = [0, 0, 0];
    for (const r of results) counts[r.partition]!++;
    expect(counts).toEqual([3, 3, 3]);
  });

  it('the uniform sticky partitioner (KIP-794) stays on one partition for a batch worth of bytes, then moves', () => {
    const b = Broker.open({ clock: new ManualClock(0), random: mulberry32(7) });
    b.createTopic('t', { partitions: 4, fsync: 'never' });
    const p = b.producer({ partitioner: 'uniform-sticky' });
    const parts = Array.from({ length: 400 }, () => p.send('t', { value: 'x'.repeat(100) }).partition);
    let switches = 0;
    for (let i = 1; i < parts.length; i++) if (parts[i] !== parts[i - 1]) switches++;
    // 16 KiB batches of ~130-byte records: a switch every ~126 records.
    expect(switches).toBeGreaterThanOrEqual(2);
    expect(switches).toBeLessThanOrEqual(4);
    expect(p.send('t', { key: 'k', value: 'v' }).partition).toBe(keyedPartition(Buffer.from('k'), 4));
  });

  it('a custom partitioner is used for messages without an explicit partition', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 3 });
    const p = b.producer({ partitioner: { name: 'last', partition: (_t, _k, _b, n) => n - 1 } });
    expect(p.send('t', { key: 'a', value: 'v' }).partition).toBe(2);
    expect(p.send('t', { key: 'a', value: 'v', partition: 0 }).partition).toBe(0);
  });

  it('headers, keys, null values and timestamps round-trip', () => {
    const b = memBroker();
    b.createTopic('t');
    b.producer().send('t', { key: 'k', value: null, headers: { trace: 'abc', bin: new Uint8Array([1, 2]) }, timestampMs: 42 });
    const c = b.consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    const [m] = c.poll();
    expect(m!.key!.toString()).toBe('k');
    expect(m!.value).toBeNull();
    expect(m!.timestampMs).toBe(42);
    expect(m!.headers.trace!.toString()).toBe('abc');
    expect([...m!.headers.bin!]).toEqual([1, 2]);
  });

  it('poll returns messages in offset order and advances; seek replays, clamped to the retained range', () => {
    const b = memBroker();
    b.createTopic('t');
    const p = b.producer();
    for (let i = 0; i < 10; i++) p.send('t', { value: `m${i}` });
    const c = b.consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    expect(c.poll(4).map((m) => m.offset)).toEqual([0, 1, 2, 3]);
    expect(c.poll(100).map((m) => m.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(c.poll()).toEqual([]);
    c.seek('t', 0, 7);
    expect(c.poll().map((m) => text(m.value))).toEqual(['m7', 'm8', 'm9']);
    c.seek('t', 0, 1_000);
    expect(c.position('t', 0)).toBe(10);
    expect(() => c.seek('t', 0, -1)).toThrow(InvalidArgumentError);
    expect(() => c.seek('t', 1, 0)).toThrow(InvalidArgumentError);
    expect(c.position('t', 0)).toBe(10);
  });

  it('two groups consume the same messages independently; commit and committed per group', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 2 });
    b.producer().sendBatch('t', Array.from({ length: 6 }, (_, i) => ({ value: `m${i}` })));
    const a = b.consumer({ groupId: 'A', autoCommit: false });
    const z = b.consumer({ groupId: 'Z', autoCommit: false });
    a.subscribe(['t']);
    z.subscribe(['t']);
    expect(a.poll(100).length).toBe(6);
    a.commit();
    expect(z.poll(2).length).toBe(2);
    z.commit();
    expect(a.committed('t', 0)! + a.committed('t', 1)!).toBe(6);
    expect(z.committed('t', 0)! + (z.committed('t', 1) ?? 0)).toBe(2);
    b.checkInvariants();
  });

  it('a new member of a group resumes from the committed offsets; autoOffsetReset applies only without them', () => {
    const b = memBroker();
    b.createTopic('t');
    const p = b.producer();
    for (let i = 0; i < 5; i++) p.send('t', { value: `m${i}` });
    const first = b.consumer({ groupId: 'g' });
    first.subscribe(['t']);
    expect(first.poll(3).length).toBe(3);
    first.close();
    const second = b.consumer({ groupId: 'g' });
    second.subscribe(['t']);
    expect(second.poll().map((m) => m.offset)).toEqual([3, 4]);
    const latest = b.consumer({ groupId: 'fresh', autoOffsetReset: 'latest' });
    latest.subscribe(['t']);
    expect(latest.poll()).toEqual([]);
    p.send('t', { value: 'new' });
    expect(latest.poll().map((m) => text(m.value))).toEqual(['new']);
  });

  it('stats report each partition extent and size; lag is the log end minus the committed offset', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 2 });
    b.producer().sendBatch('t', Array.from({ length: 6 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })));
    const stats = b.stats();
    expect(stats.map((s) => [s.partition, s.logStartOffset, s.logEndOffset, s.segments])).toEqual([
      [0, 0, 3, 1],
      [1, 0, 3, 1],
    ]);
    expect(stats[0]!.sizeBytes).toBeGreaterThan(0);
    const c = b.consumer({ groupId: 'g', autoCommit: false });
    c.assign([{ topic: 't', partition: 0 }]);
    c.poll(2);
    c.commit();
    expect(b.lag('g', 't')).toEqual([
      { partition: 0, committed: 2, logEndOffset: 3, lag: 1 },
      { partition: 1, committed: null, logEndOffset: 3, lag: 3 },
    ]);
  });

  it('a standalone subscriber (no group) takes every partition', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 3 });
    const c = b.consumer();
    c.subscribe(['t']);
    expect(c.assignment().length).toBe(3);
    expect(() => c.commit()).toThrow(StateError);
  });

  it('group members share partitions, each owned by exactly one; extra members idle; leaving rebalances', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 3 });
    b.producer().sendBatch('t', Array.from({ length: 30 }, (_, i) => ({ value: `m${i}` })));
    const members = Array.from({ length: 4 }, () => b.consumer({ groupId: 'g', assignor: 'cooperative-sticky' }));
    for (const m of members) m.subscribe(['t']);
    const owned = members.map((m) => m.assignment().length);
    expect(owned.reduce((x, y) => x + y, 0)).toBe(3);
    expect(owned.filter((n) => n === 0).length).toBe(1);
    const seen = new Set<number>();
    for (const m of members) for (const msg of m.poll(100)) seen.add(msg.offset * 10 + msg.partition);
    expect(seen.size).toBe(30);
    const busy = members.find((m) => m.assignment().length > 0)!;
    busy.close();
    const rest = members.filter((m) => m !== busy);
    for (const m of rest) m.poll();
    expect(rest.map((m) => m.assignment().length).reduce((x, y) => x + y, 0)).toBe(3);
    b.checkInvariants();
    const history = b.group('g').history;
    expect(history.length).toBeGreaterThan(0);
    expect(history.at(-1)!.moved.length).toBeGreaterThan(0);
  });

  it('with autoCommit a partition handed over in a rebalance continues where its previous owner stopped', () => {
    for (const assignor of ['range', 'round-robin', 'sticky', 'cooperative-sticky']) {
      const b = memBroker();
      b.createTopic('t', { partitions: 4 });
      b.producer().sendBatch('t', Array.from({ length: 40 }, (_, i) => ({ value: `m${i}`, partition: i % 4 })));
      const one = b.consumer({ groupId: 'g', assignor });
      one.subscribe(['t']);
      const got = one.poll(100).map((m) => `${m.partition}:${m.offset}`);
      expect(got.length).toBe(40);
      const two = b.consumer({ groupId: 'g', assignor });
      two.subscribe(['t']);
      one.poll();
      expect(two.assignment().length).toBe(2);
      expect(two.poll(100)).toEqual([]);
      b.producer().send('t', { value: 'late', partition: two.assignment()[0]!.partition });
      expect(two.poll(100).map((m) => text(m.value))).toEqual(['late']);
    }
  });

  it('a group keeps one assignor while it has members; a consumer asking for another is refused', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 2 });
    const a = b.consumer({ groupId: 'g', assignor: 'range' });
    a.subscribe(['t']);
    expect(() => b.consumer({ groupId: 'g', assignor: 'sticky' }).subscribe(['t'])).toThrow(StateError);
    a.close();
    const s = b.consumer({ groupId: 'g', assignor: 'sticky' });
    s.subscribe(['t']);
    expect(b.group('g', 'sticky').coordinator.assignor.name).toBe('sticky');
    expect(s.assignment().length).toBe(2);
  });

  it('a member silent for longer than the session timeout is removed and its partitions go to the others', () => {
    const clock = new ManualClock(0);
    const b = Broker.open({ clock, sessionTimeoutMs: 10_000, topicDefaults: { fsync: 'never' } });
    b.createTopic('t', { partitions: 2 });
    const live = b.consumer({ groupId: 'g' });
    const silent = b.consumer({ groupId: 'g' });
    live.subscribe(['t']);
    silent.subscribe(['t']);
    expect(live.assignment().length).toBe(1);
    clock.advance(6_000);
    live.poll();
    clock.advance(6_000);
    live.poll();
    expect(live.assignment().length).toBe(2);
    // The zombie's stale generation is fenced: its commit is rejected.
    expect(() => silent.commit([{ topic: 't', partition: 0, offset: 1 }])).toThrow(StateError);
  });

  it('a static member restarted with its instance id takes its partitions back without a rebalance', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 4 });
    const a = b.consumer({ groupId: 'g', groupInstanceId: 'host-a', assignor: 'sticky' });
    const c = b.consumer({ groupId: 'g', groupInstanceId: 'host-c', assignor: 'sticky' });
    a.subscribe(['t']);
    c.subscribe(['t']);
    const before = a.assignment();
    const gen = a.generation;
    a.close();
    c.poll();
    const again = b.consumer({ groupId: 'g', groupInstanceId: 'host-a', assignor: 'sticky' });
    again.subscribe(['t']);
    expect(again.assignment()).toEqual(before);
    expect(again.generation).toBe(gen);
    c.poll();
    expect(c.generation).toBe(gen);
  });
});

describe('bad input: typed errors, nothing stored touched', () => {
  it('unknown topics, bad partitions, partition counts < 1, unknown assignors, unencodable values', () => {
    const b = memBroker();
    b.createTopic('t', { partitions: 2 });
    const p = b.producer();
    p.send('t', { value: 'kept', partition: 0 });
    expect(() => p.send('nope', { value: 'x' })).toThrow(NotFoundError);
    expect(() => b.createTopic('x', { partitions: 0 })).toThrow(InvalidArgumentError);
    expect(() => b.createTopic('x', { partitions: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => b.createTopic('bad name!', { partitions: 1 })).toThrow(InvalidArgumentError);
    expect(() => b.createTopic('t')).toThrow(StateError);
    expect(() => p.send('t', { value: 'x', partition: 2 })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { value: 'x', partition: -1 })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { value: 42 as never })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { value: { a: 1 } as never })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { key: 7 as never, value: 'x' })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { value: 'x', headers: { h: 1 as never } })).toThrow(InvalidArgumentError);
    expect(() => p.send('t', { value: 'x', timestampMs: -5 })).toThrow(InvalidArgumentError);
    // One bad message in a batch stores none of the batch.
    expect(() => p.sendBatch('t', [{ value: 'ok', partition: 0 }, { value: undefined as never, partition: 0 }])).toThrow(InvalidArgumentError);
    expect(() => b.consumer({ groupId: 'g', assignor: 'fastest' })).toThrow(NotFoundError);
    expect(() => b.consumer().subscribe(['nope'])).toThrow(NotFoundError);
    expect(() => b.consumer().assign([{ topic: 't', partition: 5 }])).toThrow(InvalidArgumentError);
    expect(() => b.read('t', 0, -1, 10)).toThrow(InvalidArgumentError);
    expect(() => b.commitOffsets('g', [{ topic: 't', partition: 0, offset: -1 }], null)).toThrow(InvalidArgumentError);
    expect(() => b.commitOffsets('g', [{ topic: 't', partition: 9, offset: 1 }], null)).toThrow(InvalidArgumentError);
    expect(b.committedOffset('g', 't', 0)).toBeNull();
    expect(b.latestOffset('t', 0)).toBe(1);
    expect(b.latestOffset('t', 1)).toBe(0);
    expect(b.topicNames()).toEqual(['t']);
    b.checkInvariants();
  });

  it('a data directory that is not a shardkit log is refused and left as it was', () => {
    const d = tempDir();
    fs.writeFileSync(path.join(d, 'notes.txt'), 'mine');
    expect(() => Broker.open({ dataDir: d })).toThrow(InvalidArgumentError);
    expect(fs.readdirSync(d)).toEqual(['notes.txt']);
    const d2 = tempDir();
    fs.writeFileSync(path.join(d2, 'shardkit-log.json'), '{"format":"something-else"}');
    expect(() => Broker.open({ dataDir: d2 })).toThrow(/not|allowed/);
    expect(fs.readFileSync(path.join(d2, 'shardkit-log.json'), 'utf8')).toBe('{"format":"something-else"}');
    const file = path.join(tempDir(), 'plain-file');
    fs.writeFileSync(file, 'x');
    expect(() => Broker.open({ dataDir: file })).toThrow(InvalidArgumentError);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('persistence', () => {
  it('a broker reopened on the same directory has the same topics, messages and committed offsets', () => {
    const d = tempDir();
    const clock = new ManualClock(5_000);
    const b = Broker.open({ dataDir: d, clock });
    b.createTopic('orders', { partitions: 3, segmentBytes: 512 });
    b.createTopic('audit', { partitions: 1, cleanupPolicy: 'compact' });
    const sent = b.producer().sendBatch('orders', Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 11}`, value: `v${i}`, headers: { i: String(i) } })));
    b.producer().send('audit', { value: 'hello' });
    const c = b.consumer({ groupId: 'g' });
    c.subscribe(['orders']);
    c.poll(25);
    c.close();
    const committed = [0, 1, 2].map((p) => b.committedOffset('g', 'orders', p));
    b.close();

    const again = Broker.open({ dataDir: d, clock });
    again.checkInvariants();
    expect(again.topicNames()).toEqual(['audit', 'orders']);
    expect(again.describeTopic('orders').partitions).toBe(3);
    expect(again.describeTopic('orders').config.segmentBytes).toBe(512);
    expect(again.describeTopic('audit').config.cleanupPolicy).toBe('compact');
    expect([0, 1, 2].map((p) => again.committedOffset('g', 'orders', p))).toEqual(committed);
    for (const s of sent) {
      const [r] = again.read('orders', s.partition, s.offset, 1);
      expect(r!.offset).toBe(s.offset);
      expect(text(r!.value)).toBe(`v${Number(text(r!.headers.i!))}`);
    }
    const resumed = again.consumer({ groupId: 'g' });
    resumed.subscribe(['orders']);
    expect(resumed.poll(100).length).toBe(60 - 25);
    again.close();
  });

  it('a data directory is used by one broker at a time; a lock left by a dead process is taken over', () => {
    const d = tempDir();
    const first = Broker.open({ dataDir: d });
    expect(() => Broker.open({ dataDir: d })).toThrow(StateError);
    first.createTopic('t');
    first.close();
    const second = Broker.open({ dataDir: d });
    expect(second.topicNames()).toEqual(['t']);
    second.close();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(d, 'shardkit-log.lock'), `${dead}\n`);
    const third = Broker.open({ dataDir: d });
    expect(third.topicNames()).toEqual(['t']);
    third.close();
    expect(fs.existsSync(path.join(d, 'shardkit-log.lock'))).toBe(false);
  });

  it('retention and compaction through the broker follow each topic policy (seed: keep at most N, latest per key)', () => {
    const clock = new ManualClock(0);
    const b = Broker.open({ clock, topicDefaults: { fsync: 'never', segmentBytes: 200 } });
    b.createTopic('capped', { retentionMessages: 5 });
    b.createTopic('table', { cleanupPolicy: 'compact', deleteRetentionMs: 0 });
    const p = b.producer();
    for (let i = 0; i < 20; i++) p.send('capped', { value: `m${i}` });
    for (let i = 0; i < 12; i++) p.send('table', { key: `k${i % 3}`, value: `v${i}` });
    p.send('table', { key: 'k0', value: null });
    p.send('table', { value: 'unkeyed' });
    b.cleanup();
    b.checkInvariants();
    expect(b.earliestOffset('capped', 0)).toBe(15);
    const c = b.consumer();
    c.assign([{ topic: 'capped', partition: 0 }, { topic: 'table', partition: 0 }]);
    c.seek('capped', 0, 0);
    expect(c.position('capped', 0)).toBe(15);
    const all = c.poll(100);
    expect(all.filter((m) => m.topic === 'capped').map((m) => m.offset)).toEqual([15, 16, 17, 18, 19]);
    expect(all.filter((m) => m.topic === 'table').map((m) => [m.offset, text(m.value)])).toEqual([
      [10, 'v10'],
      [11, 'v11'],
      [13, 'unkeyed'],
    ]);
    expect(p.send('table', { key: 'k1', value: 'next' }).offset).toBe(14);
  });
});
