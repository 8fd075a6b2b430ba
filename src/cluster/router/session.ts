/**
 * One client connection of the routing tier: parse requests with the node's
 * RequestParser, hand each to the router, and write the replies in request
 * order (a reply that comes back early waits for the ones before it).
 * Bounded: at most `maxPipelineDepth` requests unreplied and
 * `maxOutputBytes` unsent; beyond either, reading pauses (back-pressure
 * through TCP) and resumes once replies are out. A protocol error gets
 * Redis's error text and the connection is closed after the reply, as Redis
 * does.
 */
import type { Socket } from 'node:net';
import { ProtocolError } from '../resp/protocol-error.js';
import { type RequestLimits, RequestParser } from '../resp/request-parser.js';
import type { Protocol } from '../resp/reply-writer.js';

/** Limits of one client connection. */
export interface SessionLimits {
  /** Requests read and not yet replied to at most; reading pauses beyond. */
  readonly maxPipelineDepth: number;
  /** Reply bytes queued in the socket at most; reading pauses beyond. */
  readonly maxOutputBytes: number;
  /** Request parser limits (argument count, bulk length, inline length). */
  readonly request: RequestLimits;
}

/** What a session asks of the router: the reply to one request, now or later. */
export interface RequestHandler {
  handle(session: RouterSession, args: Buffer[]): Buffer | Promise<Buffer>;
  /** Encode an unexpected failure of `handle` as an error reply. */
  failure(e: unknown): Buffer;
}

interface Slot {
  bytes: Buffer | undefined;
}

/** A served client connection. */
export class RouterSession {
  /** Protocol of the connection: 3 after `HELLO 3`. */
  protocol: Protocol = 2;
  /** CLIENT SETNAME. */
  name = '';
  private readonly parser: RequestParser;
  private readonly slots: Slot[] = [];
  private head = 0;
  private closing = false;
  private paused = false;
  private processing = false;
  private flushScheduled = false;

  constructor(
    private readonly socket: Socket,
    readonly id: number,
    private readonly handler: RequestHandler,
    private readonly limits: SessionLimits,
  ) {
    this.parser = new RequestParser(limits.request);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => socket.destroy());
  }

  /** Requests read and not yet replied to. */
  get depth(): number {
    return this.slots.length - this.head;
  }

  /** Close after the replies already due (QUIT). */
  closeAfterReplies(): void {
    this.closing = true;
  }

  /** Close at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.parser.push(chunk);
    this.process();
  }

  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.closing && this.depth < this.limits.maxPipelineDepth) {
        const args = this.nextRequest();
        if (args === undefined) break;
        this.run(args);
      }
      this.flush();
    } finally {
      this.processing = false;
    }
    if (!this.closing && (this.depth >= this.limits.maxPipelineDepth || this.socket.writableLength > this.limits.maxOutputBytes)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private nextRequest(): Buffer[] | undefined {
    try {
      return this.parser.next();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.slots.push({ bytes: Buffer.from(`-ERR ${e.message.replace(/[\r\n]/g, ' ')}\r\n`) });
      this.closing = true;
      return undefined;
    }
  }

  private run(args: Buffer[]): void {
    const slot: Slot = { bytes: undefined };
    this.slots.push(slot);
    let r: Buffer | Promise<Buffer>;
    try {
      r = this.handler.handle(this, args);
    } catch (e) {
      r = this.handler.failure(e);
    }
    if (Buffer.isBuffer(r)) slot.bytes = r;
    else {
      r.then(
        (b) => this.fill(slot, b),
        (e: unknown) => this.fill(slot, this.handler.failure(e)),
      );
    }
  }

  /**
   * A reply arrived: write what is ready once the replies resolved in this
   * turn are all in (a node's chunk of 16 replies is one write to the
   * client, not 16).
   */
  private fill(slot: Slot, bytes: Buffer): void {
    slot.bytes = bytes;
    if (this.processing || this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      if (!this.processing) this.flush();
    });
  }

  /** Write every reply that is ready and has no unready reply before it. */
  private flush(): void {
    const out: Buffer[] = [];
    while (this.head < this.slots.length) {
      const s = this.slots[this.head] as Slot;
      if (s.bytes === undefined) break;
      out.push(s.bytes);
      this.slots[this.head++] = undefined as unknown as Slot;
    }
    if (this.head === this.slots.length) {
      this.slots.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    if (this.closing && this.depth === 0) {
      this.socket.end();
      return;
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    if (!this.paused || this.closing) return;
    if (this.depth >= this.limits.maxPipelineDepth || this.socket.writableLength > this.limits.maxOutputBytes) return;
    this.paused = false;
    this.socket.resume();
    this.process();
  }
}
