/**
 * Experiment 8 — the three ways to route a request (DDIA ch. 6, "Request
 * routing"): a partition-aware client, a routing tier, any node forwarding.
 * DDIA's claim is that each trades a network hop for client simplicity, and
 * that the hard part of all three is the same: every component that makes
 * routing decisions must learn of each change in the assignment.
 *
 * Method: a deterministic discrete-event simulation of one cluster (3 nodes,
 * `redis-slots`, every node forwarding what it does not own) under one
 * seeded workload (YCSB mixes over zipfian keys), driven through each style
 * in turn. The decisions are shardkit's own: the cluster map and its epochs
 * (`withPartitionsMoved` swaps slots between two nodes, as the routing bench
 * does), `RoutingTable` (how `ClusterClient` and the router pick an owner),
 * `Ownership.route` (a node's serve-or-forward-or-MOVED), the epoch rule of
 * `SK.FWD` (TRYAGAIN when routed under a newer map than the node's), and
 * `RefreshGate` (`ClusterClient`'s refresh coalescing) on the simulated
 * clock. Time is simulated: network delay, CPU per request and watch delay
 * are the parameters stated in the notes, so the throughput and latency here
 * follow from them; hops, redirects, refreshes and who must learn the map
 * follow from the protocol. The routing bench (`npm run bench -- --only
 * routing`) measures the same styles on real processes.
 */
import type { ChartSpec, Check, Experiment, ExperimentContext, ExperimentOutput, Table } from '../experiment.js';
import { RedirectBudget, RefreshGate, RoutingTable } from '../../cluster/client/routing.js';
import { type ClusterMap, type MapNode, initialMap, withPartitionsMoved } from '../../cluster/map.js';
import { DEFAULT_NODE_LIMITS } from '../../cluster/node/limits.js';
import { Ownership } from '../../cluster/node/ownership.js';
import { EventQueue } from '../../util/event-queue.js';
import { ManualClock } from '../../util/clock.js';
import { type Random, mulberry32, randomUint32, shuffle } from '../../util/random.js';
import { ZipfSampler, quantile, round } from '../workload.js';

// ---------------------------------------------------------------- parameters (ms)

const NODES = 3;
const CLIENTS = 12;
/** Requests each client keeps in flight (48 in all, as in the routing bench). */
const IN_FLIGHT = 4;
/** One-way network delay: a fixed part plus an exponential part of this mean. */
const NET_MS = 0.05;
const NET_JITTER_MS = 0.02;
/** CPU a node spends serving a read, a write; forwarding a request; answering MOVED or TRYAGAIN. */
const READ_MS = 0.02;
const WRITE_MS = 0.03;
const FORWARD_MS = 0.01;
const REDIRECT_MS = 0.005;
/** CPU the router spends on a request (parse, route, relay the reply). */
const ROUTER_MS = 0.012;
/** A map read from the metadata service, round trip (a refresh). */
const META_GET_MS = 0.5;
/** Watch delivery of a map change to one watcher: a fixed part plus an exponential part of this mean. */
const WATCH_MS = 5;
const WATCH_JITTER_MS = 10;
/** ClusterClient's defaults. */
const REDIRECTS_MAX = 5;
const TRYAGAIN_DELAY_MS = 20;
const REFRESH_MIN_INTERVAL_MS = 100;
/** A node's reload of its map after a stale forward: at most one per this interval (the node's). */
const NODE_REFRESH_MIN_INTERVAL_MS = 100;
/** Slots swapped between the first two nodes on each map change (the routing bench's). */
const MOVED_SLOTS = 1000;
const CHANGE_EVERY_MS = 100;
const ZIPF_EXPONENT = 0.99;

const STYLES = ['client', 'router', 'forwarding'] as const;
type Style = (typeof STYLES)[number];
const STYLE_LABEL: Record<Style, string> = {
  client: 'partition-aware client',
  router: 'routing tier',
  forwarding: 'any-node forwarding',
};
const WORKLOADS = [
  { id: 'A', label: 'A (50% read, 50% update)', readShare: 0.5 },
  { id: 'B', label: 'B (95% read, 5% update)', readShare: 0.95 },
  { id: 'C', label: 'C (read only)', readShare: 1 },
] as const;

// ---------------------------------------------------------------- the simulated world

/** One operation of the workload: a key (as bytes) and whether it writes. */
interface Op {
  readonly key: Uint8Array;
  readonly write: boolean;
}

/** A process with one CPU: requests are served first come, first served. */
class Cpu {
  private busyUntil = 0;
  received = 0;
  /** Take a message arriving now that needs `costMs`; `then` runs when it is done. */
  take(sim: World, costMs: number, then: () => void): void {
    this.received++;
    const start = Math.max(sim.now, this.busyUntil);
    this.busyUntil = start + costMs;
    sim.at(this.busyUntil, then);
  }
}

type Reply = { readonly kind: 'ok' } | { readonly kind: 'moved'; readonly node: MapNode } | { readonly kind: 'tryagain' };

interface Counters {
  moved: number;
  tryAgain: number;
  /** Forwards answered TRYAGAIN by the forwarding node because the owner named it (its map was older). */
  forwardStale: number;
  /** Forwards sent on to the node an owner with a newer map named in MOVED. */
  forwardFollowed: number;
  /** Forwards routed again under a reloaded map after a second owner also answered MOVED. */
  forwardRerouted: number;
  /** Forwards sent again because the owner refused a newer epoch than its own (TRYAGAIN). */
  forwardRetries: number;
  /** MOVED replies leading back to a node the request had been sent to: settled, not followed at once. */
  movedBack: number;
  redirectsFollowed: number;
  failed: number;
}

class World {
  readonly clock = new ManualClock(0);
  private readonly queue = new EventQueue<() => void>();
  /** Set when a promise was settled or awaited, so the loop lets its callbacks run before the next event. */
  settled = false;
  constructor(readonly random: Random) {}
  get now(): number {
    return this.clock.now();
  }
  at(t: number, fn: () => void): void {
    this.queue.push(t, fn);
  }
  /** Run `fn` when `promise` settles, at the simulated time it settles. */
  when(promise: Promise<void>, fn: () => void): void {
    this.settled = true;
    void promise.then(fn);
  }
  /** One network hop from now. */
  hop(fn: () => void): void {
    this.at(this.now + NET_MS + exponential(this.random, NET_JITTER_MS), fn);
  }
  /** Run events until `untilMs` or until `stop()` says so. */
  async run(untilMs: number, stop: () => boolean): Promise<void> {
    for (;;) {
      const t = this.queue.peekTime();
      if (t === undefined || t > untilMs || stop()) return;
      const ev = this.queue.pop() as { value: () => void };
      this.clock.set(t);
      ev.value();
      if (this.settled) {
        this.settled = false;
        // Let the promise callbacks (RefreshGate's bookkeeping) run at this simulated time.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
}

function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}

/** A map read that completes `ms` from now: `adopt` runs then, and the promise settles then. */
function loadAfter(world: World, ms: number, adopt: () => void): Promise<void> {
  return new Promise((resolve) => {
    world.at(world.now + ms, () => {
      adopt();
      world.settled = true;
      resolve();
    });
  });
}

/** The metadata service: the current map; a change reaches each watcher after its own watch delay. */
class Meta {
  readonly watchers: Router[] = [];
  readonly nodeWatchers: SimNode[] = [];
  constructor(
    private readonly world: World,
    public current: ClusterMap,
  ) {}
  change(next: ClusterMap): void {
    this.current = next;
    const delay = (): number => this.world.now + WATCH_MS + exponential(this.world.random, WATCH_JITTER_MS);
    for (const n of this.nodeWatchers) this.world.at(delay(), () => n.adopt(next));
    for (const r of this.watchers) this.world.at(delay(), () => r.adopt(next));
  }
}

/**
 * A shardkit node: serves what it owns, forwards the rest, answers SK.FWD by
 * the epoch rule; judges the owner's reply as the real node does
 * (`judgeForwardReply`, and the retry of an epoch-ahead refusal): a MOVED
 * naming itself, or a second MOVED after following one → reload, and under
 * the newer map run the request here or forward it once more to the owner
 * it names (TRYAGAIN when the reload brought none); a first MOVED naming
 * another node → forward there and reload; TRYAGAIN for a newer epoch →
 * send again.
 */
class SimNode {
  readonly cpu = new Cpu();
  ownership: Ownership;
  /** When the node adopted each epoch. */
  readonly adoptedAt = new Map<number, number>();
  private readonly gate: RefreshGate;
  constructor(
    private readonly world: World,
    private readonly all: ReadonlyMap<string, SimNode>,
    private readonly meta: () => ClusterMap,
    readonly id: string,
    map: ClusterMap,
    private readonly counters: Counters,
  ) {
    this.ownership = new Ownership(map, id);
    this.gate = new RefreshGate(world.clock, NODE_REFRESH_MIN_INTERVAL_MS, () => loadAfter(world, META_GET_MS, () => this.adopt(this.meta())));
  }

  adopt(map: ClusterMap): void {
    if (map.epoch <= this.ownership.epoch) return;
    this.ownership = new Ownership(map, this.id);
    this.adoptedAt.set(map.epoch, this.world.now);
  }

  /** A plain request (a client's, or a partition-aware client's): serve, or forward to the owner. */
  plain(op: Op, reply: (r: Reply) => void): void {
    const route = this.ownership.route(op.key, false, () => true);
    if (route.kind === 'local') return this.cpu.take(this.world, op.write ? WRITE_MS : READ_MS, () => reply({ kind: 'ok' }));
    let to = this.all.get(route.node.id) as SimNode;
    let retries = 0;
    let followed = false;
    let rerouted = false;
    let sentEpoch = 0;
    const send = (): void => {
      sentEpoch = this.ownership.epoch;
      this.world.hop(() =>
        to.routed(op, sentEpoch, (r) =>
          this.world.hop(() => {
            if (r.kind === 'tryagain' && retries < DEFAULT_NODE_LIMITS.forwardRetries) {
              retries++;
              this.counters.forwardRetries++;
              return this.world.at(this.world.now + DEFAULT_NODE_LIMITS.forwardRetryDelayMs, send);
            }
            if (r.kind === 'moved' && !rerouted && (r.node.id === this.id || followed)) {
              // This node's map is old: under a newer one (reloaded unless it came meanwhile) serve here,
              // or forward once more to the owner it names; TRYAGAIN when the reload brings none.
              rerouted = true;
              if (r.node.id === this.id) this.counters.forwardStale++;
              else this.counters.forwardRerouted++;
              const run = (): void => {
                if (this.ownership.epoch <= sentEpoch) return reply({ kind: 'tryagain' });
                const again = this.ownership.route(op.key, false, () => true);
                if (again.kind === 'local') return this.cpu.take(this.world, op.write ? WRITE_MS : READ_MS, () => reply({ kind: 'ok' }));
                to = this.all.get(again.node.id) as SimNode;
                send();
              };
              if (this.ownership.epoch > sentEpoch) return run();
              return this.world.when(this.gate.request(this.ownership.epoch, this.ownership.epoch, true), run);
            }
            if (r.kind === 'moved' && !followed) {
              followed = true;
              this.counters.forwardFollowed++;
              void this.gate.request(this.ownership.epoch, this.ownership.epoch);
              to = this.all.get(r.node.id) as SimNode;
              return send();
            }
            reply(r);
          }),
        ),
      );
    };
    this.cpu.take(this.world, FORWARD_MS, send);
  }

  /** A request naming the epoch it was routed under (SK.FWD): never forwarded again. */
  routed(op: Op, epoch: number, reply: (r: Reply) => void): void {
    if (epoch > this.ownership.epoch) {
      this.counters.tryAgain++;
      return this.cpu.take(this.world, REDIRECT_MS, () => reply({ kind: 'tryagain' }));
    }
    const route = this.ownership.route(op.key, false, () => true);
    if (route.kind === 'local') return this.cpu.take(this.world, op.write ? WRITE_MS : READ_MS, () => reply({ kind: 'ok' }));
    this.counters.moved++;
    const node = route.node;
    return this.cpu.take(this.world, REDIRECT_MS, () => reply({ kind: 'moved', node }));
  }
}

/**
 * What `ClusterClient` does with a request (the partition-aware client, and
 * inside the router): route by its table, follow MOVED within the budget and
 * ask the gate for a refresh, wait and re-route on TRYAGAIN.
 */
class Router {
  table: RoutingTable;
  readonly gate: RefreshGate;
  readonly adoptedAt = new Map<number, number>();
  constructor(
    private readonly world: World,
    private readonly meta: Meta,
    private readonly nodes: ReadonlyMap<string, SimNode>,
    /** True in the router: requests name their epoch (SK.FWD) and are never forwarded. */
    private readonly routedEpochs: boolean,
    private readonly counters: Counters,
  ) {
    this.table = new RoutingTable(meta.current);
    this.gate = new RefreshGate(world.clock, REFRESH_MIN_INTERVAL_MS, () => this.refresh());
  }

  adopt(map: ClusterMap): void {
    if (map.epoch <= this.table.epoch) return;
    this.table = new RoutingTable(map);
    this.adoptedAt.set(map.epoch, this.world.now);
  }

  private refresh(): Promise<void> {
    return loadAfter(this.world, META_GET_MS, () => this.adopt(this.meta.current));
  }

  /** Send `op` from this process; `done(ok)` when it is answered or has failed. */
  execute(op: Op, done: (ok: boolean) => void): void {
    let routed = this.table;
    let target: MapNode = routed.ownerOf(op.key);
    const budget = new RedirectBudget(REDIRECTS_MAX);
    const reroute = (): void => {
      routed = this.table;
      target = routed.ownerOf(op.key);
      attempt();
    };
    const attempt = (): void => {
      const node = this.nodes.get(target.id) as SimNode;
      budget.visit(`${target.host}:${target.port}`);
      this.world.hop(() => {
        const onReply = (r: Reply): void =>
          this.world.hop(() => {
            if (r.kind === 'ok') return done(true);
            if (!budget.take()) {
              this.counters.failed++;
              return done(false);
            }
            this.counters.redirectsFollowed++;
            if (r.kind === 'tryagain') {
              return this.world.at(this.world.now + TRYAGAIN_DELAY_MS, () => (this.table !== routed ? reroute() : attempt()));
            }
            const refreshed = this.gate.request(routed.epoch, this.table.epoch);
            const follow = (): void => {
              target = r.node;
              attempt();
            };
            if (budget.onMoved(`${r.node.host}:${r.node.port}`) === 'follow') return follow();
            this.counters.movedBack++;
            this.world.when(refreshed, () => {
              if (this.table.epoch > routed.epoch) return reroute();
              this.world.at(this.world.now + TRYAGAIN_DELAY_MS, follow);
            });
          });
        if (this.routedEpochs) node.routed(op, routed.epoch, onReply);
        else node.plain(op, onReply);
      });
    };
    attempt();
  }
}

interface StyleRun {
  readonly completed: number;
  readonly opsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly hops: number;
  readonly counters: Counters;
  /** Per map change: ms from the change to every routing process of the style having it. */
  readonly propagationMs: readonly number[];
  /** Processes that adopted each change (nodes included). */
  readonly learners: number;
  readonly refreshes: number;
}

/**
 * Run `ops` through one style: CLIENTS closed-loop clients, IN_FLIGHT each.
 * With `changes` > 0, the map changes every CHANGE_EVERY_MS after a first
 * interval, and the run lasts until one interval after the last change.
 */
async function runStyle(style: Style, ops: OpStream, count: number, changes: number, seed: number): Promise<StyleRun> {
  const world = new World(mulberry32(seed));
  const nodeSpecs: MapNode[] = Array.from({ length: NODES }, (_, i) => ({ id: `n${i + 1}`, weight: 1, host: `10.0.0.${i + 1}`, port: 6379 }));
  const original = initialMap('redis-slots', {}, nodeSpecs);
  const meta = new Meta(world, original);
  const counters: Counters = { moved: 0, tryAgain: 0, forwardStale: 0, forwardRetries: 0, forwardFollowed: 0, forwardRerouted: 0, movedBack: 0, redirectsFollowed: 0, failed: 0 };
  const nodes = new Map<string, SimNode>();
  for (const n of nodeSpecs) nodes.set(n.id, new SimNode(world, nodes, () => meta.current, n.id, original, counters));
  meta.nodeWatchers.push(...nodes.values());
  const routers: Router[] = [];
  const newRouter = (routedEpochs: boolean): Router => {
    const r = new Router(world, meta, nodes, routedEpochs, counters);
    routers.push(r);
    meta.watchers.push(r);
    return r;
  };
  const routerCpu = new Cpu();
  const tier = style === 'router' ? newRouter(true) : undefined;
  const clientRouters = style === 'client' ? Array.from({ length: CLIENTS }, () => newRouter(false)) : [];
  const nodeList = [...nodes.values()];

  const latencies: number[] = [];
  let next = 0;
  let completed = 0;
  let firstDoneAt = 0;
  const send = (client: number, op: Op, done: () => void): void => {
    if (style === 'client') return (clientRouters[client] as Router).execute(op, done);
    if (style === 'router') {
      const r = tier as Router;
      return world.hop(() => routerCpu.take(world, ROUTER_MS, () => r.execute(op, () => world.hop(done))));
    }
    // Any-node forwarding: a plain client on one node; a relayed MOVED or TRYAGAIN reaches the application.
    const node = nodeList[client % NODES] as SimNode;
    world.hop(() =>
      node.plain(op, (reply) =>
        world.hop(() => {
          if (reply.kind !== 'ok') counters.failed++;
          done();
        }),
      ),
    );
  };
  const issue = (client: number): void => {
    if (next >= count) return;
    const op = ops.get(next++);
    const start = world.now;
    send(client, op, () => {
      latencies.push(world.now - start);
      if (++completed === 1) firstDoneAt = world.now;
      issue(client);
    });
  };
  for (let c = 0; c < CLIENTS; c++) for (let k = 0; k < IN_FLIGHT; k++) issue(c);

  const changeTimes: number[] = [];
  let untilMs = Number.POSITIVE_INFINITY;
  if (changes > 0) {
    let map = original;
    for (let k = 0; k < changes; k++) {
      const t = (k + 1) * CHANGE_EVERY_MS;
      const swap = k % 2 === 0;
      map = swap ? swappedMap(map, original) : { ...map, epoch: map.epoch + 1, owners: original.owners };
      const m = map;
      changeTimes.push(t);
      world.at(t, () => meta.change(m));
    }
    untilMs = (changes + 1) * CHANGE_EVERY_MS;
  }
  await world.run(untilMs, () => completed >= count);
  const span = world.now - firstDoneAt;

  const deciders: { adoptedAt: ReadonlyMap<number, number> }[] = [...nodeList, ...routers];
  const propagationMs = changeTimes.map((t, k) => {
    const epoch = k + 2;
    return Math.max(...deciders.map((d) => (d.adoptedAt.get(epoch) ?? Number.POSITIVE_INFINITY) - t));
  });
  const received = nodeList.reduce((s, n) => s + n.cpu.received, 0) + routerCpu.received;
  return {
    completed,
    opsPerSec: span > 0 ? ((completed - 1) / span) * 1000 : 0,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    hops: received / Math.max(1, completed),
    counters,
    propagationMs,
    learners: deciders.length,
    refreshes: routers.reduce((s, r) => s + r.gate.counts.started, 0),
  };
}

/** The routing bench's change: the first MOVED_SLOTS slots of the first two nodes swap owners. */
function swappedMap(map: ClusterMap, original: ClusterMap): ClusterMap {
  const owners = original.owners ?? [];
  const a = owners[0] as { first: number; node: number };
  const b = owners[1] as { first: number; node: number };
  return withPartitionsMoved({ ...map, owners }, [
    { first: a.first, last: a.first + MOVED_SLOTS - 1, node: b.node },
    { first: b.first, last: b.first + MOVED_SLOTS - 1, node: a.node },
  ]);
}

/**
 * The workload: ops over zipfian ranks scattered over the keys (YCSB's
 * scrambled zipfian, by a seeded shuffle), drawn as they are first asked for
 * and kept, so every style gets the same sequence however far it gets.
 */
class OpStream {
  private readonly ops: Op[] = [];
  private readonly random: Random;
  private readonly order: number[];
  private readonly zipf: ZipfSampler;
  constructor(
    private readonly keys: readonly Uint8Array[],
    private readonly readShare: number,
    seed: number,
  ) {
    this.random = mulberry32(seed);
    this.order = shuffle(this.random, keys.map((_, i) => i));
    this.zipf = new ZipfSampler(keys.length, ZIPF_EXPONENT, this.random);
  }
  get(i: number): Op {
    while (this.ops.length <= i) this.ops.push({ key: this.keys[this.order[this.zipf.next()] as number] as Uint8Array, write: this.random() >= this.readShare });
    return this.ops[i] as Op;
  }
}

// ---------------------------------------------------------------- the experiment

const f2 = (x: number): string => x.toFixed(2);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const ms = (x: number): string => `${x.toFixed(3)} ms`;

export const requestRouting: Experiment = {
  id: 'request-routing',
  title: 'Request routing: partition-aware client, routing tier, any-node forwarding',
  claim:
    'A request reaches the node that owns its key in one of three ways: a partition-aware client sends it there directly, a routing tier forwards it, or any node takes it and forwards it when it is not the owner. Each trades a network hop for client simplicity; in all three, every component that makes routing decisions must learn of each change in the assignment of partitions to nodes (DDIA ch. 6, "Request routing").',
  async run(ctx: ExperimentContext): Promise<ExperimentOutput> {
    const encoder = new TextEncoder();
    const keys = [...new Set(ctx.keys)].slice(0, ctx.size(100_000, 10_000)).map((k) => encoder.encode(k));
    const opsPerRun = ctx.size(20_000, 3_000);
    const changes = ctx.size(6, 1);
    const seed = randomUint32(ctx.random);
    const total = WORKLOADS.length * STYLES.length + STYLES.length;
    let done = 0;
    const steady = new Map<string, StyleRun>();
    for (const [w, wl] of WORKLOADS.entries()) {
      const ops = new OpStream(keys, wl.readShare, (seed + w * 7919) >>> 0);
      for (const style of STYLES) {
        steady.set(`${wl.id}/${style}`, await runStyle(style, ops, opsPerRun, 0, (seed + w * 104729 + 1) >>> 0));
        ctx.progress(++done, total);
      }
    }
    // Map changes under workload B, for as long as the changes last.
    const changeOps = new OpStream(keys, 0.95, (seed ^ 0x5bd1e995) >>> 0);
    const changed = new Map<Style, StyleRun>();
    for (const style of STYLES) {
      changed.set(style, await runStyle(style, changeOps, Number.POSITIVE_INFINITY, changes, (seed + 31337) >>> 0));
      ctx.progress(++done, total);
    }
    const get = (w: string, s: Style): StyleRun => steady.get(`${w}/${s}`) as StyleRun;
    const ch = (s: Style): StyleRun => changed.get(s) as StyleRun;

    const hopsOk = WORKLOADS.every((wl) => get(wl.id, 'client').hops === 1 && get(wl.id, 'router').hops === 2 && Math.abs(get(wl.id, 'forwarding').hops - (1 + (NODES - 1) / NODES)) < 0.03);
    const latencyOk = WORKLOADS.every((wl) => get(wl.id, 'router').p50 > get(wl.id, 'client').p50 && get(wl.id, 'forwarding').p50 > get(wl.id, 'client').p50);
    const checks: Check[] = [
      {
        claim: `Each style costs its hop: a partition-aware client takes 1 hop per request, a routing tier 2, any-node forwarding 1 + (n − 1)/n = ${f2(1 + (NODES - 1) / NODES)} with clients spread over ${NODES} nodes`,
        held: hopsOk,
        measured: WORKLOADS.map((wl) => `${wl.id}: ${STYLES.map((s) => `${STYLE_LABEL[s]} ${f2(get(wl.id, s).hops)}`).join(', ')}`).join('; '),
      },
      {
        claim: 'The extra hop shows in latency: the median request takes longer through the routing tier and through forwarding than from a partition-aware client',
        held: latencyOk,
        measured: WORKLOADS.map((wl) => `${wl.id}: p50 ${STYLES.map((s) => ms(get(wl.id, s).p50)).join(' / ')}`).join('; ') + ' (client / tier / forwarding)',
      },
      {
        claim: 'The simpler the client, the fewer processes must learn each change: every partition-aware client must, while a routing tier needs only itself and the nodes, and forwarding only the nodes',
        held: ch('client').learners > ch('router').learners && ch('router').learners > ch('forwarding').learners && ch('forwarding').learners === NODES,
        measured: `processes holding the map: ${STYLES.map((s) => `${STYLE_LABEL[s]} ${ch(s).learners}`).join(', ')}; the slowest of them had each change after a median of ${STYLES.map((s) => ms(quantile(ch(s).propagationMs, 0.5))).join(' / ')}`,
      },
      {
        claim: 'Requests routed under an old map during a change are redirected or retried, not failed, when a partition-aware client or the routing tier routes them (they follow MOVED and TRYAGAIN within a budget)',
        held: ch('client').counters.failed === 0 && ch('router').counters.failed === 0,
        measured: `${plural(changes, 'change')} of ${MOVED_SLOTS.toLocaleString('en-US')} slots each way under workload B: failed ${ch('client').counters.failed} / ${ch('router').counters.failed}, redirects followed ${ch('client').counters.redirectsFollowed} / ${ch('router').counters.redirectsFollowed}, refreshes ${ch('client').refreshes} / ${ch('router').refreshes} (client / tier); with forwarding, ${ch('forwarding').counters.failed} relayed MOVED or TRYAGAIN reached plain clients as errors`,
      },
    ];

    const categories = WORKLOADS.map((wl) => `workload ${wl.id}`);
    const charts: ChartSpec[] = [
      {
        id: 'routing-throughput',
        title: `Throughput by routing style (${CLIENTS * IN_FLIGHT} requests in flight, ${NODES} nodes, 1 router)`,
        type: 'bar',
        x: { label: 'workload', unit: 'YCSB mix', scale: 'category' },
        y: { label: 'throughput', unit: 'requests/s (simulated)', min: 0 },
        categories,
        series: STYLES.map((s) => ({ label: STYLE_LABEL[s], values: WORKLOADS.map((wl) => Math.round(get(wl.id, s).opsPerSec)) })),
        caption: 'Simulated time: the CPU costs and network delay in the notes decide these heights; the routing bench measures real processes.',
      },
      {
        id: 'routing-latency',
        title: 'Latency per request as the caller sees it (workload B)',
        type: 'bar',
        x: { label: 'routing style', unit: 'style', scale: 'category' },
        y: { label: 'latency', unit: 'ms (simulated)', min: 0 },
        categories: STYLES.map((s) => STYLE_LABEL[s]),
        series: [
          { label: 'p50', values: STYLES.map((s) => round(get('B', s).p50, 4)) },
          { label: 'p99', values: STYLES.map((s) => round(get('B', s).p99, 4)) },
        ],
      },
      {
        id: 'routing-hops',
        title: 'Messages a server receives per request (workload B)',
        type: 'bar',
        x: { label: 'routing style', unit: 'style', scale: 'category' },
        y: { label: 'hops', unit: 'per request', min: 0 },
        categories: STYLES.map((s) => STYLE_LABEL[s]),
        series: [{ label: 'hops', values: STYLES.map((s) => round(get('B', s).hops, 3)) }],
        caption: 'Forwarding pays its hop only for keys the first node does not own.',
      },
      {
        id: 'routing-map-change',
        title: `After each map change: processes that must learn it, and redirects (${plural(changes, 'change')})`,
        type: 'bar',
        x: { label: 'routing style', unit: 'style', scale: 'category' },
        y: { label: 'count', unit: 'count', min: 0 },
        categories: STYLES.map((s) => STYLE_LABEL[s]),
        series: [
          { label: 'processes holding the map', values: STYLES.map((s) => ch(s).learners) },
          { label: 'MOVED + TRYAGAIN per change', values: STYLES.map((s) => round((ch(s).counters.moved + ch(s).counters.tryAgain) / changes, 2)) },
          { label: 'errors reaching the application', values: STYLES.map((s) => ch(s).counters.failed) },
        ],
      },
    ];
    const tables: Table[] = [
      {
        title: `Steady load (${opsPerRun.toLocaleString('en-US')} requests per run, ${keys.length.toLocaleString('en-US')} keys, zipfian ${ZIPF_EXPONENT})`,
        columns: [{ label: 'workload' }, { label: 'style' }, { label: 'throughput', unit: 'req/s', format: 'int' }, { label: 'p50', unit: 'ms', format: 'fixed3' }, { label: 'p99', unit: 'ms', format: 'fixed3' }, { label: 'hops per request', format: 'fixed2' }, { label: 'vs client', format: 'fixed2' }],
        rows: WORKLOADS.flatMap((wl) =>
          STYLES.map((s) => {
            const r = get(wl.id, s);
            return [wl.id, STYLE_LABEL[s], Math.round(r.opsPerSec), round(r.p50, 4), round(r.p99, 4), round(r.hops, 3), round(r.opsPerSec / get(wl.id, 'client').opsPerSec, 3)];
          }),
        ),
      },
      {
        title: `Map changes under workload B (${plural(changes, 'change')}, every ${CHANGE_EVERY_MS} ms, ${MOVED_SLOTS.toLocaleString('en-US')} slots each way)`,
        columns: [
          { label: 'style' },
          { label: 'processes holding the map', format: 'int' },
          { label: 'all have it: median', unit: 'ms', format: 'fixed1' },
          { label: 'max', unit: 'ms', format: 'fixed1' },
          { label: 'MOVED sent', format: 'int' },
          { label: 'TRYAGAIN sent', format: 'int' },
          { label: 'forwards retried', format: 'int' },
          { label: 'forwards followed', format: 'int' },
          { label: 'stale forwards', format: 'int' },
          { label: 'forwards rerouted', format: 'int' },
          { label: 'redirects followed', format: 'int' },
          { label: 'MOVED back settled', format: 'int' },
          { label: 'refreshes', format: 'int' },
          { label: 'errors to the application', format: 'int' },
        ],
        rows: STYLES.map((s) => {
          const r = ch(s);
          return [STYLE_LABEL[s], r.learners, round(quantile(r.propagationMs, 0.5), 3), round(Math.max(...r.propagationMs), 3), r.counters.moved, r.counters.tryAgain, r.counters.forwardRetries, r.counters.forwardFollowed, r.counters.forwardStale, r.counters.forwardRerouted, r.counters.redirectsFollowed, r.counters.movedBack, r.refreshes, r.counters.failed];
        }),
      },
    ];
    return {
      tables,
      charts,
      checks,
      notes: [
        `A simulation on a clock of its own, not a timing of this machine: ${NODES} nodes (redis-slots, each forwarding what it does not own), ${CLIENTS} clients with ${IN_FLIGHT} requests in flight each, one router. Network: ${NET_MS} ms one way plus an exponential delay of mean ${NET_JITTER_MS} ms. CPU per request: a node serves a read in ${READ_MS} ms and a write in ${WRITE_MS} ms, forwards in ${FORWARD_MS} ms, answers MOVED or TRYAGAIN in ${REDIRECT_MS} ms; the router spends ${ROUTER_MS} ms. A map change reaches each watcher after ${WATCH_MS} ms plus an exponential delay of mean ${WATCH_JITTER_MS} ms; a refresh reads the map in ${META_GET_MS} ms. Clients use ClusterClient's defaults (${REDIRECTS_MAX} redirects, TRYAGAIN retried after ${TRYAGAIN_DELAY_MS} ms, refreshes at least ${REFRESH_MIN_INTERVAL_MS} ms apart).`,
        'What follows from the protocol, not from those numbers: hops per request, which processes must learn a map, which requests are redirected, retried or refused. The routing decisions are shardkit\'s own code (RoutingTable, Ownership.route, the SK.FWD epoch rule, RefreshGate). Throughput and latency follow from the parameters; for real processes, run `npm run bench -- --only routing` (BENCHMARKS.md, "routing").',
        `Keys: ${keys.length.toLocaleString('en-US')} of the sample (${ctx.keySource.description}); YCSB's core mixes over a zipfian choice of key (exponent ${ZIPF_EXPONENT}) scattered over the keys by a seeded shuffle; the same sequence of requests for every style.`,
      ],
    };
  },
};
