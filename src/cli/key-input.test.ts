import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { hashToString } from '../hash/registry.js';
import { ConsistentHashRing } from '../partitioning/ring.js';
import { splitLines } from './key-input.js';
import { runCli } from './run-in-process.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shardkit-key-input-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('hash and locate: keys as bytes', () => {
  it('--hex and --base64 hash the bytes themselves: MD5 of 0xFF, not of U+FFFD', async () => {
    const hex = await runCli('hash', 'md5', '--hex', 'ff', '00ff');
    expect(hex.code).toBe(0);
    expect(hex.stdout).toBe(`${md5(Buffer.from([0xff]))}\n${md5(Buffer.from([0, 0xff]))}\n`);
    expect((await runCli('hash', 'md5', '--base64', '/w==')).stdout).toBe(`${md5(Buffer.from([0xff]))}\n`);
    expect(md5(Buffer.from([0xff]))).not.toBe(md5(Buffer.from('\uFFFD', 'utf8')));
  });

  it('--json shows the bytes in hex, and the text only when they are valid UTF-8', async () => {
    const r = await runCli('hash', 'crc32', '--json', '--hex', 'ff', '616263');
    expect(JSON.parse(r.stdout)).toEqual([
      { key: null, hex: 'ff', algorithm: 'crc32', value: Number(hashToString('crc32', Buffer.from([0xff]))) },
      { key: 'abc', hex: '616263', algorithm: 'crc32', value: Number(hashToString('crc32', 'abc')) },
    ]);
  });

  it('bad hex or base64, both flags, or no key at all exit 2 with one line', async () => {
    for (const args of [['--hex', 'f'], ['--hex', 'zz'], ['--base64', '@@'], ['--hex', '--base64', 'ff'], []]) {
      const r = await runCli('hash', 'md5', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('--file hashes each line as raw bytes: invalid UTF-8 kept, one CR before LF dropped, empty lines are keys, no key after the final LF', async () => {
    const file = join(dir, 'keys.bin');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('\nabc\r\n\nlast\n')]));
    const r = await runCli('hash', 'md5', '--file', file, '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ key: string | null; hex: string; value: string }>;
    expect(rows.map((x) => x.hex)).toEqual(['fffe', '616263', '', '6c617374']);
    expect(rows.map((x) => x.key)).toEqual([null, 'abc', '', 'last']);
    expect(rows[0]?.value).toBe(md5(Buffer.from([0xff, 0xfe])));
  });

  it('--file with --hex reads one hex key per line; argv keys come first', async () => {
    const file = join(dir, 'keys.hex');
    writeFileSync(file, 'ff\n6162\n');
    const r = await runCli('hash', 'md5', '--hex', '--file', file, '00');
    expect(r.stdout).toBe([md5(Buffer.from([0])), md5(Buffer.from([0xff])), md5(Buffer.from('ab'))].map((h) => `${h}\n`).join(''));
    writeFileSync(file, 'ff\nxyz\n');
    const bad = await runCli('hash', 'md5', '--hex', '--file', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hex key on line 2 of/);
  });

  it('a missing --file exits 2 naming it', async () => {
    const r = await runCli('locate', '--strategy', 'ring', '--file', join(dir, 'nope.txt'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--file.*nope\.txt.*no such file/);
  });

  it('an argv key with U+FFFD is hashed but warned about on stderr, suggesting --hex', async () => {
    const r = await runCli('hash', 'md5', 'ok', 'a\uFFFD');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(3);
    expect(r.stderr).toMatch(/^shardkit: warning: key 2 .*U\+FFFD.*--hex/);
    expect((await runCli('hash', 'md5', 'ok')).stderr).toBe('');
    const loc = await runCli('locate', '--strategy', 'ring', '\uFFFD');
    expect(loc.code).toBe(0);
    expect(loc.stderr).toMatch(/warning: key 1 .*U\+FFFD/);
  });

  it('locate puts bytes where it puts the same string, and shows non-UTF-8 keys in hex', async () => {
    const ring = new ConsistentHashRing(['a', 'b', 'c', 'd', 'e']);
    const r = await runCli('locate', '--strategy', 'ring', '--hex', Buffer.from('user:1').toString('hex'), 'ff');
    expect(r.stdout).toBe(`user:1 → ${ring.locate('user:1')}\n0xff → ${ring.locate(Buffer.from([0xff]))}\n`);
  });

  it('splitLines: joining the lines with LF gives the input back when no line ends in CR (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const data = Buffer.from(bytes.filter((b) => b !== 0x0d));
        const lines = splitLines(data);
        const joined = Buffer.concat(lines.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from([0x0a]), l])));
        const expected = data.length > 0 && data[data.length - 1] === 0x0a ? data.subarray(0, data.length - 1) : data;
        expect(joined.equals(expected)).toBe(true);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('--file - reads keys from stdin (the real binary)', () => {
    const root = resolve(import.meta.dirname, '../..');
    const r = spawnSync(process.execPath, [join(root, 'bin/shardkit.js'), 'hash', 'redis-slot', '--file', '-'], { input: 'somekey\nfoo{hash_tag}\n', encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('11058\n2515\n');
    expect(r.status).toBe(0);
  });

  it('invalid UTF-8 in a real argv arrives as U+FFFD, and the warning says so (the real binary, through sh)', () => {
    const bin = join(resolve(import.meta.dirname, '../..'), 'bin/shardkit.js');
    const r = spawnSync('sh', ['-c', `"$0" "$1" hash md5 "$(printf '\\377')"`, process.execPath, bin], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${md5(Buffer.from('\uFFFD', 'utf8'))}\n`);
    expect(r.stderr).toMatch(/^shardkit: warning: key 1 .*U\+FFFD.*--hex/);
  });
});
