/**
 * A range-partitioned key-value store (DDIA ch. 6, "Partitioning by key
 * range" and "Dynamic partitioning"), as HBase, Bigtable, CockroachDB and TiKV
 * keep their data: keys sorted, cut into contiguous partitions that split
 * when they grow and merge when they shrink.
 *
 * Layout: one B+ tree per partition (sorted-btree) plus a sorted array of the
 * partitions' start keys. A lookup is a binary search over P starts and a
 * search in a tree of at most a few thousand keys: O(log P + log n/P) =
 * O(log n), the same comparisons as one big tree, on smaller, cache-friendlier
 * trees. A split or merge rebuilds only the trees involved (O(partition size),
 * plus an O(P) splice of the start array), which is also what makes a
 * partition a unit that moves between nodes. A single global tree would make
 * splits free but every split policy would then walk a shared tree, and moving
 * a partition would mean extracting a range; per-partition trees keep each
 * partition self-contained.
 *
 * Key order is UTF-8 byte order; keys are held in sort form (see
 * partitioning/range-keys.ts) so comparisons are native `<`.
 *
 * Seed behaviour (kept exactly): one partition ["", ∞) at start; put / get /
 * delete; after a put, a partition with more than `maxPartitionSize` keys
 * splits at its median; `mergeSmallPartitions()` merges adjacent partitions
 * whose combined size is ≤ `minPartitionSize`, repeatedly, returning the
 * count; contiguous boundaries; unique ids; `rangeScan(start, end?)` touches
 * only overlapping partitions.
 */
import { InvalidArgumentError, NotFoundError, ShardkitError, describeValue, requireInt, isArraySafe } from '../errors.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type NodeSpec } from '../partitioning/placement.js';
import { checkBoundaries } from '../partitioning/range.js';
import { findPartitionIndex, fromSortForm, toSortForm, utf8Length } from '../partitioning/range-keys.js';
import { RangePartition } from './partition.js';
import { type SplitPolicy, byKeyCount } from './split-policy.js';
import { mergeInto, splitPartition } from './split-merge.js';
import type { PartitionInfo, RangeEvent, SplitReason, StoreStats } from './types.js';
import { NodeSet } from './nodes.js';
import { checkStore } from './store-invariants.js';
import { defaultSizeOf, measureValue, storeStats } from './metrics.js';

export interface RangeStoreOptions<V> {
  /** Key-count split threshold (the seed's): more keys than this → split at the median. Default 1,000. */
  maxPartitionSize?: number;
  /** `mergeSmallPartitions()` merges neighbours whose combined key count is ≤ this. Default ⌊max/4⌋ (at least 1); at most max (equal is harmless: a merge result never exceeds max). */
  minPartitionSize?: number;
  /** Split policies (any one may split). Default `[byKeyCount({ maxPartitionSize })]`. */
  split?: SplitPolicy | readonly SplitPolicy[];
  /** Pre-split boundaries (HBase `SPLITS`): sorted, distinct, non-empty. */
  boundaries?: readonly string[];
  /** Bytes of a value. Default: UTF-8 length of strings, byteLength of bytes, 8 for numbers, JSON length otherwise. */
  sizeOf?: (value: V) => number;
  /** First key of `key`'s row group (e.g. `compoundRowGroup`): splits never fall inside a group. */
  rowGroupOf?: (key: string) => string;
  /** Time for rates, load splitting and merge cooldowns. Default: wall clock. */
  clock?: Clock;
  /** Window of the per-partition rates. Default 1,000 ms. */
  rateWindowMs?: number;
  /** Nodes to place partitions on (see `nodes`); none by default. */
  nodes?: readonly (NodeSpec | string)[];
}

const SPLIT_BUDGET = 64;

export class RangeStore<V = unknown> {
  readonly maxPartitionSize: number;
  readonly minPartitionSize: number;
  /** Partitions on nodes, and the balancer. Empty (no nodes) unless nodes were given. */
  readonly nodes: NodeSet<V>;
  /** @internal start keys (sort form), parallel to `parts` */
  readonly starts: string[] = [''];
  /** @internal */
  readonly parts: RangePartition<V>[];
  /** @internal */
  readonly policies: readonly SplitPolicy[];
  private readonly recorders: readonly SplitPolicy[];
  /** @internal */
  readonly sizeOf: (value: V) => number;
  private readonly rowGroupOf: ((key: string) => string) | undefined;
  private readonly clock: Clock;
  private readonly rateWindowMs: number;
  private readonly listeners = new Set<(e: RangeEvent) => void>();
  private nextId = 1;
  /** Reused for every policy call (no allocation per write). */
  private readonly splitContext: { nowMs: number; sizeOf: (value: V) => number };
  private keyCount = 0;
  private splitCount = 0;
  private mergeCount = 0;
  /** @internal true when partitions must hold ≤ maxPartitionSize keys (default policy, no row groups) */
  readonly strictMax: boolean;

  /** O(B log B) for B pre-split boundaries. Bad options: InvalidArgumentError. */
  constructor(options: RangeStoreOptions<V> = {}) {
    try {
      this.maxPartitionSize = requireInt('maxPartitionSize', options.maxPartitionSize ?? 1000, 1);
      this.minPartitionSize = requireInt('minPartitionSize', options.minPartitionSize ?? Math.max(1, Math.floor(this.maxPartitionSize / 4)), 1);
      if (this.minPartitionSize > this.maxPartitionSize) {
        throw new InvalidArgumentError('minPartitionSize', this.minPartitionSize, `an integer ≥ 1 and ≤ maxPartitionSize (${this.maxPartitionSize})`);
      }
      const split = options.split ?? [byKeyCount({ maxPartitionSize: this.maxPartitionSize })];
      this.policies = Object.freeze(isArraySafe(split) ? [...split] : [split as SplitPolicy]);
      for (const p of this.policies) {
        if (p === null || typeof p !== 'object' || typeof p.splitKey !== 'function') throw new InvalidArgumentError('split policy', p, 'a SplitPolicy (byKeyCount, byBytes, byLoad or your own)');
      }
      this.recorders = this.policies.filter((p) => typeof p.record === 'function');
      this.strictMax = options.split === undefined && options.rowGroupOf === undefined;
      this.sizeOf = options.sizeOf ?? (defaultSizeOf as (v: V) => number);
      if (typeof this.sizeOf !== 'function') throw new InvalidArgumentError('sizeOf', this.sizeOf, 'a function value → bytes');
      this.rowGroupOf = options.rowGroupOf;
      this.splitContext = { nowMs: 0, sizeOf: this.sizeOf };
      this.clock = options.clock ?? systemClock;
      this.rateWindowMs = options.rateWindowMs ?? 1000;
      if (typeof this.rateWindowMs !== 'number' || !(this.rateWindowMs > 0) || !Number.isFinite(this.rateWindowMs)) throw new InvalidArgumentError('rateWindowMs', this.rateWindowMs, 'a finite number > 0');
      const boundaries = checkBoundaries(options.boundaries ?? []);
      this.nodes = new NodeSet<V>(this, options.nodes ?? []);
      this.parts = [new RangePartition<V>(0, '', null, this.rateWindowMs, this.clock.now())];
      this.nodes.placeNew(this.parts[0] as RangePartition<V>);
      for (const b of boundaries) this.splitAtSortKey(toSortForm(b), 'presplit');
      // Pre-split partitions go round-robin over the nodes, as HBase assigns pre-split regions.
      const ids = this.nodes.nodeIds;
      if (ids.length > 0) this.parts.forEach((p, i) => (p.node = ids[i % ids.length]));
    } catch (e) {
      // Options whose fields or policies throw when read (a trapping proxy, a
      // throwing getter) are bad input like any other: a typed error, not theirs.
      if (e instanceof ShardkitError) throw e;
      throw new InvalidArgumentError('options', describeValue(options), `RangeStore options and split policies whose fields can be read (reading them threw: ${e instanceof Error ? describeValue(e.message) : describeValue(e)})`);
    }
  }

  // ---- reads and writes -------------------------------------------------

  /** Insert or update. O(log n) (plus a split, O(partition size), when one is due). */
  put(key: string, value: V): void {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
    if (value === undefined) throw new InvalidArgumentError('value', value, 'any value except undefined (get returns undefined for a missing key)');
    const size = measureValue(this.sizeOf, value);
    if (typeof size !== 'number' || !(size >= 0) || !Number.isFinite(size)) throw new InvalidArgumentError('sizeOf(value)', size, 'a finite number ≥ 0');
    const sk = toSortForm(key);
    const i = findPartitionIndex(this.starts, sk);
    const p = this.parts[i] as RangePartition<V>;
    // Inserts (the common case) take one tree descent; updates two, the
    // second reading the old value's size as it replaces it.
    if (p.tree.setIfNotPresent(sk, value)) {
      p.bytes += utf8Length(key) + size;
      if (sk !== key) p.highKeys++;
      this.keyCount++;
    } else {
      let oldSize = 0;
      p.tree.editRange(sk, sk, true, (_k, old) => {
        oldSize = this.sizeOf(old);
        return { value };
      });
      p.bytes += size - oldSize;
    }
    const now = this.wrote(p, sk);
    if (p.reads + p.writes >= p.splitRetryAtRequests) this.maybeSplit(i, now);
  }

  /** The value of `key`, or undefined. O(log n). */
  get(key: string): V | undefined {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
    const sk = toSortForm(key);
    const i = findPartitionIndex(this.starts, sk);
    const p = this.parts[i] as RangePartition<V>;
    const now = this.clock.now();
    p.reads++;
    p.readRate.add(now);
    if (this.recorders.length > 0) {
      for (const r of this.recorders) r.record?.(p as RangePartition<unknown>, sk, null, now, false);
      if (p.reads + p.writes >= p.splitRetryAtRequests) this.maybeSplit(i, now);
    }
    return p.tree.get(sk);
  }

  /** Delete `key`; true when it existed. O(log n). Never splits or merges. */
  delete(key: string): boolean {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
    const sk = toSortForm(key);
    const p = this.parts[findPartitionIndex(this.starts, sk)] as RangePartition<V>;
    const old = p.tree.get(sk);
    this.wrote(p, sk);
    if (old === undefined) return false;
    p.tree.delete(sk);
    p.bytes -= utf8Length(key) + this.sizeOf(old);
    if (sk !== key) p.highKeys--;
    this.keyCount--;
    return true;
  }

  private wrote(p: RangePartition<V>, sk: string): number {
    const now = this.clock.now();
    p.writes++;
    p.writeRate.add(now);
    for (let j = 0; j < this.recorders.length; j++) (this.recorders[j] as SplitPolicy).record?.(p as RangePartition<unknown>, sk, null, now, false);
    return now;
  }

  /**
   * Every [key, value] with start ≤ key < end (to the end when `end` is
   * omitted), in key order, across partitions, touching only the partitions
   * that overlap. O(log n + results). end < start: InvalidArgumentError.
   */
  rangeScan(start: string, end?: string): [string, V][] {
    if (typeof start !== 'string') throw new InvalidArgumentError('start', start, 'a string');
    if (end !== undefined && typeof end !== 'string') throw new InvalidArgumentError('end', end, 'a string or undefined (scan to the end)');
    const ss = toSortForm(start);
    const se = end === undefined ? undefined : toSortForm(end);
    if (se !== undefined && se < ss) throw new InvalidArgumentError('end', end, `a key ≥ start ${JSON.stringify(start)} (UTF-8 byte order)`);
    const now = this.clock.now();
    let out: [string, V][] | undefined;
    for (let i = findPartitionIndex(this.starts, ss); i < this.parts.length; i++) {
      const p = this.parts[i] as RangePartition<V>;
      if (se !== undefined && p.start >= se) break;
      p.reads++;
      p.readRate.add(now);
      if (this.recorders.length > 0) {
        const spanEnd = se !== undefined && (p.end === null || se < p.end) ? se : p.end;
        for (const r of this.recorders) r.record?.(p as RangePartition<unknown>, ss > p.start ? ss : p.start, spanEnd, now, true);
      }
      let high = se;
      if (high === undefined) {
        high = p.tree.maxKey();
        if (high === undefined) continue;
      }
      const found = p.tree.getRange(ss, high, se === undefined);
      if (p.highKeys > 0) for (const e of found) e[0] = fromSortForm(e[0]);
      if (out === undefined) out = found;
      else for (const e of found) out.push(e);
    }
    return out ?? [];
  }

  // ---- splitting and merging ------------------------------------------

  /**
   * Ask the policies about partition i, then about both halves of every split
   * it makes, until none wants a split (at most SPLIT_BUDGET splits per call).
   * No allocation unless a split happens.
   */
  private maybeSplit(i: number, now: number): void {
    this.splitContext.nowMs = now;
    const first = this.parts[i] as RangePartition<V>;
    const right = this.trySplit(first, now);
    if (right === undefined) return;
    const todo: RangePartition<V>[] = [right, first];
    for (let budget = SPLIT_BUDGET - 1; budget > 0 && todo.length > 0; ) {
      const p = todo.pop() as RangePartition<V>;
      const r = this.trySplit(p, now);
      if (r === undefined) continue;
      budget--;
      todo.push(r, p);
    }
  }

  /** Split p if a policy wants to and a valid key exists; returns the new right half. */
  private trySplit(p: RangePartition<V>, now: number): RangePartition<V> | undefined {
    let splitKey: string | undefined;
    let reason: SplitReason = 'keys';
    let wanted = false;
    for (let j = 0; j < this.policies.length; j++) {
      const policy = this.policies[j] as SplitPolicy;
      const candidate = policy.splitKey(p, this.splitContext);
      if (candidate === undefined) continue;
      wanted = true;
      splitKey = this.safeSplitKey(p, candidate);
      reason = policy.reason;
      if (splitKey !== undefined) break;
    }
    if (splitKey === undefined) {
      // A policy wanted a split but no valid key exists (one row group; a
      // load key at the edge): look again only after as many more requests
      // as the partition holds keys, so writes stay O(log n) amortised.
      if (wanted) p.splitRetryAtRequests = p.reads + p.writes + Math.max(1, p.tree.size);
      return undefined;
    }
    const idx = findPartitionIndex(this.starts, p.start);
    this.splitIndexAt(idx, splitKey, reason, now);
    return this.parts[idx + 1] as RangePartition<V>;
  }

  /** The candidate moved to a row-group start, if it leaves both sides non-empty; else undefined. O(group size). */
  private safeSplitKey(p: RangePartition<V>, candidate: string): string | undefined {
    const min = p.tree.minKey();
    if (min === undefined || candidate <= p.start || (p.end !== null && candidate >= p.end)) return undefined;
    if (this.rowGroupOf === undefined) return candidate > min ? candidate : undefined;
    const group = (k: string): string => toSortForm(this.rowGroupOf!(fromSortForm(k)));
    const g = group(candidate);
    if (g > min && g > p.start) return g;
    // The first group starts the partition: split at the next group instead.
    for (const k of p.tree.keys(candidate)) {
      const h = group(k);
      if (h !== g && h > p.start) return h;
    }
    return undefined;
  }

  private splitIndexAt(i: number, sk: string, reason: SplitReason, now: number): void {
    const p = this.parts[i] as RangePartition<V>;
    const parent = this.listeners.size > 0 ? p.info(now) : undefined;
    const right = splitPartition(p, sk, this.nextId++, now, this.sizeOf);
    this.starts.splice(i + 1, 0, sk);
    this.parts.splice(i + 1, 0, right);
    for (const policy of this.policies) {
      policy.reset?.(p as RangePartition<unknown>, now);
      policy.reset?.(right as RangePartition<unknown>, now);
    }
    this.splitCount++;
    if (parent) this.emit({ type: 'split', atMs: now, reason, splitKey: fromSortForm(sk), parent, left: p.info(now), right: right.info(now) });
  }

  private splitAtSortKey(sk: string, reason: SplitReason): boolean {
    const i = findPartitionIndex(this.starts, sk);
    if (this.starts[i] === sk) return false;
    this.splitIndexAt(i, sk, reason, this.clock.now());
    return true;
  }

  /**
   * Split the partition containing `key` so that `key` starts a partition
   * (a no-op returning false if it already does). With `rowGroupOf`, `key`
   * must start its row group. O(partition size + P).
   */
  splitAt(key: string): boolean {
    if (typeof key !== 'string' || key.length === 0) throw new InvalidArgumentError('split key', key, 'a non-empty string');
    if (this.rowGroupOf !== undefined && this.rowGroupOf(key) !== key) {
      throw new InvalidArgumentError('split key', key, 'the first key of a row group (splits never fall inside a compound key\'s partition key)');
    }
    return this.splitAtSortKey(toSortForm(key), 'manual');
  }

  /**
   * Pre-split at every boundary (HBase `SPLITS`): sorted, distinct, non-empty
   * strings; boundaries that already start a partition are skipped. All are
   * validated before any split. Returns the number of splits made.
   */
  preSplit(boundaries: readonly string[]): number {
    checkBoundaries(boundaries);
    if (this.rowGroupOf !== undefined) boundaries.forEach((b, i) => {
      if (this.rowGroupOf!(b) !== b) throw new InvalidArgumentError(`boundaries[${i}]`, b, 'the first key of a row group');
    });
    let n = 0;
    for (const b of boundaries) if (this.splitAtSortKey(toSortForm(b), 'presplit')) n++;
    return n;
  }

  /**
   * Merge adjacent partitions whose combined size is ≤ minPartitionSize,
   * repeatedly, skipping partitions that were hot recently (load policy);
   * returns the number of merges. One left-to-right pass reaches the fixed
   * point: a merged partition only grows. O(n + P²) worst case (splices).
   */
  mergeSmallPartitions(): number {
    const now = this.clock.now();
    let merges = 0;
    for (let i = 0; i + 1 < this.parts.length; ) {
      const l = this.parts[i] as RangePartition<V>;
      const r = this.parts[i + 1] as RangePartition<V>;
      if (l.tree.size + r.tree.size <= this.minPartitionSize && l.noMergeBeforeMs <= now && r.noMergeBeforeMs <= now) {
        this.mergeAt(i, now);
        merges++;
      } else i++;
    }
    return merges;
  }

  /**
   * Merge partition `id` with the partition after it, whatever their sizes
   * and heat; the split policies then look at the result (a merge past
   * maxPartitionSize splits again at the median). O(sizes + P).
   */
  mergeWithNext(id: number): void {
    const i = this.parts.findIndex((p) => p.id === id);
    if (i < 0) throw new NotFoundError('partition', String(id), this.parts.slice(0, 20).map((p) => String(p.id)));
    if (i === this.parts.length - 1) throw new InvalidArgumentError('partition', id, 'a partition that is not the last (it has no right neighbour)');
    this.mergeAt(i, this.clock.now());
    this.maybeSplit(i, this.clock.now());
  }

  private mergeAt(i: number, now: number): void {
    const l = this.parts[i] as RangePartition<V>;
    const r = this.parts[i + 1] as RangePartition<V>;
    const before = this.listeners.size > 0 ? [l.info(now), r.info(now)] : undefined;
    const movedBytes = l.node !== r.node ? r.bytes : 0;
    mergeInto(l, r, now);
    this.starts.splice(i + 1, 1);
    this.parts.splice(i + 1, 1);
    for (const policy of this.policies) policy.reset?.(l as RangePartition<unknown>, now);
    this.mergeCount++;
    if (before) this.emit({ type: 'merge', atMs: now, left: before[0] as PartitionInfo, right: before[1] as PartitionInfo, merged: l.info(now), movedBytes });
  }

  // ---- observing ------------------------------------------------------

  /** Call `listener` after every split and merge; returns the unsubscribe function. Listeners run synchronously. */
  subscribe(listener: (e: RangeEvent) => void): () => void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('listener', listener, 'a function');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: RangeEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Every partition, in key order. O(P). */
  partitions(): PartitionInfo[] {
    const now = this.clock.now();
    return this.parts.map((p) => p.info(now));
  }

  /** The partition owning `key`. O(log P). */
  partitionFor(key: string): PartitionInfo {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', key, 'a string');
    return (this.parts[findPartitionIndex(this.starts, toSortForm(key))] as RangePartition<V>).info(this.clock.now());
  }

  get partitionCount(): number {
    return this.parts.length;
  }

  /** Keys stored. O(1). */
  get totalKeys(): number {
    return this.keyCount;
  }

  /** Store-wide figures, including the imbalance that shows hot spots. O(P). */
  stats(): StoreStats {
    return storeStats(this.partitions(), this.keyCount, this.splitCount, this.mergeCount);
  }

  /** Current time on the store's clock (for callers computing rates). */
  nowMs(): number {
    return this.clock.now();
  }

  /** Throws InvariantError when any rule is broken. O(n) (walks every key). */
  checkInvariants(): void {
    checkStore(this, this.keyCount);
  }
}
