/**
 * The RESP codec: request parsing as Redis's networking.c does it (multibulk,
 * inline, error texts, limits), the reply encoder in both protocols, the reply
 * parser, and seeded fuzzing: random bytes and valid frames split at every
 * boundary never make the parser throw anything but a ProtocolError, and it
 * never holds more than its limits allow.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RequestParser, splitArgs, parseStrictInt, type RequestLimits } from './request-parser.js';
import { ReplyWriter } from './reply-writer.js';
import { ReplyParser, RespErrorReply, decodeReply, replyEnd } from './reply-parser.js';
import { ProtocolError } from './protocol-error.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const strs = (args: Buffer[] | undefined) => args?.map((a) => a.toString('latin1'));

function parseAll(bytes: Buffer, limits?: RequestLimits): string[][] {
  const p = new RequestParser(limits);
  p.push(bytes);
  const out: string[][] = [];
  for (let r = p.next(); r !== undefined; r = p.next()) out.push(strs(r) as string[]);
  return out;
}

function errorOf(bytes: Buffer, limits?: RequestLimits): string {
  try {
    parseAll(bytes, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as Error).message;
  }
  return 'no error';
}

function encodeCommand(args: readonly Buffer[]): Buffer {
  return Buffer.concat([b(`*${args.length}\r\n`), ...args.flatMap((a) => [b(`$${a.length}\r\n`), a, b('\r\n')])]);
}

describe('request parser (Redis networking.c semantics)', () => {
  it('parses multibulk and inline requests, pipelined, and skips empty ones', () => {
    expect(parseAll(b('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*0\r\n\r\n*-1\r\nset a "b c"\n'))).toEqual([['GET', 'k'], ['PING'], ['set', 'a', 'b c']]);
  });

  it('gives Redis error texts for malformed frames', () => {
    expect(errorOf(b('*abc\r\n'))).toBe('Protocol error: invalid multibulk length');
    expect(errorOf(b('*1\r\n$-1\r\n'))).toBe('Protocol error: invalid bulk length');
    expect(errorOf(b(`*1\r\n$${2 ** 40}\r\n`))).toBe('Protocol error: invalid bulk length');
    expect(errorOf(b('*1\r\n*1\r\n'))).toBe("Protocol error: expected '$', got '*'");
    expect(errorOf(b('set a "b\r\n'))).toBe('Protocol error: unbalanced quotes in request');
    expect(errorOf(b('x'.repeat(1 << 20)))).toBe('Protocol error: too big inline request');
    expect(errorOf(b('*' + '1'.repeat(70_000)))).toBe('Protocol error: too big mbulk count string');
    expect(errorOf(b('*1\r\n$' + '1'.repeat(70_000)))).toBe('Protocol error: too big bulk count string');
  });

  it('enforces the request-size limit before buffering the request', () => {
    const limits = { maxBulkBytes: 100, maxArgs: 10, maxInlineBytes: 64, maxRequestBytes: 150 };
    expect(errorOf(b('*2\r\n$100\r\n' + 'x'.repeat(100) + '\r\n$60\r\n'), limits)).toBe('Protocol error: too big request');
    expect(errorOf(b('*11\r\n'), limits)).toBe('Protocol error: invalid multibulk length');
  });

  it('parseStrictInt accepts exactly what Redis string2ll accepts', () => {
    const p = (s: string) => parseStrictInt(b(s), 0, s.length);
    expect([p('0'), p('12'), p('-3')]).toEqual([0, 12, -3]);
    for (const bad of ['', '-', '+1', '01', '-0', ' 1', '1 ', '1a', '99999999999999999999']) expect(p(bad)).toBeUndefined();
  });

  it('splitArgs handles quotes and escapes like sdssplitargs', () => {
    expect(strs(splitArgs(b('a "b\\x41\\n" \'c\\\'d\'')))).toEqual(['a', 'bA\n', "c'd"]);
    expect(splitArgs(b('"a"b'))).toBeUndefined();
    expect(splitArgs(b("'a"))).toBeUndefined();
  });

  it('fuzz: valid frames split at every boundary parse to the same commands', () => {
    const arg = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));
    const cmds = fc.array(fc.array(arg, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(cmds, fc.array(fc.nat(), { maxLength: 8 }), (commands, cuts) => {
        const bytes = Buffer.concat(commands.map(encodeCommand));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const p = new RequestParser();
        const got: Buffer[][] = [];
        let last = 0;
        for (const cut of [...points, bytes.length]) {
          p.push(bytes.subarray(last, cut));
          last = cut;
          for (let r = p.next(); r !== undefined; r = p.next()) got.push(r);
        }
        expect(got).toEqual(commands);
        expect(p.bufferedBytes).toBe(0);
      }),
      { seed: 1401, numRuns: 300 },
    );
  });

  it('fuzz: every split of one frame, byte by byte', () => {
    const frame = encodeCommand([b('SET'), b('key'), b('a\r\nb')]);
    for (let cut = 0; cut <= frame.length; cut++) {
      const p = new RequestParser();
      p.push(frame.subarray(0, cut));
      const first = p.next();
      p.push(frame.subarray(cut));
      const r = first ?? p.next();
      expect(strs(r)).toEqual(['SET', 'key', 'a\r\nb']);
    }
  });

  it('fuzz: random bytes throw only ProtocolError and never hold more than the limits', () => {
    const limits = { maxBulkBytes: 256, maxArgs: 16, maxInlineBytes: 64, maxRequestBytes: 512 };
    const junk = fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...['*', '$', '\r\n', '*3\r\n', '$5\r\n', '"', "'", '-1', '99999999999'].map((s) => new Uint8Array(b(s))))), { maxLength: 40 });
    fc.assert(
      fc.property(junk, (parts) => {
        const p = new RequestParser(limits);
        try {
          for (const part of parts) {
            p.push(Buffer.from(part));
            while (p.next() !== undefined);
            // Bounded: a partial request plus one header line and the last chunk.
            expect(p.bufferedBytes).toBeLessThanOrEqual(limits.maxRequestBytes + limits.maxInlineBytes + 64 + 32);
          }
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { seed: 1402, numRuns: 2000 },
    );
  });
});

describe('reply encoder and parser', () => {
  it('encodes RESP2 and RESP3 forms, and the parser reads them back', () => {
    for (const protocol of [2, 3] as const) {
      const w = new ReplyWriter(protocol);
      w.simple('OK');
      w.error('ERR bad\r\nthing');
      w.integer(42);
      w.bulk('v');
      w.null();
      w.map(1);
      w.bulk('k');
      w.double(1.5);
      w.set(2);
      w.integer(1);
      w.integer(2);
      w.verbatim('text');
      const p = new ReplyParser();
      p.push(w.take());
      const values: unknown[] = [];
      for (let r = p.next(); r !== undefined; r = p.next()) values.push(r.value);
      expect(values[0]).toBe('OK');
      expect((values[1] as RespErrorReply).message).toBe('ERR bad  thing');
      expect(values.slice(2, 5)).toEqual([42, b('v'), null]);
      if (protocol === 3) expect(values[5]).toEqual({ type: 'map', entries: [[b('k'), 1.5]] });
      else expect(values[5]).toEqual([b('k'), b('1.5')]);
      expect(values[6]).toEqual([1, 2]);
      expect(values[7]).toEqual(b('text'));
    }
  });

  it('a taken chunk of replies keeps its bytes while the writer goes on, past its buffer and after a large reply', () => {
    const w = new ReplyWriter(2);
    w.simple('OK');
    w.bulk('first');
    const a = w.take();
    const taken: Array<[Buffer, string]> = [[a, '+OK\r\n$5\r\nfirst\r\n']];
    for (let i = 0; i < 3000; i++) {
      w.integer(i);
      if (i % 7 === 0) {
        const before = w.pendingBytes;
        const chunk = w.take();
        expect(chunk.length).toBe(before);
        taken.push([chunk, chunk.toString('latin1')]);
      }
    }
    const rest = w.take();
    taken.push([rest, rest.toString('latin1')]);
    w.bulk('x'.repeat(200_000));
    const big = w.take();
    w.simple('after');
    expect(w.take().toString()).toBe('+after\r\n');
    expect(big.toString()).toBe(`$200000\r\n${"x".repeat(200_000)}\r\n`);
    for (const [chunk, text] of taken) expect(chunk.toString('latin1')).toBe(text);
    expect(w.pendingBytes).toBe(0);
  });

  it('replyEnd finds the end of nested replies and reports incomplete ones', () => {
    const r = b('*2\r\n*1\r\n$1\r\na\r\n:1\r\n+next\r\n');
    expect(replyEnd(r, 0)).toBe(r.indexOf('+next'));
    for (let cut = 0; cut < r.indexOf('+next'); cut++) expect(replyEnd(r.subarray(0, cut), 0)).toBe(-1);
    expect(decodeReply(b('*-1\r\n'))).toBeNull();
  });

  it('fuzz: the reply parser throws only ProtocolError on junk, and deep nesting is refused', () => {
    expect(() => replyEnd(b('*1\r\n'.repeat(100) + ':1\r\n'), 0)).toThrow(ProtocolError);
    expect(() => decodeReply(b(':abc\r\n'))).toThrow(ProtocolError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const p = new ReplyParser();
          p.push(Buffer.from(bytes));
          while (p.next() !== undefined);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
        }
      }),
      { seed: 1403, numRuns: 2000 },
    );
  });
});
