/**
 * Deterministic simulation of leaderless replication with hinted handoff
 * (DDIA ch. 5; ARCHITECTURE.md principle 3). Each case runs hundreds of
 * seeded histories; a failure names its seed, and
 * `simulateReplication({ seed, ...options })` replays it exactly.
 */
import { describe, it, expect } from 'vitest';
import { ModNPlacement } from '../partitioning/mod-n.js';
import { type SimulationOptions, type SimulationResult, simulateReplication } from './simulation.js';
import { MemoryReplicaStore, type ReplicaStore, type Versioned } from './replica-store.js';

const SEEDS = 250;

function runSeeds(options: Omit<SimulationOptions, 'seed'>, seeds = SEEDS, first = 1): SimulationResult[] {
  const out: SimulationResult[] = [];
  for (let seed = first; seed < first + seeds; seed++) {
    const r = simulateReplication({ ...options, seed });
    expect(r.violations, `seed ${seed} failed; replay with simulateReplication(${JSON.stringify({ ...options, placement: undefined, seed })})`).toEqual([]);
    out.push(r);
  }
  return out;
}
const sum = (rs: SimulationResult[], f: (r: SimulationResult) => number): number => rs.reduce((s, r) => s + f(r), 0);

describe('replication simulation (seeded histories of writes, reads, failures, crashes and recoveries)', () => {
  it('sloppy quorum: after recovery and handoff every successful write is on all N preferred nodes, unless its hint expired (counted)', () => {
    const rs = runSeeds({});
    // The histories really exercise what the check is about.
    expect(sum(rs, (r) => r.writes.sloppy)).toBeGreaterThan(1000);
    expect(sum(rs, (r) => r.hints.delivered)).toBeGreaterThan(1000);
    expect(sum(rs, (r) => r.hints.expired)).toBeGreaterThan(100);
    expect(sum(rs, (r) => r.final.missingExpired)).toBeGreaterThan(0);
    expect(sum(rs, (r) => r.failures.crashesOfHintHolders)).toBeGreaterThan(100);
    expect(sum(rs, (r) => r.failures.tornTailsCut)).toBeGreaterThan(50);
    expect(sum(rs, (r) => r.hints.lostInRestarts)).toBe(0);
  });

  it('strict quorum with R + W > N: every read sees the newest successful write or newer', () => {
    const rs = runSeeds({ sloppyQuorum: false });
    expect(sum(rs, (r) => r.writes.failed)).toBeGreaterThan(0);
    expect(sum(rs, (r) => r.reads.stale)).toBe(0);
    const wide = runSeeds({ sloppyQuorum: false, nodes: 7, n: 5, w: 3, r: 3, hintedHandoff: false }, 50);
    expect(sum(wide, (r) => r.reads.stale)).toBe(0);
  });

  it('reads do see stale data when quorums do not intersect: R + W ≤ N strict, or a sloppy quorum before handoff', () => {
    const rs = runSeeds({ sloppyQuorum: false, w: 1, r: 1 }, 100);
    expect(sum(rs, (r) => r.reads.stale)).toBeGreaterThan(0);
    const sloppy = runSeeds({}, 100);
    expect(sum(sloppy, (r) => r.reads.stale)).toBeGreaterThan(0);
  });

  it('holds with several coordinators sharing the cluster, with tight hint bounds, and with volatile hint stores (losses counted)', () => {
    runSeeds({ coordinators: 3 }, 100, 1000);
    const tight = runSeeds({ hintsMax: 2 }, 100, 2000);
    expect(sum(tight, (r) => r.hints.rejected)).toBeGreaterThan(0);
    const volatile = runSeeds({ durableHints: false }, 100, 3000);
    expect(sum(volatile, (r) => r.hints.lostInRestarts)).toBeGreaterThan(0);
    expect(sum(volatile, (r) => r.final.missingLostInRestart)).toBeGreaterThan(0);
  });

  it('holds over another placement (mod-N preference lists)', () => {
    runSeeds({ placement: (ids) => new ModNPlacement(ids), nodes: 5 }, 100, 4000);
  });

  it('replays a seed exactly', () => {
    const a = simulateReplication({ seed: 4242, coordinators: 2 });
    const b = simulateReplication({ seed: 4242, coordinators: 2 });
    expect(b).toEqual(a);
    expect(simulateReplication({ seed: 4243, coordinators: 2 })).not.toEqual(a);
  });

  it('catches a replica store that loses handed-off data: the check can fail, and names the seed', () => {
    class Forgetful extends MemoryReplicaStore {
      private n = 0;
      override put(key: string, v: Versioned): ReturnType<ReplicaStore['put']> {
        if (++this.n % 7 === 0) return { outcome: 'applied', previous: undefined, concurrent: false };
        return super.put(key, v);
      }
    }
    const r = simulateReplication({ seed: 1, replicaStore: () => new Forgetful() });
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.violations[0]).toMatch(/^seed 1: /);
  });
});
