/**
 * False deaths of SWIM members by loss rate, in the deterministic simulation:
 * histories of 30 members over 120 s (delay 1-100 ms, 5% duplicates, nobody
 * crashed), counting those in which any member declares a live member dead.
 *
 *   npx tsx scripts/swim-false-deaths.ts
 */
import { Simulation } from '../src/cluster/membership/sim.js';

for (const [loss, count] of [[0.05, 200], [0.075, 200], [0.1, 100], [0.15, 100]] as const) {
  let withFalseDeath = 0;
  for (let seed = 1; seed <= count; seed++) {
    const sim = new Simulation({ seed, lossRate: loss, delayMinMs: 1, delayMaxMs: 100, duplicateRate: 0.05 });
    sim.addMany(30);
    sim.runFor(120_000);
    if (sim.events.some((e) => e.type === 'dead')) withFalseDeath++;
  }
  console.log(`loss ${loss}: ${withFalseDeath} of ${count} histories (N 30, 120 s) with a live member declared dead`);
}
