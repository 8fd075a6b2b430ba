/**
 * Experiment 4 — hot keys: a Zipf workload with one celebrity key. Hashing
 * spreads keys, not requests: the node owning the celebrity gets its whole
 * load whatever the strategy. Salting the key over k sub-keys (`key#0` …
 * `key#k−1`, a random one per write) spreads its writes, and every read of it
 * must then fan out to all k sub-keys. DDIA ch. 6, "Skewed workloads and
 * relieving hot spots".
 *
 * Method: draw the requests once (seeded); count requests per key; locate each
 * requested key once per strategy and add its count to its node. Salting draws
 * a sub-key for each celebrity write.
 */
import type { Check, Experiment, ExperimentContext, ExperimentOutput } from '../experiment.js';
import type { Placement } from '../../partitioning/placement.js';
import { mainCases, nodeNames } from '../strategies.js';
import { ZipfSampler, round } from '../workload.js';
import { randomUint32 } from '../../util/random.js';

const NODES = 10;
/** Share of all requests that go to the celebrity key. */
const CELEBRITY_SHARE = 0.2;
/** Zipf exponent of the other keys' popularity. */
const ZIPF_EXPONENT = 0.9;
const SALTS_FULL = [1, 2, 4, 8, 16, 32, 64];
const SALTS_QUICK = [1, 4, 16, 64];

/** Requests per node: the background (key → count) plus the celebrity's sub-keys. */
function loads(p: Placement, background: ReadonlyMap<string, number>, subKeys: readonly string[], subCounts: readonly number[]): Map<string, number> {
  const out = new Map<string, number>(p.nodeIds.map((id) => [id, 0]));
  for (const [k, c] of background) {
    const n = p.locate(k);
    out.set(n, (out.get(n) as number) + c);
  }
  subKeys.forEach((k, i) => {
    const n = p.locate(k);
    out.set(n, (out.get(n) as number) + (subCounts[i] as number));
  });
  return out;
}

function maxShare(m: ReadonlyMap<string, number>, total: number): number {
  return Math.max(...m.values()) / total;
}

export const hotKeys: Experiment = {
  id: 'hot-keys',
  title: 'Hot keys: one celebrity, and what salting costs',
  claim:
    'Hash partitioning cannot spread the load of a single hot key: whatever the strategy, the node that owns it takes all of its requests. Appending a random suffix (k sub-keys) spreads its writes over up to k nodes, at the price of reading all k sub-keys on every read (DDIA ch. 6, "Skewed workloads and relieving hot spots").',
  run(ctx: ExperimentContext): ExperimentOutput {
    const requests = ctx.size(500_000, 100_000);
    const salts = ctx.quick ? SALTS_QUICK : SALTS_FULL;
    const cases = mainCases();
    const distinct = [...new Set(ctx.keys)];
    const celebrity = distinct[0] as string;
    const others = distinct.slice(1);
    const zipf = new ZipfSampler(Math.max(1, others.length), ZIPF_EXPONENT, ctx.random);
    const background = new Map<string, number>();
    let celebrityRequests = 0;
    for (let i = 0; i < requests; i++) {
      if (ctx.random() < CELEBRITY_SHARE || others.length === 0) celebrityRequests++;
      else {
        const k = others[zipf.next()] as string;
        background.set(k, (background.get(k) ?? 0) + 1);
      }
    }
    const seed = randomUint32(ctx.random);
    const fair = 1 / NODES;
    const hottest = new Map<string, number[]>();
    const ideal = new Map<string, number>();
    const fanOut = new Map<string, number[]>();
    let step = 0;
    for (const s of cases) {
      const p = s.create(nodeNames(NODES), seed);
      // The limit of salting (k → ∞): the celebrity's requests spread like ordinary keys, by each node's share of the key space.
      const even = loads(p, background, [], []);
      const keySpace = p.loadShares();
      for (const [id, c] of even) even.set(id, c + celebrityRequests * (keySpace.get(id) ?? 0));
      ideal.set(s.label, maxShare(even, requests));
      const shares: number[] = [];
      const nodesPerRead: number[] = [];
      for (const k of salts) {
        const subKeys = k === 1 ? [celebrity] : Array.from({ length: k }, (_, j) => `${celebrity}#${j}`);
        const subCounts = new Array<number>(k).fill(0);
        for (let i = 0; i < celebrityRequests; i++) {
          const j = Math.floor(ctx.random() * k);
          subCounts[j] = (subCounts[j] as number) + 1;
        }
        shares.push(maxShare(loads(p, background, subKeys, subCounts), requests));
        nodesPerRead.push(new Set(subKeys.map((sk) => p.locate(sk))).size);
        ctx.progress(++step, cases.length * salts.length);
      }
      hottest.set(s.label, shares);
      fanOut.set(s.label, nodesPerRead);
    }

    const checks: Check[] = [];
    const unsalted = cases.map((s) => (hottest.get(s.label) as number[])[0] as number);
    const minUnsalted = Math.min(...unsalted);
    checks.push({
      claim: `Without salting, every strategy's hottest node carries at least the celebrity's ${CELEBRITY_SHARE * 100}% of requests (fair share: ${fair * 100}%)`,
      held: minUnsalted >= CELEBRITY_SHARE,
      measured: `hottest node's share: ${cases.map((s, i) => `${s.label} ${((unsalted[i] as number) * 100).toFixed(1)}%`).join('; ')}`,
    });
    const kMax = salts[salts.length - 1] as number;
    const salted = cases.map((s) => (hottest.get(s.label) as number[])[salts.length - 1] as number);
    // How much of the celebrity's excess load (hottest node above the limit of salting) salting removes.
    const removed = cases.map((s, i) => {
      const limit = ideal.get(s.label) as number;
      return 1 - Math.max(0, (salted[i] as number) - limit) / Math.max(1e-12, (unsalted[i] as number) - limit);
    });
    checks.push({
      claim: `Salting over k = ${kMax} sub-keys removes at least 75% of the hot spot for every strategy (the hottest node's load above the limit of salting, where the celebrity's requests spread like ordinary keys)`,
      held: Math.min(...removed) >= 0.75,
      measured: `hottest node without salting → k = ${kMax} → limit: ${cases.map((s, i) => `${s.label} ${((unsalted[i] as number) * 100).toFixed(1)}% → ${((salted[i] as number) * 100).toFixed(1)}% → ${((ideal.get(s.label) as number) * 100).toFixed(1)}%`).join('; ')}`,
    });
    const reads = cases.map((s) => (fanOut.get(s.label) as number[])[salts.length - 1] as number);
    checks.push({
      claim: `A read of the salted key costs k = ${kMax} requests, reaching most of the ${NODES} nodes`,
      held: Math.min(...reads) >= NODES * 0.8,
      measured: `nodes contacted per read at k = ${kMax}: ${Math.min(...reads)}–${Math.max(...reads)} of ${NODES}; requests per read: ${kMax} (1 without salting)`,
    });

    return {
      charts: [
        {
          id: 'hottest',
          title: `Hottest node's share of requests as the celebrity is salted over k sub-keys (${NODES} nodes)`,
          type: 'line',
          x: { label: 'sub-keys per hot key, k', unit: 'sub-keys', scale: 'logarithmic' },
          y: { label: "hottest node's share of requests", unit: '%' },
          series: [
            ...cases.map((s) => ({ label: s.label, points: salts.map((k, i) => ({ x: k, y: round(((hottest.get(s.label) as number[])[i] as number) * 100, 3) })) })),
            { label: `fair share (1/${NODES})`, dashed: true, points: salts.map((k) => ({ x: k, y: fair * 100 })) },
          ],
          caption: `k = 1 is no salting: the celebrity's ${CELEBRITY_SHARE * 100}% of requests all land on one node, whatever the strategy.`,
        },
        {
          id: 'read-cost',
          title: 'What salting costs a read of the hot key: requests, and distinct nodes contacted per strategy',
          type: 'line',
          x: { label: 'sub-keys per hot key, k', unit: 'sub-keys', scale: 'logarithmic' },
          y: { label: 'per read of the hot key', unit: 'count', scale: 'logarithmic' },
          series: [
            { label: 'requests per read (k)', dashed: true, points: salts.map((k) => ({ x: k, y: k })) },
            ...cases.map((s) => ({ label: s.label, points: salts.map((k, i) => ({ x: k, y: (fanOut.get(s.label) as number[])[i] as number })) })),
          ],
          caption: `Every read must fetch all k sub-keys and merge them: k requests (dashed), sent to the distinct nodes each strategy's solid line counts, up to all ${NODES} (a scatter/gather for one key).`,
        },
      ],
      tables: [
        {
          title: `Hottest node's share of requests (${NODES} nodes; fair share ${fair * 100}%)`,
          columns: [
            { label: 'strategy' },
            ...salts.map((k) => ({ label: k === 1 ? 'no salting' : `k = ${k}`, format: 'percent' as const })),
            { label: 'limit (k → ∞)', format: 'percent' as const },
          ],
          rows: cases.map((s) => [s.label, ...(hottest.get(s.label) as number[]).map((v) => round(v, 5)), round(ideal.get(s.label) as number, 5)]),
        },
        {
          title: 'Distinct nodes contacted per read of the hot key',
          columns: [{ label: 'strategy' }, ...salts.map((k) => ({ label: `k = ${k}`, unit: 'nodes', format: 'int' as const }))],
          rows: cases.map((s) => [s.label, ...(fanOut.get(s.label) as number[])]),
        },
      ],
      checks,
      notes: [
        `${requests.toLocaleString('en-US')} requests: ${CELEBRITY_SHARE * 100}% to one celebrity key (${JSON.stringify(celebrity)}), the rest Zipf-distributed (exponent ${ZIPF_EXPONENT}) over ${others.length.toLocaleString('en-US')} other keys of the sample. Each salted write picks one of the k sub-keys at random. "Limit (k → ∞)" is the floor salting can reach: the celebrity's requests spread over the nodes in proportion to their share of the key space, on top of the other keys' load; an uneven strategy stays uneven.`,
      ],
    };
  },
};
