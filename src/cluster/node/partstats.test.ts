/**
 * SK.PARTSTATS on a node started in-process under a static map: rows
 * [partition, keys, bytes] for each partition holding keys, bytes as stored
 * (4-byte partition prefix + key, plus the record: a flags byte, the expiry
 * when set, the value), limited to the range asked for; Redis-style errors
 * for bad arguments.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeySlot } from '../../hash/redis-slot.js';
import { systemClock } from '../../util/clock.js';
import { encodeMap, initialMap } from '../map.js';
import { RespErrorReply } from '../resp/reply-parser.js';
import { freePorts } from '../testing/harness.js';
import { RespClient } from '../testing/resp-client.js';
import { FileMapSource } from './map-source.js';
import { type RunningNode, startNode } from './node.js';

let dir = '';
let node: RunningNode | undefined;
let c: RespClient | undefined;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardkit-partstats-'));
  const [port] = await freePorts(1);
  const map = initialMap('redis-slots', {}, [{ id: 'n1', weight: 1, host: '127.0.0.1', port: port as number }]);
  fs.writeFileSync(path.join(dir, 'map.json'), encodeMap(map));
  node = await startNode({ id: 'n1', host: '127.0.0.1', port: port as number, dataDir: path.join(dir, 'n1'), maps: new FileMapSource(path.join(dir, 'map.json')), clock: systemClock, fsync: 'never' });
  c = await RespClient.connect(port as number);
}, 30_000);

afterAll(async () => {
  c?.close();
  await node?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const stored = (key: string, value: string, ttl = false): number => 4 + Buffer.byteLength(key) + 1 + (ttl ? 8 : 0) + Buffer.byteLength(value);

describe('SK.PARTSTATS', () => {
  it('reports keys and stored bytes per partition holding keys, ascending; an empty node reports none', async () => {
    const cl = c as RespClient;
    expect(await cl.call('SK.PARTSTATS')).toEqual([]);
    // Hash tags put keys into known slots.
    const keys: Array<[string, string, boolean]> = [
      ['{a}1', 'x', false],
      ['{a}2', 'yyyy', true],
      ['{b}1', 'zz', false],
    ];
    for (const [k, v, ttl] of keys) expect(await cl.call('SET', k, v, ...(ttl ? ['EX', '100'] : []))).toBe('OK');
    const sa = redisKeySlot('{a}');
    const sb = redisKeySlot('{b}');
    const want = [
      [sa, 2, stored('{a}1', 'x') + stored('{a}2', 'yyyy', true)],
      [sb, 1, stored('{b}1', 'zz')],
    ].sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(await cl.call('SK.PARTSTATS')).toEqual(want);
    expect(await cl.call('sk.partstats', '0', '16383')).toEqual(want);
    expect(await cl.call('SK.PARTSTATS', String(sa), String(sa))).toEqual([[sa, 2, want.find((r) => r[0] === sa)?.[2]]]);
    const gap = sa < sb ? [sa + 1, sb - 1] : [sb + 1, sa - 1];
    expect(await cl.call('SK.PARTSTATS', String(gap[0]), String(gap[1]))).toEqual([]);
  });

  it('sums a partition of more keys than one read chunk, and forgets deleted keys', async () => {
    const cl = c as RespClient;
    const slot = redisKeySlot('{many}');
    let bytes = 0;
    for (let i = 0; i < 2500; i++) {
      await cl.call('SET', `{many}${i}`, 'v');
      bytes += stored(`{many}${i}`, 'v');
    }
    expect(await cl.call('SK.PARTSTATS', String(slot), String(slot))).toEqual([[slot, 2500, bytes]]);
    await cl.call('DEL', '{many}0');
    expect(await cl.call('SK.PARTSTATS', String(slot), String(slot))).toEqual([[slot, 2499, bytes - stored('{many}0', 'v')]]);
  }, 30_000);

  it('wrong arguments get Redis-style errors', async () => {
    const cl = c as RespClient;
    const cases: Array<[string[], RegExp]> = [
      [['1'], /^ERR wrong number of arguments for 'sk.partstats' command/],
      [['1', '2', '3'], /^ERR wrong number of arguments/],
      [['x', '2'], /^ERR partition is not an integer or out of range/],
      [['-1', '2'], /^ERR partition is not an integer or out of range/],
      [['0', '4294967296'], /^ERR partition is not an integer or out of range/],
      [['5', '4'], /^ERR last partition is before the first/],
    ];
    for (const [args, message] of cases) {
      const r = await cl.call('SK.PARTSTATS', ...args);
      expect(r, args.join(' ')).toBeInstanceOf(RespErrorReply);
      expect((r as RespErrorReply).message, args.join(' ')).toMatch(message);
    }
    expect(await cl.call('PING')).toBe('PONG');
  });
});
