import { afterEach, describe, expect, it } from 'vitest';
import { CorruptionError, InvalidArgumentError, NotFoundError, StateError } from '../../errors.js';
import { MemoryMetaStore } from '../meta/memory.js';
import { clusterPrefix } from '../meta/types.js';
import {
  ACTIVE_PLAN_KEY,
  PLAN_TRANSITIONS,
  activePlan,
  createPlan,
  journalKey,
  listPlans,
  planKey,
  readJournal,
  readPlan,
  transitionPlan,
} from './plan-store.js';
import { DEFAULT_THROTTLE, PLAN_STATES, type PlanJournal, type PlanState, type RebalancePlan } from './types.js';

const prefix = clusterPrefix('t');
const stores: MemoryMetaStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
const fresh = (): MemoryMetaStore => {
  const s = new MemoryMetaStore({ tickIntervalMs: 0 });
  stores.push(s);
  return s;
};

const plan = (id: string, createdAtMs = 1): RebalancePlan => ({
  format: 1,
  id,
  kind: 'add',
  node: 'n3',
  createdAtMs,
  fromEpoch: 4,
  nodes: [{ id: 'n1', weight: 1, host: '127.0.0.1', port: 7001 }, { id: 'n3', weight: 1, host: '127.0.0.1', port: 7003 }],
  moves: [{ first: 0, last: 9, from: 'n1', to: 'n3', keys: 5, bytes: 500 }],
  throttle: DEFAULT_THROTTLE,
  estimateMs: 600,
  state: 'proposed',
});

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('plan store', () => {
  it('stores, reads and lists plans (oldest first) under rebalance/plans/<id>; a second plan of one id is refused', async () => {
    const meta = fresh();
    await createPlan(meta, prefix, plan('b', 2));
    const a = await createPlan(meta, prefix, plan('a', 5));
    expect((await meta.get(`${prefix}rebalance/plans/a`))?.modRevision).toBe(a.modRevision);
    expect((await readPlan(meta, prefix, 'a')).plan).toEqual(plan('a', 5));
    expect((await listPlans(meta, prefix)).map((p) => p.plan.id)).toEqual(['b', 'a']);
    await expect(createPlan(meta, prefix, plan('a'))).rejects.toThrow(/a plan "a" exists already/);
    await expect(createPlan(meta, prefix, { ...plan('c'), state: 'approved' })).rejects.toThrow(InvalidArgumentError);
    await expect(readPlan(meta, prefix, 'zz')).rejects.toThrow(NotFoundError);
    await expect(readPlan(meta, prefix, 'zz')).rejects.toThrow(/known: b, a/);
    await expect(readPlan(meta, prefix, '../x')).rejects.toThrow(InvalidArgumentError);
  });

  it('reading a damaged plan or journal is a CorruptionError naming what is wrong', async () => {
    const meta = fresh();
    await meta.put(planKey(prefix, 'x'), enc('{not json'));
    await expect(readPlan(meta, prefix, 'x')).rejects.toThrow(CorruptionError);
    await meta.put(planKey(prefix, 'x'), enc({ ...plan('x'), state: 'sleeping' }));
    await expect(readPlan(meta, prefix, 'x')).rejects.toThrow(/state "sleeping" is not one of/);
    await meta.put(planKey(prefix, 'x'), enc({ ...plan('x'), moves: [{ first: 3, last: 1, from: 'a', to: 'b', keys: 0, bytes: 0 }] }));
    await expect(readPlan(meta, prefix, 'x')).rejects.toThrow(/move 0 is not/);
    await meta.put(planKey(prefix, 'x'), enc(plan('y')));
    await expect(readPlan(meta, prefix, 'x')).rejects.toThrow(/its id is "y"/);
    await expect(listPlans(meta, prefix)).rejects.toThrow(CorruptionError);
    expect(await readJournal(meta, prefix, 'x')).toBeUndefined();
    await meta.put(journalKey(prefix, 'x'), enc({ format: 1, plan: 'x', updatedAtMs: 1, moves: [{ index: 0, phase: 'teleport' }] }));
    await expect(readJournal(meta, prefix, 'x')).rejects.toThrow(/move 0 is not/);
    const journal: PlanJournal = { format: 1, plan: 'x', updatedAtMs: 9, moves: [{ index: 0, phase: 'copy', copiedKeys: 2, copiedBytes: 200, lagChanges: 1, restarts: 0, startedAtMs: 3 }] };
    await meta.put(journalKey(prefix, 'x'), enc(journal));
    expect(await readJournal(meta, prefix, 'x')).toEqual(journal);
  });

  it('allows exactly the legal transitions; an illegal one names the state and what it allows', async () => {
    const meta = fresh();
    // Every (from, to) pair: reach `from` along legal transitions, then try `to`.
    const pathTo: Record<PlanState, PlanState[]> = {
      proposed: [],
      approved: ['approved'],
      running: ['approved', 'running'],
      paused: ['approved', 'paused'],
      cancelled: ['cancelled'],
      done: ['approved', 'running', 'done'],
      failed: ['approved', 'running', 'failed'],
    };
    let n = 0;
    for (const from of PLAN_STATES) {
      for (const to of PLAN_STATES) {
        const id = `p${n++}`;
        await createPlan(meta, prefix, plan(id));
        for (const s of pathTo[from]) await transitionPlan(meta, prefix, id, s);
        const legal = PLAN_TRANSITIONS[from].includes(to);
        if (legal) {
          const r = await transitionPlan(meta, prefix, id, to, { error: 'boom' });
          expect(r.plan.state).toBe(to);
          expect((await readPlan(meta, prefix, id)).plan.state).toBe(to);
          expect(r.plan.error).toBe(to === 'failed' ? 'boom' : undefined);
        } else {
          const e = await transitionPlan(meta, prefix, id, to).catch((x: unknown) => x);
          expect(e, `${from} → ${to}`).toBeInstanceOf(StateError);
          expect((e as Error).message).toContain(`cannot become ${to}`);
          expect((e as Error).message).toMatch(PLAN_TRANSITIONS[from].length === 0 ? new RegExp(`it is ${from}, a final state`) : new RegExp(`from ${from} it can only become ${PLAN_TRANSITIONS[from].join(' or ')}`));
          expect((await readPlan(meta, prefix, id)).plan.state).toBe(pathTo[from].at(-1) ?? 'proposed');
        }
        // Leave no plan active for the next pair.
        const now = (await readPlan(meta, prefix, id)).plan.state;
        if (PLAN_TRANSITIONS[now].includes('cancelled')) await transitionPlan(meta, prefix, id, 'cancelled');
      }
    }
    expect(n).toBe(49);
  });

  it('a transition is a compare-and-set: a caller that read an older revision is refused', async () => {
    const meta = fresh();
    const a = await createPlan(meta, prefix, plan('a'));
    await transitionPlan(meta, prefix, 'a', 'cancelled');
    await expect(transitionPlan(meta, prefix, 'a', 'approved', { ifModRevision: a.modRevision })).rejects.toThrow(/changed since it was read \(it is cancelled now\)/);
  });

  it('at most one plan is approved, running or paused: approving a second is refused until the first is over', async () => {
    const meta = fresh();
    await createPlan(meta, prefix, plan('a'));
    await createPlan(meta, prefix, plan('b', 2));
    await transitionPlan(meta, prefix, 'a', 'approved');
    for (const s of ['approved', 'running', 'paused'] as const) {
      if (s !== 'approved') await transitionPlan(meta, prefix, 'a', s);
      await expect(transitionPlan(meta, prefix, 'b', 'approved')).rejects.toThrow(/cannot approve plan b: plan a is .*only one plan may be approved, running or paused/);
      expect((await readPlan(meta, prefix, 'b')).plan.state).toBe('proposed');
    }
    expect((await activePlan(meta, prefix))?.plan.id).toBe('a');
    // Resuming the paused plan itself is allowed.
    await transitionPlan(meta, prefix, 'a', 'approved');
    await transitionPlan(meta, prefix, 'a', 'cancelled');
    expect(await activePlan(meta, prefix)).toBeUndefined();
    expect((await transitionPlan(meta, prefix, 'b', 'approved')).plan.state).toBe('approved');
    expect(new TextDecoder().decode((await meta.get(`${prefix}${ACTIVE_PLAN_KEY}`))?.value)).toBe('"b"');
  });

  it('two approvals racing: exactly one stands, the other is written back and refused', async () => {
    for (let round = 0; round < 10; round++) {
      const meta = fresh();
      await createPlan(meta, prefix, plan('a'));
      await createPlan(meta, prefix, plan('b', 2));
      const results = await Promise.allSettled([transitionPlan(meta, prefix, 'a', 'approved'), transitionPlan(meta, prefix, 'b', 'approved')]);
      expect(results.filter((r) => r.status === 'fulfilled').length, `round ${round}`).toBe(1);
      const states = (await listPlans(meta, prefix)).map((p) => p.plan.state).sort();
      expect(states).toEqual(['approved', 'proposed']);
    }
  });
});
