/**
 * Two nodes whose maps disagree during a change: the new owner has not yet
 * learned the map that gives it a key, so it forwards the key to the old
 * owner, which (under the newer map) answers MOVED back to it. The
 * forwarding node must not relay that MOVED, which would send the client
 * straight back to be forwarded again until the map arrives: it answers
 * TRYAGAIN and reloads its map. A forwarder whose own map is the older one
 * follows the owner's MOVED to the node it names; a forward the owner refuses
 * because its map is older is sent again, a bounded number of times. Also
 * the rule itself, on reply bytes.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redisKeySlot } from '../../hash/redis-slot.js';
import { systemClock } from '../../util/clock.js';
import { type ClusterMap, type MapNode, initialMap, withPartitionsMoved } from '../map.js';
import { RespErrorReply } from '../resp/reply-parser.js';
import { RequestParser } from '../resp/request-parser.js';
import { freePorts } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import type { NodeLimits } from './limits.js';
import type { MapSource } from './map-source.js';
import { startNode, type RunningNode } from './node.js';
import { Ownership, judgeForwardReply } from './ownership.js';

/** A map source under the test's control: `server` is what load() reads; watchers get a map only when `deliver` is called. */
class ManualMapSource implements MapSource {
  private readonly listeners: Array<(m: ClusterMap) => void> = [];
  loads = 0;
  constructor(public server: ClusterMap) {}
  async load(): Promise<ClusterMap> {
    this.loads++;
    return this.server;
  }
  watch(onMap: (map: ClusterMap) => void): void {
    this.listeners.push(onMap);
  }
  deliver(map: ClusterMap): void {
    for (const l of this.listeners) l(map);
  }
  async register(): Promise<void> {}
  async close(): Promise<void> {}
  describe(): string {
    return 'manual (test)';
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function infoField(info: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m === null ? Number.NaN : Number(m[1]);
}

async function cluster(n: number, limits: Partial<NodeLimits> = {}): Promise<{ specs: MapNode[]; map1: ClusterMap; sources: ManualMapSource[]; nodes: RunningNode[] }> {
  const ports = await freePorts(n);
  const specs: MapNode[] = ports.map((port, i) => ({ id: `n${i + 1}`, weight: 1, host: '127.0.0.1', port }));
  const map1 = initialMap('redis-slots', {}, specs);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-stale-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sources = specs.map(() => new ManualMapSource(map1));
  const nodes: RunningNode[] = [];
  for (const [i, spec] of specs.entries()) {
    const node = await startNode({ id: spec.id, host: spec.host, port: spec.port, dataDir: path.join(dir, spec.id), maps: sources[i] as ManualMapSource, clock: systemClock, fsync: 'never', forward: true, limits });
    nodes.push(node);
    cleanups.push(() => node.close());
  }
  return { specs, map1, sources, nodes };
}

/** Two nodes (n1: slots 0 … 8191, n2: 8192 … 16383) and map 2, in which they swap halves. */
async function twoNodes(limits: Partial<NodeLimits> = {}): Promise<{ specs: MapNode[]; map2: ClusterMap; sources: ManualMapSource[]; nodes: RunningNode[] }> {
  const c = await cluster(2, limits);
  const map2: ClusterMap = { ...c.map1, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
  return { ...c, map2 };
}

/** A key of a slot in first … last. */
function keyIn(first: number, last: number): string {
  for (let i = 0; ; i++) {
    const slot = redisKeySlot(`k${i}`);
    if (slot >= first && slot <= last) return `k${i}`;
  }
}

describe('a forwarding node whose map is older than the owner it forwards to', () => {
  it('does not relay a MOVED that names itself: it reloads its map and, under the newer map, serves the key itself', async () => {
    const { specs, map2, sources, nodes } = await twoNodes();
    // The change is written; n1 learns it at once, n2's watch has not delivered it yet.
    for (const s of sources) s.server = map2;
    (sources[0] as ManualMapSource).deliver(map2);
    expect(nodes.map((n) => n.epoch())).toEqual([2, 1]);
    const key = keyIn(0, 8191);
    const c = await RespClient.connect(specs[1]?.port as number);
    cleanups.push(() => c.close());
    // n2 (map 1) forwards to n1, which under map 2 says n2 owns the key; n2 reloads (its watch never delivers here) and serves.
    expect(await c.call('SET', key, 'v')).toBe('OK');
    expect(nodes[1]?.epoch()).toBe(2);
    expect((sources[1] as ManualMapSource).loads).toBeGreaterThanOrEqual(2);
    expect(infoField(String(await c.call('INFO', 'shardkit')), 'forward_stale')).toBe(1);
    expect(String(await c.call('GET', key))).toBe('v');
    const d = await RespClient.connect(specs[0]?.port as number);
    cleanups.push(() => d.close());
    expect(String(await d.call('DBSIZE'))).toBe('0'); // stored on n2 only
  }, 30_000);

  it('when the newer map arrives while the forward is in flight, it runs the request under it, without waiting for a reload', async () => {
    // n1 is a fake owner that answers every forward, 50 ms late, with MOVED to n2.
    const [n1Port, n2Port] = (await freePorts(2)) as [number, number];
    const fake = net.createServer((sock) => {
      const parser = new RequestParser();
      sock.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        for (let r = parser.next(); r !== undefined; r = parser.next()) setTimeout(() => sock.write(`-MOVED 0 127.0.0.1:${n2Port}\r\n`), 50);
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => fake.listen(n1Port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const specs: MapNode[] = [n1Port, n2Port].map((port, i) => ({ id: `n${i + 1}`, weight: 1, host: '127.0.0.1', port }));
    const map1 = initialMap('redis-slots', {}, specs);
    const map2: ClusterMap = { ...map1, epoch: 2, owners: [{ first: 0, last: 8191, node: 1 }, { first: 8192, last: 16383, node: 0 }] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-stale-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const source = new ManualMapSource(map1); // a reload would still read map 1
    const node = await startNode({ id: 'n2', host: '127.0.0.1', port: n2Port, dataDir: path.join(dir, 'n2'), maps: source, clock: systemClock, fsync: 'never', forward: true });
    cleanups.push(() => node.close());
    const c = await RespClient.connect(n2Port);
    cleanups.push(() => c.close());
    setTimeout(() => source.deliver(map2), 20);
    expect(await c.call('SET', keyIn(0, 8191), 'v')).toBe('OK');
    expect(String(await c.call('GET', keyIn(0, 8191)))).toBe('v');
  }, 30_000);

  it('when its reload brings no newer map (a lagging replica of the metadata), it answers TRYAGAIN, never a MOVED to itself', async () => {
    const { specs, map2, sources, nodes } = await twoNodes();
    (sources[0] as ManualMapSource).deliver(map2); // n2 reloads map 1
    const c = await RespClient.connect(specs[1]?.port as number);
    cleanups.push(() => c.close());
    const reply = await c.call('SET', keyIn(0, 8191), 'v');
    expect(reply).toBeInstanceOf(RespErrorReply);
    expect((reply as RespErrorReply).message).toMatch(/^TRYAGAIN the owners of this key answer under a newer map/);
    expect(nodes[1]?.epoch()).toBe(1);
    // And the connection keeps serving, in order.
    expect(await c.call('SET', keyIn(8192, 16383), 'w')).toBe('OK');
  }, 30_000);

  it('a forward refused because the owner has not learned the newer map yet is sent again until it has, and the client gets the answer', async () => {
    // A retry budget of 5 s, so that the map is delivered (below) well within it however slow the machine.
    const { specs, map2, sources, nodes } = await twoNodes({ forwardRetries: 500 });
    (sources[0] as ManualMapSource).deliver(map2); // n1 on map 2; n2 still on map 1
    const key = keyIn(0, 8191); // n2's under map 2
    const c = await RespClient.connect(specs[0]?.port as number);
    const probe = await RespClient.connect(specs[0]?.port as number);
    cleanups.push(() => c.close(), () => probe.close());
    const reply = c.call('SET', key, 'v');
    // n2 learns map 2 only once n1 has been refused and has sent the forward again.
    const deadline = Date.now() + 5000;
    while (infoField(String(await probe.call('INFO', 'shardkit')), 'forward_retries') < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(infoField(String(await probe.call('INFO', 'shardkit')), 'forward_retries')).toBeGreaterThanOrEqual(1);
    (sources[1] as ManualMapSource).deliver(map2);
    expect(await reply).toBe('OK');
    expect(nodes[1]?.epoch()).toBe(2);
    expect(String(await c.call('GET', key))).toBe('v');
  }, 30_000);

  it('an owner that never learns the newer map costs a bounded number of retries, then the client gets TRYAGAIN, never a hang', async () => {
    const { specs, map2, sources } = await twoNodes();
    (sources[0] as ManualMapSource).deliver(map2);
    const c = await RespClient.connect(specs[0]?.port as number);
    cleanups.push(() => c.close());
    const t0 = Date.now();
    const reply = await c.call('SET', keyIn(0, 8191), 'v');
    expect(reply).toBeInstanceOf(RespErrorReply);
    expect((reply as RespErrorReply).message).toMatch(/^TRYAGAIN request routed under map epoch 2/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(infoField(String(await c.call('INFO', 'shardkit')), 'forward_retries')).toBe(10);
  }, 30_000);

  it('a stale forwarder follows the MOVED of an owner whose map is newer to the node it names, once, and the plain client gets the answer', async () => {
    const { specs, map1, sources, nodes } = await cluster(3);
    // Map 2: n1 and n2 swap their first 1,000 slots; n1 and n2 learn it, n3 does not.
    const map2 = withPartitionsMoved(map1, [
      { first: 0, last: 999, node: 1 },
      { first: 5461, last: 6460, node: 0 },
    ]);
    for (const s of sources) s.server = map2;
    (sources[0] as ManualMapSource).deliver(map2);
    (sources[1] as ManualMapSource).deliver(map2);
    const key = keyIn(0, 999); // n1's under map 1, n2's under map 2
    const c = await RespClient.connect(specs[2]?.port as number);
    cleanups.push(() => c.close());
    // n3 (map 1) forwards to n1, which answers MOVED n2; n3 forwards to n2, which serves.
    expect(await c.call('SET', key, 'v')).toBe('OK');
    const info = String(await c.call('INFO', 'shardkit'));
    expect(infoField(info, 'forward_followed')).toBe(1);
    const d = await RespClient.connect(specs[1]?.port as number);
    cleanups.push(() => d.close());
    expect(String(await d.call('GET', key))).toBe('v'); // stored on n2, the owner under map 2
    const deadline = Date.now() + 5000;
    while (nodes[2]?.epoch() !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(nodes[2]?.epoch()).toBe(2); // reloaded, though its watch never delivered
  }, 30_000);

  it('when the node it followed to disagrees as well, it reloads its map and forwards once more to the owner that map names', async () => {
    const { specs, map1, sources, nodes } = await cluster(3, { forwardRetries: 500 });
    const map2 = withPartitionsMoved(map1, [
      { first: 0, last: 999, node: 1 },
      { first: 5461, last: 6460, node: 0 },
    ]);
    for (const s of sources) s.server = map2;
    (sources[0] as ManualMapSource).deliver(map2); // only n1 has map 2
    const key = keyIn(0, 999); // n1's under map 1, n2's under map 2
    const c = await RespClient.connect(specs[2]?.port as number);
    const probe = await RespClient.connect(specs[2]?.port as number);
    cleanups.push(() => c.close(), () => probe.close());
    // n3 → n1: MOVED n2; n3 → n2 (map 1): MOVED n1; n3 reloads map 2 and forwards to n2 under epoch 2, which n2 refuses until it has map 2.
    const reply = c.call('SET', key, 'v');
    const deadline = Date.now() + 5000;
    while (infoField(String(await probe.call('INFO', 'shardkit')), 'forward_retries') < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    (sources[1] as ManualMapSource).deliver(map2);
    expect(await reply).toBe('OK');
    const info = String(await probe.call('INFO', 'shardkit'));
    expect(infoField(info, 'forward_followed')).toBe(1);
    expect(infoField(info, 'forward_rerouted')).toBe(1);
    expect(nodes[2]?.epoch()).toBe(2);
    const d = await RespClient.connect(specs[1]?.port as number);
    cleanups.push(() => d.close());
    expect(String(await d.call('GET', key))).toBe('v');
  }, 30_000);

  it('judgeForwardReply: stale for a MOVED naming this node, follow for one naming another node of the map, relay for anything else', () => {
    const specs: MapNode[] = [1, 2, 3].map((i) => ({ id: `n${i}`, weight: 1, host: `10.0.0.${i}`, port: 7000 + i }));
    const own = new Ownership(initialMap('redis-slots', {}, specs), 'n2');
    const r = (s: string): Buffer => Buffer.from(s);
    expect(judgeForwardReply(r('-MOVED 866 10.0.0.2:7002\r\n'), own)).toEqual({ kind: 'stale' });
    expect(judgeForwardReply(r('-MOVED 866 10.0.0.3:7003\r\n'), own)).toEqual({ kind: 'follow', node: specs[2] });
    expect(judgeForwardReply(r('-MOVED 866 :7002\r\n'), own)).toEqual({ kind: 'stale' }); // empty host: the host answering
    for (const relay of ['-MOVED 866 10.0.0.2:70021\r\n', '-MOVED 866 110.0.0.2:7002\r\n', '-MOVED 866 10.0.0.9:7002\r\n', '-ASK 866 10.0.0.2:7002\r\n', '-TRYAGAIN later\r\n', '+OK\r\n', '$5\r\nMOVED\r\n', '-MOVED nonsense\r\n', '']) {
      expect(judgeForwardReply(r(relay), own), relay).toEqual({ kind: 'relay' });
    }
  });
});
