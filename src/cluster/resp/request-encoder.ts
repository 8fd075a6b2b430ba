/**
 * Encoding a command as a RESP multibulk request, in one allocation: the
 * length of every argument is known up front (UTF-8 byte length for
 * strings), so the header, the lengths and the bodies are written into one
 * buffer. Used by clients and by forwarding nodes. O(total bytes).
 */

/** An argument of a command: a string (sent as its UTF-8 bytes) or bytes. */
export type CommandArg = string | Uint8Array;

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument, as one Buffer. */
export function encodeCommand(args: readonly CommandArg[]): Buffer {
  const n = args.length;
  const lengths = new Array<number>(n);
  let total = 3 + digits(n);
  for (let i = 0; i < n; i++) {
    const a = args[i] as CommandArg;
    const len = typeof a === 'string' ? Buffer.byteLength(a, 'utf8') : a.length;
    lengths[i] = len;
    total += 5 + digits(len) + len;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = out.write(`*${n}\r\n`, 0, 'latin1');
  for (let i = 0; i < n; i++) {
    const a = args[i] as CommandArg;
    const len = lengths[i] as number;
    pos += out.write(`$${len}\r\n`, pos, 'latin1');
    if (typeof a === 'string') pos += out.write(a, pos, 'utf8');
    else {
      out.set(a, pos);
      pos += len;
    }
    out[pos++] = 13;
    out[pos++] = 10;
  }
  return out;
}
