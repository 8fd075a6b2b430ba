/**
 * Load-based splitting, the way CockroachDB's split decider does it
 * (pkg/kv/kvserver/split: `Decider` and `Finder`).
 *
 * Per partition, requests are counted in windows of `windowMs` on the
 * injected clock. When a window's rate reaches `qpsThreshold`, a finder starts
 * sampling request keys into a reservoir of `sampleSize` (Vitter's algorithm
 * R, seeded). For each sample it counts the later requests entirely left of
 * it, right of it, and spanning it (a scan across the key). When the rate
 * has stayed over the threshold for `minObservationMs` (a window under it
 * drops the finder), the split key is the sample with the smallest balance
 * score |L−R|/(L+R) among those seen by ≥ `minSampleCount` requests, with
 * at most `maxContainedShare` spanning requests (splitting under a scan
 * only makes the scan cross two partitions) and a balance score under
 * `maxBalanceScore` (a split that leaves most load on one side does not help:
 * sequential writes, all right of every sample, never split by load; that
 * hot spot needs salted keys or is left to the size policies).
 *
 * A partition that was over the threshold is marked hot for
 * `mergeCooldownMs`; the store does not merge it in that time (CockroachDB
 * likewise refuses to merge ranges whose combined load would split again).
 */
import { InvalidArgumentError, requireInt } from '../errors.js';
import type { Random } from '../util/random.js';
import { mulberry32 } from '../util/random.js';
import type { RangePartition } from './partition.js';
import type { SplitPolicy } from './split-policy.js';

interface Sample {
  key: string;
  left: number;
  right: number;
  contained: number;
}

/** The reservoir of request keys of one hot partition, and the counts per sample. */
export class LoadSplitFinder {
  private readonly samples: Sample[] = [];
  private seen = 0;

  constructor(
    readonly startMs: number,
    private readonly sampleSize: number,
    private readonly random: Random,
  ) {}

  /** Record a point request (span false) or a span [key, end) (end null: unbounded). Sort-form keys. O(sampleSize). */
  record(key: string, end: string | null, span = false): void {
    this.seen++;
    let fresh = -1;
    if (this.samples.length < this.sampleSize) {
      fresh = this.samples.push({ key, left: 0, right: 0, contained: 0 }) - 1;
    } else {
      const j = Math.floor(this.random() * this.seen);
      if (j < this.sampleSize) {
        this.samples[j] = { key, left: 0, right: 0, contained: 0 };
        fresh = j;
      }
    }
    for (let i = 0; i < this.samples.length; i++) {
      if (i === fresh) continue;
      const s = this.samples[i] as Sample;
      if (!span) {
        if (key < s.key) s.left++;
        else s.right++;
      } else if (end !== null && end <= s.key) s.left++;
      else if (key >= s.key) s.right++;
      else s.contained++;
    }
  }

  /** The best split key, or undefined when no sample qualifies. O(sampleSize). */
  splitKey(minSampleCount: number, maxBalanceScore: number, maxContainedShare: number): string | undefined {
    let best: string | undefined;
    let bestScore = Infinity;
    for (const s of this.samples) {
      const lr = s.left + s.right;
      if (lr + s.contained < minSampleCount || lr === 0) continue;
      if (s.contained / (lr + s.contained) > maxContainedShare) continue;
      const balance = Math.abs(s.left - s.right) / lr;
      if (balance < maxBalanceScore && balance < bestScore) {
        bestScore = balance;
        best = s.key;
      }
    }
    return best;
  }

  /** Requests recorded. */
  get requests(): number {
    return this.seen;
  }
}

export interface LoadSplitOptions {
  /** Requests per second over which a partition is hot (CockroachDB default 2,500). */
  qpsThreshold: number;
  /** Length of a rate window (default 1,000 ms). */
  windowMs?: number;
  /** How long the rate must stay over the threshold before splitting (default 10,000 ms). */
  minObservationMs?: number;
  /** Reservoir size (default 20, as CockroachDB). */
  sampleSize?: number;
  /** Requests a sample must have seen to be a candidate (default 100). */
  minSampleCount?: number;
  /** Candidates need |L−R|/(L+R) below this (default 0.25). */
  maxBalanceScore?: number;
  /** Candidates need at most this share of spanning requests (default 0.5). */
  maxContainedShare?: number;
  /** A hot partition is not merged for this long after it was last hot (default 60,000 ms). */
  mergeCooldownMs?: number;
  /** Seeded randomness for the reservoir (default mulberry32(1)). */
  random?: Random;
}

function positive(name: string, v: unknown, fallback: number): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(name, x, 'a finite number > 0');
  return x;
}

/** Load-based split policy (see the module comment). O(sampleSize) per request to a hot partition, O(1) otherwise. */
export function byLoad(options: LoadSplitOptions): SplitPolicy {
  const qpsThreshold = positive('qpsThreshold', options?.qpsThreshold, NaN);
  const windowMs = positive('windowMs', options.windowMs, 1000);
  const minObservationMs = positive('minObservationMs', options.minObservationMs, 10_000);
  const sampleSize = requireInt('sampleSize', options.sampleSize ?? 20, 1, 10_000);
  const minSampleCount = requireInt('minSampleCount', options.minSampleCount ?? 100, 1);
  const maxBalanceScore = positive('maxBalanceScore', options.maxBalanceScore, 0.25);
  const maxContainedShare = positive('maxContainedShare', options.maxContainedShare, 0.5);
  const mergeCooldownMs = positive('mergeCooldownMs', options.mergeCooldownMs, 60_000);
  const random = options.random ?? mulberry32(1);

  return {
    reason: 'load',
    record(p: RangePartition<unknown>, startKey: string, endKey: string | null, nowMs: number, span: boolean): void {
      const elapsed = nowMs - p.loadWindowStartMs;
      if (elapsed >= windowMs) {
        p.loadQps = (p.loadWindowCount * 1000) / elapsed;
        p.loadWindowStartMs = nowMs;
        p.loadWindowCount = 0;
        if (p.loadQps >= qpsThreshold) {
          p.finder ??= new LoadSplitFinder(nowMs, sampleSize, random);
          p.noMergeBeforeMs = nowMs + mergeCooldownMs;
        } else {
          p.finder = undefined;
        }
      }
      p.loadWindowCount++;
      p.finder?.record(startKey, endKey, span);
    },
    splitKey<V>(p: RangePartition<V>, ctx: { nowMs: number }): string | undefined {
      const f = p.finder;
      if (f === undefined || ctx.nowMs - f.startMs < minObservationMs) return undefined;
      return f.splitKey(minSampleCount, maxBalanceScore, maxContainedShare);
    },
    reset(p: RangePartition<unknown>, nowMs: number): void {
      p.finder = undefined;
      p.loadQps = 0;
      p.loadWindowStartMs = nowMs;
      p.loadWindowCount = 0;
    },
  };
}
