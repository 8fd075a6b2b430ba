import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { KeysFileError, loadKeys, splitCsvLine, truncateUtf8 } from './keys.js';
import { mulberry32 } from '../util/random.js';

let dir: string;
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const lines = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shardkit-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadKeys: reading keys', () => {
  it('accepts a valid UTF-8 file whose keys contain U+FFFD itself', async () => {
    const p = file('fffd.txt', `${lines(150, 'k\uFFFD')}\n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1) });
    expect(s.distinct).toBe(150);
    expect(s.keys[0]).toBe('k\uFFFD0');
  });

  it('accepts a multi-byte character split across two read chunks (64 KiB)', async () => {
    const head = 'a'.repeat(65_535);
    const p = file('straddle.txt', `${head}€\n${lines(150)}\n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1), maxKeyBytes: 1 << 17 });
    expect(s.keys).toContain(`${head}€`);
  });

  it('cuts keys longer than maxKeyBytes to a prefix at a character boundary and counts them', async () => {
    const long = Array.from({ length: 150 }, (_, i) => `${i}:${'é'.repeat(200)}`);
    const p = file('long-keys.txt', `${long.join('\n')}\n${lines(50)}\n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1), maxKeyBytes: 64 });
    expect(s.truncated).toBe(150);
    expect(s.linesRead).toBe(200);
    for (const k of s.keys) expect(Buffer.byteLength(k)).toBeLessThanOrEqual(64);
    expect(s.keys).toContain(long[0]?.slice(0, 2 + 31));
    expect(s.keys.some((k) => k.includes('\uFFFD'))).toBe(false);
  });

  it('by default keys are cut at 256 bytes', async () => {
    const p = file('default-cut.txt', `${Array.from({ length: 120 }, (_, i) => `${i}:${'x'.repeat(300)}`).join('\n')}\n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1) });
    expect(s.truncated).toBe(120);
    expect(Math.max(...s.keys.map((k) => Buffer.byteLength(k)))).toBe(256);
  });

  it('truncateUtf8 gives the longest prefix of whole characters that fits (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 4, max: 100 }), (key, max) => {
        const cut = truncateUtf8(key, max);
        expect(key.startsWith(cut)).toBe(true);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
        if (cut.length < key.length) {
          const next = String.fromCodePoint(key.codePointAt(cut.length) as number);
          expect(Buffer.byteLength(cut + next)).toBeGreaterThan(max);
        }
      }),
      { seed: 17, numRuns: 300 },
    );
  });

  it('reads one key per line, skipping blank lines and dropping CRLF carriage returns', async () => {
    const p = file('crlf.txt', `${lines(150).replace(/\n/g, '\r\n')}\r\n\r\n   \n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1) });
    expect(s.linesRead).toBe(150);
    expect(s.distinct).toBe(150);
    expect(new Set(s.keys)).toEqual(new Set(Array.from({ length: 150 }, (_, i) => `k${i}`)));
  });

  it('keeps a file smaller than the sample whole, in file order', async () => {
    const p = file('small.txt', lines(200));
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1), sampleSize: 1000 });
    expect(s.keys).toEqual(Array.from({ length: 200 }, (_, i) => `k${i}`));
  });

  it('samples a larger file down to sampleSize with a reservoir: every kept key is from the file, spread over all of it', async () => {
    const p = file('big.txt', lines(20_000));
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(3), sampleSize: 1000 });
    expect(s.keys).toHaveLength(1000);
    expect(s.linesRead).toBe(20_000);
    const idx = s.keys.map((k) => Number(k.slice(1)));
    expect(idx.every((i) => i >= 0 && i < 20_000)).toBe(true);
    expect(new Set(idx).size).toBe(1000);
    // A uniform sample of 0..19999 has mean ≈ 10,000 (sd of the mean ≈ 183).
    const mean = idx.reduce((a, b) => a + b, 0) / idx.length;
    expect(mean).toBeGreaterThan(9_000);
    expect(mean).toBeLessThan(11_000);
    expect(idx.filter((i) => i >= 15_000).length).toBeGreaterThan(150);
  });

  it('gives the same sample for the same seed and a different one for another seed', async () => {
    const p = file('seeded.txt', lines(5_000));
    const a = await loadKeys(p, { minKeys: 100, random: mulberry32(9), sampleSize: 500 });
    const b = await loadKeys(p, { minKeys: 100, random: mulberry32(9), sampleSize: 500 });
    const c = await loadKeys(p, { minKeys: 100, random: mulberry32(10), sampleSize: 500 });
    expect(a.keys).toEqual(b.keys);
    expect(c.keys).not.toEqual(a.keys);
  });

  it('reads a CSV column by header name, with quoted fields', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `${i},"user ""${i}"", ok",x`);
    const p = file('keys.csv', `id,email,other\n${rows.join('\n')}\n`);
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1), column: 'email' });
    expect(s.linesRead).toBe(120);
    expect(s.keys[0]).toBe('user "0", ok');
  });

  it('reads a CSV column by 1-based number, first line as data', async () => {
    const p = file('nohead.csv', Array.from({ length: 130 }, (_, i) => `a${i},b${i}`).join('\n'));
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1), column: '2' });
    expect(s.linesRead).toBe(130);
    expect(s.keys[0]).toBe('b0');
  });

  it('keeps UTF-8 keys intact', async () => {
    const p = file('utf8.txt', Array.from({ length: 120 }, (_, i) => `ключ-${i}-🔑`).join('\n'));
    const s = await loadKeys(p, { minKeys: 100, random: mulberry32(1) });
    expect(s.keys[0]).toBe('ключ-0-🔑');
  });

  it('splits CSV lines as RFC 4180 does on one line', () => {
    expect(splitCsvLine('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(splitCsvLine('"x ""y"""')).toEqual(['x "y"']);
    expect(splitCsvLine('')).toEqual(['']);
    expect(splitCsvLine('a,,')).toEqual(['a', '', '']);
  });
});

describe('loadKeys: bad input fails with one clear line', () => {
  const fails = async (p: string, pattern: RegExp, options: Partial<Parameters<typeof loadKeys>[1]> = {}) => {
    const err = await loadKeys(p, { minKeys: 100, random: mulberry32(1), ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeysFileError);
    const message = (err as Error).message;
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  };

  it('a missing file', () => fails(join(dir, 'nope.txt'), /nope\.txt: no such file/));
  it('a directory', () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    return fails(join(dir, 'adir'), /not a regular file/);
  });
  it('an empty file', () => fails(file('empty.txt', ''), /no keys \(the file is empty/));
  it('a file of blank lines', () => fails(file('blank.txt', '\n\n  \n\r\n'), /no keys/));
  it('binary garbage with NUL bytes', () => {
    const bytes = new Uint8Array(4096);
    const r = mulberry32(5);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
    bytes[10] = 0;
    return fails(file('garbage.bin', bytes), /NUL byte.*binary/);
  });
  it('invalid UTF-8 without NUL bytes', () => {
    const text = Buffer.from(`${lines(50)}\n`);
    const bad = Buffer.concat([text, Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x0a]), Buffer.from(lines(100))]);
    return fails(file('latin.txt', bad), /line 51 is not valid UTF-8/);
  });
  it('a multi-byte sequence cut by the line end is invalid UTF-8', () => fails(file('cut.txt', Buffer.concat([Buffer.from(`${lines(3)}\n`), Buffer.from([0xe2, 0x82, 0x0a]), Buffer.from(lines(200))])), /line 4 is not valid UTF-8/));
  it('a truncated sequence at the end of the file is invalid UTF-8', () => fails(file('tail.txt', Buffer.concat([Buffer.from(`${lines(200)}\n`), Buffer.from([0xe2, 0x82])])), /line 201 is not valid UTF-8/));
  it('a "line" longer than the limit', () => fails(file('long.txt', 'x'.repeat(5000)), /longer than 1024 bytes/, { maxLineBytes: 1024 }));
  it('too few distinct keys', () => fails(file('few.txt', `${lines(50)}\n${lines(50)}`), /only 50 distinct keys; the lab needs at least 100$/));
  it('fewer distinct keys than the default minimum of 1,000', () => fails(file('999.txt', lines(999)), /only 999 distinct keys; the lab needs at least 1000/, { minKeys: undefined }));
  it('a sample size below the minimum', () => fails(file('ok.txt', lines(500)), /--sample-size 10 is too small: the lab needs at least 100 keys/, { sampleSize: 10 }));
  it('an unknown CSV column name', () => fails(file('cols.csv', `a,b\n${lines(200)}`), /no column named "zzz"/, { column: 'zzz' }));
  it('a CSV column past the end of a line', () => fails(file('short.csv', lines(200)), /line 1 has 1 columns; column 3 was asked for/, { column: '3' }));
});
