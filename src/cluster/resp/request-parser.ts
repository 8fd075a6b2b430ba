/**
 * The incremental RESP request parser (no I/O): socket chunks in, commands
 * (arrays of byte strings) out. Speaks the multibulk form (`*N\r\n$len\r\n...`)
 * and the inline form (`PING\r\n`, quoted arguments), as Redis's
 * networking.c does, with the same error texts and explicit limits.
 *
 * Arguments are views into the received bytes (no copy once a request is in
 * one chunk). Each byte is parsed once: a partial request keeps its state,
 * and the unparsed tail is joined with new chunks only when enough bytes have
 * arrived for the next element (`need`), so a large bulk arriving in many
 * chunks is copied once, not once per chunk. Memory held is bounded by
 * `maxRequestBytes` plus one header line (`maxInlineBytes`).
 */
import { ProtocolError } from './protocol-error.js';

/** Limits of one request; every one is enforced with Redis's error text. */
export interface RequestLimits {
  /** Largest bulk argument (Redis proto-max-bulk-len is 512 MiB; ours defaults to 64 MiB). */
  readonly maxBulkBytes: number;
  /** Most arguments in one multibulk request (Redis: 2^31−1; ours 1 Mi). */
  readonly maxArgs: number;
  /** Longest inline command, and longest header line (Redis PROTO_INLINE_MAX_SIZE, 64 KiB). */
  readonly maxInlineBytes: number;
  /** Sum of argument bytes of one request (Redis bounds this by client-query-buffer-limit, 1 GiB; ours 128 MiB). */
  readonly maxRequestBytes: number;
}

/** The node's default limits (README, "The node"). */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  maxBulkBytes: 64 * 1024 * 1024,
  maxArgs: 1024 * 1024,
  maxInlineBytes: 64 * 1024,
  maxRequestBytes: 128 * 1024 * 1024,
});

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

/**
 * Redis's string2ll: an optional '-', then digits without leading zeros (or
 * "0"), at most 20 characters, within the int64 range. Returns undefined when
 * the bytes are not such a number (we only need values up to 2^53 here, so
 * larger well-formed numbers come back as Infinity). O(length).
 */
export function parseStrictInt(buf: Uint8Array, start: number, end: number): number | undefined {
  const len = end - start;
  if (len <= 0 || len > 20) return undefined;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return undefined;
  }
  const first = buf[i] as number;
  if (first === 0x30) return i + 1 === end && !neg ? 0 : undefined;
  if (first < 0x31 || first > 0x39) return undefined;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
  }
  if (v > 9223372036854775000) return undefined; // int64 max, to the precision of a double
  return neg ? -v : v;
}

/** Parses requests from a byte stream. One instance per connection. */
export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private readonly extra: Buffer[] = [];
  private extraBytes = 0;
  /** Bytes needed from `pos` before parsing can progress. */
  private need = 1;
  /** Arguments still expected in the current multibulk; -1 between requests. */
  private argc = -1;
  /** Length of the bulk being read; -1 when its header is next. */
  private bulkLen = -1;
  private args: Buffer[] = [];
  private requestBytes = 0;

  constructor(readonly limits: RequestLimits = DEFAULT_REQUEST_LIMITS) {}

  /** Bytes received and not yet returned as part of a request. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.extraBytes;
  }

  /** Add received bytes. O(1). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.pos === this.buf.length && this.extraBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.extra.push(chunk);
      this.extraBytes += chunk.length;
    }
  }

  /**
   * The next complete request (its arguments, at least one), or undefined when
   * more bytes are needed. Throws ProtocolError on a violation; the parser is
   * then unusable (the connection is to be closed after the error reply).
   * Empty requests (`*0`, `*-1`, blank inline lines) are skipped, as Redis does.
   */
  next(): Buffer[] | undefined {
    for (;;) {
      if (this.bufferedBytes < this.need) return undefined;
      if (this.extraBytes > 0) this.join();
      const args = this.argc === -1 ? this.startRequest() : this.readBulks();
      if (args === undefined) return undefined;
      if (args.length > 0) return args;
    }
  }

  private join(): void {
    const parts = [this.buf.subarray(this.pos), ...this.extra];
    this.buf = Buffer.concat(parts, this.bufferedBytes);
    this.pos = 0;
    this.extra.length = 0;
    this.extraBytes = 0;
  }

  private avail(): number {
    return this.buf.length - this.pos;
  }

  /** Index of the CR ending the line at `pos`, or -1 (then `need` is set, or a too-long line throws `tooLong`). */
  private lineEnd(tooLong: string): number {
    const cr = this.buf.indexOf(CR, this.pos);
    if (cr < 0 || cr + 1 >= this.buf.length) {
      if (this.avail() > this.limits.maxInlineBytes) throw new ProtocolError(`Protocol error: ${tooLong}`);
      this.need = this.avail() + 1;
      return -1;
    }
    if (cr - this.pos > this.limits.maxInlineBytes) throw new ProtocolError(`Protocol error: ${tooLong}`);
    return cr;
  }

  private startRequest(): Buffer[] | undefined {
    if (this.buf[this.pos] !== 0x2a) return this.readInline();
    const cr = this.lineEnd('too big mbulk count string');
    if (cr < 0) return undefined;
    const n = parseStrictInt(this.buf, this.pos + 1, cr);
    if (n === undefined || n > this.limits.maxArgs) throw new ProtocolError('Protocol error: invalid multibulk length');
    this.pos = cr + 2;
    this.need = 1;
    if (n <= 0) return EMPTY_ARGS;
    this.argc = n;
    this.args = [];
    this.requestBytes = 0;
    return this.readBulks();
  }

  private readBulks(): Buffer[] | undefined {
    while (this.argc > 0) {
      if (this.bulkLen < 0) {
        if (this.avail() < 1) return this.wait(1);
        const c = this.buf[this.pos] as number;
        if (c !== 0x24) throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(c)}'`);
        const cr = this.lineEnd('too big bulk count string');
        if (cr < 0) return undefined;
        const n = parseStrictInt(this.buf, this.pos + 1, cr);
        if (n === undefined || n < 0 || n > this.limits.maxBulkBytes) throw new ProtocolError('Protocol error: invalid bulk length');
        if (this.requestBytes + n > this.limits.maxRequestBytes) throw new ProtocolError('Protocol error: too big request');
        this.bulkLen = n;
        this.pos = cr + 2;
      }
      // Redis skips the two bytes after the bulk without checking they are CRLF.
      if (this.avail() < this.bulkLen + 2) return this.wait(this.bulkLen + 2);
      this.args.push(this.buf.subarray(this.pos, this.pos + this.bulkLen));
      this.requestBytes += this.bulkLen;
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.argc--;
    }
    this.argc = -1;
    this.need = 1;
    const args = this.args;
    this.args = [];
    return args;
  }

  private wait(bytes: number): undefined {
    this.need = bytes;
    return undefined;
  }

  private readInline(): Buffer[] | undefined {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf < 0) {
      if (this.avail() > this.limits.maxInlineBytes) throw new ProtocolError('Protocol error: too big inline request');
      this.need = this.avail() + 1;
      return undefined;
    }
    if (lf - this.pos > this.limits.maxInlineBytes) throw new ProtocolError('Protocol error: too big inline request');
    const end = lf > this.pos && this.buf[lf - 1] === CR ? lf - 1 : lf;
    const line = this.buf.subarray(this.pos, end);
    this.pos = lf + 1;
    this.need = 1;
    const args = splitArgs(line);
    if (args === undefined) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }
}

const EMPTY_ARGS: Buffer[] = [];

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const ESCAPES = new Map<number, number>([
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
  [0x62, 0x08], // \b
  [0x61, 0x07], // \a
]);

/**
 * Redis's sdssplitargs: whitespace-separated words, "double quotes" with
 * \xHH and \n \r \t \b \a escapes, 'single quotes' with \' only. A closing
 * quote must be followed by a space or the end. Undefined on unbalanced
 * quotes. O(length).
 */
export function splitArgs(line: Uint8Array): Buffer[] | undefined {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i] as number)) i++;
    if (i >= n) return out;
    const word: number[] = [];
    let inDq = false;
    let inSq = false;
    for (;;) {
      if (i >= n) {
        if (inDq || inSq) return undefined;
        break;
      }
      const c = line[i] as number;
      if (inDq) {
        if (c === 0x5c && i + 3 < n && line[i + 1] === 0x78 && hexDigit(line[i + 2] as number) >= 0 && hexDigit(line[i + 3] as number) >= 0) {
          word.push(hexDigit(line[i + 2] as number) * 16 + hexDigit(line[i + 3] as number));
          i += 4;
          continue;
        }
        if (c === 0x5c && i + 1 < n) {
          const e = line[i + 1] as number;
          word.push(ESCAPES.get(e) ?? e);
          i += 2;
          continue;
        }
        if (c === 0x22) {
          if (i + 1 < n && !isSpace(line[i + 1] as number)) return undefined;
          i++;
          break;
        }
        word.push(c);
      } else if (inSq) {
        if (c === 0x5c && i + 1 < n && line[i + 1] === 0x27) {
          word.push(0x27);
          i += 2;
          continue;
        }
        if (c === 0x27) {
          if (i + 1 < n && !isSpace(line[i + 1] as number)) return undefined;
          i++;
          break;
        }
        word.push(c);
      } else {
        if (isSpace(c)) break;
        if (c === 0x22) inDq = true;
        else if (c === 0x27) inSq = true;
        else word.push(c);
      }
      i++;
    }
    out.push(Buffer.from(word));
  }
}
