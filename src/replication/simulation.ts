/**
 * A deterministic simulation of the replication core (ARCHITECTURE.md,
 * principle 3; TigerBeetle's VOPR, FoundationDB): a seeded random history of
 * writes, reads, node failures, crashes of hint holders (with torn log
 * tails) and recoveries on a simulated clock, followed by full recovery and a
 * handoff drain, checked against a trivial model. Everything is a function of
 * the options, so a seed replays exactly.
 *
 * It is also the lab's entry point for the experiment "hinted handoff under
 * random node failures, sloppy vs strict quorum": the result counts writes
 * that succeeded, hints stored / delivered / expired / rejected, and reads
 * that saw stale data before handoff.
 *
 * The checks (reported in `violations`, empty when the core behaves):
 * 1. after recovery and drain, every successful write is readable at its
 *    version or newer on all N preferred nodes, unless the hint meant for a
 *    node expired, was rejected (reported by the write), or was lost in a
 *    restart of a volatile hint store; each such case is counted;
 * 2. with sloppy quorum off and R + W > N, every read returns the newest
 *    successfully written version of its key or a newer one;
 * 3. durable hint stores lose nothing in a restart, and no hint is left
 *    undelivered after the drain.
 */
import { InvalidArgumentError, readArray, readOptions, requireInt } from '../errors.js';
import type { Placement } from '../partitioning/placement.js';
import { ManualClock } from '../util/clock.js';
import { type Random, mulberry32, randomInt } from '../util/random.js';
import { ReplicaCluster } from './cluster.js';
import { Coordinator } from './coordinator.js';
import { DurableHintStore } from './durable-hint-store.js';
import { encodeRecord } from './hint-log.js';
import { type HintStore, MemoryHintStore } from './hint-store.js';
import { MemoryLogFile } from './log-file.js';
import type { HandoffReport, WriteReport } from './reports.js';
import type { ReplicaStore } from './replica-store.js';
import { type Version, compareVersions, formatVersion } from './version.js';
import { runChecks } from './simulation-check.js';

/** The knobs of one simulated history. Every field but `seed` has a default. */
export interface SimulationOptions {
  seed: number;
  /** Nodes in the cluster (default 6). */
  nodes?: number;
  n?: number;
  w?: number;
  r?: number;
  /** Default true. */
  sloppyQuorum?: boolean;
  /** Store hints under a strict quorum too (default true). */
  hintedHandoff?: boolean;
  /** Default 400 ms of simulated time. */
  hintTtlMs?: number;
  /** Default 50 per node. */
  hintsMax?: number;
  /** Default 4. */
  handoffRatePerTick?: number;
  /** Operations in the history (default 300). */
  steps?: number;
  /** Distinct keys written and read (default 16). */
  keys?: number;
  /** Simulated milliseconds per step; one tick per step (default 10). */
  stepMs?: number;
  /** Probability per step that an available node fails (default 0.05). */
  failureRate?: number;
  /** Probability per step that an unavailable node recovers (default 0.06). */
  recoveryRate?: number;
  /** Share of failures that are crashes restarting the node's hint store (default 0.5). */
  crashShare?: number;
  /** Most nodes down at once (default nodes − 1). */
  maxDown?: number;
  /** Durable hint stores over a simulated log file (default true); false: memory stores, lost on restart. */
  durableHints?: boolean;
  /** Coordinators sharing the cluster, each write and read going to a random one (default 1). */
  coordinators?: number;
  /** Placement over the node ids (default: the coordinator's default). */
  placement?: (nodeIds: readonly string[]) => Placement;
  /** How each node's replica store is made (default memory); tests use it to check that the checks can fail. */
  replicaStore?: (nodeId: string) => ReplicaStore;
  /** Check the cluster's invariants after every step, and the coordinator's (placement included) at the end (default true). */
  checkInvariants?: boolean;
}

/** Counts from one simulated history. */
export interface SimulationResult {
  readonly seed: number;
  readonly writes: { attempted: number; succeeded: number; failed: number; sloppy: number };
  readonly reads: { attempted: number; succeeded: number; failed: number; stale: number; repairs: number };
  readonly hints: { stored: number; rejected: number; delivered: number; expired: number; lostInRestarts: number; pendingAfterDrain: number };
  readonly failures: { downs: number; crashes: number; crashesOfHintHolders: number; tornTailsCut: number; recoveries: number };
  /** Final check over every successful write × its N preferred nodes. */
  readonly final: { writesChecked: number; replicasChecked: number; missingExpired: number; missingRejected: number; missingLostInRestart: number; writesWithExpiredHint: number };
  readonly drainTicks: number;
  /** Broken rules (empty when the core behaves); each names the seed. */
  readonly violations: readonly string[];
}

/** A successful write as the model remembers it. */
export interface ModelWrite {
  readonly key: string;
  readonly version: Version;
  readonly report: WriteReport;
}

function prob(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw new InvalidArgumentError(name, x, 'a probability from 0 to 1');
  return x;
}

/** Run one seeded history; O(steps × N) plus the drain. Throws only on bad options. */
const SIMULATION_KEYS = [
  'seed',
  'nodes',
  'n',
  'w',
  'r',
  'sloppyQuorum',
  'hintedHandoff',
  'hintTtlMs',
  'hintsMax',
  'handoffRatePerTick',
  'steps',
  'keys',
  'stepMs',
  'failureRate',
  'recoveryRate',
  'crashShare',
  'maxDown',
  'durableHints',
  'coordinators',
  'placement',
  'replicaStore',
  'checkInvariants',
] as const;

function flag(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(name, v, 'true or false');
  return v;
}

function callback<T>(name: string, v: T | undefined | null): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'function') throw new InvalidArgumentError(name, v, 'a function of the node id(s), or undefined for the default');
  return v;
}

export function simulateReplication(given: SimulationOptions): SimulationResult {
  if (given === undefined) throw new InvalidArgumentError('options', given, 'an object with at least a seed');
  // Each option is read once (a changing getter cannot give two answers; one that throws is an InvalidArgumentError).
  const read = readOptions('options', given, SIMULATION_KEYS, 'an object with at least a seed');
  const o = { ...read, placement: callback('placement', read.placement), replicaStore: callback('replicaStore', read.replicaStore) };
  const seed = requireInt('seed', o.seed, 0, 0xffffffff);
  const nodeCount = requireInt('nodes', o.nodes ?? 6, 1, 1000);
  const steps = requireInt('steps', o.steps ?? 300, 0, 10_000_000);
  const keyCount = requireInt('keys', o.keys ?? 16, 1, 10_000_000);
  const stepMs = requireInt('stepMs', o.stepMs ?? 10, 0);
  const coordinatorCount = requireInt('coordinators', o.coordinators ?? 1, 1, 100);
  const maxDown = requireInt('maxDown', o.maxDown ?? nodeCount - 1, 0, nodeCount);
  const failureRate = prob('failureRate', o.failureRate, 0.05);
  const recoveryRate = prob('recoveryRate', o.recoveryRate, 0.06);
  const crashShare = prob('crashShare', o.crashShare, 0.5);
  const durable = flag('durableHints', o.durableHints, true);
  const check = flag('checkInvariants', o.checkInvariants, true);

  const rnd: Random = mulberry32(seed);
  const clock = new ManualClock(0);
  const ids = Array.from({ length: nodeCount }, (_, i) => `node-${i}`);
  const files = new Map<string, MemoryLogFile>();
  const makeHints = (id: string): HintStore => {
    if (!durable) return new MemoryHintStore();
    const f = new MemoryLogFile();
    files.set(id, f);
    return new DurableHintStore(f, { compactMinDeadRecords: 64 });
  };
  const cluster = new ReplicaCluster(ids, { hintStore: makeHints, ...(o.replicaStore ? { replicaStore: o.replicaStore } : {}) });
  const coordinators = Array.from(
    { length: coordinatorCount },
    (_, i) =>
      new Coordinator({
        cluster,
        n: o.n ?? 3,
        w: o.w ?? 2,
        r: o.r ?? 2,
        hintTtlMs: o.hintTtlMs ?? 400,
        clock,
        ...(o.sloppyQuorum === undefined ? {} : { sloppyQuorum: o.sloppyQuorum }),
        ...(o.hintedHandoff === undefined ? {} : { hintedHandoff: o.hintedHandoff }),
        hintsMax: o.hintsMax ?? 50,
        handoffRatePerTick: o.handoffRatePerTick ?? 4,
        coordinatorId: `c${i}`,
        random: mulberry32((seed ^ (0x9e3779b9 * (i + 1))) >>> 0),
        ...(o.placement ? { placement: o.placement } : {}),
      }),
  );
  const c0 = coordinators[0] as Coordinator;
  const { n, w, r, sloppyQuorum } = c0.options;
  const strictIntersecting = !sloppyQuorum && r + w > n;

  const violations: string[] = [];
  const fail = (msg: string): void => {
    if (violations.length < 20) violations.push(`seed ${seed}: ${msg}`);
  };
  const written: ModelWrite[] = [];
  const newest = new Map<string, Version>();
  const expiredHints = new Set<string>();
  const lostHints = new Set<string>();
  const writes = { attempted: 0, succeeded: 0, failed: 0, sloppy: 0 };
  const reads = { attempted: 0, succeeded: 0, failed: 0, stale: 0, repairs: 0 };
  const hints = { stored: 0, rejected: 0, delivered: 0, expired: 0, lostInRestarts: 0, pendingAfterDrain: 0 };
  const failures = { downs: 0, crashes: 0, crashesOfHintHolders: 0, tornTailsCut: 0, recoveries: 0 };
  const absorb = (h: HandoffReport): void => {
    hints.delivered += h.delivered;
    hints.expired += h.expired;
    for (const e of h.expiredHints) expiredHints.add(`${e.holder}/${e.id}`);
  };
  const pick = <T>(xs: readonly T[]): T => xs[randomInt(rnd, xs.length)] as T;

  for (let step = 0; step < steps; step++) {
    clock.advance(stepMs);
    const coordinator = pick(coordinators);
    const key = `k${randomInt(rnd, keyCount)}`;
    const roll = rnd();
    if (roll < 0.5) {
      const rep = coordinator.write(key, `${key}@${step}`);
      writes.attempted++;
      hints.stored += rep.hintsStored.length;
      hints.rejected += rep.hintsRejected.length;
      if (rep.ok) {
        writes.succeeded++;
        if (rep.sloppy) writes.sloppy++;
        const v = rep.version as Version;
        written.push({ key, version: v, report: rep });
        const prev = newest.get(key);
        if (!prev || compareVersions(v, prev) > 0) newest.set(key, v);
      } else writes.failed++;
    } else {
      const rep = coordinator.read(key);
      reads.attempted++;
      if (rep.ok) {
        reads.succeeded++;
        reads.repairs += rep.readRepairs.length;
        const want = newest.get(key);
        if (want && (!rep.version || compareVersions(rep.version, want) < 0)) {
          reads.stale++;
          if (strictIntersecting) fail(`step ${step}: strict quorum read of ${key} returned ${rep.version ? formatVersion(rep.version) : 'nothing'}, newest successful write is ${formatVersion(want)}`);
        }
      } else reads.failed++;
    }
    nodeEvents(step);
    absorb(c0.tick());
    if (check) cluster.checkInvariants();
  }

  function nodeEvents(step: number): void {
    const up = cluster.all().filter((x) => x.available);
    const down = cluster.all().filter((x) => !x.available);
    if (down.length > 0 && rnd() < recoveryRate) {
      c0.nodeUp(pick(down).id);
      failures.recoveries++;
    }
    if (up.length > 0 && nodeCount - up.length < maxDown && rnd() < failureRate) {
      const holders = up.filter((x) => x.hints.count > 0);
      const victim = holders.length > 0 && rnd() < 0.5 ? pick(holders) : pick(up);
      if (rnd() < crashShare) crash(victim.id, step);
      else c0.nodeDown(victim.id);
      failures.downs++;
    }
  }

  function crash(id: string, step: number): void {
    const node = cluster.node(id);
    const before = [...node.hints.all()].map((h) => `${id}/${h.id}`);
    if (before.length > 0) failures.crashesOfHintHolders++;
    const file = files.get(id);
    if (file && rnd() < 0.5) {
      // A write in flight when the power went: never acknowledged, partly on disk.
      const junk = encodeRecord({ type: 'remove', ids: [1 + randomInt(rnd, 1000)] });
      file.append(junk);
      file.tearOnNextReopen(1 + randomInt(rnd, junk.length - 1));
    }
    const rep = c0.crashNode(id);
    failures.crashes++;
    if (rep.tornBytes > 0) failures.tornTailsCut++;
    const after = new Set([...node.hints.all()].map((h) => `${id}/${h.id}`));
    for (const h of before) if (!after.has(h)) lostHints.add(h);
    hints.lostInRestarts += rep.lost;
    if (durable && rep.lost > 0) fail(`step ${step}: durable hint store of ${id} lost ${rep.lost} hints in a restart`);
  }

  // Recovery: every node comes back; hand off until nothing is left (bounded).
  for (const x of cluster.all()) if (!x.available) c0.nodeUp(x.id);
  let drainTicks = 0;
  const drainBudget = 10 + Math.ceil(cluster.hintsPending() / c0.options.handoffRatePerTick) * 2;
  while (cluster.hintsPending() > 0 && drainTicks < drainBudget) {
    absorb(c0.tick());
    drainTicks++;
  }
  hints.pendingAfterDrain = cluster.hintsPending();
  if (hints.pendingAfterDrain > 0) fail(`${hints.pendingAfterDrain} hints still pending after ${drainTicks} drain ticks`);
  if (check) c0.checkInvariants();

  const final = runChecks(cluster, written, expiredHints, lostHints, fail);
  return { seed, writes, reads, hints, failures, final, drainTicks, violations };
}

/** Totals over many simulated histories (the lab sums seeds per configuration). */
export interface SimulationTotals {
  readonly seeds: number;
  readonly writes: SimulationResult['writes'];
  readonly reads: SimulationResult['reads'];
  readonly hints: SimulationResult['hints'];
  readonly failures: SimulationResult['failures'];
  readonly final: SimulationResult['final'];
  /** Successful writes / attempted writes. */
  readonly writeSuccessShare: number;
  /** Stale reads / successful reads. */
  readonly staleReadShare: number;
  readonly violations: readonly string[];
}

function addInto<T extends object>(into: T, from: unknown, parameter: string): void {
  const a = into as Record<string, number>;
  const allowed = 'an object of counts, as simulateReplication returns';
  if (from === null || typeof from !== 'object') throw new InvalidArgumentError(parameter, from, allowed);
  const counts = readOptions(parameter, from as Record<string, unknown>, Object.keys(a), allowed);
  for (const k of Object.keys(a)) {
    const v = counts[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${parameter}.${k}`, v, 'a finite number');
    a[k] = (a[k] ?? 0) + v;
  }
}

/** Sum results field by field; O(results). */
export function sumSimulations(results: readonly SimulationResult[]): SimulationTotals {
  const t = {
    writes: { attempted: 0, succeeded: 0, failed: 0, sloppy: 0 },
    reads: { attempted: 0, succeeded: 0, failed: 0, stale: 0, repairs: 0 },
    hints: { stored: 0, rejected: 0, delivered: 0, expired: 0, lostInRestarts: 0, pendingAfterDrain: 0 },
    failures: { downs: 0, crashes: 0, crashesOfHintHolders: 0, tornTailsCut: 0, recoveries: 0 },
    final: { writesChecked: 0, replicasChecked: 0, missingExpired: 0, missingRejected: 0, missingLostInRestart: 0, writesWithExpiredHint: 0 },
  };
  const violations: string[] = [];
  const list = readArray('results', results, 'an array of simulation results');
  list.forEach((given, i) => {
    const allowed = 'a simulation result';
    if (given === null || typeof given !== 'object') throw new InvalidArgumentError(`results[${i}]`, given, allowed);
    const r = readOptions(`results[${i}]`, given as SimulationResult, ['writes', 'reads', 'hints', 'failures', 'final', 'violations'], allowed);
    addInto(t.writes, r.writes, `results[${i}].writes`);
    addInto(t.reads, r.reads, `results[${i}].reads`);
    addInto(t.hints, r.hints, `results[${i}].hints`);
    addInto(t.failures, r.failures, `results[${i}].failures`);
    addInto(t.final, r.final, `results[${i}].final`);
    const v = readArray(`results[${i}].violations`, r.violations, 'an array of strings');
    if (v.some((x) => typeof x !== 'string')) throw new InvalidArgumentError(`results[${i}].violations`, r.violations, 'an array of strings');
    violations.push(...(v as string[]));
  });
  return {
    seeds: list.length,
    ...t,
    writeSuccessShare: t.writes.attempted === 0 ? 0 : t.writes.succeeded / t.writes.attempted,
    staleReadShare: t.reads.succeeded === 0 ? 0 : t.reads.stale / t.reads.succeeded,
    violations,
  };
}

/** Run seeds `firstSeed … firstSeed + seeds − 1` with the same options and sum them. O(seeds × steps × N). */
export function simulateSeeds(given: Omit<SimulationOptions, 'seed'>, seeds: number, firstSeed = 1): SimulationTotals {
  const options = readOptions('options', given, SIMULATION_KEYS.filter((k): k is Exclude<(typeof SIMULATION_KEYS)[number], 'seed'> => k !== 'seed'));
  requireInt('seeds', seeds, 1, 1_000_000);
  requireInt('firstSeed', firstSeed, 0, 0xffffffff - seeds);
  const results: SimulationResult[] = [];
  for (let s = firstSeed; s < firstSeed + seeds; s++) results.push(simulateReplication({ ...options, seed: s }));
  return sumSimulations(results);
}
