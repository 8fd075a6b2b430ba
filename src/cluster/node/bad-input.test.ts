/**
 * Bad input never crashes a node, and each kind gets Redis's reply: the same
 * bytes are sent to a shardkit node and to a real redis-server, and the
 * replies and whether the connection was closed are compared (truncated
 * frames, negative and absurd lengths such as a 2^40-byte bulk, deep
 * nesting, binary junk, a 1 MB inline command, unknown commands, wrong
 * arity). After all of it both still serve. Also: maxclients, and a client
 * that pipelines without reading does not stop others from being served.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as net from 'node:net';
import { Harness, freePorts, waitUntilServing } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { ReplyParser, RespErrorReply } from '../resp/reply-parser.js';
import { mulberry32, randomInt } from '../../util/random.js';

const h = new Harness();
let skPort = 0;
let redisPort = 0;

beforeAll(async () => {
  const [sk, ports] = await Promise.all([h.startShardkitCluster(1), freePorts(1)]);
  skPort = sk.ports[0] as number;
  redisPort = ports[0] as number;
  const dir = h.tempDir('shardkit-redis-');
  const p = h.spawn('redis-server', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  await waitUntilServing(redisPort, 10000, p);
}, 60_000);
afterAll(() => h.stopAll(), 30_000);

interface Outcome {
  replies: string[];
  closed: boolean;
}

/** Send `bytes`, collect replies until the server closes or stays quiet for `quietMs`. */
function probe(port: number, bytes: Buffer, quietMs = 400): Promise<Outcome> {
  return new Promise((resolve) => {
    const parser = new ReplyParser();
    const replies: string[] = [];
    let timer: NodeJS.Timeout;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ replies, closed });
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), quietMs);
    };
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(bytes);
      quiet();
    });
    socket.on('data', (c: Buffer) => {
      parser.push(c);
      for (let r = parser.next(); r !== undefined; r = parser.next()) replies.push(r.value instanceof RespErrorReply ? `-${r.value.message}` : String(r.value));
      quiet();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
  });
}

const b = (s: string) => Buffer.from(s, 'latin1');

const CASES: Array<[string, Buffer]> = [
  ['truncated frame', b('*3\r\n$3\r\nSET\r\n$1\r\nk')],
  ['negative bulk length', b('*1\r\n$-5\r\n')],
  ['2^40-byte bulk', b(`*1\r\n$${2 ** 40}\r\n`)],
  ['absurd multibulk length', b('*99999999999\r\n')],
  ['non-numeric multibulk length', b('*x\r\n')],
  ['negative multibulk length is skipped', b('*-5\r\nPING\r\n')],
  ['deep nesting', b('*1\r\n'.repeat(1000))],
  ['bulk header where a bulk is expected', b('*2\r\n$4\r\nECHO\r\n:1\r\n')],
  ['unbalanced quotes inline', b('SET a "b\r\n')],
  ['unknown command', b('*2\r\n$6\r\nFOOBAR\r\n$1\r\nx\r\nPING\r\n')],
  ['wrong arity', b('*1\r\n$3\r\nGET\r\nGET\r\nPING\r\n')],
  ['too long bulk count line', b('*1\r\n$' + '9'.repeat(70000))],
];

describe('malformed input: the same reply and close decision as redis-server, and the node keeps serving', () => {
  for (const [name, bytes] of CASES) {
    it(name, async () => {
      const [theirs, ours] = await Promise.all([probe(redisPort, bytes), probe(skPort, bytes)]);
      expect(ours).toEqual(theirs);
    });
  }

  it('a 1 MB inline command: "too big inline request", connection closed', async () => {
    const ours = await probe(skPort, b('A'.repeat(1 << 20)));
    expect(ours.closed).toBe(true);
    // The reply may be lost to a reset when the server closes with unread input (Redis does the same).
    if (ours.replies.length > 0) expect(ours.replies).toEqual(['-ERR Protocol error: too big inline request']);
    const theirs = await probe(redisPort, b('A'.repeat(1 << 20)));
    expect(theirs.closed).toBe(true);
  });

  it('seeded binary junk: same kind of reply (first word) and same close decision', async () => {
    const random = mulberry32(1415);
    for (let i = 0; i < 40; i++) {
      // No NUL bytes: Redis looks for line ends with strchr, which stops at a NUL (a quirk we do not copy).
      const junk = Buffer.from(Array.from({ length: 1 + randomInt(random, 60) }, () => 1 + randomInt(random, 255)));
      if (i % 2 === 0) junk[0] = 0x2a; // half of them look like a multibulk
      const [theirs, ours] = await Promise.all([probe(redisPort, junk, 200), probe(skPort, junk, 200)]);
      const kind = (o: Outcome) => ({ closed: o.closed, replies: o.replies.map((r) => r.split(' ').slice(0, 3).join(' ')) });
      expect({ junk: junk.toString('hex'), ...kind(ours) }).toEqual({ junk: junk.toString('hex'), ...kind(theirs) });
    }
  }, 60_000);

  it('after all of it the node still serves', async () => {
    const c = await RespClient.connect(skPort);
    expect(await c.call('PING')).toBe('PONG');
    c.close();
  });
});

describe('limits', () => {
  it('maxclients: the connection past the limit gets "-ERR max number of clients reached" and is closed', async () => {
    const one = await h.startShardkitCluster(1);
    const port = one.ports[0] as number;
    await one.procs[0]?.stop();
    // restart with a limit of 2 connections
    const p = await h.startNode({ id: 'n1', port, dataDir: `${one.dir}/n1`, mapFile: one.mapFile, extraArgs: ['--max-clients', '2'] });
    const a = await RespClient.connect(port);
    const c2 = await RespClient.connect(port);
    expect(await a.call('PING')).toBe('PONG');
    const third = await probe(port, b('PING\r\n'));
    expect(third).toEqual({ replies: ['-ERR max number of clients reached'], closed: true });
    a.close();
    c2.close();
    await p.stop();
  }, 60_000);

  it('a client that pipelines 200k commands without reading does not stop the node serving others', async () => {
    const greedy = net.connect({ port: skPort, host: '127.0.0.1' });
    await new Promise((r) => greedy.once('connect', r));
    greedy.pause();
    greedy.write(b('PING\r\n'.repeat(200_000)));
    await new Promise((r) => setTimeout(r, 300));
    const c = await RespClient.connect(skPort);
    expect(await c.call('PING')).toBe('PONG');
    c.close();
    let bytes = 0;
    greedy.on('data', (d: Buffer) => (bytes += d.length));
    greedy.resume();
    const expected = '+PONG\r\n'.length * 200_000;
    const deadline = Date.now() + 20_000;
    while (bytes < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(bytes).toBe(expected);
    greedy.destroy();
  }, 30_000);
});
