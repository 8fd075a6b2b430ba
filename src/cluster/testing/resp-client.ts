/**
 * A minimal RESP client for tests and tools: send raw bytes or commands,
 * read decoded replies in order, see when the server closes. No pooling, no
 * retries: it shows exactly what a node answers.
 */
import * as net from 'node:net';
import { ReplyParser, type RespValue } from '../resp/reply-parser.js';
import { encodeRequest } from '../node/forward.js';
import { systemClock } from '../../util/clock.js';

/** One connection. */
export class RespClient {
  private readonly parser = new ReplyParser();
  private readonly replies: RespValue[] = [];
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.parser.push(c);
      for (let r = this.parser.next(); r !== undefined; r = this.parser.next()) this.replies.push(r.value);
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connect to host:port. */
  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RespClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** True once the server closed the connection. */
  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Write raw bytes. */
  writeRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Send one command. */
  send(...args: (string | Buffer)[]): void {
    this.socket.write(encodeRequest(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a))));
  }

  /** The next reply; rejects after `timeoutMs`, or when the connection closes first. */
  async read(timeoutMs = 5000): Promise<RespValue> {
    const deadline = systemClock.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.closedFlag) throw new Error('connection closed before a reply');
      const left = deadline - systemClock.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.replies.shift() as RespValue;
  }

  /** Send a command and read its reply. */
  async call(...args: (string | Buffer)[]): Promise<RespValue> {
    this.send(...args);
    return this.read();
  }

  /** Close. */
  close(): void {
    this.socket.destroy();
  }
}
