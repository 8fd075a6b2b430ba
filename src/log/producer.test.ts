import { describe, it, expect } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { Broker } from './broker.js';
import { MAX_BATCH_BYTES } from './storage/record-batch.js';

describe('producer', () => {
  it('a send whose batch for one partition is too large stores nothing on any partition', () => {
    const b = Broker.open({ topicDefaults: { fsync: 'never' } });
    b.createTopic('t', { partitions: 2 });
    const big = Buffer.allocUnsafe(Math.ceil(MAX_BATCH_BYTES / 2) + 1024);
    const p = b.producer();
    let err: unknown;
    try {
      p.sendBatch('t', [
        { value: 'small', partition: 0 },
        { value: big, partition: 1 },
        { value: big, partition: 1 },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(b.latestOffset('t', 0)).toBe(0);
    expect(b.latestOffset('t', 1)).toBe(0);
    expect((err as InvalidArgumentError).message).toContain('partition 1');
    // Each half alone fits, and still lands.
    expect(p.sendBatch('t', [{ value: 'small', partition: 0 }, { value: big, partition: 1 }]).map((r) => r.offset)).toEqual([0, 0]);
    b.close();
  });
});
