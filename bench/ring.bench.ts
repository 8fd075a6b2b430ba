/**
 * Suite `placement-ring`: the ring family (consistent hash ring, ketama ring,
 * jump consistent hash, rendezvous) against npm `hashring` and
 * `consistent-hash`, and against each strategy's own floor.
 *
 *   node --expose-gc --import tsx bench/ring.bench.ts      (or npm run bench -- --only ring)
 *
 * Every lookup case runs over the same 1,000,000 distinct keys `user:<n>`
 * (after a warm-up pass on other keys), at 10 and 100 nodes.
 */
import { createRequire } from 'node:module';
import { type BenchResult, QUICK, compare, measure, median, single, size, writeSuite } from './harness.js';
import { murmur3x86_32 } from '../src/hash/murmur3-x86-32.js';
import { md5Word0 } from '../src/hash/md5.js';
import { ConsistentHashRing } from '../src/partitioning/ring.js';
import { KetamaRing } from '../src/partitioning/ketama.js';
import { JumpPlacement, jumpHash } from '../src/partitioning/jump.js';
import { RendezvousPlacement, rendezvousSeeds } from '../src/partitioning/rendezvous.js';

interface HashRingLike {
  get(key: string): string;
  find(hash: number): number;
  hashValue(key: string): number;
  ring: { value: number; server: string }[];
}
interface ConsistentHashLike {
  add(node: string, points: number): ConsistentHashLike;
  get(key: string): string;
}
const require = createRequire(import.meta.url);
const HashRing = require('hashring') as new (servers: string[]) => HashRingLike;
const ConsistentHash = require('consistent-hash') as new () => ConsistentHashLike;

const SUITE = 'placement-ring';
const KEY_COUNT = size(1_000_000, 50_000);
const keys = Array.from({ length: KEY_COUNT }, (_, i) => `user:${i}`);
const warmKeys = Array.from({ length: size(200_000, 10_000) }, (_, i) => `warm:${i}`);
const rows: BenchResult[] = [];
const peerOptions = { iterations: QUICK ? 2 : 3, warmup: 0, rounds: QUICK ? 1 : 2 };
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);

/** A lookup over every key, returning a checksum so the work cannot be dropped. */
function over(fn: (key: string) => string, ks: readonly string[] = keys): () => number {
  return () => {
    let x = 0;
    for (let i = 0; i < ks.length; i++) x += fn(ks[i] as string).length;
    return x;
  };
}

/** Warm a lookup up on keys that are not measured. */
function warm(fn: (key: string) => string): void {
  over(fn, warmKeys)();
  over(fn, warmKeys)();
}

/**
 * Our lookup against its floor in the same run: the same hash over the same
 * keys, plus the bare lookup step on precomputed hashes. Alternating rounds,
 * medians.
 */
function floorRow(name: string, ours: () => unknown, hashOnly: () => unknown, stepOnly: () => unknown): BenchResult {
  const o: number[] = [];
  const h: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < (QUICK ? 1 : 3); r++) {
    o.push(measure(`${name} (lookup)`, ours, KEY_COUNT));
    h.push(measure(`${name} (hash only)`, hashOnly, KEY_COUNT));
    s.push(measure(`${name} (bare step)`, stepOnly, KEY_COUNT));
  }
  const oursNs = median(o);
  const hashNs = median(h);
  const stepNs = median(s);
  const floorNs = hashNs + stepNs;
  const overFloor = oursNs / floorNs;
  return { ...single(SUITE, name, oursNs, { floorNs, hashNs, stepNs, overFloor }), target: 'lookup ≤ 1.3× its floor (same hash + bare step)', met: overFloor <= 1.3 };
}

/** The bare binary search the rings do (ring-core's ringIndex, branch-free lower bound), on a precomputed hash. */
function search(positions: Uint32Array, h: number): number {
  const len = positions.length;
  let base = 0;
  let n = len;
  while (n > 1) {
    const half = n >>> 1;
    base = (positions[base + half - 1] as number) < h ? base + half : base;
    n -= half;
  }
  const i = (positions[base] as number) < h ? base + 1 : base;
  return i === len ? 0 : i;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Precomputed key hashes for the floors.
const murmur = new Uint32Array(KEY_COUNT);
const murmurHigh = new Uint32Array(KEY_COUNT);
const md5 = new Uint32Array(KEY_COUNT);
for (let i = 0; i < KEY_COUNT; i++) {
  const k = keys[i] as string;
  murmur[i] = murmur3x86_32(k);
  murmurHigh[i] = murmur3x86_32(k, 0x9747b28c);
  md5[i] = md5Word0(k);
}
const hashMurmur = (): number => {
  let x = 0;
  for (let i = 0; i < keys.length; i++) x ^= murmur3x86_32(keys[i] as string);
  return x;
};
const hashMurmurTwice = (): number => {
  let x = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    x ^= murmur3x86_32(k, 0x9747b28c) ^ murmur3x86_32(k);
  }
  return x;
};
const hashMd5 = (): number => {
  let x = 0;
  for (let i = 0; i < keys.length; i++) x ^= md5Word0(keys[i] as string);
  return x;
};

for (const n of [10, 100]) {
  const nodes = ids(n);

  // (a) consistent hash ring (150 vnodes) vs hashring and consistent-hash.
  const ring = new ConsistentHashRing(nodes);
  const hr = new HashRing(nodes);
  const ch = new ConsistentHash();
  for (const id of nodes) ch.add(id, 150);
  const ringLookup = (k: string): string => ring.locate(k);
  const hashringUncached = (k: string): string => (hr.ring[hr.find(hr.hashValue(k))] as { server: string }).server;
  const hashringDefault = (k: string): string => hr.get(k);
  const chLookup = (k: string): string => ch.get(k);
  for (const f of [ringLookup, hashringUncached, hashringDefault, chLookup]) warm(f);
  rows.push(
    compare(SUITE, `ring locate, ${n} nodes, 150 vnodes`, over(ringLookup), 'hashring (LRU cache bypassed)', over(hashringUncached), KEY_COUNT, {
      ...peerOptions,
      target: (r) => ({ text: '≥ 15× faster than hashring without its cache', met: r >= 15 }),
    }),
  );
  rows.push(compare(SUITE, `ring locate, ${n} nodes, 150 vnodes`, over(ringLookup), 'hashring (default, 5,000-entry LRU)', over(hashringDefault), KEY_COUNT, peerOptions));
  rows.push(compare(SUITE, `ring locate, ${n} nodes, 150 vnodes`, over(ringLookup), 'consistent-hash (150 points per node)', over(chLookup), KEY_COUNT, peerOptions));

  // (b) ketama ring vs hashring: identical placement, and speed.
  const ketama = new KetamaRing(nodes);
  const ketamaLookup = (k: string): string => ketama.locate(k);
  warm(ketamaLookup);
  let mismatches = 0;
  for (const k of keys) if (ketama.locate(k) !== hashringUncached(k)) mismatches++;
  const kRow = compare(SUITE, `ketama locate, ${n} nodes`, over(ketamaLookup), 'hashring (LRU cache bypassed)', over(hashringUncached), KEY_COUNT, peerOptions);
  kRow.target = 'identical placement to hashring (0 mismatches) and ≥ 2× faster';
  kRow.met = mismatches === 0 && (kRow.ratio ?? 0) >= 2;
  kRow.extra = { mismatches, keys: KEY_COUNT };
  rows.push(kRow);

  // (c) each strategy against its floor.
  const ringPositions = ring.pointPositions();
  rows.push(
    floorRow(`ring locate vs floor, ${n} nodes`, over(ringLookup), hashMurmur, () => {
      let x = 0;
      for (let i = 0; i < KEY_COUNT; i++) x += search(ringPositions, murmur[i] as number);
      return x;
    }),
  );
  const ketamaPositions = ketama.pointPositions();
  rows.push(
    floorRow(`ketama locate vs floor, ${n} nodes`, over(ketamaLookup), hashMd5, () => {
      let x = 0;
      for (let i = 0; i < KEY_COUNT; i++) x += search(ketamaPositions, md5[i] as number);
      return x;
    }),
  );
  const jump = new JumpPlacement(nodes);
  const jumpLookup = (k: string): string => jump.locate(k);
  warm(jumpLookup);
  rows.push(
    floorRow(`jump locate vs floor, ${n} nodes`, over(jumpLookup), hashMurmurTwice, () => {
      let x = 0;
      for (let i = 0; i < KEY_COUNT; i++) x += jumpHash(murmurHigh[i] as number, murmur[i] as number, n);
      return x;
    }),
  );
  const hrw = new RendezvousPlacement(nodes);
  const hrwLookup = (k: string): string => hrw.locate(k);
  warm(hrwLookup);
  const seeds = Int32Array.from(nodes, (id) => rendezvousSeeds(id)[0]);
  rows.push(
    floorRow(`rendezvous locate vs floor, ${n} nodes`, over(hrwLookup), hashMurmur, () => {
      let x = 0;
      for (let i = 0; i < KEY_COUNT; i++) {
        const h = (murmur[i] as number) | 0;
        let best = 0;
        let bestA = -1;
        for (let j = 0; j < n; j++) {
          const a = fmix32(h ^ (seeds[j] as number));
          if (a > bestA) {
            bestA = a;
            best = j;
          }
        }
        x += best;
      }
      return x;
    }),
  );

  // (d) balance at 100 nodes, counted over the same keys.
  if (n === 100) {
    const count = (fn: (k: string) => string): number => {
      const c = new Map<string, number>();
      for (const k of keys) {
        const id = fn(k);
        c.set(id, (c.get(id) ?? 0) + 1);
      }
      return (Math.max(...c.values()) * n) / KEY_COUNT;
    };
    let ringImb = 0;
    const ns = measure('ring balance count', () => (ringImb = count(ringLookup)), KEY_COUNT, { iterations: 1, warmup: 0 });
    const hashringImb = count(hashringUncached);
    const sharesImb = Math.max(...ring.loadShares().values()) * n;
    rows.push({
      ...single(SUITE, 'balance, 100 nodes: ring (150 vnodes) max/mean keys', ns, { ringMaxOverMean: ringImb, ringExactShareMaxOverMean: sharesImb, hashringMaxOverMean: hashringImb, keys: KEY_COUNT }),
      target: 'ring max/mean ≤ 1.25',
      met: ringImb <= 1.25,
    });
  }
}

// (e) memory: a ring of 1,000 nodes × 150 vnodes (heap + ArrayBuffer backing stores, after GC).
function memoryAfterGc(): { heap: number; buffers: number } {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc for the memory figure');
  g();
  g();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}
{
  const bigIds = ids(1000);
  const before = memoryAfterGc();
  const t0 = process.hrtime.bigint();
  let big: ConsistentHashRing | undefined = new ConsistentHashRing(bigIds);
  const buildNs = Number(process.hrtime.bigint() - t0);
  const after = memoryAfterGc();
  const vnodes = big.pointCountTotal;
  const heapDelta = after.heap - before.heap;
  const bufferDelta = after.buffers - before.buffers;
  const bytes = heapDelta + bufferDelta;
  rows.push({
    ...single(SUITE, 'memory: ring of 1,000 nodes × 150 vnodes (build time per vnode)', buildNs / vnodes, {
      bytes,
      heapBytes: heapDelta,
      arrayBufferBytes: bufferDelta,
      bytesPerVnode: bytes / vnodes,
      vnodes,
    }),
    target: '≤ 8 MB',
    met: bytes <= 8 * 1024 * 1024,
  });
  big = undefined;

  // The lab grows a ring one node at a time: joins merge into the sorted arrays.
  const grow = (): number => {
    let r = new ConsistentHashRing([]);
    for (let i = 0; i < 100; i++) r = r.withNode(`grow-${i}`).placement;
    return r.pointCountTotal;
  };
  const growNs = measure('grow 0 → 100 nodes one at a time', grow, 100, { iterations: QUICK ? 2 : 5, warmup: 1 });
  rows.push(single(SUITE, 'ring withNode (join + exact plan), growing 0 → 100 nodes, per join', growNs));
}

writeSuite(SUITE, rows);
