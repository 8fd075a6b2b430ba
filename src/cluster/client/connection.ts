/**
 * One pipelined connection from a client to a node: requests are queued as
 * they come and written once per turn of the event loop (`Outbox`: a router
 * relaying many clients' pipelines makes one system call per node per turn,
 * not one per client chunk), replies
 * are matched to requests in order, and a bounded number may be in flight.
 * A failure (refused, reset, closed, or the oldest request older than
 * `commandTimeoutMs`) rejects everything in flight with a retriable
 * ConnectionError and drops the socket; the next request reconnects.
 */
import * as net from 'node:net';
import { CapacityError } from '../../errors.js';
import { ReplyParser, type RespValue } from '../resp/reply-parser.js';
import { Outbox } from '../resp/outbox.js';
import { ConnectionError } from './errors.js';

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Requests in flight at most; one more is refused with a retriable CapacityError. */
  readonly maxInFlight: number;
  /** The oldest request in flight may wait this long for its reply before the connection is failed. */
  readonly commandTimeoutMs: number;
  /** Connecting may take this long. */
  readonly connectTimeoutMs: number;
}

interface Pending {
  /** Resolve with the raw reply bytes (a relay) instead of the decoded value. */
  readonly raw: boolean;
  readonly resolve: (v: RespValue | Buffer) => void;
  readonly reject: (e: Error) => void;
  readonly sentAtMs: number;
}

/** A pipelined connection to host:port. */
export class NodeConnection {
  private socket: net.Socket | undefined;
  private parser = new ReplyParser();
  private pending: Pending[] = [];
  private head = 0;
  /** Encoded requests not yet written, in order. */
  private readonly outbox = new Outbox(() => this.socket);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly address: string;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly limits: ConnectionLimits,
    private readonly nowMs: () => number,
  ) {
    this.address = `${host}:${port}`;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** Send one encoded request (or several, pipelined: one reply each); resolves with the reply (error replies are values). */
  send(request: Buffer): Promise<RespValue> {
    return this.sendAs(request, false) as Promise<RespValue>;
  }

  /**
   * Send one encoded request; resolves with the reply's raw RESP bytes (a
   * copy), for a proxy that relays them unchanged (the routing tier).
   */
  sendRaw(request: Buffer): Promise<Buffer> {
    return this.sendAs(request, true) as Promise<Buffer>;
  }

  private sendAs(request: Buffer, raw: boolean): Promise<RespValue | Buffer> {
    if (this.closed) return Promise.reject(new ConnectionError(this.address, 'the client is closed'));
    if (this.inFlight >= this.limits.maxInFlight) {
      return Promise.reject(new CapacityError(`${this.limits.maxInFlight} requests already in flight to ${this.address}; wait for replies (maxInFlightPerNode)`));
    }
    if (this.socket === undefined) this.connect();
    return new Promise<RespValue | Buffer>((resolve, reject) => {
      this.pending.push({ raw, resolve, reject, sentAtMs: this.nowMs() });
      this.outbox.push(request);
      this.timer ??= setInterval(() => this.checkTimeout(), Math.max(20, Math.floor(this.limits.commandTimeoutMs / 4)));
    });
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.parser = new ReplyParser();
    socket.setTimeout(this.limits.connectTimeoutMs, () => this.fail(new ConnectionError(this.address, `no connection within ${this.limits.connectTimeoutMs} ms`)));
    socket.once('connect', () => socket.setTimeout(0));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(new ConnectionError(this.address, e.message, { cause: e })));
    socket.on('close', () => this.fail(new ConnectionError(this.address, 'connection closed by the node')));
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
      for (;;) {
        const p = this.pending[this.head];
        if (p?.raw === true) {
          const raw = this.parser.nextRaw();
          if (raw === undefined) break;
          this.pending[this.head++] = undefined as unknown as Pending;
          p.resolve(Buffer.from(raw));
          continue;
        }
        const r = this.parser.next();
        if (r === undefined) break;
        if (p === undefined) throw new ConnectionError(this.address, 'a reply came without a request');
        this.pending[this.head++] = undefined as unknown as Pending;
        p.resolve(r.value);
      }
    } catch (e) {
      this.fail(e instanceof ConnectionError ? e : new ConnectionError(this.address, `bad reply: ${(e as Error).message}`, { cause: e }));
      return;
    }
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
      this.stopTimer();
    } else if (this.head > 1024) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  private checkTimeout(): void {
    const p = this.pending[this.head];
    if (p !== undefined && this.nowMs() - p.sentAtMs > this.limits.commandTimeoutMs) {
      this.fail(new ConnectionError(this.address, `no reply within ${this.limits.commandTimeoutMs} ms (commandTimeoutMs)`));
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private fail(error: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
    }
    this.stopTimer();
    // Requests not yet written belong to the failed socket: they are rejected with the rest.
    this.outbox.clear();
    const waiting = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    for (const p of waiting) p.reject(error);
  }

  /** Close: requests in flight are rejected; later sends are refused. */
  close(): void {
    this.closed = true;
    this.fail(new ConnectionError(this.address, 'the client is closed'));
  }
}
