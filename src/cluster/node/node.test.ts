/**
 * The node through real clients and real processes: a 3-node shardkit
 * cluster under a static map, driven by ioredis `Cluster`, node-redis
 * `createCluster`, and a raw RESP client; forwarding under a placement Redis
 * clients cannot compute; SK.RANGE under range placement; clean shutdown.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { Harness, type ShardkitCluster } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { RespErrorReply } from '../resp/reply-parser.js';
import { placementOf } from '../map.js';

const h = new Harness();
let sk: ShardkitCluster;

beforeAll(async () => {
  sk = await h.startShardkitCluster(3);
}, 60_000);
afterAll(() => h.stopAll(), 30_000);

const nodesOf = (c: ShardkitCluster) => c.ports.map((port) => ({ host: '127.0.0.1', port }));

describe('a 3-node shardkit cluster (redis-slots) through real clients', () => {
  it('ioredis Cluster: SET/GET/INCR/DEL/MGET on keys of every node, hash tags for multi-key commands', async () => {
    const c = new Cluster(nodesOf(sk), { lazyConnect: false });
    try {
      for (let i = 0; i < 60; i++) expect(await c.set(`k${i}`, `v${i}`)).toBe('OK');
      for (let i = 0; i < 60; i++) expect(await c.get(`k${i}`)).toBe(`v${i}`);
      expect(await c.incr('counter')).toBe(1);
      expect(await c.incrby('counter', 41)).toBe(42);
      expect(await c.decr('counter')).toBe(41);
      expect(await c.mset('{t}a', '1', '{t}b', '2')).toBe('OK');
      expect(await c.mget('{t}a', '{t}b', '{t}c')).toEqual(['1', '2', null]);
      expect(await c.del('k1', 'k1')).toBe(1);
      expect(await c.exists('k1')).toBe(0);
      expect(await c.set('k2', 'new', 'GET')).toBe('v2');
      expect(await c.set('k2', 'x', 'NX')).toBeNull();
      expect(await c.set('absent', 'x', 'XX')).toBeNull();
      expect(await c.set('ttl', 'x', 'EX', 100)).toBe('OK');
      expect(await c.ttl('ttl')).toBe(100);
      expect(await c.pttl('k2')).toBe(-1);
      expect(await c.type('k2')).toBe('string');
      await expect(c.incr('k2')).rejects.toThrow('ERR value is not an integer or out of range');
      const pipe = c.pipeline();
      for (let i = 0; i < 100; i++) pipe.set(`{p}${i}`, `${i}`); // an ioredis cluster pipeline stays within one slot
      const res = await pipe.exec();
      expect(res?.every(([err, r]) => err === null && r === 'OK')).toBe(true);
    } finally {
      c.disconnect();
    }
  }, 30_000);

  it('node-redis createCluster sees the same data', async () => {
    const c = createCluster({ rootNodes: sk.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
    await c.connect();
    try {
      for (let i = 2; i < 60; i++) expect(await c.get(`${i === 2 ? 'k2' : `k${i}`}`)).toBe(i === 2 ? 'new' : `v${i}`);
      expect(await c.incr('counter')).toBe(42);
      expect(await c.set('nr', 'a')).toBe('OK');
      expect(await c.get('nr')).toBe('a');
    } finally {
      await c.quit();
    }
  }, 30_000);

  it('a key owned elsewhere gets -MOVED <slot> <host>:<port> of its owner; DBSIZE and SCAN are per node', async () => {
    const placement = placementOf(sk.map);
    const owner = placement.locate('k5');
    const other = sk.map.nodes.findIndex((n) => n.id !== owner);
    const ownerNode = sk.map.nodes.find((n) => n.id === owner);
    const c = await RespClient.connect(sk.ports[other] as number);
    try {
      const r = await c.call('GET', 'k5');
      expect(r).toBeInstanceOf(RespErrorReply);
      expect((r as RespErrorReply).message).toBe(`MOVED ${(await c.call('CLUSTER', 'KEYSLOT', 'k5')) as number} 127.0.0.1:${ownerNode?.port}`);
      let total = 0;
      for (const port of sk.ports) {
        const n = await RespClient.connect(port);
        const size = (await n.call('DBSIZE')) as number;
        let cursor = '0';
        const keys: string[] = [];
        do {
          const [next, batch] = (await n.call('SCAN', cursor, 'COUNT', '7')) as [Buffer, Buffer[]];
          cursor = next.toString();
          keys.push(...batch.map((b) => b.toString()));
        } while (cursor !== '0');
        expect(new Set(keys).size).toBe(size);
        for (const k of keys) expect(placement.locate(k)).toBe(sk.map.nodes[sk.ports.indexOf(port)]?.id);
        total += size;
        n.close();
      }
      expect(total).toBeGreaterThan(150);
    } finally {
      c.close();
    }
  });

  it('RESP3 after HELLO 3: maps and nulls in RESP3 form', async () => {
    const c = await RespClient.connect(sk.ports[0] as number);
    try {
      const hello = (await c.call('HELLO', '3')) as { type: 'map'; entries: [Buffer, unknown][] };
      expect(hello.type).toBe('map');
      expect(hello.entries.map(([k]) => k.toString())).toEqual(['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']);
      c.writeRaw('CLUSTER KEYSLOT x\r\n');
      const slot = await c.read();
      expect(typeof slot).toBe('number');
      const shards = (await c.call('CLUSTER', 'SHARDS')) as Array<{ type: string }>;
      expect(shards.length).toBe(3);
      expect(shards[0]?.type).toBe('map');
    } finally {
      c.close();
    }
  });
});

describe('placements Redis clients cannot compute', () => {
  it('ring placement with --forward: ioredis reaches every key through one hop; a forwarded request is never forwarded again', async () => {
    const ring = await h.startShardkitCluster(3, { strategy: 'ring', forward: true });
    const c = new Cluster(nodesOf(ring));
    try {
      for (let i = 0; i < 50; i++) expect(await c.set(`r${i}`, `v${i}`)).toBe('OK');
      for (let i = 0; i < 50; i++) expect(await c.get(`r${i}`)).toBe(`v${i}`);
      const placement = placementOf(ring.map);
      // Each key is stored on its ring owner.
      for (let n = 0; n < 3; n++) {
        const rc = await RespClient.connect(ring.ports[n] as number);
        let cursor = '0';
        do {
          const [next, batch] = (await rc.call('SCAN', cursor)) as [Buffer, Buffer[]];
          cursor = next.toString();
          for (const k of batch) expect(placement.locate(k.toString())).toBe(`n${n + 1}`);
        } while (cursor !== '0');
        rc.close();
      }
      // A forwarded request arriving at a node that does not own the key gets MOVED, not another hop.
      const key = 'r7';
      const owner = placement.locate(key);
      const notOwner = ring.map.nodes.findIndex((n) => n.id !== owner);
      const rc = await RespClient.connect(ring.ports[notOwner] as number);
      const r = await rc.call('SK.FWD', String(ring.map.epoch), '2', 'GET', key);
      expect((r as RespErrorReply).message).toMatch(/^MOVED \d+ 127\.0\.0\.1:\d+$/);
      const info = ((await rc.call('INFO', 'shardkit')) as Buffer).toString();
      expect(info).toMatch(/forwarded_out:[1-9]/);
      rc.close();
    } finally {
      c.disconnect();
    }
  }, 60_000);

  it('range placement: SK.RANGE returns keys in UTF-8 byte order', async () => {
    const rp = await h.startShardkitCluster(2, { strategy: 'range', options: { boundaries: ['m'] }, forward: true });
    // Which node holds [, m) and which [m, ) is the placement's choice: ask it.
    const portOf = (key: string): number => rp.ports[rp.map.nodes.findIndex((n) => n.id === placementOf(rp.map).locate(key))] as number;
    expect(portOf('a')).not.toBe(portOf('z'));
    const c = await RespClient.connect(portOf('a'));
    try {
      const keys = ['apple', 'b', 'ab', 'a', 'é', 'z', 'mango', 'n'];
      for (const k of keys) expect(await c.call('SET', k, '1')).toBe('OK');
      const local = ((await c.call('SK.RANGE', '', '')) as Buffer[]).map((b) => b.toString());
      expect(local).toEqual(['a', 'ab', 'apple', 'b']);
      const limited = ((await c.call('SK.RANGE', 'ab', 'b', 'LIMIT', '1')) as Buffer[]).map((b) => b.toString());
      expect(limited).toEqual(['ab']);
      const c2 = await RespClient.connect(portOf('z'));
      expect(((await c2.call('SK.RANGE', 'm', '')) as Buffer[]).map((b) => b.toString())).toEqual(['mango', 'n', 'z', 'é']);
      c2.close();
    } finally {
      c.close();
    }
  }, 60_000);
});

describe('the process', () => {
  it('SIGTERM: in-flight writes are answered, then the node exits 0, and every acknowledged write is there after a restart', async () => {
    const one = await h.startShardkitCluster(1);
    const c = await RespClient.connect(one.ports[0] as number);
    for (let i = 0; i < 200; i++) c.send('SET', `s${i}`, 'x');
    one.procs[0]?.kill('SIGTERM');
    let ok = 0;
    for (let i = 0; i < 200; i++) {
      try {
        if ((await c.read()) === 'OK') ok++;
      } catch {
        break;
      }
    }
    const exit = await one.procs[0]?.exited;
    expect(exit?.code).toBe(0);
    // Every acknowledged write is there after restart.
    await one.restart(0);
    const c2 = await RespClient.connect(one.ports[0] as number);
    expect(await c2.call('DBSIZE')).toBeGreaterThanOrEqual(ok);
    c2.close();
    expect(one.procs[0]?.stdout).toMatch(/^shardkit node n1 serving 127\.0\.0\.1:\d+ epoch 1/);
  }, 60_000);
});
