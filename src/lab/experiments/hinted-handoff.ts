/**
 * Experiment 7 — sloppy quorums and hinted handoff under random node
 * failures (DDIA ch. 5, "Sloppy Quorums and Hinted Handoff", on the
 * partitioning of ch. 6: each key's preference list comes from the ring).
 * A sloppy quorum keeps accepting writes when preferred nodes are down, by
 * storing hints on other nodes; the price is that a read may not see the
 * latest write until the hints are handed off — even with R + W > N.
 *
 * Method: a seeded timeline of ticks (100 ms each). Each tick every node may
 * fail or recover (a two-state Markov chain with mean downtime 2 s), the
 * coordinator hands off hints (throttled), and clients issue writes and reads
 * of random keys. The same timeline drives a sloppy and a strict quorum, for
 * several failure rates. A read is stale when it returns an older version
 * than the last write that succeeded for its key.
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput } from '../experiment.js';
import { Coordinator } from '../../replication/coordinator.js';
import { ManualClock } from '../../util/clock.js';
import { type Random, mulberry32, randomInt, randomUint32 } from '../../util/random.js';
import { round } from '../workload.js';

const NODES = 10;
const N = 3;
const W = 2;
const R = 2;
const TICK_MS = 100;
const HINT_TTL_MS = 5_000;
const RECOVER_PER_TICK = 0.05;
const HANDOFF_PER_TICK = 2;
const OPS_PER_TICK = 10;
/** Keys written and read: few enough that a key is read again while its hints wait for handoff. */
const KEYS = 200;

interface Outcome {
  readonly downShare: number;
  readonly mode: 'sloppy' | 'strict';
  readonly writeSuccess: number;
  readonly staleReads: number;
  readonly readSuccess: number;
  readonly hintsStored: number;
  readonly hintsDelivered: number;
  readonly hintsExpired: number;
  readonly observedDown: number;
}

function simulate(downShare: number, mode: Outcome['mode'], ticks: number, keys: readonly string[], seed: number): Outcome {
  // The same seed for both modes: the same failures and the same requests.
  const random: Random = mulberry32(seed);
  const clock = new ManualClock(0);
  const nodeIds = Array.from({ length: NODES }, (_, i) => `node-${i}`);
  const c = new Coordinator({
    nodes: nodeIds,
    n: N,
    w: W,
    r: R,
    hintTtlMs: HINT_TTL_MS,
    clock,
    sloppyQuorum: mode === 'sloppy',
    hintedHandoff: true,
    handoffRatePerTick: HANDOFF_PER_TICK,
  });
  // Steady state of the chain: down share d = fail / (fail + recover).
  const fail = downShare === 0 ? 0 : (downShare * RECOVER_PER_TICK) / (1 - downShare);
  const up = new Array<boolean>(NODES).fill(true);
  const committed = new Map<string, number>();
  let writes = 0;
  let writesOk = 0;
  let reads = 0;
  let readsOk = 0;
  let stale = 0;
  let downTicks = 0;
  let seq = 0;
  for (let t = 0; t < ticks; t++) {
    clock.advance(TICK_MS);
    for (let i = 0; i < NODES; i++) {
      const u = random();
      if (up[i] && u < fail) {
        up[i] = false;
        c.nodeDown(nodeIds[i] as string);
      } else if (!up[i] && u < RECOVER_PER_TICK) {
        up[i] = true;
        c.nodeUp(nodeIds[i] as string);
      }
      if (!up[i]) downTicks++;
    }
    c.tick();
    for (let op = 0; op < OPS_PER_TICK; op++) {
      const key = keys[randomInt(random, keys.length)] as string;
      if (random() < 0.5) {
        writes++;
        const v = ++seq;
        if (c.write(key, String(v)).ok) {
          writesOk++;
          committed.set(key, v);
        }
      } else {
        reads++;
        const r = c.read(key);
        if (!r.ok) continue;
        readsOk++;
        const last = committed.get(key);
        if (last !== undefined && (r.value === undefined || Number(r.value) < last)) stale++;
      }
    }
  }
  const m = c.metrics();
  return {
    downShare,
    mode,
    writeSuccess: writes === 0 ? 1 : writesOk / writes,
    readSuccess: reads === 0 ? 1 : readsOk / reads,
    staleReads: readsOk === 0 ? 0 : stale / readsOk,
    hintsStored: m.hintsStored,
    hintsDelivered: m.hintsDelivered,
    hintsExpired: m.hintsExpired,
    observedDown: downTicks / (ticks * NODES),
  };
}

export const hintedHandoff: Experiment = {
  id: 'hinted-handoff',
  title: 'Hinted handoff: sloppy vs strict quorums under node failures',
  claim:
    'With a sloppy quorum, writes keep succeeding while preferred nodes are down: other nodes take them with a hint and hand them off when the node returns. A strict quorum fails those writes instead. The price of sloppiness: until handoff completes, a read can miss the latest successful write even with R + W > N, and hints that outlive their TTL are lost (DDIA ch. 5, "Sloppy Quorums and Hinted Handoff").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const ticks = ctx.size(3_000, 800);
    const levels = ctx.quick ? [0, 0.1, 0.3] : [0, 0.05, 0.1, 0.2, 0.3, 0.4];
    const keys = [...new Set(ctx.keys)].slice(0, KEYS);
    const seed = randomUint32(ctx.random);
    const results: Outcome[] = [];
    levels.forEach((d, i) => {
      for (const mode of ['sloppy', 'strict'] as const) results.push(simulate(d, mode, ticks, keys, (seed + i * 7919) >>> 0));
      ctx.progress(i + 1, levels.length);
    });
    const get = (mode: Outcome['mode'], d: number) => results.find((r) => r.mode === mode && r.downShare === d) as Outcome;
    const worst = levels[levels.length - 1] as number;
    const sloppyW = get('sloppy', worst);
    const strictW = get('strict', worst);
    const checks: Check[] = [
      {
        claim: 'A sloppy quorum accepts more writes than a strict one when nodes fail',
        held: sloppyW.writeSuccess > strictW.writeSuccess + 0.02 && sloppyW.writeSuccess > 0.97,
        measured: `with nodes down ${(sloppyW.observedDown * 100).toFixed(0)}% of the time: writes succeed ${(sloppyW.writeSuccess * 100).toFixed(1)}% sloppy vs ${(strictW.writeSuccess * 100).toFixed(1)}% strict`,
      },
      {
        claim: 'Hints are stored and handed off; hints outliving their TTL expire',
        held: sloppyW.hintsStored > 0 && sloppyW.hintsDelivered > 0 && sloppyW.hintsDelivered + sloppyW.hintsExpired <= sloppyW.hintsStored,
        measured: `${sloppyW.hintsStored.toLocaleString('en-US')} hints stored, ${sloppyW.hintsDelivered.toLocaleString('en-US')} delivered, ${sloppyW.hintsExpired.toLocaleString('en-US')} expired (TTL ${HINT_TTL_MS / 1000} s)`,
      },
      {
        claim: `With a strict quorum and R + W > N (${R} + ${W} > ${N}) no read misses a successful write; a sloppy quorum gives up that guarantee`,
        held: results.filter((r) => r.mode === 'strict').every((r) => r.staleReads === 0) && sloppyW.staleReads > 0,
        measured: `stale reads at the highest failure rate: sloppy ${(sloppyW.staleReads * 100).toFixed(2)}%, strict ${(strictW.staleReads * 100).toFixed(2)}% (strict at every rate: ${results
          .filter((r) => r.mode === 'strict')
          .map((r) => `${(r.staleReads * 100).toFixed(2)}%`)
          .join(', ')})`,
      },
    ];
    const pts = (mode: Outcome['mode'], pick: (o: Outcome) => number) => levels.map((d) => ({ x: d * 100, y: round(pick(get(mode, d)) * 100, 3) }));
    return {
      charts: [
        {
          id: 'write-success',
          title: `Writes that succeed (N = ${N}, W = ${W}, ${NODES} nodes)`,
          type: 'line',
          x: { label: 'time each node is down', unit: '%' },
          y: { label: 'successful writes', unit: '%', max: 100 },
          series: [
            { label: 'sloppy quorum', points: pts('sloppy', (o) => o.writeSuccess) },
            { label: 'strict quorum', points: pts('strict', (o) => o.writeSuccess) },
          ],
          caption: 'Under a sloppy quorum, hints stored on stand-in nodes count toward W.',
        },
        {
          id: 'stale-reads',
          title: `Reads that miss the latest successful write (R = ${R})`,
          type: 'line',
          x: { label: 'time each node is down', unit: '%' },
          y: { label: 'stale reads', unit: '%' },
          series: [
            { label: 'sloppy quorum', points: pts('sloppy', (o) => o.staleReads) },
            { label: 'strict quorum', points: pts('strict', (o) => o.staleReads) },
          ],
          caption: 'Among reads that reached R replicas. Stale sloppy reads come from writes that live only on hint holders until handoff.',
        },
        {
          id: 'hints',
          title: 'Hints under a sloppy quorum',
          type: 'bar',
          x: { label: 'time each node is down', unit: '%', scale: 'category' },
          y: { label: 'hints', unit: 'count' },
          categories: levels.map((d) => `${Math.round(d * 100)}% down`),
          series: [
            { label: 'stored', values: levels.map((d) => get('sloppy', d).hintsStored) },
            { label: 'delivered', values: levels.map((d) => get('sloppy', d).hintsDelivered) },
            { label: 'expired', values: levels.map((d) => get('sloppy', d).hintsExpired) },
          ],
        },
      ],
      tables: [
        {
          title: `Sloppy vs strict quorum (${ticks.toLocaleString('en-US')} ticks of ${TICK_MS} ms, ${OPS_PER_TICK} requests per tick)`,
          columns: [
            { label: 'node down (target)', format: 'percent' },
            { label: 'node down (measured)', format: 'percent' },
            { label: 'quorum' },
            { label: 'writes ok', format: 'percent' },
            { label: 'reads ok', format: 'percent' },
            { label: 'stale reads', format: 'percent' },
            { label: 'hints stored', format: 'int' },
            { label: 'delivered', format: 'int' },
            { label: 'expired', format: 'int' },
          ],
          rows: results.map((r) => [r.downShare, round(r.observedDown, 5), r.mode, round(r.writeSuccess, 5), round(r.readSuccess, 5), round(r.staleReads, 6), r.hintsStored, r.hintsDelivered, r.hintsExpired]),
        },
      ],
      checks,
      notes: [
        `${NODES} nodes on a consistent hash ring (150 vnodes), N = ${N}, W = ${W}, R = ${R}, hint TTL ${HINT_TTL_MS / 1000} s, handoff at most ${HANDOFF_PER_TICK} hints per target per tick, read repair on. A node that is up fails each tick with the probability that gives the target down share; a down node recovers with probability ${RECOVER_PER_TICK} per tick (mean downtime ${(TICK_MS / RECOVER_PER_TICK / 1000).toFixed(0)} s). The strict quorum still stores hints (as Cassandra does) but does not count them toward W.`,
        `Keys: ${keys.length.toLocaleString('en-US')} of the sample (${ctx.keySource.description}).`,
      ],
    };
  },
};
