/**
 * Any-node forwarding (Cassandra's coordinator; DDIA ch. 6, "Request
 * routing"): a node that does not own a key sends the request to the owner
 * over a pooled, pipelined connection and relays the owner's reply bytes
 * unchanged, in request order (the client connection orders its replies).
 *
 * The forwarded request is `SK.FWD <epoch> <protocol> <command> <args...>`:
 * it names the map epoch it was routed under and the client's protocol, so
 * the owner encodes the reply the client expects. The owner never forwards it
 * again: if it does not own the key under its map either, it answers MOVED,
 * which is relayed (at most one extra hop, no loops). In-flight requests per
 * peer connection are bounded; when full, or when the peer is unreachable or
 * silent past `forwardTimeoutMs`, the client gets an error reply, never a hang.
 */
import * as net from 'node:net';
import { ReplyParser } from '../resp/reply-parser.js';
import { ProtocolError } from '../resp/protocol-error.js';
import { Outbox } from '../resp/outbox.js';
import type { Protocol } from '../resp/reply-writer.js';
import type { MapNode } from '../map.js';
import type { NodeCounters } from './context.js';
import type { NodeLimits } from './limits.js';

/**
 * The owner's refusal of a forwarded request routed under a newer map than
 * its own (see commands/forwarded.ts): it learns that map within moments, so
 * the forwarding node retries, every `forwardRetryDelayMs` up to
 * `forwardRetries` times (NodeLimits: 10 ms, 10), before relaying the
 * refusal to the client.
 */
export const EPOCH_AHEAD_REFUSAL = 'TRYAGAIN request routed under map epoch';

/** True when `reply` (RESP bytes) is the owner's EPOCH_AHEAD_REFUSAL. O(1). */
export function isEpochAheadRefusal(reply: Buffer): boolean {
  return reply[0] === 0x2d && reply.length > EPOCH_AHEAD_REFUSAL.length && reply.toString('latin1', 1, 1 + EPOCH_AHEAD_REFUSAL.length) === EPOCH_AHEAD_REFUSAL;
}

/** Called with the complete RESP reply to relay. */
export type ReplyCallback = (reply: Buffer) => void;

const CRLF = Buffer.from('\r\n');

/** Encode a command as a RESP multibulk request. */
export function encodeRequest(args: readonly (Buffer | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}

function errorReply(text: string): Buffer {
  return Buffer.from(`-${text.replace(/[\r\n]/g, ' ')}\r\n`);
}

interface Waiting {
  readonly cb: ReplyCallback;
  readonly sentAtMs: number;
}

/** One pipelined connection to a peer. */
class PeerLink {
  private socket: net.Socket | undefined;
  private parser = new ReplyParser();
  private readonly waiting: Waiting[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Requests not yet written: each event-loop turn's go out in one write. */
  private readonly outbox = new Outbox(() => this.socket);

  constructor(
    readonly node: MapNode,
    private readonly limits: NodeLimits,
    private readonly counters: NodeCounters,
    private readonly nowMs: () => number,
  ) {}

  get inFlight(): number {
    return this.waiting.length - this.head;
  }

  send(request: Buffer, cb: ReplyCallback): void {
    if (this.inFlight >= this.limits.maxForwardInFlight) {
      this.counters.forwardErrors++;
      return cb(errorReply(`TRYAGAIN forwarding queue to ${this.node.id} is full (${this.limits.maxForwardInFlight} in flight)`));
    }
    if (this.socket === undefined) this.connect();
    this.waiting.push({ cb, sentAtMs: this.nowMs() });
    this.outbox.push(request);
    this.timer ??= setInterval(() => this.checkTimeouts(), Math.max(50, this.limits.forwardTimeoutMs / 4));
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: this.node.host, port: this.node.port });
    socket.setNoDelay(true);
    this.parser = new ReplyParser();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(`forward to ${this.node.id} (${this.node.host}:${this.node.port}) failed: ${e.message}`));
    socket.on('close', () => this.fail(`connection to ${this.node.id} (${this.node.host}:${this.node.port}) closed`));
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
      for (let raw = this.parser.nextRaw(); raw !== undefined; raw = this.parser.nextRaw()) {
        const w = this.waiting[this.head];
        if (w === undefined) throw new ProtocolError('Protocol error: reply without a request');
        this.waiting[this.head++] = undefined as unknown as Waiting;
        w.cb(Buffer.from(raw));
      }
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      } else if (this.head > 1024) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
    } catch (e) {
      this.fail(`bad reply from ${this.node.id}: ${(e as Error).message}`);
    }
    if (this.inFlight === 0) this.stopTimer();
  }

  private checkTimeouts(): void {
    const head = this.waiting[this.head];
    if (head !== undefined && this.nowMs() - head.sentAtMs > this.limits.forwardTimeoutMs) {
      this.fail(`forward to ${this.node.id} timed out after ${this.limits.forwardTimeoutMs} ms`);
    }
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Fail everything in flight and drop the connection (the next send reconnects). */
  fail(text: string): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.removeAllListeners();
    socket?.on('error', () => undefined);
    socket?.destroy();
    this.stopTimer();
    this.outbox.clear();
    const pending = this.waiting.splice(this.head);
    this.waiting.length = 0;
    this.head = 0;
    if (pending.length > 0) this.counters.forwardErrors += pending.length;
    for (const w of pending) w.cb(errorReply(`ERR ${text}`));
  }
}

/** The pool: `linksPerPeer` pipelined connections per peer, used round-robin. */
export class Forwarder {
  private readonly links = new Map<string, PeerLink[]>();
  private turn = 0;

  constructor(
    private readonly epoch: () => number,
    private readonly limits: NodeLimits,
    private readonly counters: NodeCounters,
    private readonly nowMs: () => number,
    private readonly linksPerPeer = 2,
  ) {}

  /** Forward `args` to `node`; `cb` gets the reply (or an error reply) exactly once. */
  forward(node: MapNode, args: readonly Buffer[], protocol: Protocol, cb: ReplyCallback): void {
    const key = `${node.id}@${node.host}:${node.port}`;
    let links = this.links.get(key);
    if (links === undefined) {
      links = Array.from({ length: this.linksPerPeer }, () => new PeerLink(node, this.limits, this.counters, this.nowMs));
      this.links.set(key, links);
    }
    const link = links[this.turn++ % links.length] as PeerLink;
    link.send(encodeRequest(['SK.FWD', String(this.epoch()), String(protocol), ...args]), cb);
  }

  /** Requests in flight across the pool. */
  inFlight(): number {
    let n = 0;
    for (const links of this.links.values()) for (const l of links) n += l.inFlight;
    return n;
  }

  /** Close every link (pending requests get error replies). */
  close(): void {
    for (const links of this.links.values()) for (const l of links) l.fail('node is shutting down');
    this.links.clear();
  }
}
