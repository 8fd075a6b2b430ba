/**
 * A deterministic simulation of SWIM members (swim.ts) on a simulated network
 * and clock (ARCHITECTURE.md, principle 3; TigerBeetle's VOPR in miniature).
 *
 * The network loses, delays (uniformly in a range, so messages reorder),
 * duplicates and partitions messages; members can be paused (they receive
 * nothing and send nothing, then resume with their old state, like SIGSTOP)
 * or crashed (gone for good). Every random choice, of the network and of each
 * member, comes from one seed: the same seed and the same calls give the same
 * history, event for event.
 *
 * Time advances only through `runUntil`: events (deliveries and member ticks)
 * run in (time, insertion) order; each member is ticked exactly at its
 * `nextDeadlineMs()`.
 */
import { InvalidArgumentError, NotFoundError, StateError } from '../../errors.js';
import { mulberry32, randomUint32, type Random } from '../../util/random.js';
import { EventQueue } from '../../util/event-queue.js';
import { decodeMessage, encodeMessage, type SwimMessage } from './messages.js';
import type { SwimOptions } from './options.js';
import { Swim, type MembershipEvent, type SwimOutput } from './swim.js';

export interface SimOptions {
  readonly seed: number;
  /** Probability that a message is lost, in [0, 1). */
  readonly lossRate?: number;
  /** One-way delay, uniform in [delayMinMs, delayMaxMs]. */
  readonly delayMinMs?: number;
  readonly delayMaxMs?: number;
  /** Probability that a message is delivered twice (the copy with its own delay), in [0, 1). */
  readonly duplicateRate?: number;
  /** Pass every message through encodeMessage/decodeMessage (slower; tests the codec). */
  readonly encode?: boolean;
  /** Options for every member. */
  readonly swim?: Partial<SwimOptions>;
}

/** A membership event seen by `observer` at `atMs`. */
export interface SimEvent extends MembershipEvent {
  readonly atMs: number;
  readonly observer: string;
}

type MemberState = 'up' | 'paused' | 'crashed';

interface SimMember {
  readonly swim: Swim;
  state: MemberState;
  tickAtMs: number;
  tickGen: number;
}

type Item =
  | { kind: 'deliver'; from: string; to: string; message: SwimMessage | Uint8Array }
  | { kind: 'tick'; id: string; gen: number };

function rate(name: string, v: number | undefined): number {
  const x = v ?? 0;
  if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new InvalidArgumentError(name, v, 'a probability in [0, 1)');
  return x;
}

export class Simulation {
  readonly seed: number;
  readonly lossRate: number;
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  readonly duplicateRate: number;
  private readonly encode: boolean;
  private readonly swimOptions: Partial<SwimOptions>;
  private readonly random: Random;
  private readonly members = new Map<string, SimMember>();
  private readonly heap = new EventQueue<Item>();
  private groupOf: Map<string, number> | null = null;
  /** Extra delay on every message to or from a member, in ms (a CPU-starved process). */
  private readonly slowMs = new Map<string, number>();
  private t = 0;
  /** Every membership event, in order. */
  readonly events: SimEvent[] = [];
  /** Messages handed to the network, by message type. */
  readonly sentByType = new Map<string, number>();
  sent = 0;
  delivered = 0;

  constructor(options: SimOptions) {
    if (!Number.isInteger(options.seed)) throw new InvalidArgumentError('seed', options.seed, 'an integer');
    this.seed = options.seed;
    this.lossRate = rate('lossRate', options.lossRate);
    this.duplicateRate = rate('duplicateRate', options.duplicateRate);
    this.delayMinMs = options.delayMinMs ?? 1;
    this.delayMaxMs = options.delayMaxMs ?? 10;
    if (!(this.delayMinMs >= 0 && this.delayMaxMs >= this.delayMinMs && Number.isFinite(this.delayMaxMs))) {
      throw new InvalidArgumentError('delayMinMs/delayMaxMs', [this.delayMinMs, this.delayMaxMs], '0 <= delayMinMs <= delayMaxMs, finite');
    }
    this.encode = options.encode ?? false;
    this.swimOptions = options.swim ?? {};
    this.random = mulberry32(options.seed);
  }

  /** Simulated time, in ms. */
  get nowMs(): number {
    return this.t;
  }

  /** Start member `id` now and join it through `seeds`. O(N) for the join sync. */
  add(id: string, seeds: readonly string[], incarnation = 0): Swim {
    if (this.members.has(id)) throw new StateError(`member ${id} already exists in the simulation`);
    const swim = new Swim(id, mulberry32(randomUint32(this.random)), this.swimOptions, this.t, incarnation);
    const m: SimMember = { swim, state: 'up', tickAtMs: Infinity, tickGen: 0 };
    this.members.set(id, m);
    this.handle(id, swim.join(seeds));
    return swim;
  }

  /** Members `m0` .. `m{n-1}`, each joining through `m0`. */
  addMany(n: number, prefix = 'm'): string[] {
    const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    for (const id of ids) this.add(id, id === ids[0] ? [] : [ids[0] as string]);
    return ids;
  }

  /** The Swim instance of `id` (to read its view). */
  swim(id: string): Swim {
    return this.member(id).swim;
  }

  stateOf(id: string): MemberState {
    return this.member(id).state;
  }

  /** All member ids, in insertion order. */
  ids(): string[] {
    return [...this.members.keys()];
  }

  /** Members neither crashed nor paused. */
  upIds(): string[] {
    return this.ids().filter((id) => this.member(id).state === 'up');
  }

  /** Stop `id` for good: it receives and sends nothing more. */
  crash(id: string): void {
    this.member(id).state = 'crashed';
  }

  /** Freeze `id`: messages to it are lost, its timers do not run, its state is kept. */
  pause(id: string): void {
    const m = this.member(id);
    if (m.state !== 'up') throw new StateError(`member ${id} is ${m.state}; only an up member can be paused`);
    m.state = 'paused';
  }

  /** Unfreeze `id`: it runs its overdue timers at the current time. */
  resume(id: string): void {
    const m = this.member(id);
    if (m.state !== 'paused') throw new StateError(`member ${id} is ${m.state}; only a paused member can be resumed`);
    m.state = 'up';
    m.tickAtMs = Infinity;
    this.reschedule(id, m);
  }

  /** Gracefully leave: `id` sends its goodbye and is then inert. */
  leave(id: string): void {
    this.handle(id, this.member(id).swim.leave());
  }

  /**
   * Split the network: members in different groups cannot reach each other
   * (in-flight messages included). Members in no group form one more group.
   */
  partition(groups: readonly (readonly string[])[]): void {
    const g = new Map<string, number>();
    groups.forEach((members, i) => {
      for (const id of members) {
        this.member(id);
        if (g.has(id)) throw new InvalidArgumentError('groups', id, 'each member in at most one group');
        g.set(id, i);
      }
    });
    this.groupOf = g;
  }

  /**
   * Make `id` slow: every message to or from it takes `extraDelayMs` more (0
   * to undo), like a process starved of CPU that reads and answers late.
   */
  slow(id: string, extraDelayMs: number): void {
    this.member(id);
    if (!(extraDelayMs >= 0 && Number.isFinite(extraDelayMs))) throw new InvalidArgumentError('extraDelayMs', extraDelayMs, 'a finite number of ms >= 0');
    if (extraDelayMs === 0) this.slowMs.delete(id);
    else this.slowMs.set(id, extraDelayMs);
  }

  /** Remove the partition. */
  heal(): void {
    this.groupOf = null;
  }

  /** True when a message from `a` can currently reach `b` (partition only; loss aside). */
  reachable(a: string, b: string): boolean {
    if (this.groupOf === null) return true;
    return (this.groupOf.get(a) ?? -1) === (this.groupOf.get(b) ?? -1);
  }

  /** Run every event up to and including time `untilMs`, then set the clock to it. */
  runUntil(untilMs: number): void {
    if (!(untilMs >= this.t)) throw new InvalidArgumentError('untilMs', untilMs, `a time >= now (${this.t})`);
    for (;;) {
      const at = this.heap.peekTime();
      if (at === undefined || at > untilMs) break;
      const next = (this.heap.pop() as { value: Item }).value;
      this.t = at;
      if (next.kind === 'tick') {
        const m = this.members.get(next.id);
        if (m === undefined || m.state !== 'up' || m.tickGen !== next.gen) continue;
        m.tickAtMs = Infinity;
        this.handle(next.id, m.swim.tick(this.t));
      } else {
        const m = this.members.get(next.to);
        if (m === undefined || m.state !== 'up' || !this.reachable(next.from, next.to)) continue;
        this.delivered++;
        const msg = next.message instanceof Uint8Array ? decodeMessage(next.message) : next.message;
        this.handle(next.to, m.swim.receive(next.from, msg, this.t));
      }
    }
    this.t = untilMs;
  }

  /** Run for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.runUntil(this.t + ms);
  }

  private member(id: string): SimMember {
    const m = this.members.get(id);
    if (m === undefined) throw new NotFoundError('member', id, this.ids());
    return m;
  }

  private handle(id: string, out: SwimOutput): void {
    for (const e of out.events) this.events.push({ ...e, atMs: this.t, observer: id });
    for (const { to, message } of out.messages) {
      this.sent++;
      this.sentByType.set(message.type, (this.sentByType.get(message.type) ?? 0) + 1);
      if (this.random() < this.lossRate) continue;
      const copies = this.random() < this.duplicateRate ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const extra = (this.slowMs.get(id) ?? 0) + (this.slowMs.get(to) ?? 0);
        const delay = extra + this.delayMinMs + this.random() * (this.delayMaxMs - this.delayMinMs);
        const payload = this.encode ? encodeMessage(message) : message;
        this.heap.push(this.t + delay, { kind: 'deliver', from: id, to, message: payload });
      }
    }
    const m = this.members.get(id);
    if (m !== undefined && m.state === 'up') this.reschedule(id, m);
  }

  private reschedule(id: string, m: SimMember): void {
    const at = Math.max(this.t, m.swim.nextDeadlineMs());
    if (at === m.tickAtMs || at === Infinity) return;
    m.tickAtMs = at;
    m.tickGen++;
    this.heap.push(at, { kind: 'tick', id, gen: m.tickGen });
  }
}
