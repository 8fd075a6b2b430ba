import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Socket } from 'node:net';
import { redisKeySlot, redisHashedPart, REDIS_SLOT_COUNT } from './redis-slot.js';
import { crc16 } from './crc16.js';
import { mulberry32, randomInt } from '../util/random.js';
import { InvalidArgumentError } from '../errors.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('Redis Cluster key slot (cluster spec: keys distribution model, hash tags)', () => {
  // Values documented in the Redis cluster spec and CLUSTER KEYSLOT docs.
  it.each([
    ['somekey', 11058],
    ['foo{hash_tag}', 2515],
    ['{user1000}.following', redisKeySlot('user1000')],
    ['{user1000}.followers', redisKeySlot('user1000')],
  ])('slot of %j is %i', (key, slot) => {
    expect(redisKeySlot(key)).toBe(slot);
    expect(redisKeySlot(enc.encode(key))).toBe(slot);
  });

  it('is crc16 of the whole key & 16383 when there is no hash tag', () => {
    expect(crc16('123456789')).toBe(0x31c3);
    expect(redisKeySlot('123456789')).toBe(0x31c3 & 16383);
    expect(redisKeySlot('')).toBe(0);
  });

  it('hashes what lies between the first { and the next } (spec examples)', () => {
    // foo{{bar}}zap: the substring between the first { and the first } after it is "{bar".
    expect(redisKeySlot('foo{{bar}}zap')).toBe(crc16('{bar') & 16383);
    expect(dec.decode(redisHashedPart('foo{{bar}}zap'))).toBe('{bar');
    // foo{bar}{zap}: only "bar" is hashed.
    expect(redisKeySlot('foo{bar}{zap}')).toBe(crc16('bar') & 16383);
    // {user1000}.following and {user1000}.followers share a slot.
    expect(redisKeySlot('{user1000}.following')).toBe(redisKeySlot('{user1000}.followers'));
  });

  it('hashes the whole key when the first tag is empty or never closed', () => {
    // foo{}{bar}: the first { is immediately followed by }, so the whole key is hashed.
    expect(redisKeySlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') & 16383);
    expect(dec.decode(redisHashedPart('foo{}{bar}'))).toBe('foo{}{bar}');
    expect(redisKeySlot('foo{bar')).toBe(crc16('foo{bar') & 16383);
    expect(redisKeySlot('foo}bar{')).toBe(crc16('foo}bar{') & 16383);
  });

  it('applies the tag rule to non-ASCII keys on their UTF-8 bytes', () => {
    expect(redisKeySlot('ключ{пользователь}')).toBe(crc16('пользователь') & 16383);
    expect(redisKeySlot('😀{}x')).toBe(crc16('😀{}x') & 16383);
  });

  it('string and byte forms agree for any string, lone surrogates as U+FFFD (property, seeded)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const slot = redisKeySlot(s);
        expect(slot).toBe(redisKeySlot(enc.encode(s)));
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(slot).toBeLessThan(REDIS_SLOT_COUNT);
      }),
      { seed: 16384, numRuns: 1000 },
    );
  });

  it('rejects a key that is neither string nor bytes', () => {
    expect(() => redisKeySlot(7 as unknown as string)).toThrow(InvalidArgumentError);
    expect(() => redisHashedPart({} as unknown as string)).toThrow(InvalidArgumentError);
  });
});

/** Seeded keys built from pieces that stress the tag rule: tags, empty tags, nested and stray braces, non-ASCII, raw bytes. */
function oracleKeys(seed: number, count: number): Uint8Array[] {
  const random = mulberry32(seed);
  const pieces = ['user:', 'a', 'b', 'x1', '{', '}', '{}', '{{', '}}', '{tag}', '{é}', '日本', '😀', '\ud800', 'ß', ' ', ':', '\r\n', '\0'];
  const keys: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    if (n % 10 === 9) {
      // Raw bytes, not necessarily valid UTF-8, with braces sprinkled in.
      const bytes = new Uint8Array(randomInt(random, 24));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random() < 0.15 ? (random() < 0.5 ? 0x7b : 0x7d) : randomInt(random, 256);
      keys.push(bytes);
      continue;
    }
    let s = '';
    const parts = randomInt(random, 8);
    for (let i = 0; i < parts; i++) s += pieces[randomInt(random, pieces.length)];
    keys.push(enc.encode(s));
  }
  return keys;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function connectWithBudget(port: number, attempts: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (left: number): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket));
      socket.once('error', (err) => {
        socket.destroy();
        if (left <= 1) reject(new Error(`redis-server did not accept connections on port ${port}: ${err.message}`));
        else setTimeout(() => attempt(left - 1), 50);
      });
    };
    attempt(attempts);
  });
}

/** RESP array of bulk strings for `CLUSTER KEYSLOT <key>`. */
function keyslotCommand(key: Uint8Array): Uint8Array {
  const head = enc.encode(`*3\r\n$7\r\nCLUSTER\r\n$7\r\nKEYSLOT\r\n$${key.length}\r\n`);
  const out = new Uint8Array(head.length + key.length + 2);
  out.set(head, 0);
  out.set(key, head.length);
  out.set([13, 10], head.length + key.length);
  return out;
}

/** Pipeline every command, then read exactly one integer reply per command. */
function keyslots(socket: Socket, keys: Uint8Array[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const replies: number[] = [];
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let nl: number;
      while ((nl = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (line[0] !== ':') {
          reject(new Error(`unexpected reply from redis-server: ${line}`));
          return;
        }
        replies.push(Number(line.slice(1)));
        if (replies.length === keys.length) resolve(replies);
      }
    });
    socket.once('error', reject);
    const chunks = keys.map(keyslotCommand);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    socket.write(all);
  });
}

describe('Redis Cluster key slot against a real redis-server (CLUSTER KEYSLOT)', () => {
  let server: ChildProcess | undefined;
  let socket: Socket | undefined;
  let dir: string | undefined;
  let missing: string | undefined;

  beforeAll(async () => {
    const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      // Not a skip: the oracle is part of the suite, so its absence fails the test below.
      missing = 'redis-server is not installed: this test needs it as the oracle for key slots. Install it with `apt-get update && apt-get install -y redis-server` (.ci/run does this).';
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'shardkit-redis-'));
    const port = await freePort();
    let busPort = await freePort();
    while (busPort === port) busPort = await freePort();
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', join(dir, 'nodes.conf'), '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    socket = await connectWithBudget(port, 100);
  });

  afterAll(async () => {
    socket?.destroy();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with CLUSTER KEYSLOT on 12,000 seeded keys with tags, empty tags, nested braces, non-ASCII and raw bytes', async () => {
    if (missing !== undefined) throw new Error(missing);
    const keys = oracleKeys(11058, 12_000);
    const theirs = await keyslots(socket as Socket, keys);
    const mismatches: string[] = [];
    keys.forEach((key, i) => {
      if (redisKeySlot(key) !== theirs[i]) mismatches.push(`${JSON.stringify(Array.from(key))}: ours ${redisKeySlot(key)}, redis ${theirs[i]}`);
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    // String keys too (the fast ASCII path and the scratch-buffer path), where the bytes are valid UTF-8.
    let checked = 0;
    keys.forEach((key, i) => {
      const s = dec.decode(key);
      if (enc.encode(s).length === key.length && enc.encode(s).every((b, j) => b === key[j])) {
        expect(redisKeySlot(s)).toBe(theirs[i]);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(10_000);
    // The sample really covers the cases that matter.
    const text = keys.map((k) => dec.decode(k));
    expect(text.filter((s) => /\{[^}]+\}/.test(s)).length).toBeGreaterThan(1000);
    expect(text.filter((s) => s.includes('{}')).length).toBeGreaterThan(1000);
    expect(text.filter((s) => s.includes('{{')).length).toBeGreaterThan(500);
  });
});
