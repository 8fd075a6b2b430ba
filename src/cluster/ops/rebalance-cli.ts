/**
 * The bodies of `shardkit rebalance …` (loaded only when one runs): find the
 * cluster (cluster directory or --meta), read the map, gather SK.PARTSTATS
 * from every node, compute and store plans, change their state, run the
 * executor, and print plans and progress as tables (or JSON).
 */
import { randomInt } from 'node:crypto';
import { InvalidArgumentError, StateError } from '../../errors.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { type ClusterMap, decodeMap } from '../map.js';
import { connectMeta } from '../meta/connect.js';
import { META_KEYS, type MetaStore, clusterPrefix } from '../meta/types.js';
import { RespErrorReply, type RespValue } from '../resp/reply-parser.js';
import { type PlanOutcome, type PlanRequest, computePlan, estimatePlanMs, mergePartitionStats, partitionCountOf } from '../rebalance/plan.js';
import { type StoredPlan, activePlan, createPlan, listPlans, readJournal, readPlan, transitionPlan } from '../rebalance/plan-store.js';
import type { MoveProgress, PlanJournal, PlanMove, PlanState, RebalancePlan } from '../rebalance/types.js';
import { paths, readTopology } from './cluster-dir.js';
import { respCall } from './resp-call.js';

const out = (s: string): void => void process.stdout.write(`${s}\n`);

/** Partitions per SK.PARTSTATS call: keeps each call (a synchronous scan on the node) short. */
export const PARTSTATS_SLICE = 1024;
const NODE_TIMEOUT_MS = 10_000;

/** Where the cluster is, as the options say. */
export interface WhereOptions {
  readonly dir: string;
  readonly meta?: string;
  readonly name?: string;
}

/** The metadata service address and the cluster's key prefix. */
export function resolveCluster(o: WhereOptions): { url: string; name: string; prefix: string } {
  if (o.meta !== undefined) {
    const name = o.name ?? 'default';
    return { url: o.meta, name, prefix: clusterPrefix(name) };
  }
  const topology = readTopology(o.dir);
  if (topology === undefined) {
    throw new StateError(`no cluster in ${o.dir} (no ${paths.topology(o.dir)}); pass --dir <cluster directory> or --meta <url> [--name <cluster>]`, { code: 'NO_CLUSTER' });
  }
  const name = o.name ?? topology.name;
  return { url: topology.meta.url, name, prefix: clusterPrefix(name) };
}

async function withMeta<T>(o: WhereOptions, f: (meta: MetaStore, prefix: string) => Promise<T>): Promise<T> {
  const { url, prefix } = resolveCluster(o);
  const meta = connectMeta(url, { retryBudgetMs: 2000, requestTimeoutMs: 5000 });
  try {
    return await f(meta, prefix);
  } finally {
    await meta.close();
  }
}

async function readMap(meta: MetaStore, prefix: string): Promise<ClusterMap> {
  const kv = await meta.get(`${prefix}${META_KEYS.map}`);
  if (kv === undefined) throw new StateError(`no cluster map under ${prefix}${META_KEYS.map} in the metadata service; is the cluster name right (--name)?`, { code: 'NO_MAP' });
  return decodeMap(kv.value);
}

const asInt = (v: RespValue): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);

/** SK.PARTSTATS from every node of `map`, in slices of PARTSTATS_SLICE partitions, merged. */
export async function gatherStats(map: ClusterMap): Promise<Map<number, { keys: number; bytes: number }>> {
  const P = partitionCountOf(map);
  const perNode = await Promise.all(
    map.nodes.map(async (n) => {
      const rows: Array<[number, number, number]> = [];
      for (let first = 0; first < P; first += PARTSTATS_SLICE) {
        const last = Math.min(P, first + PARTSTATS_SLICE) - 1;
        let reply: RespValue;
        try {
          reply = await respCall(n.host, n.port, ['SK.PARTSTATS', String(first), String(last)], NODE_TIMEOUT_MS);
        } catch (e) {
          throw new StateError(`cannot read partition statistics from node ${n.id} (${n.host}:${n.port}): ${(e as Error).message}; every node of the map must answer to plan`, { code: 'NODE_UNREACHABLE', retriable: true });
        }
        if (reply instanceof RespErrorReply) throw new StateError(`node ${n.id} (${n.host}:${n.port}) refused SK.PARTSTATS: ${reply.message}`, { code: 'NODE_REFUSED' });
        if (!Array.isArray(reply)) throw new StateError(`node ${n.id} answered SK.PARTSTATS with something other than an array of rows`, { code: 'NODE_REFUSED' });
        for (const row of reply) {
          const r = Array.isArray(row) ? row.map(asInt) : [];
          if (r.length !== 3 || r.some((x) => x === undefined)) throw new StateError(`node ${n.id} answered SK.PARTSTATS with a malformed row`, { code: 'NODE_REFUSED' });
          rows.push(r as [number, number, number]);
        }
      }
      return rows;
    }),
  );
  return mergePartitionStats(perNode);
}

function parseAddress(address: string | undefined): { host: string; port: number } {
  const m = address === undefined ? null : /^(.+):([0-9]{1,5})$/.exec(address);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65535) throw new InvalidArgumentError('--address', address, 'host:port of the node to add, port 1 … 65535');
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

/** The request the `plan` options describe; exactly one of --add, --remove, --balance. */
export function planRequest(o: { add?: string; address?: string; weight: string; remove?: string; balance?: boolean; by: string }): PlanRequest {
  const chosen = [o.add !== undefined, o.remove !== undefined, o.balance === true].filter(Boolean).length;
  if (chosen !== 1) throw new InvalidArgumentError('plan', `${chosen} of --add, --remove, --balance`, 'exactly one of --add <id> --address host:port, --remove <id>, --balance [--by keys|bytes]');
  if (o.add !== undefined) {
    const weight = Number(o.weight);
    if (!Number.isFinite(weight) || weight <= 0) throw new InvalidArgumentError('--weight', o.weight, 'a number > 0');
    return { kind: 'add', node: { id: o.add, weight, ...parseAddress(o.address) } };
  }
  if (o.address !== undefined) throw new InvalidArgumentError('--address', o.address, 'only with --add');
  if (o.remove !== undefined) return { kind: 'remove', node: o.remove };
  if (o.by !== 'keys' && o.by !== 'bytes' && o.by !== 'load') throw new InvalidArgumentError('--by', o.by, 'keys, bytes or load');
  return { kind: 'balance', by: o.by };
}

/** `rebalance plan`. */
export async function runPlan(o: WhereOptions & Parameters<typeof planRequest>[0] & { maxBytesPerSec: number; movesPerNode: number; json?: boolean }): Promise<void> {
  const request = planRequest(o);
  await withMeta(o, async (meta, prefix) => {
    const map = await readMap(meta, prefix);
    partitionCountOf(map); // refuse other strategies before asking the nodes
    const stats = await gatherStats(map);
    const outcome = computePlan({
      map,
      stats,
      request,
      throttle: { bytesPerSecPerNode: o.maxBytesPerSec, movesPerNode: o.movesPerNode },
      nowMs: systemClock.now(),
      random: () => randomInt(2 ** 47) / 2 ** 47,
    });
    const stored = await createPlan(meta, prefix, outcome.plan);
    if (o.json === true) out(JSON.stringify({ plan: stored.plan, balance: outcome.balance }));
    else out(formatPlan(stored.plan, undefined, outcome));
  });
}

/** `rebalance show <id>`. */
export async function runShow(id: string, o: WhereOptions & { json?: boolean }): Promise<void> {
  await withMeta(o, async (meta, prefix) => {
    const { plan } = await readPlan(meta, prefix, id);
    const journal = await readJournal(meta, prefix, id);
    out(o.json === true ? JSON.stringify({ plan, journal: journal ?? null }) : formatPlan(plan, journal));
  });
}

/** `rebalance list`. */
export async function runList(o: WhereOptions & { json?: boolean }): Promise<void> {
  await withMeta(o, async (meta, prefix) => {
    const plans = await listPlans(meta, prefix);
    if (o.json === true) return out(JSON.stringify(plans.map((p) => p.plan)));
    if (plans.length === 0) return out('no rebalancing plans; make one with: shardkit rebalance plan --add <id> --address host:port | --remove <id> | --balance');
    const rows = [['ID', 'STATE', 'KIND', 'WHAT', 'MOVES', 'PARTITIONS', 'BYTES', 'ESTIMATE', 'CREATED']];
    for (const { plan: p } of plans) {
      rows.push([p.id, p.state, p.kind, p.node ?? `by ${p.by}`, String(p.moves.length), String(partitionsOf(p.moves)), bytes(sum(p.moves, 'bytes')), duration(p.estimateMs), new Date(p.createdAtMs).toISOString()]);
    }
    out(table(rows));
  });
}

/** The executor's entry point, as this CLI calls it (src/cluster/rebalance/executor.ts). */
interface ExecutorModule {
  executePlan(o: {
    meta: MetaStore;
    prefix: string;
    planId: string;
    clock: Clock;
    onProgress?: (plan: RebalancePlan, journal: PlanJournal | undefined) => void;
    signal?: AbortSignal;
  }): Promise<RebalancePlan>;
}

/**
 * The executor module. The specifier is a variable so that a build without
 * the executor still type-checks and bundles; once executor.ts is part of
 * the tree this should become `await import('../rebalance/executor.js')`.
 */
async function loadExecutor(): Promise<ExecutorModule> {
  const specifier = '../rebalance/executor.js';
  try {
    return (await import(specifier)) as ExecutorModule;
  } catch (e) {
    throw new StateError(`the move executor is not available in this build (${(e as Error).message}); the plan stays approved for an executor to run`, { code: 'NO_EXECUTOR' });
  }
}

async function execute(meta: MetaStore, prefix: string, id: string): Promise<void> {
  const { executePlan } = await loadExecutor();
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = process.stdout.isTTY === true;
  let lastLine = '';
  try {
    const final = await executePlan({
      meta,
      prefix,
      planId: id,
      clock: systemClock,
      signal: abort.signal,
      onProgress: (plan, journal) => {
        const line = progressLine(plan, journal);
        if (tty) process.stdout.write(`\r${line.padEnd(lastLine.length)}`);
        else if (line !== lastLine) out(line);
        lastLine = line;
      },
    });
    if (tty) process.stdout.write('\n');
    out(`plan ${id} is ${final.state}${final.error === undefined ? '' : `: ${final.error}`}`);
    if (final.state === 'failed') process.exitCode = 1;
    if (abort.signal.aborted) out(`stopped; the journal keeps the progress. Go on with: shardkit rebalance ${final.state === 'paused' ? 'resume' : 'approve'} ${id}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `rebalance approve | pause | resume | cancel`. */
export async function runTransition(action: 'approve' | 'pause' | 'resume' | 'cancel', id: string | undefined, o: WhereOptions & { run?: boolean }): Promise<void> {
  await withMeta(o, async (meta, prefix) => {
    let target = id;
    if (target === undefined) {
      const active = await activePlan(meta, prefix);
      if (active === undefined) throw new StateError(`no plan is approved, running or paused: nothing to ${action}`, { code: 'NO_ACTIVE_PLAN' });
      target = active.plan.id;
    }
    if (action === 'resume') {
      const cur = await readPlan(meta, prefix, target);
      if (cur.plan.state !== 'paused') throw new StateError(`plan ${target} is ${cur.plan.state}, not paused: only a paused plan can be resumed${cur.plan.state === 'proposed' ? ' (approve it instead)' : ''}`, { code: 'ILLEGAL_PLAN_TRANSITION' });
    }
    const to: PlanState = action === 'approve' || action === 'resume' ? 'approved' : action === 'pause' ? 'paused' : 'cancelled';
    const written: StoredPlan = await transitionPlan(meta, prefix, target, to);
    out(`plan ${target} is ${written.plan.state}`);
    if (to === 'approved') {
      if (o.run === false) out(`not run (--no-run); an executor runs it, or: shardkit rebalance status ${target}`);
      else await execute(meta, prefix, target);
    }
  });
}

/** `rebalance status [id]`. */
export async function runStatus(id: string | undefined, o: WhereOptions & { json?: boolean }): Promise<void> {
  await withMeta(o, async (meta, prefix) => {
    let stored: StoredPlan | undefined;
    if (id !== undefined) stored = await readPlan(meta, prefix, id);
    else {
      const plans = await listPlans(meta, prefix);
      stored = plans.find((p) => ['approved', 'running', 'paused'].includes(p.plan.state)) ?? plans[plans.length - 1];
      if (stored === undefined) throw new StateError('no rebalancing plans; make one with: shardkit rebalance plan …', { code: 'NO_PLAN' });
    }
    const journal = await readJournal(meta, prefix, stored.plan.id);
    out(o.json === true ? JSON.stringify({ plan: stored.plan, journal: journal ?? null }) : formatPlan(stored.plan, journal));
  });
}

// ---- formatting -------------------------------------------------------------

const sum = (moves: readonly PlanMove[], f: 'keys' | 'bytes'): number => moves.reduce((s, m) => s + m[f], 0);
const partitionsOf = (moves: readonly PlanMove[]): number => moves.reduce((s, m) => s + m.last - m.first + 1, 0);

/** 1536 → "1.5 KiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** 61500 → "1m 2s"; 400 → "0.4s". */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ').trimEnd()).join('\n');
}

/** A text bar of `width` cells for fraction f (0 … 1). */
export function bar(f: number, width = 20): string {
  const full = Math.round(Math.min(1, Math.max(0, f)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

const FINISHED: ReadonlySet<string> = new Set(['done', 'rolled-back']);

function progressOf(journal: PlanJournal | undefined, i: number): MoveProgress | undefined {
  return journal?.moves.find((m) => m.index === i);
}

/** Remaining time under the throttle: the moves not finished, with what is left to copy of each. */
function eta(plan: RebalancePlan, journal: PlanJournal | undefined): number {
  const left = plan.moves
    .map((m, i) => ({ m, p: progressOf(journal, i) }))
    .filter(({ p }) => p === undefined || !FINISHED.has(p.phase))
    .map(({ m, p }) => ({ ...m, bytes: Math.max(0, m.bytes - (p?.copiedBytes ?? 0)) }));
  return estimatePlanMs(left, plan.throttle);
}

function progressLine(plan: RebalancePlan, journal: PlanJournal | undefined): string {
  const total = sum(plan.moves, 'bytes');
  const copied = plan.moves.reduce((s, m, i) => {
    const p = progressOf(journal, i);
    return s + (p === undefined ? 0 : p.phase === 'done' ? m.bytes : Math.min(m.bytes, p.copiedBytes));
  }, 0);
  const done = plan.moves.filter((_, i) => progressOf(journal, i)?.phase === 'done').length;
  return `${plan.id} ${plan.state} ${bar(total === 0 ? done / Math.max(1, plan.moves.length) : copied / total)} ${done}/${plan.moves.length} moves, ${bytes(copied)} / ${bytes(total)}, ETA ${duration(eta(plan, journal))}`;
}

/** A plan as `plan`, `show` and `status` print it: header, one row per move (with progress once there is a journal), totals. */
export function formatPlan(plan: RebalancePlan, journal: PlanJournal | undefined, outcome?: PlanOutcome): string {
  const what = plan.kind === 'add' ? `add ${plan.node} (${plan.nodes.find((n) => n.id === plan.node)?.host}:${plan.nodes.find((n) => n.id === plan.node)?.port})` : plan.kind === 'remove' ? `remove ${plan.node}` : `balance by ${plan.by}`;
  const lines = [`plan ${plan.id} (${plan.state}): ${what}, from map epoch ${plan.fromEpoch}`];
  if (plan.error !== undefined) lines.push(`error: ${plan.error}`);
  if (plan.moves.length === 0) lines.push('no partition needs to move');
  else {
    const head = ['MOVE', 'PARTITIONS', 'FROM', 'TO', 'KEYS', 'BYTES'];
    if (journal !== undefined) head.push('PROGRESS', 'COPIED', 'PHASE', 'LAG');
    const rows = [head];
    plan.moves.forEach((m, i) => {
      const row = [String(i + 1), m.first === m.last ? `${m.first}` : `${m.first}-${m.last}`, m.from, m.to, String(m.keys), bytes(m.bytes)];
      if (journal !== undefined) {
        const p = progressOf(journal, i);
        const copied = p === undefined ? 0 : p.phase === 'done' ? m.bytes : p.copiedBytes;
        row.push(bar(m.bytes === 0 ? (p?.phase === 'done' ? 1 : 0) : copied / m.bytes), `${bytes(copied)} / ${bytes(m.bytes)}`, p?.phase ?? 'pending', String(p?.lagChanges ?? 0));
      }
      rows.push(row);
    });
    lines.push(table(rows));
  }
  const t = plan.throttle;
  lines.push(
    `total: ${plan.moves.length} moves, ${partitionsOf(plan.moves)} partitions, ${sum(plan.moves, 'keys')} keys, ${bytes(sum(plan.moves, 'bytes'))}; estimate ${duration(plan.estimateMs)} at ${bytes(t.bytesPerSecPerNode)}/s and ${t.movesPerNode} moves at once per node`,
  );
  if (outcome?.balance !== undefined) {
    const b = outcome.balance;
    lines.push(`imbalance by ${b.by} (most loaded node / its share): ${b.before.toFixed(3)} → ${b.after.toFixed(3)} (goal ≤ ${b.threshold})`);
  }
  if (journal !== undefined) lines.push(`progress: ${progressLine(plan, journal)} (journal updated ${new Date(journal.updatedAtMs).toISOString()})`);
  if (plan.state === 'proposed') lines.push(`approve with: shardkit rebalance approve ${plan.id}`);
  return lines.join('\n');
}
