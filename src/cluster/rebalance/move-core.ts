/**
 * One move, as a protocol core without I/O (ARCHITECTURE.md, principle 3):
 * partitions first … last go from node `from` to node `to` while both keep
 * serving. The core asks for one thing at a time (`next()` → a MoveRequest)
 * and is told how it went (`reply()`); the executor (./executor.ts) turns the
 * requests into SK.MOVE.* commands and map compare-and-sets, and the
 * simulation (./move-core.sim.test.ts) into a seeded model with crashes and
 * lost messages. Time comes in with each call; no clock, no randomness.
 *
 * The protocol (the rebalancing issue's §2):
 * 1. **inspect**: read the map. Committed already (the map names the target
 *    as owner): go to cleanup. Fenced by an earlier attempt: lift the fence.
 * 2. **copy**: clear the target's copy of the partitions under a new import
 *    token (a write of an earlier attempt still in flight lands nowhere),
 *    open the source's change stream (`begin`), then stream the partitions'
 *    stored pairs in chunks (`scan` → `apply`). The source keeps serving.
 * 3. **catch-up**: replay the change stream on the target (`changes` →
 *    `apply`) until what is left is small. Every write the source queued
 *    since `begin` is in the stream as the record's full new value, in
 *    order, so replaying it over the copy ends in the source's state.
 * 4. **fence**: one compare-and-set of the map fences the partitions' writes
 *    (their owner answers TRYAGAIN; reads go on), with the epoch raised. Once
 *    the source has adopted that epoch (`await-epoch`), no write to the
 *    partitions can join the stream; drain it to the end onto the target.
 *    The fence is bounded: past `fenceMaxMs` it is lifted and catch-up
 *    resumes (the stream stays open), so a slow drain costs a retry, not an
 *    outage.
 * 5. **commit**: one compare-and-set of the map names the target as owner
 *    and lifts the fence, epoch raised: ownership changes once, in the
 *    metadata service, never node by node. Nothing the source acknowledged
 *    is lost: every write it accepted before the fence is in the stream, and
 *    the stream was applied durably on the target before the commit.
 * 6. **cleanup**: close the stream, wait `cleanupDelayMs` (requests routed
 *    under the old map drain), then delete the partitions at the source in
 *    batches (MongoDB's range deleter).
 *
 * Failures: a source that restarted (its stream is gone: NOSESSION) or a
 * target that restarted (its import token is gone) sends the move back to
 * copy, lifting a fence first; so does any request that failed for good
 * (`unreachable` past `retriesMax`), up to `restartsMax` restarts, after which
 * the move rolls back (fence lifted, target's copy deleted) and reports why.
 * Requests are retried after `retryDelayMs` when their outcome is unknown
 * and the request is idempotent (all are, given the import token). A crash
 * of the executor itself leaves the journal and the map; a new executor
 * starts a fresh core at inspect, which resumes or rolls back.
 */
import { InvalidArgumentError, requireInt } from '../../errors.js';
import type { MovePhase } from './types.js';

/** A stored pair as it travels (store key, record; null record: deletion). */
export interface Pair {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/** What the core asks the executor to do next. */
export type MoveRequest =
  | { readonly op: 'inspect' }
  | { readonly op: 'clear'; readonly node: 'target' | 'source'; readonly token: string; readonly count: number }
  | { readonly op: 'begin'; readonly session: string }
  | { readonly op: 'scan'; readonly after: Uint8Array; readonly count: number; readonly maxBytes: number }
  | { readonly op: 'apply'; readonly token: string; readonly pairs: readonly Pair[] }
  | { readonly op: 'changes'; readonly session: string; readonly from: number; readonly maxBytes: number }
  | { readonly op: 'fence' }
  | { readonly op: 'await-epoch'; readonly epoch: number }
  | { readonly op: 'commit' }
  | { readonly op: 'unfence' }
  | { readonly op: 'end'; readonly session: string }
  | { readonly op: 'wait'; readonly ms: number }
  | { readonly op: 'done'; readonly outcome: 'committed' | 'rolled-back'; readonly reason?: string };

/** How a request went. */
export type MoveReply =
  | {
      readonly ok: true;
      /** inspect: the map names the target as owner of every partition of the move. */
      readonly committed?: boolean;
      /** inspect: the map fences the move's partitions. */
      readonly fenced?: boolean;
      /** clear: keys deleted (0: none left). */
      readonly deleted?: number;
      /** scan: pairs returned, and whether the scan reached the end. */
      readonly pairs?: readonly Pair[];
      readonly end?: boolean;
      /** changes: the next index, and how many entries the stream holds in all. */
      readonly next?: number;
      readonly total?: number;
      /** fence, commit, await-epoch: the map epoch (for await-epoch: the source's). */
      readonly epoch?: number;
    }
  | {
      readonly ok: false;
      /**
       * `nosession`: the source's stream or the target's import is gone (a restart).
       * `unreachable`: the outcome is unknown (timeout, connection lost).
       * `refused`: the node or the map refused (the map changed under a commit: not fenced any more).
       */
      readonly error: 'nosession' | 'unreachable' | 'refused';
      readonly message: string;
    };

/** Tunables of a move; every one has a unit in its name or is a count. */
export interface MoveConfig {
  /** Keys per scan chunk. */
  readonly chunkKeys: number;
  /** Bytes per scan chunk and per change batch (about). */
  readonly chunkBytes: number;
  /** Catch-up fences once a batch brings fewer than this many changes and no more wait. */
  readonly lagSmallChanges: number;
  /** Longest the write fence may stay up, ms; past it the fence is lifted and catch-up resumes. */
  readonly fenceMaxMs: number;
  /** Pause between polls of the source's epoch while fencing, ms. */
  readonly epochPollMs: number;
  /** Keys deleted per clear call. */
  readonly clearKeys: number;
  /** Wait between the commit and deleting the source's copy, ms. */
  readonly cleanupDelayMs: number;
  /** Times a request with an unknown outcome is sent again before the attempt counts as failed. */
  readonly retriesMax: number;
  /** Wait before sending again, ms. */
  readonly retryDelayMs: number;
  /** Attempts started again from the copy before the move rolls back. */
  readonly restartsMax: number;
  /** Fences lifted for running past fenceMaxMs before the move rolls back. */
  readonly fenceAbortsMax: number;
}

/** Defaults: 1,000-key / 1 MiB chunks, fence at most 500 ms, source deleted 2 s after the commit. */
export const DEFAULT_MOVE_CONFIG: MoveConfig = {
  chunkKeys: 1000,
  chunkBytes: 1024 * 1024,
  lagSmallChanges: 200,
  fenceMaxMs: 500,
  epochPollMs: 5,
  clearKeys: 5000,
  cleanupDelayMs: 2000,
  retriesMax: 5,
  retryDelayMs: 200,
  restartsMax: 5,
  fenceAbortsMax: 10,
};

/** What the core has done, for the journal and `rebalance status`. */
export interface MoveStats {
  readonly phase: MovePhase;
  readonly copiedKeys: number;
  readonly copiedBytes: number;
  readonly replayedChanges: number;
  readonly lagChanges: number;
  readonly restarts: number;
  readonly fenceAborts: number;
  /** Length of the fence that led to the commit, ms. */
  readonly fenceMs: number | undefined;
  /** Why the move rolled back. */
  readonly reason: string | undefined;
}

type Step =
  | 'inspect'
  | 'unfence-then-copy'
  | 'clear-target'
  | 'begin'
  | 'scan'
  | 'apply-scan'
  | 'changes'
  | 'apply-changes'
  | 'fence'
  | 'await-epoch'
  | 'poll-wait'
  | 'drain'
  | 'apply-drain'
  | 'commit'
  | 'unfence-then-catchup'
  | 'end'
  | 'cleanup-wait'
  | 'clear-source'
  | 'rollback-unfence'
  | 'rollback-clear'
  | 'done';

/** The state machine of one move. */
export class MoveCore {
  private step: Step = 'inspect';
  private readonly config: MoveConfig;
  private attempt = 0;
  private cursor: Uint8Array = new Uint8Array(0);
  private from = 0;
  private pending: readonly Pair[] = [];
  private pendingNext = 0;
  private pendingTotal = 0;
  private scanEnded = false;
  private fenceEpoch = 0;
  private fenceStartMs = 0;
  private retries = 0;
  private waitingRetry = false;
  private outcome: 'committed' | 'rolled-back' | undefined;
  private s = { copiedKeys: 0, copiedBytes: 0, replayedChanges: 0, lagChanges: 0, restarts: 0, fenceAborts: 0, fenceMs: undefined as number | undefined, reason: undefined as string | undefined };

  constructor(
    /** Unique per move (the plan id and the move's index): names the stream and the import tokens. */
    readonly id: string,
    config: Partial<MoveConfig> = {},
  ) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,100}$/.test(id)) throw new InvalidArgumentError('move id', id, '1-100 letters, digits, or . _ : -');
    const c = { ...DEFAULT_MOVE_CONFIG, ...config };
    for (const [k, v] of Object.entries(c)) requireInt(k, v, k === 'cleanupDelayMs' || k === 'retriesMax' || k === 'restartsMax' || k === 'fenceAbortsMax' || k === 'lagSmallChanges' ? 0 : 1, 1 << 30);
    this.config = c;
  }

  /** The session of the current attempt (source's stream). */
  get session(): string {
    return `${this.id}.${this.attempt}`;
  }

  /** The import token of the current attempt (target). */
  get token(): string {
    return `${this.id}.${this.attempt}`;
  }

  /** True once the move committed or rolled back. */
  get finished(): boolean {
    return this.step === 'done';
  }

  /** Progress so far. */
  stats(): MoveStats {
    return { phase: this.phase(), ...this.s };
  }

  /** The journal's phase for the current step. */
  phase(): MovePhase {
    switch (this.step) {
      case 'inspect':
      case 'unfence-then-copy':
        return 'pending';
      case 'clear-target':
      case 'begin':
      case 'scan':
      case 'apply-scan':
        return 'copy';
      case 'changes':
      case 'apply-changes':
      case 'unfence-then-catchup':
        return 'catchup';
      case 'fence':
      case 'await-epoch':
      case 'poll-wait':
      case 'drain':
      case 'apply-drain':
        return 'fence';
      case 'commit':
        return 'commit';
      case 'end':
      case 'cleanup-wait':
      case 'clear-source':
        return 'cleanup';
      case 'rollback-unfence':
      case 'rollback-clear':
        return 'catchup';
      case 'done':
        return this.outcome === 'committed' ? 'done' : 'rolled-back';
    }
  }

  /** What to do now. Call `reply` with its outcome before calling `next` again (except for `done`). */
  next(nowMs: number): MoveRequest {
    const c = this.config;
    if (this.waitingRetry) return { op: 'wait', ms: c.retryDelayMs };
    switch (this.step) {
      case 'inspect':
        return { op: 'inspect' };
      case 'unfence-then-copy':
      case 'unfence-then-catchup':
      case 'rollback-unfence':
        return { op: 'unfence' };
      case 'clear-target':
      case 'rollback-clear':
        return { op: 'clear', node: 'target', token: this.token, count: c.clearKeys };
      case 'begin':
        return { op: 'begin', session: this.session };
      case 'scan':
        return { op: 'scan', after: this.cursor, count: c.chunkKeys, maxBytes: c.chunkBytes };
      case 'apply-scan':
      case 'apply-changes':
      case 'apply-drain':
        return { op: 'apply', token: this.token, pairs: this.pending };
      case 'changes':
      case 'drain':
        if (this.step === 'drain' && nowMs - this.fenceStartMs > c.fenceMaxMs) return this.fenceTooLong();
        return { op: 'changes', session: this.session, from: this.from, maxBytes: c.chunkBytes };
      case 'fence':
        return { op: 'fence' };
      case 'await-epoch':
        if (nowMs - this.fenceStartMs > c.fenceMaxMs) return this.fenceTooLong();
        return { op: 'await-epoch', epoch: this.fenceEpoch };
      case 'poll-wait':
        return { op: 'wait', ms: c.epochPollMs };
      case 'commit':
        return { op: 'commit' };
      case 'end':
        return { op: 'end', session: this.session };
      case 'cleanup-wait':
        return { op: 'wait', ms: c.cleanupDelayMs };
      case 'clear-source':
        return { op: 'clear', node: 'source', token: `${this.id}.cleanup`, count: c.clearKeys };
      case 'done':
        return { op: 'done', outcome: this.outcome as 'committed' | 'rolled-back', reason: this.s.reason };
    }
  }

  /** The outcome of the request `next` returned. */
  reply(r: MoveReply, nowMs: number): void {
    if (this.waitingRetry) {
      this.waitingRetry = false;
      return;
    }
    if (this.step === 'done') return;
    if (!r.ok) return this.failed(r);
    this.retries = 0;
    switch (this.step) {
      case 'inspect':
        if (r.committed === true) {
          this.outcome = 'committed';
          this.step = 'end';
        } else this.step = r.fenced === true ? 'unfence-then-copy' : 'clear-target';
        return;
      case 'unfence-then-copy':
        this.step = 'clear-target';
        return;
      case 'clear-target':
        if ((r.deleted ?? 0) === 0) this.step = 'begin';
        return;
      case 'begin':
        this.cursor = new Uint8Array(0);
        this.from = 0;
        this.step = 'scan';
        return;
      case 'scan': {
        const pairs = r.pairs ?? [];
        this.scanEnded = r.end === true;
        if (pairs.length === 0) {
          this.step = this.scanEnded ? 'changes' : 'scan';
          return;
        }
        this.pending = pairs;
        this.cursor = (pairs[pairs.length - 1] as Pair).key;
        this.step = 'apply-scan';
        return;
      }
      case 'apply-scan':
        this.s.copiedKeys += this.pending.length;
        this.s.copiedBytes += bytesOf(this.pending);
        this.pending = [];
        this.step = this.scanEnded ? 'changes' : 'scan';
        return;
      case 'changes':
      case 'drain': {
        const pairs = r.pairs ?? [];
        this.pendingNext = r.next ?? this.from;
        this.pendingTotal = r.total ?? this.pendingNext;
        this.s.lagChanges = this.pendingTotal - this.from;
        if (pairs.length > 0) {
          this.pending = pairs;
          this.step = this.step === 'changes' ? 'apply-changes' : 'apply-drain';
          return;
        }
        if (this.step === 'drain') {
          if (this.pendingTotal === this.from) this.step = 'commit';
          return;
        }
        this.step = 'fence';
        return;
      }
      case 'apply-changes':
      case 'apply-drain': {
        this.s.replayedChanges += this.pending.length;
        this.s.copiedBytes += bytesOf(this.pending);
        this.pending = [];
        this.from = this.pendingNext;
        const left = this.pendingTotal - this.from;
        this.s.lagChanges = left;
        if (this.step === 'apply-drain') this.step = 'drain';
        else this.step = left < this.config.lagSmallChanges ? 'fence' : 'changes';
        return;
      }
      case 'fence':
        this.fenceEpoch = r.epoch ?? 0;
        this.fenceStartMs = nowMs;
        this.step = 'await-epoch';
        return;
      case 'await-epoch':
        this.step = (r.epoch ?? 0) >= this.fenceEpoch ? 'drain' : 'poll-wait';
        return;
      case 'poll-wait':
        this.step = 'await-epoch';
        return;
      case 'commit':
        this.s.fenceMs = nowMs - this.fenceStartMs;
        this.outcome = 'committed';
        this.step = 'end';
        return;
      case 'unfence-then-catchup':
        this.step = 'changes';
        return;
      case 'end':
        this.step = 'cleanup-wait';
        return;
      case 'cleanup-wait':
        this.step = 'clear-source';
        return;
      case 'clear-source':
        if ((r.deleted ?? 0) === 0) {
          this.outcome = 'committed';
          this.step = 'done';
        }
        return;
      case 'rollback-unfence':
        this.step = 'rollback-clear';
        return;
      case 'rollback-clear':
        if ((r.deleted ?? 0) === 0) {
          this.outcome = 'rolled-back';
          this.step = 'done';
        }
        return;
    }
  }

  private fenceTooLong(): MoveRequest {
    this.s.fenceAborts++;
    if (this.s.fenceAborts > this.config.fenceAbortsMax) {
      this.rollback(`the write fence ran past ${this.config.fenceMaxMs} ms ${this.s.fenceAborts} times (the source could not drain its writes in time)`);
    } else this.step = 'unfence-then-catchup';
    return { op: 'unfence' };
  }

  private failed(r: Extract<MoveReply, { ok: false }>): void {
    const committedAlready = this.step === 'end' || this.step === 'cleanup-wait' || this.step === 'clear-source';
    if (r.error === 'unreachable' && this.retries < this.config.retriesMax) {
      this.retries++;
      this.waitingRetry = true;
      return;
    }
    if (this.step === 'rollback-unfence' || this.step === 'rollback-clear' || this.step === 'inspect') {
      // Rolling back is retried without end: nothing else is safe to do.
      this.waitingRetry = true;
      return;
    }
    if (committedAlready) {
      // The move is committed; only the source's cleanup is left. A lost stream does not matter now.
      if (this.step === 'end') this.step = 'cleanup-wait';
      else this.waitingRetry = true;
      return;
    }
    if (this.step === 'commit' && r.error === 'unreachable') {
      // The commit's outcome is unknown: look at the map again.
      this.retries = 0;
      this.step = 'inspect';
      return;
    }
    this.retries = 0;
    this.s.restarts++;
    if (this.s.restarts > this.config.restartsMax) return this.rollback(`${r.message} (after ${this.config.restartsMax} restarts)`);
    this.attempt++;
    this.pending = [];
    const fencedNow = this.step === 'await-epoch' || this.step === 'poll-wait' || this.step === 'drain' || this.step === 'apply-drain' || this.step === 'commit';
    this.step = fencedNow || this.step === 'fence' ? 'unfence-then-copy' : 'clear-target';
  }

  private rollback(reason: string): void {
    this.s.reason = reason;
    this.attempt++;
    this.step = 'rollback-unfence';
  }
}

function bytesOf(pairs: readonly Pair[]): number {
  let n = 0;
  for (const p of pairs) n += p.key.length + (p.value?.length ?? 0);
  return n;
}
