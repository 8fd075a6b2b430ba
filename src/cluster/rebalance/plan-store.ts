/**
 * Rebalancing plans in the metadata service (./types.ts): stored under
 * `<prefix>rebalance/plans/<id>` as JSON, read back validated
 * (CorruptionError naming what is wrong), and moved between states only by
 * compare-and-set on the key's modRevision, along the legal transitions:
 *
 *     proposed → approved | cancelled
 *     approved → running | paused | cancelled
 *     running  → paused | done | failed | cancelled
 *     paused   → approved | cancelled
 *
 * (`done`, `failed` and `cancelled` are final.) An illegal transition is a
 * StateError naming the plan's state and what it allows.
 *
 * At most one plan is active (approved, running or paused) at a time. The
 * store has no multi-key transaction, so approving takes a guard key,
 * `<prefix>rebalance/active` (the id of the active plan), by compare-and-set
 * *after* writing the plan's new state: a guard naming a plan that is not
 * active any more (it finished, or was cancelled) is stale and is taken
 * over; if another active plan holds it, the approval is undone (the plan's
 * state written back, by compare-and-set) and refused. Since a plan becomes
 * active before it takes the guard, two racing approvals cannot both stand.
 *
 * The executor's journal (`<prefix>rebalance/journal/<id>`) is only read here.
 */
import { CorruptionError, InvalidArgumentError, NotFoundError, StateError } from '../../errors.js';
import type { MetaStore } from '../meta/types.js';
import { type MovePhase, type PlanJournal, type PlanState, type RebalancePlan, PLAN_STATES, REBALANCE_KEYS } from './types.js';

/** Legal state transitions. */
export const PLAN_TRANSITIONS: Readonly<Record<PlanState, readonly PlanState[]>> = {
  proposed: ['approved', 'cancelled'],
  approved: ['running', 'paused', 'cancelled'],
  running: ['paused', 'done', 'failed', 'cancelled'],
  paused: ['approved', 'cancelled'],
  cancelled: [],
  done: [],
  failed: [],
};

/** States in which a plan counts as the active one. */
export const ACTIVE_STATES: readonly PlanState[] = ['approved', 'running', 'paused'];

/** The guard key of the active plan, under `rebalance/`. */
export const ACTIVE_PLAN_KEY = 'rebalance/active';

const MOVE_PHASES: readonly MovePhase[] = ['pending', 'copy', 'catchup', 'fence', 'commit', 'cleanup', 'done', 'rolled-back'];
const PLAN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Compare-and-set attempts before giving up on a plan that keeps changing under us. */
const CAS_ATTEMPTS = 8;

/** A plan as stored, with the revision to compare-and-set against. */
export interface StoredPlan {
  readonly plan: RebalancePlan;
  readonly modRevision: number;
}

/** Throw InvalidArgumentError unless `id` is a plan id (letters, digits, `.`, `_`, `-`; 1 … 128). */
export function checkPlanId(id: unknown): string {
  if (typeof id !== 'string' || !PLAN_ID.test(id)) throw new InvalidArgumentError('plan id', id, 'letters, digits, ".", "_" and "-" (1 … 128, starting with a letter or digit)');
  return id;
}

/** The key of plan `id`. */
export function planKey(prefix: string, id: string): string {
  return `${prefix}${REBALANCE_KEYS.plansPrefix}${checkPlanId(id)}`;
}

/** The key of plan `id`'s journal. */
export function journalKey(prefix: string, id: string): string {
  return `${prefix}${REBALANCE_KEYS.journalPrefix}${checkPlanId(id)}`;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CorruptionError(`${what} is not valid UTF-8 JSON`, { cause: e });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Check a decoded value is a RebalancePlan; CorruptionError naming the first thing wrong. O(size). */
export function validatePlan(value: unknown, what = 'rebalance plan'): RebalancePlan {
  const bad = (m: string): never => {
    throw new CorruptionError(`${what}: ${m}`);
  };
  if (!isObject(value)) return bad('not an object');
  const v = value;
  if (v.format !== 1) bad(`format ${String(v.format)}; this version reads format 1`);
  if (typeof v.id !== 'string' || !PLAN_ID.test(v.id)) bad('id must be a plan id');
  if (v.kind !== 'add' && v.kind !== 'remove' && v.kind !== 'balance') bad('kind must be add, remove or balance');
  if (v.kind !== 'balance' && (typeof v.node !== 'string' || v.node.length === 0)) bad(`a ${String(v.kind)} plan must name its node`);
  if (v.kind === 'balance' && v.by !== 'keys' && v.by !== 'bytes' && v.by !== 'load') bad('a balance plan must say by keys, bytes or load');
  if (!isTime(v.createdAtMs)) bad('createdAtMs must be a number');
  if (!Number.isSafeInteger(v.fromEpoch) || (v.fromEpoch as number) < 1) bad('fromEpoch must be an integer ≥ 1');
  if (!Array.isArray(v.nodes) || v.nodes.length === 0) bad('nodes must be a non-empty array');
  for (const n of v.nodes as unknown[]) {
    const ok = isObject(n) && typeof n.id === 'string' && n.id.length > 0 && typeof n.weight === 'number' && n.weight > 0 && typeof n.host === 'string' && Number.isInteger(n.port);
    if (!ok) bad(`node ${JSON.stringify(n)} is not {id, weight, host, port}`);
  }
  if (!Array.isArray(v.moves)) bad('moves must be an array');
  for (const [i, m] of (v.moves as unknown[]).entries()) {
    const ok =
      isObject(m) && isCount(m.first) && isCount(m.last) && (m.last as number) >= (m.first as number) && typeof m.from === 'string' && typeof m.to === 'string' && m.from !== m.to && isCount(m.keys) && isCount(m.bytes);
    if (!ok) bad(`move ${i} is not {first ≤ last, from ≠ to, keys, bytes}`);
  }
  const t = v.throttle;
  if (!isObject(t) || !isCount(t.bytesPerSecPerNode) || t.bytesPerSecPerNode < 1 || !isCount(t.movesPerNode) || t.movesPerNode < 1) bad('throttle must be {bytesPerSecPerNode ≥ 1, movesPerNode ≥ 1}');
  if (!isCount(v.estimateMs)) bad('estimateMs must be an integer ≥ 0');
  if (!PLAN_STATES.includes(v.state as PlanState)) bad(`state ${JSON.stringify(v.state)} is not one of ${PLAN_STATES.join(', ')}`);
  if (v.error !== undefined && typeof v.error !== 'string') bad('error must be a string');
  return value as unknown as RebalancePlan;
}

/** Check a decoded value is a PlanJournal; CorruptionError naming the first thing wrong. O(size). */
export function validateJournal(value: unknown, what = 'rebalance journal'): PlanJournal {
  const bad = (m: string): never => {
    throw new CorruptionError(`${what}: ${m}`);
  };
  if (!isObject(value)) return bad('not an object');
  if (value.format !== 1) bad(`format ${String(value.format)}; this version reads format 1`);
  if (typeof value.plan !== 'string') bad('plan must be a plan id');
  if (!isTime(value.updatedAtMs)) bad('updatedAtMs must be a number');
  if (!Array.isArray(value.moves)) bad('moves must be an array');
  for (const [i, m] of (value.moves as unknown[]).entries()) {
    const ok =
      isObject(m) &&
      isCount(m.index) &&
      MOVE_PHASES.includes(m.phase as MovePhase) &&
      isCount(m.copiedKeys) &&
      isCount(m.copiedBytes) &&
      isCount(m.lagChanges) &&
      isCount(m.restarts) &&
      (m.fenceMs === undefined || isTime(m.fenceMs)) &&
      (m.startedAtMs === undefined || isTime(m.startedAtMs)) &&
      (m.finishedAtMs === undefined || isTime(m.finishedAtMs));
    if (!ok) bad(`move ${i} is not {index, phase, copiedKeys, copiedBytes, lagChanges, restarts}`);
  }
  return value as unknown as PlanJournal;
}

const encode = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/**
 * Store a new plan (state `proposed`) under its id. StateError (code
 * PLAN_EXISTS) when a plan of that id exists; InvalidArgumentError when the
 * plan is not a valid proposed plan. Nothing is written then.
 */
export async function createPlan(meta: MetaStore, prefix: string, plan: RebalancePlan): Promise<StoredPlan> {
  let checked: RebalancePlan;
  try {
    checked = validatePlan(JSON.parse(JSON.stringify(plan)) as unknown, 'plan');
  } catch (e) {
    throw new InvalidArgumentError('plan', plan?.id, `a valid rebalance plan (${(e as Error).message})`);
  }
  if (checked.state !== 'proposed') throw new InvalidArgumentError(`state of new plan ${checked.id}`, checked.state, 'proposed');
  const r = await meta.put(planKey(prefix, checked.id), encode(checked), { ifModRevision: 0 });
  if (!r.ok) throw new StateError(`a plan ${JSON.stringify(checked.id)} exists already; plan ids are unique`, { code: 'PLAN_EXISTS' });
  return { plan: checked, modRevision: r.revision };
}

/** Plan `id`, validated. NotFoundError when there is none; CorruptionError when the stored value is not a plan. */
export async function readPlan(meta: MetaStore, prefix: string, id: string): Promise<StoredPlan> {
  const key = planKey(prefix, id);
  const kv = await meta.get(key);
  if (kv === undefined) throw new NotFoundError('rebalance plan', id, (await listPlans(meta, prefix)).map((p) => p.plan.id));
  const plan = validatePlan(parseJson(kv.value, `rebalance plan at ${key}`), `rebalance plan at ${key}`);
  if (plan.id !== id) throw new CorruptionError(`rebalance plan at ${key}: its id is ${JSON.stringify(plan.id)}`);
  return { plan, modRevision: kv.modRevision };
}

/** Every plan, oldest first (createdAtMs, then id). CorruptionError when one is not a plan. */
export async function listPlans(meta: MetaStore, prefix: string): Promise<StoredPlan[]> {
  const base = `${prefix}${REBALANCE_KEYS.plansPrefix}`;
  const { kvs } = await meta.list(base);
  const out = kvs.map((kv) => {
    const plan = validatePlan(parseJson(kv.value, `rebalance plan at ${kv.key}`), `rebalance plan at ${kv.key}`);
    if (kv.key !== `${base}${plan.id}`) throw new CorruptionError(`rebalance plan at ${kv.key}: its id is ${JSON.stringify(plan.id)}`);
    return { plan, modRevision: kv.modRevision };
  });
  return out.sort((a, b) => a.plan.createdAtMs - b.plan.createdAtMs || (a.plan.id < b.plan.id ? -1 : a.plan.id > b.plan.id ? 1 : 0));
}

/** The journal of plan `id`, validated, or undefined when the executor has written none yet. */
export async function readJournal(meta: MetaStore, prefix: string, id: string): Promise<PlanJournal | undefined> {
  const key = journalKey(prefix, id);
  const kv = await meta.get(key);
  if (kv === undefined) return undefined;
  return validateJournal(parseJson(kv.value, `rebalance journal at ${key}`), `rebalance journal at ${key}`);
}

/** The active plan (approved, running or paused), if any; the first by age if several are (they should not be). */
export async function activePlan(meta: MetaStore, prefix: string): Promise<StoredPlan | undefined> {
  return (await listPlans(meta, prefix)).find((p) => ACTIVE_STATES.includes(p.plan.state));
}

/** StateError unless `from → to` is a legal transition of plan `id`. */
export function checkTransition(id: string, from: PlanState, to: PlanState): void {
  const allowed = PLAN_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    const what = allowed.length === 0 ? `it is ${from}, a final state` : `from ${from} it can only become ${allowed.join(' or ')}`;
    throw new StateError(`plan ${id} cannot become ${to}: ${what}`, { code: 'ILLEGAL_PLAN_TRANSITION' });
  }
}

/** Options of `transitionPlan`. */
export interface TransitionOptions {
  /** Why the plan failed (for `failed`). */
  readonly error?: string;
  /** Only if the plan is still at this modRevision (else StateError, retriable): for a caller that read it and decided. */
  readonly ifModRevision?: number;
}

/**
 * Move plan `id` to state `to` by compare-and-set, re-reading and checking
 * again when it changed meanwhile. StateError (ILLEGAL_PLAN_TRANSITION)
 * naming the current state and what it allows; StateError (code
 * PLAN_ACTIVE) when approving while another plan is active; NotFoundError for
 * an unknown id. Returns the plan as written.
 */
export async function transitionPlan(meta: MetaStore, prefix: string, id: string, to: PlanState, options: TransitionOptions = {}): Promise<StoredPlan> {
  if (!PLAN_STATES.includes(to)) throw new InvalidArgumentError('plan state', to, PLAN_STATES.join(', '));
  const key = planKey(prefix, id);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const cur = await readPlan(meta, prefix, id);
    if (options.ifModRevision !== undefined && cur.modRevision !== options.ifModRevision) {
      throw new StateError(`plan ${id} changed since it was read (it is ${cur.plan.state} now); read it again`, { code: 'PLAN_CHANGED', retriable: true });
    }
    checkTransition(id, cur.plan.state, to);
    if (to === 'approved') await refuseIfOtherActive(meta, prefix, id);
    const { error: _old, ...rest } = cur.plan;
    const next: RebalancePlan = { ...rest, state: to, ...(to === 'failed' && options.error !== undefined ? { error: options.error } : {}) };
    const r = await meta.put(key, encode(next), { ifModRevision: cur.modRevision });
    if (!r.ok) continue;
    const written = { plan: next, modRevision: r.revision };
    if (to === 'approved') await takeGuard(meta, prefix, written, cur.plan);
    return written;
  }
  throw new StateError(`plan ${id} kept changing while being set ${to} (${CAS_ATTEMPTS} attempts); try again`, { code: 'PLAN_CHANGED', retriable: true });
}

function activeError(id: string, other: RebalancePlan): StateError {
  return new StateError(`cannot approve plan ${id}: plan ${other.id} is ${other.state}, and only one plan may be approved, running or paused at a time (cancel it, or wait until it is done)`, {
    code: 'PLAN_ACTIVE',
  });
}

async function refuseIfOtherActive(meta: MetaStore, prefix: string, id: string): Promise<void> {
  for (const p of await listPlans(meta, prefix)) if (p.plan.id !== id && ACTIVE_STATES.includes(p.plan.state)) throw activeError(id, p.plan);
}

/**
 * Take the active-plan guard for the plan just approved; when another active
 * plan holds it, write the plan's previous state back and refuse.
 */
async function takeGuard(meta: MetaStore, prefix: string, mine: StoredPlan, previous: RebalancePlan): Promise<void> {
  const guard = `${prefix}${ACTIVE_PLAN_KEY}`;
  const id = mine.plan.id;
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const kv = await meta.get(guard);
    if (kv === undefined) {
      if ((await meta.put(guard, encode(id), { ifModRevision: 0 })).ok) return;
      continue;
    }
    let holder: unknown;
    try {
      holder = JSON.parse(new TextDecoder().decode(kv.value));
    } catch {
      holder = undefined;
    }
    if (holder === id) return;
    if (typeof holder === 'string' && PLAN_ID.test(holder)) {
      const other = await meta.get(planKey(prefix, holder));
      const plan = other === undefined ? undefined : validatePlan(parseJson(other.value, `rebalance plan ${holder}`));
      if (plan !== undefined && ACTIVE_STATES.includes(plan.state)) {
        // Undo our approval (only if nobody changed the plan since), then refuse.
        await meta.put(planKey(prefix, id), encode(previous), { ifModRevision: mine.modRevision });
        throw activeError(id, plan);
      }
    }
    // A stale guard (its plan finished, was cancelled, or is gone): take it over.
    if ((await meta.put(guard, encode(id), { ifModRevision: kv.modRevision })).ok) return;
  }
  throw new StateError(`plan ${id}: the active-plan guard kept changing (${CAS_ATTEMPTS} attempts); try again`, { code: 'PLAN_CHANGED', retriable: true });
}
