/**
 * SWIM in the deterministic simulation at growing group sizes: messages per
 * member per second in steady state, time until the first member declares a
 * crashed member dead (detection), time until every live member has
 * (dissemination), time until every member knows of a new member (in 50 ms
 * steps), and false deaths of live members.
 *
 *   npx tsx scripts/swim-scale.ts [sizes=10,100,1000] [seeds=3] [lossRate=0.01]
 *
 * Simulated time only; defaults of memberlist (DEFAULT_SWIM_OPTIONS).
 */
import { Simulation } from '../src/cluster/membership/sim.js';

const sizes = (process.argv[2] ?? '10,100,1000').split(',').map(Number);
const seedCount = Number(process.argv[3] ?? 3);
const lossRate = Number(process.argv[4] ?? 0.01);

function converged(sim: Simulation): boolean {
  const up = sim.upIds();
  return up.every((o) => up.every((m) => sim.swim(o).statusOf(m) === 'alive'));
}

console.log(`loss ${lossRate}, delay 1-10 ms, duplicates 0; ${seedCount} seed(s) per size`);
console.log('N\tseed\tjoin_s\tmsgs/member/s\tdetect_first_s\tdetect_all_s\tjoiner_known_by_all_s\tfalse_deaths\twall_s');
for (const n of sizes) {
  for (let seed = 1; seed <= seedCount; seed++) {
    const wall0 = performance.now();
    const sim = new Simulation({ seed, lossRate, delayMinMs: 1, delayMaxMs: 10 });
    sim.addMany(n);
    while (!converged(sim)) sim.runFor(1000);
    const joinS = sim.nowMs / 1000;
    // Steady state: let the join's updates drain, then count a 30 s window.
    sim.runFor(30_000);
    const sent0 = sim.sent;
    const byType0 = new Map(sim.sentByType);
    const events0 = sim.events.length;
    const t0 = sim.nowMs;
    sim.runFor(30_000);
    const windowS = (sim.nowMs - t0) / 1000;
    const rate = (sim.sent - sent0) / n / windowS;
    const byType = [...sim.sentByType].map(([k, v]) => `${k}=${((v - (byType0.get(k) ?? 0)) / n / windowS).toFixed(2)}`).join(' ');
    const suspicions = sim.events.slice(events0).filter((e) => e.type === 'suspect').length;
    const victim = `m${n >> 1}`;
    const mark = sim.events.length;
    const crashAt = sim.nowMs;
    sim.crash(victim);
    const allDead = () => sim.upIds().every((o) => sim.swim(o).statusOf(victim) === 'dead');
    while (!allDead() && sim.nowMs - crashAt < 600_000) sim.runFor(100);
    const after = sim.events.slice(mark);
    const deaths = after.filter((e) => e.type === 'dead' && e.member === victim);
    const first = Math.min(...deaths.map((e) => e.atMs)) - crashAt;
    const all = allDead() ? Math.max(...deaths.map((e) => e.atMs)) - crashAt : Infinity;
    // Dissemination of a join: time until every live member sees a new member alive.
    const joinAt = sim.nowMs;
    sim.add('joiner', ['m0']);
    const allKnow = () => sim.upIds().every((o) => sim.swim(o).statusOf('joiner') === 'alive');
    while (!allKnow() && sim.nowMs - joinAt < 600_000) sim.runFor(50);
    const joinSpreadS = allKnow() ? (sim.nowMs - joinAt) / 1000 : Infinity;
    const falseDeaths = sim.events.filter((e) => e.type === 'dead' && e.member !== victim).length;
    const wall = (performance.now() - wall0) / 1000;
    console.log(`  window: ${byType}; suspect events ${suspicions} in ${windowS} s`);
    console.log([n, seed, joinS.toFixed(0), rate.toFixed(2), (first / 1000).toFixed(2), (all / 1000).toFixed(2), joinSpreadS.toFixed(2), falseDeaths, wall.toFixed(1)].join('\t'));
  }
}
