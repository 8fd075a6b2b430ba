import { describe, it, expect } from 'vitest';
import { expectTypedOrAccepted, hostileValues, isKey, isObjectLike, isWellFormedId, safeIsArray } from '../testing/hostile.js';
import { STRATEGIES, createPlacement } from './registry.js';
import { type Placement, imbalance, isPartitioned, keyDistribution, normalizeNode, normalizeNodes, sampledPlan, weightedImbalance } from './placement.js';
import { formatPlan, planBetween } from './plan.js';
import { checkAssignment, growAssignment, minimalChangeFeasible, quotas, rebalance } from './assignment.js';
import { ModNPlacement } from './mod-n.js';
import { SlotPlacement } from './slots.js';
import { ConsistentHashRing } from './ring.js';
import { KetamaRing } from './ketama.js';
import { JumpPlacement } from './jump.js';
import { RendezvousPlacement } from './rendezvous.js';
import { RangePlacement } from './range.js';
import { TokenPlacement } from './tokens.js';

const NODES = ['a', 'b', 'c', 'd'];
const PROBE_KEYS = Array.from({ length: 200 }, (_, i) => `probe:${i}`);
const HOSTILE = hostileValues();

/** What a placement answers: its nodes, owners of the probe keys, preference lists and shares. */
function fingerprint(p: Placement): string {
  return JSON.stringify([p.nodeIds, PROBE_KEYS.map((k) => p.locate(k)), PROBE_KEYS.slice(0, 20).map((k) => p.preferenceList(k, 2)), [...p.loadShares()]]);
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isSpecLike = (v: unknown): boolean => isWellFormedId(v) || isObjectLike(v);

/** Every method of a placement, with the hostile value in each parameter in turn. */
function methodCalls(p: Placement, v: unknown): Array<[string, () => unknown, boolean]> {
  const n = p.nodeIds.length;
  const calls: Array<[string, () => unknown, boolean]> = [
    ['locate(v)', () => p.locate(v as string), isKey(v)],
    ['preferenceList(v, 2)', () => p.preferenceList(v as string, 2), isKey(v)],
    ['preferenceList(k, v)', () => p.preferenceList('k', v as number), isInt(v, 1, n)],
    ['withNode(v)', () => p.withNode(v as string), isSpecLike(v)],
    ['withoutNode(v)', () => p.withoutNode(v as string), typeof v === 'string'],
    ['weightOf(v)', () => p.weightOf(v as string), typeof v === 'string'],
    ['planTo(v)', () => p.planTo(v as Placement), false],
    ['planTo(self, v)', () => p.planTo(p, v as string[]), true],
    ['keyDistribution(p, v)', () => keyDistribution(p, v as string[]), safeIsArray(v)],
    ['sampledPlan(p, p, v)', () => sampledPlan(p, p, v as string[]), safeIsArray(v)],
    ['planBetween(p, v)', () => planBetween(p, v as Placement), false],
  ];
  if (isPartitioned(p)) {
    calls.push(['partitionOf(v)', () => p.partitionOf(v as string), isKey(v)]);
    calls.push(['ownerOf(v)', () => p.ownerOf(v as number), isInt(v, 0, p.partitionCount - 1)]);
  }
  if (p instanceof SlotPlacement) {
    calls.push(['minimalMovementHolds(v)', () => p.minimalMovementHolds(v as { leave: string }), false]);
    calls.push(['minimalMovementHolds({join: v})', () => p.minimalMovementHolds({ join: v as string }), isSpecLike(v)]);
    calls.push(['minimalMovementHolds({leave: v})', () => p.minimalMovementHolds({ leave: v as string }), typeof v === 'string']);
  }
  return calls;
}

/** A call that returned a placement change must have produced a valid placement. */
function checkResult(value: unknown): void {
  if (value !== null && typeof value === 'object' && 'placement' in value) (value as { placement: Placement }).placement.checkInvariants();
}

describe('placements under hostile input: a typed error or a documented acceptance, and the placement unchanged (issue 12 §4)', () => {
  it.each(STRATEGIES)('%s: every method, every hostile value in every parameter', (name) => {
    const p = createPlacement(name, name === 'range' ? { nodes: NODES, boundaries: ['g', 'n', 't'] } : { nodes: NODES });
    const before = fingerprint(p);
    for (const h of HOSTILE) {
      for (const [label, call, accepted] of methodCalls(p, h.make())) {
        const out = expectTypedOrAccepted(`${name}.${label} with ${h.name}`, call, accepted);
        if (out.ok) checkResult(out.value);
        if (out.ok && label.startsWith('locate')) expect(p.nodeIds).toContain(out.value);
      }
    }
    p.checkInvariants();
    expect(fingerprint(p)).toBe(before);
  });

  it.each(STRATEGIES)('%s: construction with a hostile node list, node, option or options object', (name) => {
    const options = ['partitions', 'vnodes', 'tokensPerNode', 'allocation', 'hash', 'seed', 'boundaries'];
    const attempts: Array<[string, () => unknown, boolean]> = [];
    for (const h of HOSTILE) {
      attempts.push([`nodes: ${h.name}`, () => createPlacement(name, { nodes: h.make() as string[] }), safeIsArray(h.make())]);
      attempts.push([`nodes: [${h.name}, 'b']`, () => createPlacement(name, { nodes: [h.make() as string, 'b'] }), isSpecLike(h.make())]);
      attempts.push([`options: ${h.name}`, () => createPlacement(name, h.make() as { nodes: string[] }), isObjectLike(h.make())]);
      attempts.push([`name: ${h.name}`, () => createPlacement(h.make() as string, { nodes: NODES }), false]);
      for (const o of options) attempts.push([`${o}: ${h.name}`, () => createPlacement(name, { nodes: NODES, [o]: h.make() }), true]);
    }
    for (const [label, call, accepted] of attempts) {
      const out = expectTypedOrAccepted(`createPlacement(${name}) ${label}`, call, accepted);
      if (out.ok) (out.value as Placement).checkInvariants();
    }
  });

  it('every strategy class and static constructor, with a hostile options object or argument', () => {
    const ctors: Array<[string, (v: unknown) => unknown]> = [
      ['ModNPlacement', (v) => new ModNPlacement(NODES, v as object)],
      ['SlotPlacement', (v) => new SlotPlacement(NODES, v as object)],
      ['SlotPlacement owners', (v) => new SlotPlacement(NODES, { partitions: 4 }, v as Int32Array)],
      ['SlotPlacement.redis', (v) => SlotPlacement.redis(v as string[])],
      ['ConsistentHashRing', (v) => new ConsistentHashRing(NODES, v as object)],
      ['KetamaRing', (v) => new KetamaRing(NODES, v as object)],
      ['JumpPlacement', (v) => new JumpPlacement(NODES, v as object)],
      ['RendezvousPlacement', (v) => new RendezvousPlacement(NODES, v as object)],
      ['RangePlacement', (v) => new RangePlacement(NODES, v as object)],
      ['RangePlacement owners', (v) => new RangePlacement(NODES, { boundaries: ['m'], owners: v as string[] })],
      ['RangePlacement partitionWeights', (v) => new RangePlacement(NODES, { boundaries: ['m'], partitionWeights: v as number[] })],
      ['RangePlacement.fromSample sample', (v) => RangePlacement.fromSample(NODES, v as string[], 4)],
      ['RangePlacement.fromSample partitions', (v) => RangePlacement.fromSample(NODES, ['a', 'b', 'c'], v as number)],
      ['TokenPlacement', (v) => new TokenPlacement(NODES, v as object)],
      ['normalizeNode', (v) => normalizeNode(v as string)],
      ['normalizeNodes', (v) => normalizeNodes(v as string[])],
    ];
    for (const h of HOSTILE) {
      for (const [label, make] of ctors) {
        const out = expectTypedOrAccepted(`${label} with ${h.name}`, () => make(h.make()), true);
        if (out.ok && out.value !== null && typeof out.value === 'object' && 'checkInvariants' in out.value) (out.value as Placement).checkInvariants();
      }
    }
  });

  it('assignment functions and plan helpers, with a hostile value in every parameter', () => {
    const owners = growAssignment(8, [1, 1]);
    const fns: Array<[string, (v: unknown) => unknown]> = [
      ['quotas(v, w)', (v) => quotas(v as number, [1, 1])],
      ['quotas(P, v)', (v) => quotas(8, v as number[])],
      ['quotas(P, w, v)', (v) => quotas(8, [1, 1], v as Int32Array)],
      ['rebalance(v, w)', (v) => rebalance(v as Int32Array, [1, 1])],
      ['rebalance(o, v)', (v) => rebalance(owners, v as number[])],
      ['rebalance(o, w, v)', (v) => rebalance(owners, [1, 1, 1], v as object)],
      ['growAssignment(v, w)', (v) => growAssignment(v as number, [1, 1])],
      ['growAssignment(P, v)', (v) => growAssignment(8, v as number[])],
      ['minimalChangeFeasible(v, w)', (v) => minimalChangeFeasible(v as Int32Array, [1, 1])],
      ['minimalChangeFeasible(o, v)', (v) => minimalChangeFeasible(owners, v as number[])],
      ['minimalChangeFeasible(o, w, v)', (v) => minimalChangeFeasible(owners, [1, 1, 1], v as object)],
      ['checkAssignment(v, w)', (v) => checkAssignment(v as Int32Array, [1, 1])],
      ['checkAssignment(o, v)', (v) => checkAssignment(owners, v as number[])],
      ['imbalance(v)', (v) => imbalance(v as number[])],
      ['weightedImbalance(v)', (v) => weightedImbalance(v as Placement)],
      ['formatPlan(v)', (v) => formatPlan(v as never)],
    ];
    for (const h of HOSTILE) for (const [label, fn] of fns) expectTypedOrAccepted(`${label} with ${h.name}`, () => fn(h.make()), true);
    expect([...owners]).toEqual([...growAssignment(8, [1, 1])]);
  });
});
