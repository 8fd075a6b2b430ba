/**
 * The reply parser (no I/O): RESP2 and RESP3 replies as a node's peer, a
 * forwarding node or a test client receives them. `replyEnd` only finds where
 * one reply ends (a forwarding node relays the bytes unchanged); `ReplyParser`
 * decodes replies into values. Both bound nesting depth and lengths, and
 * throw ProtocolError on malformed input, never anything else.
 */
import { ProtocolError } from './protocol-error.js';
import { parseStrictInt } from './request-parser.js';

/** An error reply, as a value (not thrown). */
export class RespErrorReply {
  constructor(readonly message: string) {}
}

/** A RESP3 map, in wire order. */
export interface RespMap {
  readonly type: 'map';
  readonly entries: ReadonlyArray<readonly [RespValue, RespValue]>;
}

/** A RESP3 out-of-band push. */
export interface RespPush {
  readonly type: 'push';
  readonly items: readonly RespValue[];
}

/**
 * A decoded reply: status → string, error → RespErrorReply, integer → number
 * (bigint beyond 2^53), bulk/verbatim → Buffer, null → null, array/set →
 * array, map → RespMap, double → number, boolean → boolean, big number → bigint.
 */
export type RespValue = string | number | bigint | boolean | null | Buffer | RespErrorReply | RespValue[] | RespMap | RespPush;

/** Limits of reply parsing. */
export interface ReplyLimits {
  /** Deepest nesting of aggregates. */
  readonly maxDepth: number;
  /** Largest bulk string. */
  readonly maxBulkBytes: number;
  /** Most elements of one aggregate. */
  readonly maxElements: number;
}

/** Defaults: generous for any reply a node or Redis sends. */
export const DEFAULT_REPLY_LIMITS: ReplyLimits = Object.freeze({ maxDepth: 64, maxBulkBytes: 512 * 1024 * 1024, maxElements: 64 * 1024 * 1024 });

const INCOMPLETE = -1;

function lineEndAt(buf: Buffer, pos: number): number {
  const cr = buf.indexOf(13, pos);
  return cr < 0 || cr + 1 >= buf.length ? INCOMPLETE : cr;
}

function lengthOf(buf: Buffer, start: number, end: number, max: number, what: string): number {
  const n = parseStrictInt(buf, start, end);
  if (n === undefined || n < -1 || n > max) throw new ProtocolError(`Protocol error: invalid ${what} length`);
  return n;
}

/**
 * Where the reply starting at `pos` ends (the index after it), or -1 when the
 * bytes are incomplete. O(reply size); iterative, so depth costs no stack.
 */
export function replyEnd(buf: Buffer, pos: number, limits: ReplyLimits = DEFAULT_REPLY_LIMITS): number {
  const pending: number[] = [];
  let remaining = 1;
  for (;;) {
    while (remaining === 0) {
      if (pending.length === 0) return pos;
      remaining = pending.pop() as number;
    }
    if (pos >= buf.length) return INCOMPLETE;
    const t = buf[pos] as number;
    const cr = lineEndAt(buf, pos + 1);
    if (cr < 0) return INCOMPLETE;
    remaining--;
    const type = String.fromCharCode(t);
    if ('+-:,#_('.includes(type)) {
      pos = cr + 2;
    } else if ('$=!'.includes(type)) {
      const n = lengthOf(buf, pos + 1, cr, limits.maxBulkBytes, 'bulk');
      pos = cr + 2;
      if (n >= 0) {
        if (buf.length < pos + n + 2) return INCOMPLETE;
        pos += n + 2;
      }
    } else if ('*~%>'.includes(type)) {
      let n = lengthOf(buf, pos + 1, cr, limits.maxElements, 'multibulk');
      pos = cr + 2;
      if (n > 0) {
        if (type === '%') n *= 2;
        if (pending.length >= limits.maxDepth) throw new ProtocolError('Protocol error: reply nested too deep');
        pending.push(remaining);
        remaining = n;
      }
    } else {
      throw new ProtocolError(`Protocol error: unknown reply type '${type}'`);
    }
  }
}

/** Decodes replies from a byte stream; one per connection. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly limits: ReplyLimits = DEFAULT_REPLY_LIMITS) {}

  /** Add received bytes. */
  push(chunk: Buffer): void {
    this.buf = this.pos >= this.buf.length ? chunk : Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  /** The raw bytes of the next complete reply, or undefined. Throws ProtocolError. */
  nextRaw(): Buffer | undefined {
    const end = replyEnd(this.buf, this.pos, this.limits);
    if (end < 0) return undefined;
    const raw = this.buf.subarray(this.pos, end);
    this.pos = end;
    return raw;
  }

  /** The next complete reply decoded, or undefined (a reply of null is `{ value: null }`). */
  next(): { value: RespValue } | undefined {
    const raw = this.nextRaw();
    if (raw === undefined) return undefined;
    const r = decodeAt(raw, 0, 0, this.limits);
    return { value: r.value };
  }
}

/** Decode one complete reply (as `replyEnd` delimited it). */
export function decodeReply(raw: Buffer, limits: ReplyLimits = DEFAULT_REPLY_LIMITS): RespValue {
  if (replyEnd(raw, 0, limits) < 0) throw new ProtocolError('Protocol error: incomplete reply');
  return decodeAt(raw, 0, 0, limits).value;
}

function decodeAt(buf: Buffer, pos: number, depth: number, limits: ReplyLimits): { value: RespValue; end: number } {
  const type = String.fromCharCode(buf[pos] as number);
  const cr = buf.indexOf(13, pos + 1);
  const text = buf.toString('utf8', pos + 1, cr);
  const next = cr + 2;
  switch (type) {
    case '+':
      return { value: text, end: next };
    case '-':
      return { value: new RespErrorReply(text), end: next };
    case ':': {
      const n = toBigInt(text);
      return { value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, end: next };
    }
    case '(':
      return { value: toBigInt(text), end: next };
    case ',':
      return { value: text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text), end: next };
    case '#':
      return { value: text === 't', end: next };
    case '_':
      return { value: null, end: next };
    case '$':
    case '=':
    case '!': {
      const n = Number(text);
      if (n < 0) return { value: null, end: next };
      const body = Buffer.from(buf.subarray(next, next + n));
      if (type === '!') return { value: new RespErrorReply(body.toString('utf8')), end: next + n + 2 };
      return { value: type === '=' ? body.subarray(4) : body, end: next + n + 2 };
    }
    default:
      return decodeAggregate(buf, type, Number(text), next, depth, limits);
  }
}

function decodeAggregate(buf: Buffer, type: string, n: number, pos: number, depth: number, limits: ReplyLimits): { value: RespValue; end: number } {
  if (n < 0) return { value: null, end: pos };
  const count = type === '%' ? n * 2 : n;
  const items: RespValue[] = [];
  for (let i = 0; i < count; i++) {
    const r = decodeAt(buf, pos, depth + 1, limits);
    items.push(r.value);
    pos = r.end;
  }
  if (type === '%') {
    const entries: Array<readonly [RespValue, RespValue]> = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i] as RespValue, items[i + 1] as RespValue]);
    return { value: { type: 'map', entries }, end: pos };
  }
  if (type === '>') return { value: { type: 'push', items }, end: pos };
  return { value: items, end: pos };
}

function toBigInt(text: string): bigint {
  if (!/^-?[0-9]{1,40}$/.test(text)) throw new ProtocolError(`Protocol error: invalid integer reply ${JSON.stringify(text.slice(0, 40))}`);
  return BigInt(text);
}
