/**
 * The final check of the replication simulation: every successful write is
 * on all N of its preferred nodes at its version or newer, unless the hint
 * meant for a node expired, was rejected when the write was made, or was
 * lost in a restart of a volatile hint store. Each explained miss is
 * counted; an unexplained one is a violation. O(writes × N).
 */
import type { ReplicaCluster } from './cluster.js';
import { compareVersions, formatVersion } from './version.js';
import type { ModelWrite } from './simulation.js';

/** Counts of the final check (see SimulationResult.final). */
export interface FinalCheck {
  writesChecked: number;
  replicasChecked: number;
  missingExpired: number;
  missingRejected: number;
  missingLostInRestart: number;
  writesWithExpiredHint: number;
}

/**
 * Check every successful write against the cluster after the drain; call
 * `fail` for each unexplained miss and return the counts. Explanations come
 * from the write's own report (hints stored, hints rejected) and from the
 * hints the handoff reported expired or the restarts lost.
 */
export function runChecks(
  cluster: ReplicaCluster,
  written: readonly ModelWrite[],
  expiredHints: ReadonlySet<string>,
  lostHints: ReadonlySet<string>,
  fail: (msg: string) => void,
): FinalCheck {
  const out: FinalCheck = { writesChecked: 0, replicasChecked: 0, missingExpired: 0, missingRejected: 0, missingLostInRestart: 0, writesWithExpiredHint: 0 };
  for (const wr of written) {
    out.writesChecked++;
    let expiredHere = false;
    for (const p of wr.report.preferred) {
      out.replicasChecked++;
      const held = cluster.node(p).replicas.get(wr.key);
      if (held && compareVersions(held.version, wr.version) >= 0) continue;
      const hint = wr.report.hintsStored.find((h) => h.target === p);
      if (hint && expiredHints.has(`${hint.holder}/${hint.id}`)) {
        out.missingExpired++;
        expiredHere = true;
      } else if (hint && lostHints.has(`${hint.holder}/${hint.id}`)) {
        out.missingLostInRestart++;
      } else if (!hint && !wr.report.replicasWritten.includes(p)) {
        // Neither replica nor hint: the write must have said so.
        if (wr.report.hintsRejected.some((x) => x.target === p)) out.missingRejected++;
        else fail(`write ${wr.key}=${formatVersion(wr.version)} skipped preferred node ${p} without a hint or a rejection`);
      } else {
        const how = hint ? `its hint ${hint.holder}/${hint.id} neither delivered nor expired` : 'it was written there';
        fail(`write ${wr.key}=${formatVersion(wr.version)} missing on preferred node ${p} (holds ${held ? formatVersion(held.version) : 'nothing'}); ${how}`);
      }
    }
    if (expiredHere) out.writesWithExpiredHint++;
  }
  return out;
}
