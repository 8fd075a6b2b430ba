/**
 * Differential test against a real Redis Cluster (Debian's redis-server, 3
 * masters made by `redis-cli --cluster create`) and a 3-node shardkit cluster
 * under `redis-slots`: the same seeded command sequences (SET/GET/DEL/INCR/
 * MGET/MSET incl. CROSSSLOT, unknown commands, wrong arity, CLUSTER
 * KEYSLOT/SLOTS/SHARDS) through ioredis `Cluster`, node-redis
 * `createCluster`, `redis-cli -c` and a raw RESP connection, and the replies
 * compared: values, error texts, MOVED format, reply shapes (node ids, ports
 * and replication offsets normalised).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { Harness, run } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { RespErrorReply, type RespValue } from '../resp/reply-parser.js';
import { mulberry32, randomInt, type Random } from '../../util/random.js';

const h = new Harness();
let redisPorts: number[] = [];
let skPorts: number[] = [];

beforeAll(async () => {
  const [redis, sk] = await Promise.all([h.startRedisCluster(3), h.startShardkitCluster(3)]);
  redisPorts = redis.ports;
  skPorts = [...sk.ports];
}, 60_000);
afterAll(() => h.stopAll(), 30_000);

/** A seeded sequence of commands over a small key pool (so keys collide and state matters). */
function sequence(seed: number, prefix: string, n: number): string[][] {
  const rnd: Random = mulberry32(seed);
  const key = () => (randomInt(rnd, 3) === 0 ? `{${prefix}}:${randomInt(rnd, 6)}` : `${prefix}:${randomInt(rnd, 10)}`);
  const tagged = () => `{${prefix}}:${randomInt(rnd, 6)}`;
  const value = () => (randomInt(rnd, 2) === 0 ? String(randomInt(rnd, 100) - 20) : `v${randomInt(rnd, 1000)}`);
  const gens: Array<() => string[]> = [
    () => ['SET', key(), value()],
    () => ['SET', key(), value(), ['NX', 'XX', 'GET'][randomInt(rnd, 3)] as string],
    () => ['GET', key()],
    () => ['DEL', key()],
    () => ['DEL', tagged(), tagged()],
    () => ['INCR', key()],
    () => ['INCRBY', key(), String(randomInt(rnd, 50) - 25)],
    () => ['INCRBY', key(), 'x'],
    () => ['DECR', key()],
    () => ['EXISTS', key()],
    () => ['TYPE', key()],
    () => ['MGET', tagged(), tagged()],
    () => ['MGET', `${prefix}:1`, `${prefix}:2`],
    () => ['MSET', tagged(), value(), tagged(), value()],
    () => ['MSET', `${prefix}:3`, value(), `${prefix}:4`, value()],
    () => ['CLUSTER', 'KEYSLOT', key()],
    () => ['FOOBAR', key(), 'x'],
    () => ['GET'],
    () => ['SET', key()],
    () => ['SET', key(), 'v', 'PX', '0'],
    () => ['SET', key(), 'v', 'NX', 'XX'],
  ];
  return Array.from({ length: n }, () => (gens[randomInt(rnd, gens.length)] as () => string[])());
}

function norm(v: unknown): unknown {
  if (v instanceof Error) return { error: v.message };
  if (Array.isArray(v)) return v.map(norm);
  if (Buffer.isBuffer(v)) return v.toString();
  return v;
}

describe('shardkit against a real Redis Cluster, same seeded sequences', () => {
  it('ioredis Cluster gets the same replies from both', async () => {
    // ioredis cannot send a command without arguments in cluster mode (it computes a slot from args[0]).
    const cmds = sequence(7, 'io', 300).filter((c) => c.length > 1);
    const results: unknown[][] = [];
    for (const ports of [redisPorts, skPorts]) {
      const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
      const out: unknown[] = [];
      for (const [name, ...args] of cmds) out.push(norm(await c.call(name as string, ...args).catch((e: Error) => e)));
      c.disconnect();
      results.push(out);
    }
    for (let i = 0; i < cmds.length; i++) expect({ cmd: cmds[i], reply: results[1]?.[i] }).toEqual({ cmd: cmds[i], reply: results[0]?.[i] });
  }, 60_000);

  it('node-redis createCluster gets the same replies from both', async () => {
    const cmds = sequence(8, 'nr', 300);
    const results: unknown[][] = [];
    for (const ports of [redisPorts, skPorts]) {
      const c = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
      await c.connect();
      const out: unknown[] = [];
      for (const args of cmds) out.push(norm(await c.sendCommand(args[1], false, args).catch((e: Error) => e)));
      await c.quit();
      results.push(out);
    }
    for (let i = 0; i < cmds.length; i++) expect({ cmd: cmds[i], reply: results[1]?.[i] }).toEqual({ cmd: cmds[i], reply: results[0]?.[i] });
  }, 60_000);

  it('redis-cli -c prints the same output for both', async () => {
    const cmds = sequence(9, 'cli', 200).filter((c) => !c.some((a) => a.includes(' ')));
    const input = cmds.map((c) => c.join(' ')).join('\n') + '\n';
    const outs: string[] = [];
    for (const ports of [redisPorts, skPorts]) {
      const { stdout } = await run('redis-cli', ['-c', '-p', String(ports[0])], { input });
      outs.push(stdout.replace(/127\.0\.0\.1:(\d+)/g, (_m, p: string) => `node${ports.indexOf(Number(p))}`));
    }
    const a = (outs[0] as string).split('\n');
    const b = (outs[1] as string).split('\n');
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect({ line: i, text: b[i] }).toEqual({ line: i, text: a[i] });
  }, 60_000);

  it('raw RESP to one node: MOVED, CROSSSLOT, arity and unknown-command errors, word for word', async () => {
    const probe = [['GET', 'a'], ['GET', 'b'], ['MSET', 'a', '1', 'b', '2'], ['MGET', 'a', 'b'], ['GET'], ['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'NOPE'], ['NOPE'], ['nope', 'x', 'y'], ['SELECT', '1'], ['SELECT', '0'], ['HELLO', '4'], ['CLUSTER', 'COUNTKEYSINSLOT', '99999'], ['CLUSTER', 'GETKEYSINSLOT', '1', '-1'], ['SCAN', 'x'], ['PING', 'a', 'b'], ['ECHO', 'hi'], ['SET', 'a', 'v', 'EX', 'x'], ['CONFIG', 'GET', 'save'], ['CONFIG', 'GET', 'appendonly']];
    const replies: RespValue[][] = [];
    for (const ports of [redisPorts, skPorts]) {
      const c = await RespClient.connect(ports[0] as number);
      const out: RespValue[] = [];
      for (const p of probe) out.push(await c.call(...p));
      c.close();
      replies.push(out.map((r) => normalisePorts(r, ports)));
    }
    for (let i = 0; i < probe.length; i++) expect({ cmd: probe[i], reply: replies[1]?.[i] }).toEqual({ cmd: probe[i], reply: replies[0]?.[i] });
  });

  it('CLUSTER SLOTS, SHARDS and INFO have the same shapes and slot ranges (ids, ports, offsets normalised)', async () => {
    const shapes: unknown[] = [];
    for (const ports of [redisPorts, skPorts]) {
      const c = await RespClient.connect(ports[0] as number);
      const slots = (await c.call('CLUSTER', 'SLOTS')) as RespValue[][];
      const ids = new Map<string, string>();
      for (const entry of slots) {
        const node = entry[2] as RespValue[];
        ids.set((node[2] as Buffer).toString(), `node${ports.indexOf(node[1] as number)}`);
      }
      const normSlots = slots.map((e) => {
        const node = e[2] as RespValue[];
        return [e[0], e[1], [String(node[0]), `port${ports.indexOf(node[1] as number)}`, ids.get((node[2] as Buffer).toString()), node[3]]];
      });
      const shards = (await c.call('CLUSTER', 'SHARDS')) as RespValue[][];
      const normShards = shards
        .map((s) => {
          const slotsOf = s[1] as number[];
          const nodes = (s[3] as RespValue[][]).map((n) =>
            n.map((x, i) => (i % 2 === 0 ? String(x) : n[i - 1]?.toString() === 'id' ? ids.get(String(x)) : n[i - 1]?.toString() === 'port' ? `port${ports.indexOf(x as number)}` : n[i - 1]?.toString() === 'replication-offset' ? 0 : String(x))),
          );
          return [String(s[0]), slotsOf, String(s[2]), nodes];
        })
        .sort((x, y) => ((x[1] as number[])[0] as number) - ((y[1] as number[])[0] as number));
      const info = ((await c.call('CLUSTER', 'INFO')) as Buffer).toString();
      const fields = ['cluster_state', 'cluster_slots_assigned', 'cluster_slots_ok', 'cluster_known_nodes', 'cluster_size'].map((f) => info.match(new RegExp(`${f}:(\\S+)`))?.[1]);
      const nodes = ((await c.call('CLUSTER', 'NODES')) as Buffer).toString().trim().split('\n');
      const nodeShape = nodes.map((l) => l.split(' ').length).sort();
      c.close();
      shapes.push({ slots: normSlots, shards: normShards, fields, nodeShape });
    }
    expect(shapes[1]).toEqual(shapes[0]);
  });
});

/** Replace every "127.0.0.1:<port>" by the port's index in `ports`. */
function normalisePorts(v: RespValue, ports: number[]): RespValue {
  if (v instanceof RespErrorReply) return new RespErrorReply(v.message.replace(/127\.0\.0\.1:(\d+)/g, (_m, p: string) => `node${ports.indexOf(Number(p))}`));
  return v;
}
