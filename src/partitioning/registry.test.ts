import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { crc32 } from '../hash/crc32.js';
import { defaultPlanSample, isPartitioned } from './placement.js';
import { STRATEGIES, createPlacement, strategyInfo } from './registry.js';
import { formatPlan, planBetween } from './plan.js';
import { SlotPlacement } from './slots.js';

const nodes = ['a', 'b', 'c', 'd'];
const SAMPLE = Array.from({ length: 2000 }, (_, i) => `k${i}`);

describe('strategy registry', () => {
  it('builds every registered strategy by name, with invariants holding and its name as strategy', () => {
    for (const name of STRATEGIES) {
      const p = createPlacement(name, { nodes });
      p.checkInvariants();
      expect(p.strategy).toBe(name);
      expect(p.nodeIds).toEqual(expect.arrayContaining(nodes));
      expect(nodes).toContain(p.locate('user:1'));
      expect(strategyInfo(name).summary.length).toBeGreaterThan(10);
    }
  });

  it('lists the strategy names in a stable order', () => {
    expect(STRATEGIES).toEqual(expect.arrayContaining(['mod-n', 'slots', 'redis-slots', 'ring', 'ketama', 'jump', 'rendezvous', 'range', 'tokens']));
    expect(new Set(STRATEGIES).size).toBe(STRATEGIES.length);
  });

  it('passes each strategy its options', () => {
    const slots = createPlacement('slots', { nodes, partitions: 64 });
    expect(isPartitioned(slots) && slots.partitionCount).toBe(64);
    const tokens = createPlacement('tokens', { nodes, tokensPerNode: 4, allocation: 'random', seed: 9 });
    expect(tokens.describe()).toMatch(/4 tokens.*random/);
    const range = createPlacement('range', { nodes, boundaries: ['g', 'n', 't'] });
    expect(isPartitioned(range) && range.partitionCount).toBe(4);
  });

  it('resolves a hash by name: slots with crc32 put a key in crc32(key) mod P', () => {
    const p = createPlacement('slots', { nodes, partitions: 100, hash: 'crc32' });
    if (!isPartitioned(p)) throw new Error('slots are partitioned');
    for (const k of SAMPLE.slice(0, 200)) expect(p.partitionOf(k)).toBe(crc32(k) % 100);
    // The same name twice gives the same function, so plans between the two work.
    const q = createPlacement('slots', { nodes: [...nodes, 'e'], partitions: 100, hash: 'crc32' });
    expect(planBetween(p, q).movedFraction).toBeGreaterThan(0);
  });

  it('an unknown strategy is a NotFoundError listing the names', () => {
    expect(() => createPlacement('hashring', { nodes })).toThrow(NotFoundError);
    expect(() => createPlacement('hashring', { nodes })).toThrow(/known: mod-n, slots/);
    expect(() => createPlacement('__proto__', { nodes })).toThrow(NotFoundError);
  });

  it('an option the strategy does not take is an InvalidArgumentError naming what it takes', () => {
    expect(() => createPlacement('ring', { nodes, partitions: 8 })).toThrow(InvalidArgumentError);
    expect(() => createPlacement('ring', { nodes, partitions: 8 })).toThrow(/only vnodes, hash/);
    expect(() => createPlacement('redis-slots', { nodes, hash: 'crc32' })).toThrow(/no options/);
    expect(() => createPlacement('slots', { nodes, colour: 'red' } as never)).toThrow(/option/);
    expect(() => createPlacement('slots', { nodes, hash: 'sha1' })).toThrow(NotFoundError);
    expect(() => createPlacement('slots', { nodes, partitions: -1 })).toThrow(InvalidArgumentError);
    // An option given as undefined is the same as leaving it out.
    expect(createPlacement('ring', { nodes, partitions: undefined }).strategy).toBe('ring');
  });
});

describe('plans across strategies', () => {
  it('planBetween gives the same plan as the membership change, for every strategy', () => {
    for (const name of STRATEGIES) {
      const a = createPlacement(name, { nodes });
      const { placement: b, plan } = a.withNode('e');
      expect(planBetween(a, b, defaultPlanSample())).toEqual(plan);
    }
  });

  it('refuses to plan between two strategies', () => {
    const a = createPlacement('slots', { nodes });
    const b = createPlacement('ring', { nodes });
    expect(() => planBetween(a, b)).toThrow(InvalidArgumentError);
    expect(() => planBetween(a, null as never)).toThrow(InvalidArgumentError);
  });

  it('formats a plan as a table of moves with the total moved fraction', () => {
    const a = new SlotPlacement(['a', 'b', 'c'], { partitions: 12 });
    const { plan } = a.withNode('d');
    const text = formatPlan(plan);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^from\s+to\s+moved\s+carries$/);
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(lines[1]).toMatch(/^a\s+→\s+d\s+8\.33%\s+1 partition$/);
    expect(lines[4]).toBe('total moved: 25.0% (exact, 3 moves)');
    expect(formatPlan(a.withNode('a').plan)).toBe('nothing moves (exact)');
  });
});

describe('hash names', () => {
  it('the default hash by name is the default hash: such placements plan against default ones', () => {
    const a = createPlacement('slots', { nodes, hash: 'murmur3-x86-32' });
    const b = createPlacement('slots', { nodes });
    expect(planBetween(a, b).movedFraction).toBe(0);
    expect(() => planBetween(a, createPlacement('slots', { nodes, hash: 'crc32' }))).toThrow(InvalidArgumentError);
  });

  it('every 32-bit hash of the hash registry works for slots, ring and tokens', () => {
    for (const hash of ['crc32', 'crc32c', 'fnv1a-32', 'xxh32', 'kafka-murmur2']) {
      for (const name of ['slots', 'ring', 'tokens', 'mod-n', 'rendezvous']) {
        const p = createPlacement(name, { nodes, hash });
        p.checkInvariants();
        expect(nodes).toContain(p.locate('user:1'));
      }
    }
  });
});
