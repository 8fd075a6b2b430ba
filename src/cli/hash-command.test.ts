import { describe, it, expect, vi, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCli } from './run-in-process.js';
import { HASH_ALGORITHMS, hashToString } from '../hash/registry.js';

const run = runCli;

afterEach(() => vi.restoreAllMocks());

describe('shardkit hash', () => {
  it('prints one decimal value per key per line (Redis documented slots)', async () => {
    const r = await run('hash', 'redis-slot', 'somekey', 'foo{hash_tag}', 'foo{{bar}}zap');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`11058\n2515\n${hashToString('redis-slot', '{bar')}\n`);
  });

  it('prints Kafka murmur2 as the signed Java int (UtilsTest vectors)', async () => {
    const r = await run('hash', 'kafka-murmur2', '21', 'foobar');
    expect(r.stdout).toBe('-973932308\n-790332482\n');
  });

  it('prints 64-bit values exactly and 128-bit digests as hex', async () => {
    expect((await run('hash', 'cassandra-token', '123')).stdout).toBe('-7468325962851647638\n');
    expect((await run('hash', 'fnv1a-64', 'a')).stdout).toBe(`${0xaf63dc4c8601ec8cn}\n`);
    expect((await run('hash', 'md5', 'abc')).stdout).toBe('900150983cd24fb0d6963f7d28e17f72\n');
  });

  it('--json prints [{key, algorithm, value}], numbers for 32-bit values and strings for wider ones', async () => {
    const r = await run('hash', 'crc32', '--json', '123456789', 'héllo');
    expect(JSON.parse(r.stdout)).toEqual([
      { key: '123456789', algorithm: 'crc32', value: 0xcbf43926 },
      { key: 'héllo', algorithm: 'crc32', value: Number(hashToString('crc32', 'héllo')) },
    ]);
    const wide = await run('hash', 'xxh64', '--json', '');
    expect(JSON.parse(wide.stdout)).toEqual([{ key: '', algorithm: 'xxh64', value: String(0xef46db3751d8e999n) }]);
  });

  it('accepts every registered algorithm and agrees with the library', async () => {
    for (const name of HASH_ALGORITHMS) {
      const r = await run('hash', name, 'user:1', '日本');
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toBe(`${hashToString(name, 'user:1')}\n${hashToString(name, '日本')}\n`);
    }
  });

  it('an unknown algorithm exits 2 with a one-line reason listing the known names', async () => {
    const r = await run('hash', 'sha256', 'k');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^shardkit: unknown hash algorithm "sha256"; known: murmur3-x86-32, .*md5\n$/);
  });

  it('works end to end through bin/shardkit.js', () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const ok = spawnSync(process.execPath, [join(root, 'bin', 'shardkit.js'), 'hash', 'redis-slot', 'somekey'], { encoding: 'utf8', cwd: root });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('11058\n');
    const bad = spawnSync(process.execPath, [join(root, 'bin', 'shardkit.js'), 'hash', 'nope', 'k'], { encoding: 'utf8', cwd: root });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown hash algorithm "nope"/);
  });
});
