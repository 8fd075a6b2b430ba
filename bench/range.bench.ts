/**
 * range-store: the range-partitioned store against one unpartitioned
 * sorted-btree B+ tree, on the same keys in the same process.
 *
 * Cases: N random puts into an empty store (maxPartitionSize 1,000, default
 * options otherwise: wall clock for rates, byte accounting, split checks),
 * N gets of those keys in random order, S scans of 100 consecutive keys; and
 * heap bytes per key of both structures. The peer is `new BTree(undefined,
 * simpleComparator)`: native string comparison, the fastest way to use the
 * library with string keys.
 */
import { compare, heapUsedAfterGc, size, writeSuite, type BenchResult } from './harness.js';
import { RangeStore } from '../src/range/store.js';
import { mulberry32, randomUint32, shuffle } from '../src/util/random.js';
import { compareKeys } from '../src/partitioning/range-keys.js';
import { BTreeImpl, type BTree as BTreeType } from '../src/range/btree.js';

// The sorted-btree class itself (btree.ts only resolves its CommonJS default export).
const BTree = BTreeImpl;
const simpleComparator = (a: string, b: string): number => (a > b ? 1 : a < b ? -1 : 0);

const SUITE = 'range-store';
const N = size(1_000_000, 50_000);
const SCANS = size(10_000, 1_000);
const SCAN_LEN = 100;
const MAX_PARTITION = 1000;

const rnd = mulberry32(2024);
const keySet = new Set<string>();
while (keySet.size < N) keySet.add(`key:${randomUint32(rnd).toString(36)}${randomUint32(rnd).toString(36)}`);
const keys = [...keySet];
const getOrder = shuffle(mulberry32(7), [...keys]);
const sorted = [...keys].sort(compareKeys);
const scanStarts: string[] = [];
const scanEnds: string[] = [];
for (let i = 0; i < SCANS; i++) {
  const at = Math.floor(rnd() * (sorted.length - SCAN_LEN - 1));
  scanStarts.push(sorted[at] as string);
  scanEnds.push(sorted[at + SCAN_LEN] as string);
}

function buildStore(): RangeStore<number> {
  const s = new RangeStore<number>({ maxPartitionSize: MAX_PARTITION });
  for (let i = 0; i < keys.length; i++) s.put(keys[i] as string, i);
  return s;
}
function buildTree(): BTreeType<string, number> {
  const t = new BTree<string, number>(undefined, simpleComparator);
  for (let i = 0; i < keys.length; i++) t.set(keys[i] as string, i);
  return t;
}

const rows: BenchResult[] = [];
const opts = { iterations: size(2, 2), rounds: size(3, 1) };

rows.push(
  compare(SUITE, `put ${N} random keys (maxPartitionSize ${MAX_PARTITION})`, buildStore, 'sorted-btree (one tree)', buildTree, N, {
    ...opts,
    target: (r) => ({ text: 'partitioning costs ≤ 1.5× one tree (ratio ≥ 0.67)', met: r >= 1 / 1.5 }),
  }),
);

const store = buildStore();
const tree = buildTree();
store.checkInvariants();
if (store.totalKeys !== tree.size) throw new Error('store and tree disagree on the key count');

rows.push(
  compare(
    SUITE,
    `get ${N} keys, random order`,
    () => {
      let s = 0;
      for (let i = 0; i < getOrder.length; i++) s += store.get(getOrder[i] as string) as number;
      return s;
    },
    'sorted-btree (one tree)',
    () => {
      let s = 0;
      for (let i = 0; i < getOrder.length; i++) s += tree.get(getOrder[i] as string) as number;
      return s;
    },
    N,
    { ...opts, target: (r) => ({ text: 'partitioning costs ≤ 1.5× one tree (ratio ≥ 0.67)', met: r >= 1 / 1.5 }) },
  ),
);

// Both sides must return the same 100 entries per scan.
for (let i = 0; i < 50; i++) {
  const a = store.rangeScan(scanStarts[i] as string, scanEnds[i] as string);
  const b = tree.getRange(scanStarts[i] as string, scanEnds[i] as string, false);
  if (a.length !== SCAN_LEN || JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`scan ${i} differs from the tree's`);
}

rows.push(
  compare(
    SUITE,
    `scan ${SCAN_LEN} keys × ${SCANS}`,
    () => {
      let n = 0;
      for (let i = 0; i < SCANS; i++) n += store.rangeScan(scanStarts[i] as string, scanEnds[i] as string).length;
      return n;
    },
    'sorted-btree (one tree)',
    () => {
      let n = 0;
      for (let i = 0; i < SCANS; i++) n += tree.getRange(scanStarts[i] as string, scanEnds[i] as string, false).length;
      return n;
    },
    SCANS,
    // Scans are cheap (≈ 0.3 s per call): more rounds steady the median on a shared machine.
    { iterations: size(10, 2), rounds: size(5, 1), target: (r) => ({ text: 'partitioning costs ≤ 1.2× one tree (ratio ≥ 0.83)', met: r >= 1 / 1.2 }) },
  ),
);

// Memory: heap growth while building each structure alone (keys array already live).
const stats = store.stats();
const base = heapUsedAfterGc();
let keep: unknown = buildStore();
const storeBytes = heapUsedAfterGc() - base;
keep = undefined;
const base2 = heapUsedAfterGc();
keep = buildTree();
const treeBytes = heapUsedAfterGc() - base2;
// Memory rides on the put row (it has no time of its own).
const putRow = rows[0] as BenchResult;
putRow.extra = {
  storeBytesPerKey: storeBytes / N,
  treeBytesPerKey: treeBytes / N,
  partitions: stats.partitionCount,
  meanKeysPerPartition: N / stats.partitionCount,
  keysImbalance: stats.keysImbalance,
};
void keep;

writeSuite(SUITE, rows);
