import { describe, it, expect } from 'vitest';
import * as root from 'shardkit';
import { redisKeySlot, kafkaPartition } from 'shardkit/hash';
import { createPlacement, STRATEGIES } from 'shardkit/partitioning';
import { ManualClock, mulberry32 } from 'shardkit/util';
import { InvalidArgumentError } from 'shardkit/errors';
import * as range from 'shardkit/range';
import * as secondaryIndex from 'shardkit/index';
import * as log from 'shardkit/log';
import * as replication from 'shardkit/replication';

describe('the package entry points', () => {
  it('resolve through package.json exports and expose each layer', () => {
    expect(redisKeySlot('somekey')).toBe(11058);
    expect(kafkaPartition('k', 1)).toBe(0);
    expect(STRATEGIES.length).toBeGreaterThanOrEqual(9);
    expect(createPlacement('ring', { nodes: ['a', 'b'] }).nodeIds).toEqual(['a', 'b']);
    expect(new ManualClock(5).now()).toBe(5);
    expect(mulberry32(1)()).toBe(mulberry32(1)());
    expect(Object.keys(range).length).toBeGreaterThan(0);
    expect(Object.keys(secondaryIndex).length).toBeGreaterThan(0);
    expect(Object.keys(log).length).toBeGreaterThan(0);
    expect(Object.keys(replication).length).toBeGreaterThan(0);
  });

  it('the root module namespaces every layer and shares one error hierarchy', () => {
    expect(root.hash.redisKeySlot).toBe(redisKeySlot);
    expect(root.partitioning.createPlacement).toBe(createPlacement);
    expect(root.InvalidArgumentError).toBe(InvalidArgumentError);
    for (const ns of [root.range, root.secondaryIndex, root.log, root.replication, root.util]) expect(typeof ns).toBe('object');
  });
});
