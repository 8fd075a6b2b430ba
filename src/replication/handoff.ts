/**
 * Hinted handoff (DDIA ch. 5; Dynamo §4.6): nodes holding hints deliver them
 * to their targets once both are available, newest version wins on the
 * target, and the hint is removed from its holder only after the target
 * stored it. Expired hints are dropped and reported, never delivered.
 *
 * Throttling: each target receives at most `ratePerTarget` hints per step,
 * so a node coming back is not flooded; holders are visited round-robin
 * from `startHolder` so none starves the others. Cost per step: O(nodes ×
 * targets) map lookups plus O(hints delivered or expired).
 */
import { ReplicaCluster, type ClusterNode } from './cluster.js';
import { InvalidArgumentError, isInstance, readOptions, requireInt } from '../errors.js';
import { isHintExpired } from './hint.js';
import type { ExpiredHint, HandoffReport, HintDelivery } from './reports.js';

/** Parameters of one handoff step. */
export interface HandoffStep {
  readonly nowMs: number;
  /** Hints each target may receive in this step. */
  readonly ratePerTarget: number;
  /** Only hand off to this target (explicit handoff); all targets when undefined. */
  readonly onlyTarget?: string;
  /** Index of the holder visited first (rotate it between steps for fairness). */
  readonly startHolder: number;
}

/**
 * Run one handoff step over the cluster. Holders that are down keep their
 * hints. For targets that are down, expired hints at the front of each
 * holder's list are dropped (hints are kept oldest first, so with one TTL
 * that drops every expired one; a hint with a shorter TTL behind a longer
 * one is dropped when it reaches the front or at delivery time).
 */
export function handoffStep(cluster: ReplicaCluster, given: HandoffStep): HandoffReport {
  if (!isInstance(cluster, ReplicaCluster)) throw new InvalidArgumentError('cluster', cluster, 'a ReplicaCluster');
  const allowed = 'a handoff step { nowMs, ratePerTarget, startHolder, onlyTarget? }';
  if (given === undefined) throw new InvalidArgumentError('step', given, allowed);
  const o = readOptions('step', given, ['nowMs', 'ratePerTarget', 'startHolder', 'onlyTarget'], allowed);
  if (typeof o.nowMs !== 'number' || !Number.isFinite(o.nowMs)) throw new InvalidArgumentError('nowMs', o.nowMs, 'a finite number of milliseconds');
  const step: HandoffStep = {
    nowMs: o.nowMs,
    ratePerTarget: requireInt('ratePerTarget', o.ratePerTarget, 0),
    startHolder: requireInt('startHolder', o.startHolder, 0),
    ...(o.onlyTarget === undefined ? {} : { onlyTarget: cluster.node(o.onlyTarget).id }),
  };
  const nodes = cluster.all();
  const budget = new Map<string, number>();
  const deliveries: HintDelivery[] = [];
  const expiredHints: ExpiredHint[] = [];
  const recovered = new Set<string>();
  let applied = 0;
  for (let i = 0; i < nodes.length; i++) {
    const holder = nodes[(step.startHolder + i) % nodes.length] as ClusterNode;
    if (!holder.available || holder.hints.count === 0) continue;
    const targets = step.onlyTarget === undefined ? [...holder.hints.targets()] : [step.onlyTarget];
    for (const targetId of targets) {
      if (holder.hints.countFor(targetId) === 0) continue;
      const target = cluster.node(targetId);
      let left = target.available ? (budget.get(targetId) ?? step.ratePerTarget) : 0;
      const done: number[] = [];
      for (const h of holder.hints.forTarget(targetId)) {
        if (isHintExpired(h, step.nowMs)) {
          done.push(h.id);
          expiredHints.push({ holder: holder.id, target: targetId, id: h.id, key: h.key, version: h.version });
          continue;
        }
        if (left <= 0) break;
        const r = target.replicas.put(h.key, { value: h.value, version: h.version });
        done.push(h.id);
        left--;
        deliveries.push({ holder: holder.id, target: targetId, key: h.key, version: h.version, outcome: r.outcome });
        if (r.outcome === 'applied') {
          applied++;
          recovered.add(h.key);
        }
      }
      if (target.available) budget.set(targetId, left);
      if (done.length > 0) holder.hints.remove(done);
    }
  }
  return {
    delivered: deliveries.length,
    applied,
    expired: expiredHints.length,
    keysRecovered: [...recovered],
    deliveries,
    expiredHints,
    pending: cluster.hintsPending(),
  };
}
