import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../util/clock.js';
import { InvalidArgumentError, StateError } from '../errors.js';
import { Broker } from './broker.js';
import type { Consumer } from './consumer.js';
import type { RecordBatchView } from './storage/batch-view.js';

function memBroker(clock = new ManualClock(1_000)) {
  return Broker.open({ clock, topicDefaults: { fsync: 'never' } });
}

/** Drain one `pollBatches` call into [topic/partition, offset, value] triples. */
function drain(views: readonly RecordBatchView[]): Array<[string, number, string | null]> {
  const out: Array<[string, number, string | null]> = [];
  for (const v of views) {
    const c = v.records();
    while (c.next()) out.push([`${v.topic}/${v.partition}`, c.offset, c.value()?.toString() ?? null]);
  }
  return out;
}

function pollAll(c: Consumer, max: number, batches: boolean) {
  const out: Array<[string, number, string | null]> = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const got = batches ? drain(c.pollBatches(max)) : c.poll(max).map((m) => [`${m.topic}/${m.partition}`, m.offset, m.value?.toString() ?? null] as [string, number, string | null]);
    if (got.length === 0) return out;
    expect(got.length).toBeLessThanOrEqual(max);
    out.push(...got);
  }
  throw new Error('no end');
}

describe('Consumer.pollBatches', () => {
  it('returns the same messages in the same order as poll, advancing positions (Kafka consumer semantics)', () => {
    const broker = memBroker();
    broker.createTopic('t', { partitions: 3 });
    const p = broker.producer();
    for (let i = 0; i < 40; i++) p.sendBatch('t', [{ key: `k${i % 7}`, value: `v${i}` }, { value: `u${i}` }]);
    const a = broker.consumer();
    a.subscribe(['t']);
    const b = broker.consumer();
    b.subscribe(['t']);
    const viaPoll = pollAll(a, 7, false);
    const viaBatches = pollAll(b, 7, true);
    expect(viaBatches).toEqual(viaPoll);
    expect(viaBatches.length).toBe(80);
    for (let part = 0; part < 3; part++) expect(b.position('t', part)).toBe(a.position('t', part));
  });

  it('seek replays from the offset (clamped) and commit stores the batch position for the group', () => {
    const broker = memBroker();
    broker.createTopic('t', { partitions: 1 });
    const p = broker.producer();
    p.sendBatch('t', Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: 0 })));
    const c = broker.consumer({ groupId: 'g', autoCommit: false });
    c.assign([{ topic: 't', partition: 0 }]);
    expect(drain(c.pollBatches(4)).map((r) => r[1])).toEqual([0, 1, 2, 3]);
    c.commit();
    expect(c.committed('t', 0)).toBe(4);
    c.seek('t', 0, 8);
    expect(drain(c.pollBatches(100)).map((r) => r[2])).toEqual(['m8', 'm9']);
    c.seek('t', 0, 2);
    expect(drain(c.pollBatches(3)).map((r) => r[1])).toEqual([2, 3, 4]);
    expect(c.position('t', 0)).toBe(5);
    expect(c.committed('t', 0)).toBe(4);
    c.close();
    // A new member of the group resumes from the committed offset.
    const d = broker.consumer({ groupId: 'g', autoCommit: false });
    d.assign([{ topic: 't', partition: 0 }]);
    expect(drain(d.pollBatches(100)).map((r) => r[1])).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('poll and pollBatches can be mixed on one consumer', () => {
    const broker = memBroker();
    broker.createTopic('t', { partitions: 1 });
    broker.producer().sendBatch('t', Array.from({ length: 9 }, (_, i) => ({ value: `m${i}`, partition: 0 })));
    const c = broker.consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    expect(c.poll(2).map((m) => m.offset)).toEqual([0, 1]);
    expect(drain(c.pollBatches(3)).map((r) => r[1])).toEqual([2, 3, 4]);
    expect(c.poll(10).map((m) => m.offset)).toEqual([5, 6, 7, 8]);
  });

  it('batches of an earlier pollBatches are stale after the next one; toMessages copies are not', () => {
    const broker = memBroker();
    broker.createTopic('t', { partitions: 1 });
    broker.producer().sendBatch('t', Array.from({ length: 4 }, (_, i) => ({ value: 'z'.repeat(5000) + i, partition: 0 })));
    const c = broker.consumer({ fetchBufferBytes: 4096 });
    c.assign([{ topic: 't', partition: 0 }]);
    const first = c.pollBatches(1);
    const copies = (first[0] as RecordBatchView).toMessages();
    expect(drain(c.pollBatches(1)).map((r) => r[1])).toEqual([1]);
    // One batch of 4 big records: the second poll reused the window only if the batch fit; either way, the first view is readable only if fresh.
    if (!(first[0] as RecordBatchView).fresh) expect(() => (first[0] as RecordBatchView).records()).toThrow(StateError);
    expect(copies.map((m) => [m.offset, m.value?.toString()])).toEqual([[0, 'z'.repeat(5000) + '0']]);
  });

  it('rejects bad sizes with typed errors and leaves positions alone', () => {
    const broker = memBroker();
    broker.createTopic('t', { partitions: 1 });
    broker.producer().send('t', { value: 'a', partition: 0 });
    expect(() => broker.consumer({ fetchBufferBytes: 1 })).toThrow(InvalidArgumentError);
    const c = broker.consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    expect(() => c.pollBatches(0)).toThrow(InvalidArgumentError);
    expect(c.position('t', 0)).toBe(0);
    expect(drain(c.pollBatches(5)).map((r) => r[1])).toEqual([0]);
  });

  it('property: for any produce history and poll sizes, pollBatches delivers per partition exactly what poll delivers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ partition: fc.integer({ min: 0, max: 2 }), value: fc.option(fc.string({ maxLength: 40 })) }), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 15 }),
        (batches, max) => {
          const broker = memBroker();
          broker.createTopic('t', { partitions: 3, segmentBytes: 1024 });
          const p = broker.producer();
          for (const b of batches) p.sendBatch('t', b);
          const a = broker.consumer();
          a.subscribe(['t']);
          const b = broker.consumer();
          b.subscribe(['t']);
          // Order is promised within a partition; how partitions interleave depends on how much one read returns.
          const byPartition = (xs: Array<[string, number, string | null]>) => [0, 1, 2].map((q) => xs.filter((x) => x[0] === `t/${q}`));
          expect(byPartition(pollAll(b, max, true))).toEqual(byPartition(pollAll(a, max, false)));
          broker.checkInvariants();
        },
      ),
      { seed: 55, numRuns: 50 },
    );
  });
});
