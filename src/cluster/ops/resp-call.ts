/**
 * One RESP command to one node, for operations tools (`cluster up` waiting
 * for PING, `cluster status` asking DBSIZE): connect, send, read one reply,
 * close. Bounded by `timeoutMs`; the reply is decoded with the node's
 * reply parser (src/cluster/resp/).
 */
import * as net from 'node:net';
import { ReplyParser, type RespValue } from '../resp/reply-parser.js';

/** The request in RESP: an array of bulk strings. */
function encode(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Send `args` to host:port and resolve with the one reply; rejects on refusal, close or timeout. */
export function respCall(host: string, port: number, args: readonly string[], timeoutMs = 1000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const parser = new ReplyParser();
    const socket = net.connect({ host, port });
    const done = (f: () => void): void => {
      clearTimeout(timer);
      socket.destroy();
      f();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`))), timeoutMs);
    socket.on('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
        const r = parser.next();
        if (r !== undefined) done(() => resolve(r.value));
      } catch (e) {
        done(() => reject(e));
      }
    });
    socket.on('error', (e) => done(() => reject(e)));
    socket.on('close', () => done(() => reject(new Error(`${host}:${port} closed the connection before replying`))));
  });
}
