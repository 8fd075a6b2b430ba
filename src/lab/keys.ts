/**
 * Load a sample of the user's keys for `shardkit lab --keys <file>`.
 *
 * The file is streamed (readline over a read stream), so a multi-gigabyte file
 * costs memory proportional to the sample, not to the file: one key per line,
 * or one column of a CSV file (`column`: a header name or a 1-based index).
 * Every key is offered to a reservoir (Vitter's algorithm R) driven by the
 * seeded `Random`, so the same file and seed give the same sample. Blank lines
 * are skipped; a trailing `\r` (CRLF files) is dropped.
 *
 * A key longer than `maxKeyBytes` UTF-8 bytes (default 256) is cut to its
 * first `maxKeyBytes` bytes, at a character boundary, and counted in
 * `truncated`, so huge keys cannot make the run take hours (key-limits.ts).
 *
 * Bad input fails fast with one clear line (a `KeysFileError`): a missing or
 * unreadable file, an empty file, binary data (a NUL byte, invalid UTF-8 as
 * a fatal decoder finds it — U+FFFD written in valid UTF-8 is a character
 * like any other —, a "line" longer than `maxLineBytes`), an unknown column,
 * or fewer distinct keys than `minKeys`. Cost: O(file bytes) time,
 * O(sampleSize × maxKeyBytes) memory.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { Transform, type TransformCallback } from 'node:stream';
import { ShardkitError, requireInt } from '../errors.js';
import type { Random } from '../util/random.js';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_SAMPLE_SIZE, MIN_KEYS } from './key-limits.js';

export { DEFAULT_MAX_KEY_BYTES, DEFAULT_SAMPLE_SIZE, MAX_SAMPLE_SIZE, MIN_KEYS } from './key-limits.js';

/** A keys file the lab cannot use: the message says which file and why, in one line. */
export class KeysFileError extends ShardkitError {
  constructor(message: string) {
    super('INVALID_KEYS_FILE', message);
  }
}

export interface LoadKeysOptions {
  /** Seeded source for the reservoir. */
  random: Random;
  /** Keys kept (default 100,000). */
  sampleSize?: number;
  /** CSV mode: a header name, or a 1-based column index (then the first line is data unless `header` is true). */
  column?: string;
  /** CSV mode: whether the first line is a header (default: true when `column` is a name, false for an index). */
  header?: boolean;
  /** Fewest distinct keys the sample must hold (default 1,000: fewer make percent-level shares noise). */
  minKeys?: number;
  /** Longest line accepted, in bytes (default 1 MiB): longer means this is not a keys file. */
  maxLineBytes?: number;
  /** Longest key kept, in UTF-8 bytes (default 256): a longer key is cut to this many bytes, at a character boundary. */
  maxKeyBytes?: number;
}

export interface KeySample {
  readonly keys: string[];
  /** Keys read from the file (non-blank lines, minus a CSV header). */
  readonly linesRead: number;
  /** Distinct keys in the sample. */
  readonly distinct: number;
  /** Keys read that were longer than `maxKeyBytes` and were cut (0 when none). */
  readonly truncated: number;
}

/**
 * `key` cut to at most `maxBytes` UTF-8 bytes without splitting a character,
 * or `key` itself when it fits. O(key length) when it may not fit, O(1) for
 * keys of at most maxBytes / 3 UTF-16 units.
 */
export function truncateUtf8(key: string, maxBytes: number): string {
  if (key.length * 3 <= maxBytes) return key;
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length <= maxBytes) return key;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Stream `path` and return a seeded reservoir sample of its keys.
 * Rule of use: validate the result size yourself only if you need more than `minKeys`.
 */
export async function loadKeys(path: string, options: LoadKeysOptions): Promise<KeySample> {
  const sampleSize = requireInt('sample size', options.sampleSize ?? DEFAULT_SAMPLE_SIZE, 1, 50_000_000);
  const minKeys = requireInt('minimum keys', options.minKeys ?? MIN_KEYS, 1);
  const maxLineBytes = requireInt('maximum line bytes', options.maxLineBytes ?? 1 << 20, 16);
  const maxKeyBytes = requireInt('maximum key bytes', options.maxKeyBytes ?? DEFAULT_MAX_KEY_BYTES, 4);
  if (sampleSize < minKeys) throw new KeysFileError(`--sample-size ${sampleSize} is too small: the lab needs at least ${minKeys} keys`);
  await checkReadableFile(path);

  const column = options.column === undefined ? undefined : parseColumn(options.column);
  let header = options.header ?? (column !== undefined && column.name !== undefined);
  let columnIndex = column?.index;

  const reservoir: string[] = [];
  let seen = 0;
  let truncated = 0;
  let lineNo = 0;
  const onLine = (raw: string): void => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    let key = line;
    if (column !== undefined) {
      const fields = splitCsvLine(line);
      if (header) {
        header = false;
        if (column.name !== undefined) {
          const i = fields.indexOf(column.name);
          if (i < 0) throw new KeysFileError(`${path}: no column named ${JSON.stringify(column.name)} in the header (columns: ${fields.slice(0, 10).join(', ')})`);
          columnIndex = i;
        }
        return;
      }
      const field = fields[columnIndex as number];
      if (field === undefined) throw new KeysFileError(`${path}: line ${lineNo} has ${fields.length} columns; column ${(columnIndex as number) + 1} was asked for`);
      if (field.length === 0) return;
      key = field;
    }
    const cut = truncateUtf8(key, maxKeyBytes);
    if (cut !== key) {
      truncated++;
      key = cut;
    }
    if (reservoir.length < sampleSize) reservoir.push(detach(key));
    else {
      const j = Math.floor(options.random() * (seen + 1));
      if (j < sampleSize) reservoir[j] = detach(key);
    }
    seen++;
  };

  // Lines are handled synchronously as readline emits them (no async iterator), so nothing queues:
  // memory stays at the reservoir plus one stream chunk, however large the file.
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(path);
    const guard = new BinaryGuard(path, maxLineBytes);
    const lines = createInterface({ input: input.pipe(guard), crlfDelay: Infinity });
    let done = false;
    const fail = (e: unknown): void => {
      if (done) return;
      done = true;
      lines.close();
      input.destroy();
      guard.destroy();
      reject(e instanceof ShardkitError ? e : new KeysFileError(`${path}: cannot read: ${(e as Error).message}`));
    };
    input.on('error', fail);
    guard.on('error', fail);
    lines.on('error', fail);
    lines.on('line', (raw: string) => {
      if (done) return;
      try {
        onLine(raw);
      } catch (e) {
        fail(e);
      }
    });
    lines.on('close', () => {
      if (done) return;
      done = true;
      resolve();
    });
  });
  if (seen === 0) throw new KeysFileError(`${path}: no keys (the file is empty or has only blank lines)`);
  const distinct = new Set(reservoir).size;
  if (distinct < minKeys) {
    throw new KeysFileError(`${path}: only ${distinct} distinct keys; the lab needs at least ${minKeys}`);
  }
  return { keys: reservoir, linesRead: seen, distinct, truncated };
}

/**
 * A copy of `s` that does not share memory with the chunk it was cut from: a
 * line from readline is a slice of a 64 KiB chunk string, and keeping the
 * slice keeps the whole chunk alive (100,000 kept keys would pin the file).
 * O(length); only kept keys pay it.
 */
function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

async function checkReadableFile(path: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KeysFileError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot open (${code ?? (e as Error).message})`);
  }
  if (!stat.isFile()) throw new KeysFileError(`${path}: not a regular file`);
  try {
    await fs.access(path, fs.constants.R_OK);
  } catch {
    throw new KeysFileError(`${path}: not readable (permission denied)`);
  }
}

function parseColumn(spec: string): { name?: string; index?: number } {
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    if (n < 1) throw new KeysFileError(`--column ${spec}: column numbers start at 1`);
    return { index: n - 1 };
  }
  if (spec.length === 0) throw new KeysFileError('--column: give a header name or a 1-based column number');
  return { name: spec };
}

/**
 * Split one CSV line (RFC 4180 quoting: `"a,b"` and `""` inside quotes).
 * Quoted fields spanning lines are not supported: keys do not contain newlines.
 */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field.length === 0) quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * Passes bytes through; fails on a NUL byte, a line longer than the limit
 * (binary data) or invalid UTF-8, before readline buffers it. UTF-8 is
 * checked by a fatal streaming decoder, flushed at every LF (no character
 * spans a line end), so the error names the line.
 */
class BinaryGuard extends Transform {
  private sinceNewline = 0;
  private line = 1;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  constructor(
    private readonly path: string,
    private readonly maxLineBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const nul = chunk.indexOf(0);
    const end = nul < 0 ? chunk.length : nul;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0 && nl < end; nl = chunk.indexOf(0x0a, start)) {
      if (this.sinceNewline + (nl - start) > this.maxLineBytes) break;
      if (!this.validUtf8(chunk.subarray(start, nl), true)) return done(this.invalidUtf8());
      this.sinceNewline = 0;
      this.line++;
      start = nl + 1;
    }
    this.sinceNewline += end - start;
    if (this.sinceNewline > this.maxLineBytes) {
      done(new KeysFileError(`${this.path}: line ${this.line} is longer than ${this.maxLineBytes} bytes (is this a binary file?)`));
      return;
    }
    if (nul >= 0) {
      done(new KeysFileError(`${this.path}: line ${this.line} contains a NUL byte (is this a binary file?)`));
      return;
    }
    if (!this.validUtf8(chunk.subarray(start, end), false)) return done(this.invalidUtf8());
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.validUtf8(new Uint8Array(0), true) ? null : this.invalidUtf8());
  }

  /** Feed `bytes` to the decoder; `lineEnd` flushes it (a sequence cut at a line end is invalid). */
  private validUtf8(bytes: Uint8Array, lineEnd: boolean): boolean {
    try {
      this.utf8.decode(bytes, { stream: !lineEnd });
      return true;
    } catch {
      return false;
    }
  }

  private invalidUtf8(): KeysFileError {
    return new KeysFileError(`${this.path}: line ${this.line} is not valid UTF-8 (is this a binary file?)`);
  }
}
