/**
 * SWIM membership and failure detection (Das, Gupta, Motivala, DSN 2002) with
 * the Lifeguard refinements (Dadgar et al., 2018), in the shape of HashiCorp
 * memberlist, as a pure state machine (ARCHITECTURE.md, principle 3).
 *
 * Inputs: `receive(from, message, nowMs)`, `tick(nowMs)`, `join(seeds)`,
 * `leave()`. Each returns what to do: messages to send and membership events.
 * No sockets, timers or wall clock: time comes in as `nowMs` (non-decreasing)
 * and randomness from the `Random` given to the constructor, so a run is a
 * function of its inputs. `nextDeadlineMs()` says when `tick` next has work.
 *
 * Protocol, per member:
 * - every probe interval, ping one member chosen by shuffled round-robin; no
 *   ack within the probe timeout: ask `indirectChecks` others to ping it
 *   (ping-req), they relay its ack or send a nack; no ack by the end of the
 *   interval: suspect it;
 * - a suspect is declared dead when its suspicion timeout runs out; the
 *   timeout starts at its maximum and shrinks toward its minimum as
 *   independent members confirm the suspicion (Lifeguard);
 * - a member that hears itself suspected or declared dead refutes with a
 *   higher incarnation number, and re-announces it when it hears an
 *   accusation older than its incarnation (memberlist ignores those);
 * - updates ride on every ping, ack, ping-req and nack, and on gossip
 *   messages to a few random members, each sent about
 *   retransmitMult·log10(N+1) times, least-sent first;
 * - every push/pull interval, full state is exchanged with one random member,
 *   and at once when a tick finds the probe timer overdue by more than a
 *   probe interval (the process was stalled; memberlist has no such rule);
 * - local health (Lifeguard): missed acks/nacks and refutations raise a score,
 *   successful probes lower it, and probe interval and timeout are multiplied
 *   by (score + 1).
 */
import { InvalidArgumentError, InvariantError, StateError } from '../../errors.js';
import { randomInt, shuffle, type Random } from '../../util/random.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { decodeMessage, isMemberId, MEMBER_ID_MAX_LENGTH, type MemberSnapshot, type MemberStatus, type MemberUpdate, type SwimMessage } from './messages.js';
import {
  expectedConfirmations,
  resolveSwimOptions,
  retransmitLimit,
  suspicionMaxTimeoutMs,
  suspicionMinTimeoutMs,
  suspicionTimeoutMs,
  type SwimOptions,
} from './options.js';

/** Most indirect probes relayed at once for others; more ping-reqs get an immediate nack. */
export const RELAYS_MAX = 1024;

/** A change in what this member believes about another. */
export interface MembershipEvent {
  readonly type: MemberStatus;
  readonly member: string;
  readonly incarnation: number;
}

/** A message to send to member `to`. */
export interface Outgoing {
  readonly to: string;
  readonly message: SwimMessage;
}

/** What one input asks the caller to do. */
export interface SwimOutput {
  readonly messages: Outgoing[];
  readonly events: MembershipEvent[];
}

interface Suspicion {
  readonly startMs: number;
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly confirmations: Set<string>;
  deadlineMs: number;
}

interface MemberRecord {
  readonly id: string;
  incarnation: number;
  status: MemberStatus;
  suspicion: Suspicion | null;
}

interface Probe {
  readonly seq: number;
  readonly target: string;
  direct: boolean;
  ackDeadlineMs: number;
  deadlineMs: number;
  readonly indirectWindowMs: number;
  expectedNacks: number;
  nacks: number;
}

interface Relay {
  readonly origin: string;
  readonly originSeq: number;
  readonly deadlineMs: number;
}

export class Swim {
  readonly self: string;
  readonly options: SwimOptions;
  private readonly random: Random;
  private readonly members = new Map<string, MemberRecord>();
  private readonly suspects = new Set<string>();
  private readonly queue = new BroadcastQueue();
  private readonly relays = new Map<number, Relay>();
  private probeList: string[] = [];
  private probeIndex = 0;
  private probe: Probe | null = null;
  private seq = 0;
  private score = 0;
  /** Seeds from join, asked again every probe interval while we know no other member. */
  private seeds: string[] = [];
  private nextJoinRetryAtMs = Infinity;
  /** Members (self included) alive or suspect, kept in step by setStatus. */
  private liveN = 1;
  /** Other members alive or suspect, and each one's index in it (swap-remove), for O(1) sampling. */
  private readonly liveOthers: string[] = [];
  private readonly livePos = new Map<string, number>();
  private left = false;
  private lastNowMs: number;
  private nextProbeAtMs: number;
  private nextGossipAtMs: number;
  private nextPushPullAtMs: number;
  private nextReconnectAtMs: number;
  private out: SwimOutput = { messages: [], events: [] };

  /**
   * A member `self` alone in its group at time `nowMs`, incarnation
   * `incarnation` (a restarted member may start above its old one).
   * Timers start at random offsets within their intervals (memberlist staggers them).
   */
  constructor(self: string, random: Random, options: Partial<SwimOptions> = {}, nowMs = 0, incarnation = 0) {
    if (!isMemberId(self)) throw new InvalidArgumentError('self', self, `a member id: a string of 1 to ${MEMBER_ID_MAX_LENGTH} characters`);
    if (typeof random !== 'function') throw new InvalidArgumentError('random', random, 'a Random: () => number in [0, 1)');
    if (!Number.isFinite(nowMs) || nowMs < 0) throw new InvalidArgumentError('nowMs', nowMs, 'a finite number of milliseconds >= 0');
    if (!Number.isSafeInteger(incarnation) || incarnation < 0) throw new InvalidArgumentError('incarnation', incarnation, 'a safe integer >= 0');
    this.self = self;
    this.options = resolveSwimOptions(options);
    this.random = random;
    this.lastNowMs = nowMs;
    this.members.set(self, { id: self, incarnation, status: 'alive', suspicion: null });
    const o = this.options;
    this.nextProbeAtMs = nowMs + randomInt(random, o.probeIntervalMs);
    this.nextGossipAtMs = nowMs + randomInt(random, Math.max(1, o.gossipIntervalMs));
    this.nextPushPullAtMs = nowMs + randomInt(random, Math.max(1, o.pushPullIntervalMs));
    this.nextReconnectAtMs = nowMs + randomInt(random, Math.max(1, o.reconnectIntervalMs));
  }

  // ---- inputs ---------------------------------------------------------------------------

  /** Ask each seed for a full-state push/pull; our own alive update spreads from there. O(N). */
  join(seeds: readonly string[]): SwimOutput {
    if (!Array.isArray(seeds) || !seeds.every(isMemberId)) throw new InvalidArgumentError('seeds', seeds, 'an array of member ids');
    if (this.left) throw new StateError(`member ${this.self} has left; create a new Swim to rejoin`);
    this.queue.push(this.aliveUpdate());
    this.seeds = seeds.filter((s) => s !== this.self);
    for (const seed of this.seeds) this.send(seed, this.syncMessage(true));
    this.nextJoinRetryAtMs = this.lastNowMs + this.options.probeIntervalMs;
    return this.flush();
  }

  /**
   * Leave gracefully: a dead update about ourselves from ourselves (memberlist's
   * leave), sent straight to up to retransmitLimit(N) live members, who spread it.
   * After this every input returns nothing.
   */
  leave(): SwimOutput {
    if (this.left) throw new StateError(`member ${this.self} has already left`);
    const me = this.record(this.self);
    me.incarnation++;
    this.setStatus(me, 'left');
    this.left = true;
    const update: MemberUpdate = { kind: 'dead', member: this.self, incarnation: me.incarnation, from: this.self };
    const peers = shuffle(this.random, this.live());
    for (const to of peers.slice(0, retransmitLimit(this.options, this.liveCount()))) {
      this.send(to, { type: 'gossip', from: this.self, updates: [update] }, false);
    }
    this.probe = null;
    this.relays.clear();
    this.queue.clear();
    return this.flush();
  }

  /** Decode bytes from the network and receive them; bad bytes throw MembershipMessageError and change nothing. */
  receiveBytes(from: string, bytes: Uint8Array, nowMs: number): SwimOutput {
    return this.receive(from, decodeMessage(bytes), nowMs);
  }

  /** Handle one message from member `from` at time `nowMs`. O(updates) (O(N) for a sync). */
  receive(from: string, message: SwimMessage, nowMs: number): SwimOutput {
    if (!isMemberId(from)) throw new InvalidArgumentError('from', from, `a member id: a string of 1 to ${MEMBER_ID_MAX_LENGTH} characters`);
    this.advance(nowMs);
    if (this.left) return this.flush();
    if (message.type === 'sync') {
      this.merge(message.from, message.members);
      if (message.reply) this.send(message.from, this.syncMessage(false));
      return this.flush();
    }
    for (const u of message.updates) this.apply(u);
    switch (message.type) {
      case 'ping':
        if (message.target === this.self) this.send(message.from, { type: 'ack', seq: message.seq, from: this.self, updates: [] });
        break;
      case 'ping-req': {
        if (this.relays.size >= RELAYS_MAX) {
          // Bounded: beyond RELAYS_MAX pending indirect probes, answer at once that we cannot help.
          this.send(message.from, { type: 'nack', seq: message.seq, from: this.self, updates: [] });
          break;
        }
        const seq = ++this.seq;
        this.relays.set(seq, { origin: message.from, originSeq: message.seq, deadlineMs: nowMs + this.options.probeTimeoutMs });
        this.send(message.target, { type: 'ping', seq, from: this.self, target: message.target, updates: [] });
        break;
      }
      case 'ack': {
        const relay = this.relays.get(message.seq);
        if (relay !== undefined) {
          this.relays.delete(message.seq);
          this.send(relay.origin, { type: 'ack', seq: relay.originSeq, from: this.self, updates: [] });
        } else if (this.probe !== null && this.probe.seq === message.seq) {
          this.probe = null;
          this.adjustHealth(-1);
        }
        break;
      }
      case 'nack':
        if (this.probe !== null && this.probe.seq === message.seq) this.probe.nacks++;
        break;
      case 'gossip':
        break;
    }
    return this.flush();
  }

  /** Run every timer due at `nowMs`. O(relays + suspects), plus a probe or sync when due. */
  tick(nowMs: number): SwimOutput {
    this.advance(nowMs);
    if (this.left) return this.flush();
    // A probe timer overdue by more than a probe interval means this process was stalled (paused,
    // starved): others may suspect it, so ask one member for full state now, to learn and refute.
    const due = this.probe === null ? this.nextProbeAtMs : this.probe.direct ? this.probe.ackDeadlineMs : this.probe.deadlineMs;
    if (nowMs - due > this.options.probeIntervalMs) {
      const peers = this.live();
      if (peers.length > 0) this.send(peers[randomInt(this.random, peers.length)] as string, this.syncMessage(true));
      // Refutations sent while we were stalled never reached us: give our suspicions a probe
      // interval to hear them before they run out, rather than declaring members dead on waking.
      for (const id of this.suspects) {
        const sus = this.record(id).suspicion;
        if (sus !== null) sus.deadlineMs = Math.max(sus.deadlineMs, nowMs + this.options.probeIntervalMs);
      }
    }
    for (const [seq, relay] of this.relays) {
      if (relay.deadlineMs > nowMs) continue;
      this.relays.delete(seq);
      this.send(relay.origin, { type: 'nack', seq: relay.originSeq, from: this.self, updates: [] });
    }
    this.advanceProbe(nowMs);
    for (const id of [...this.suspects]) {
      const r = this.record(id);
      if (r.suspicion !== null && r.suspicion.deadlineMs <= nowMs) this.apply({ kind: 'dead', member: id, incarnation: r.incarnation, from: this.self });
    }
    if (this.probe === null && nowMs >= this.nextProbeAtMs) this.startProbe(nowMs);
    this.gossipIfDue(nowMs);
    this.syncIfDue(nowMs);
    if (this.liveN === 1 && this.seeds.length > 0 && nowMs >= this.nextJoinRetryAtMs) {
      this.nextJoinRetryAtMs = nowMs + this.options.probeIntervalMs;
      for (const seed of this.seeds) this.send(seed, this.syncMessage(true));
    }
    return this.flush();
  }

  /** The earliest time at which `tick` has something to do (Infinity after leave). O(relays + suspects). */
  nextDeadlineMs(): number {
    if (this.left) return Infinity;
    let t = Infinity;
    for (const r of this.relays.values()) t = Math.min(t, r.deadlineMs);
    for (const id of this.suspects) t = Math.min(t, this.record(id).suspicion?.deadlineMs ?? Infinity);
    if (this.probe !== null) t = Math.min(t, this.probe.direct ? this.probe.ackDeadlineMs : this.probe.deadlineMs);
    else t = Math.min(t, this.nextProbeAtMs);
    if (this.options.gossipIntervalMs > 0 && this.queue.size > 0) t = Math.min(t, this.nextGossipAtMs);
    if (this.options.pushPullIntervalMs > 0) t = Math.min(t, this.nextPushPullAtMs);
    if (this.options.reconnectIntervalMs > 0) t = Math.min(t, this.nextReconnectAtMs);
    if (this.liveN === 1 && this.seeds.length > 0) t = Math.min(t, this.nextJoinRetryAtMs);
    return Math.max(t, this.lastNowMs);
  }

  // ---- views ----------------------------------------------------------------------------

  /** What this member believes about `id`, or undefined when it never heard of it. O(1). */
  statusOf(id: string): MemberStatus | undefined {
    return this.members.get(id)?.status;
  }

  /** Incarnation this member holds for `id` (its own for `self`). O(1). */
  incarnationOf(id: string): number | undefined {
    return this.members.get(id)?.incarnation;
  }

  /** Every member known, with status and incarnation, sorted by id. O(N log N). */
  snapshot(): MemberSnapshot[] {
    return [...this.members.values()].map((r) => ({ member: r.id, incarnation: r.incarnation, status: r.status })).sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  }

  /** Lifeguard's local health score, 0 (healthy) to awarenessMaxMultiplier - 1. */
  get healthScore(): number {
    return this.score;
  }

  /** Current probe interval and timeout after health scaling. */
  get scaledProbeIntervalMs(): number {
    return this.options.probeIntervalMs * (this.score + 1);
  }
  get scaledProbeTimeoutMs(): number {
    return this.options.probeTimeoutMs * (this.score + 1);
  }

  /** Pending suspicion deadline for `id`, if suspected. */
  suspicionDeadlineMs(id: string): number | undefined {
    return this.members.get(id)?.suspicion?.deadlineMs;
  }

  /** Throws InvariantError when a rule of the state is broken. O(N). */
  checkInvariants(): void {
    const me = this.members.get(this.self);
    if (me === undefined || me.status !== (this.left ? 'left' : 'alive')) throw new InvariantError(`self ${this.self} must be ${this.left ? 'left' : 'alive'}, is ${me?.status}`);
    for (const r of this.members.values()) {
      if ((r.status === 'suspect') !== (r.suspicion !== null)) throw new InvariantError(`${r.id}: status ${r.status} with suspicion ${r.suspicion !== null}`);
      if ((r.status === 'suspect') !== this.suspects.has(r.id)) throw new InvariantError(`${r.id}: suspect set out of step`);
    }
    const live = [...this.members.values()].filter((r) => r.status === 'alive' || r.status === 'suspect').length;
    if (live !== this.liveN) throw new InvariantError(`live count ${this.liveN}, counted ${live}`);
    if (this.liveOthers.length !== live - (this.left ? 0 : 1)) throw new InvariantError(`live list of ${this.liveOthers.length}, counted ${live} with self`);
    for (const [id, i] of this.livePos) if (this.liveOthers[i] !== id) throw new InvariantError(`live list index of ${id} is stale`);
    if (this.score < 0 || this.score >= this.options.awarenessMaxMultiplier) throw new InvariantError(`health score ${this.score} out of range`);
  }

  // ---- protocol -------------------------------------------------------------------------

  private advance(nowMs: number): void {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs) || nowMs < this.lastNowMs) {
      throw new InvalidArgumentError('nowMs', nowMs, `a finite time in ms >= the last one given (${this.lastNowMs})`);
    }
    this.lastNowMs = nowMs;
  }

  private startProbe(nowMs: number): void {
    const interval = this.scaledProbeIntervalMs;
    const timeout = this.scaledProbeTimeoutMs;
    this.nextProbeAtMs = nowMs + interval;
    const target = this.nextProbeTarget();
    if (target === null) return;
    const seq = ++this.seq;
    this.probe = { seq, target, direct: true, ackDeadlineMs: nowMs + timeout, deadlineMs: nowMs + interval, indirectWindowMs: interval - timeout, expectedNacks: 0, nacks: 0 };
    const r = this.record(target);
    // A suspect is told it is suspected, so it can refute (memberlist sends ping + suspect).
    const extra: MemberUpdate[] = r.status === 'suspect' ? [{ kind: 'suspect', member: target, incarnation: r.incarnation, from: this.self }] : [];
    this.send(target, { type: 'ping', seq, from: this.self, target, updates: extra });
  }

  private advanceProbe(nowMs: number): void {
    const p = this.probe;
    if (p === null) return;
    if (p.direct && nowMs >= p.ackDeadlineMs) {
      p.direct = false;
      // A probe whose direct phase ended late (the process was paused) still gets its indirect window.
      p.deadlineMs = Math.max(p.deadlineMs, nowMs + p.indirectWindowMs);
      const helpers = shuffle(this.random, this.live().filter((id) => id !== p.target && this.record(id).status === 'alive')).slice(0, this.options.indirectChecks);
      for (const h of helpers) this.send(h, { type: 'ping-req', seq: p.seq, from: this.self, target: p.target, updates: [] });
      p.expectedNacks = helpers.length;
    }
    if (!p.direct && nowMs >= p.deadlineMs) {
      this.probe = null;
      // Lifeguard: each missing nack is evidence that we, not the target, are slow.
      this.adjustHealth(p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1);
      const r = this.members.get(p.target);
      if (r !== undefined && (r.status === 'alive' || r.status === 'suspect')) this.apply({ kind: 'suspect', member: p.target, incarnation: r.incarnation, from: this.self });
    }
  }

  private nextProbeTarget(): string | null {
    for (let rebuilt = false; ; ) {
      while (this.probeIndex < this.probeList.length) {
        const id = this.probeList[this.probeIndex++] as string;
        const s = this.members.get(id)?.status;
        if (s === 'alive' || s === 'suspect') return id;
      }
      if (rebuilt) return null;
      this.probeList = shuffle(this.random, this.live());
      this.probeIndex = 0;
      rebuilt = true;
    }
  }

  private gossipIfDue(nowMs: number): void {
    const o = this.options;
    if (o.gossipIntervalMs === 0 || nowMs < this.nextGossipAtMs) return;
    this.nextGossipAtMs = nowMs + o.gossipIntervalMs;
    if (this.queue.size === 0) return;
    for (const to of this.sampleLive(o.gossipFanout)) {
      const updates = this.queue.take(o.maxPiggybackUpdates, retransmitLimit(o, this.liveCount()));
      if (updates.length === 0) break;
      this.send(to, { type: 'gossip', from: this.self, updates }, false);
    }
  }

  private syncIfDue(nowMs: number): void {
    const o = this.options;
    if (o.pushPullIntervalMs > 0 && nowMs >= this.nextPushPullAtMs) {
      // memberlist scales the push/pull interval up past 32 members to bound the load.
      const n = this.liveCount();
      const scale = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
      this.nextPushPullAtMs = nowMs + o.pushPullIntervalMs * scale;
      const peers = this.live().filter((id) => this.record(id).status === 'alive');
      if (peers.length > 0) this.send(peers[randomInt(this.random, peers.length)] as string, this.syncMessage(true));
    }
    if (o.reconnectIntervalMs > 0 && nowMs >= this.nextReconnectAtMs) {
      this.nextReconnectAtMs = nowMs + o.reconnectIntervalMs;
      const dead = [...this.members.values()].filter((r) => r.status === 'dead').map((r) => r.id);
      if (dead.length > 0) this.send(dead[randomInt(this.random, dead.length)] as string, this.syncMessage(true));
    }
  }

  /** Apply one update (memberlist's aliveNode / suspectNode / deadNode). */
  private apply(u: MemberUpdate): void {
    if (u.kind === 'alive') this.onAlive(u);
    else if (u.kind === 'suspect') this.onSuspect(u);
    else this.onDead(u);
  }

  private onAlive(u: MemberUpdate): void {
    if (u.member === this.self) {
      if (u.incarnation > this.record(this.self).incarnation) this.refute(u.incarnation);
      return;
    }
    const r = this.members.get(u.member);
    if (r === undefined) {
      this.members.set(u.member, { id: u.member, incarnation: u.incarnation, status: 'alive', suspicion: null });
      this.liveN++;
      this.addLive(u.member);
      // New members join the current round at a random later position.
      const at = this.probeIndex + randomInt(this.random, this.probeList.length - this.probeIndex + 1);
      this.probeList.splice(at, 0, u.member);
      this.event('alive', u.member, u.incarnation);
      this.queue.push(u);
      return;
    }
    if (u.incarnation <= r.incarnation) return;
    const was = r.status;
    r.incarnation = u.incarnation;
    this.setStatus(r, 'alive');
    if (was !== 'alive') this.event('alive', u.member, u.incarnation);
    this.queue.push(u);
  }

  private onSuspect(u: MemberUpdate): void {
    const r = this.members.get(u.member);
    if (r === undefined) return;
    if (u.incarnation < r.incarnation) {
      this.reannounceIfSelf(u);
      return;
    }
    if (r.suspicion !== null && u.incarnation === r.incarnation) {
      if (this.confirm(r.suspicion, u.from)) this.queue.push(u);
      return;
    }
    // A suspicion at a higher incarnation than the one we suspect means the member refuted ours:
    // this is a new suspicion, with its own timer (memberlist only confirms the old one).
    if (r.status !== 'alive' && r.status !== 'suspect') return;
    if (u.member === this.self) {
      this.refute(u.incarnation);
      return;
    }
    this.queue.push(u);
    r.incarnation = u.incarnation;
    const n = this.liveCount();
    const k = expectedConfirmations(this.options, n);
    const minMs = suspicionMinTimeoutMs(this.options, n);
    const maxMs = suspicionMaxTimeoutMs(this.options, n);
    this.setStatus(r, 'suspect');
    r.suspicion = { startMs: this.lastNowMs, k, minMs, maxMs, confirmations: new Set([u.from]), deadlineMs: this.lastNowMs + (k < 1 ? minMs : maxMs) };
    this.event('suspect', u.member, u.incarnation);
  }

  /** Count an independent confirmation; true when it was new and shortened the timeout. */
  private confirm(s: Suspicion, from: string): boolean {
    const c = s.confirmations.size - 1;
    if (c >= s.k || s.confirmations.has(from)) return false;
    s.confirmations.add(from);
    s.deadlineMs = s.startMs + suspicionTimeoutMs(c + 1, s.k, s.minMs, s.maxMs);
    return true;
  }

  private onDead(u: MemberUpdate): void {
    const r = this.members.get(u.member);
    if (r === undefined) return;
    if (u.incarnation < r.incarnation) {
      this.reannounceIfSelf(u);
      return;
    }
    if (r.status === 'dead' || r.status === 'left') return;
    if (u.member === this.self) {
      this.refute(u.incarnation);
      return;
    }
    this.queue.push(u);
    r.incarnation = u.incarnation;
    const status = u.from === u.member ? 'left' : 'dead';
    this.setStatus(r, status);
    this.event(status, u.member, u.incarnation);
  }

  /**
   * Someone still spreads an accusation of us at an older incarnation: they missed our refutation,
   * so queue our alive update afresh (it rides first on our answer to them). memberlist ignores these.
   */
  private reannounceIfSelf(u: MemberUpdate): void {
    if (u.member === this.self && !this.left) this.queue.push(this.aliveUpdate());
  }

  private refute(accused: number): void {
    const me = this.record(this.self);
    me.incarnation = Math.max(me.incarnation, accused) + 1;
    this.queue.push(this.aliveUpdate());
    this.adjustHealth(1);
  }

  private merge(from: string, rows: readonly MemberSnapshot[]): void {
    for (const row of rows) {
      if (row.status === 'alive') this.apply({ kind: 'alive', member: row.member, incarnation: row.incarnation, from });
      else if (row.status === 'left') this.apply({ kind: 'dead', member: row.member, incarnation: row.incarnation, from: row.member });
      // Another member's dead is only a suspicion here, so we can check it ourselves (memberlist's mergeState).
      else this.apply({ kind: 'suspect', member: row.member, incarnation: row.incarnation, from });
    }
  }

  // ---- helpers --------------------------------------------------------------------------

  private setStatus(r: MemberRecord, status: MemberStatus): void {
    const wasLive = r.status === 'alive' || r.status === 'suspect';
    const isLive = status === 'alive' || status === 'suspect';
    this.liveN += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
    if (r.id !== this.self && wasLive !== isLive) {
      if (isLive) this.addLive(r.id);
      else this.removeLive(r.id);
    }
    r.status = status;
    if (status !== 'suspect') {
      r.suspicion = null;
      this.suspects.delete(r.id);
    } else this.suspects.add(r.id);
  }

  private adjustHealth(delta: number): void {
    this.score = Math.min(this.options.awarenessMaxMultiplier - 1, Math.max(0, this.score + delta));
  }

  private aliveUpdate(): MemberUpdate {
    return { kind: 'alive', member: this.self, incarnation: this.record(this.self).incarnation, from: this.self };
  }

  private syncMessage(reply: boolean): SwimMessage {
    return { type: 'sync', from: this.self, reply, members: this.snapshot() };
  }

  private record(id: string): MemberRecord {
    const r = this.members.get(id);
    if (r === undefined) throw new InvariantError(`no record for ${id}`);
    return r;
  }

  /** Other members believed alive or suspect (a copy, in no particular order). O(N). */
  private live(): string[] {
    return [...this.liveOthers];
  }

  /** Up to k distinct other live members, uniformly at random. O(k) expected for k much below N, else O(N). */
  private sampleLive(k: number): string[] {
    const n = this.liveOthers.length;
    if (k * 4 >= n) return shuffle(this.random, this.live()).slice(0, k);
    const picked = new Set<string>();
    while (picked.size < k) picked.add(this.liveOthers[randomInt(this.random, n)] as string);
    return [...picked];
  }

  private addLive(id: string): void {
    this.livePos.set(id, this.liveOthers.length);
    this.liveOthers.push(id);
  }

  private removeLive(id: string): void {
    const i = this.livePos.get(id);
    if (i === undefined) return;
    const last = this.liveOthers.pop() as string;
    if (last !== id) {
      this.liveOthers[i] = last;
      this.livePos.set(last, i);
    }
    this.livePos.delete(id);
  }

  /** Members (self included) not believed dead or left: memberlist's estNumNodes. */
  private liveCount(): number {
    return this.liveN;
  }

  /** Queue a message; pings, acks, ping-reqs and nacks get pending updates piggybacked. */
  private send(to: string, message: SwimMessage, piggyback = true): void {
    if (piggyback && message.type !== 'sync' && message.type !== 'gossip') {
      const room = this.options.maxPiggybackUpdates - message.updates.length;
      const more = this.queue.take(room, retransmitLimit(this.options, this.liveCount()));
      if (more.length > 0) message = { ...message, updates: [...message.updates, ...more] };
    }
    this.out.messages.push({ to, message });
  }

  private event(type: MemberStatus, member: string, incarnation: number): void {
    this.out.events.push({ type, member, incarnation });
  }

  private flush(): SwimOutput {
    const o = this.out;
    this.out = { messages: [], events: [] };
    return o;
  }
}
