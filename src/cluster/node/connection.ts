/**
 * One client connection: parse requests, dispatch them, and release replies
 * in request order once the writes before them are durable (or once a
 * forwarded request's answer has come back). Reading pauses while the
 * connection has `maxPipelineDepth` unreplied commands or `maxOutputBytes`
 * unsent, so a fast pipeliner is slowed by TCP, not by our memory.
 * A protocol error is answered with Redis's text and the connection closed
 * after the reply, as Redis does.
 */
import type { Socket } from 'node:net';
import { RequestParser } from '../resp/request-parser.js';
import { type Protocol, ReplyWriter } from '../resp/reply-writer.js';
import { ProtocolError } from '../resp/protocol-error.js';
import { dispatch } from './command-table.js';
import type { NodeContext, Session } from './context.js';
import { newSession } from './context.js';
import type { NodeLimits } from './limits.js';
import { type Forwarder, isEpochAheadRefusal } from './forward.js';
import type { MapNode } from '../map.js';
import { judgeForwardReply } from './ownership.js';

interface Segment {
  bytes: Buffer | undefined;
  waitSeq: number;
  readonly commands: number;
}

/** A served connection. */
export class Connection {
  readonly session: Session;
  private readonly parser: RequestParser;
  private readonly writer = new ReplyWriter(2);
  private readonly segments: Segment[] = [];
  private unreplied = 0;
  private pendingCommands = 0;
  /** Highest write sequence number the replies not yet cut into a segment depend on. */
  private pendingSeq = 0;
  private closing = false;
  private waitingSeq = 0;
  private paused = false;
  private processing = false;
  private drainScheduled = false;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly ctx: NodeContext,
    private readonly limits: NodeLimits,
    private readonly forwarder: Forwarder | undefined,
    private readonly onClose: () => void,
  ) {
    this.session = newSession(id);
    this.parser = new RequestParser(limits.request);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose());
  }

  /** True when every command read has been replied to. */
  get idle(): boolean {
    return this.segments.length === 0 && this.pendingCommands === 0;
  }

  /** Stop reading and close once every reply is sent (SIGTERM). */
  shutdown(): void {
    this.closing = true;
    this.socket.pause();
    this.drain();
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
      for (;;) {
        let progressed = false;
        let needMore = false;
        while (!this.closing && this.unreplied < this.limits.maxPipelineDepth) {
          const args = this.nextRequest();
          if (args === undefined) {
            needMore = true;
            break;
          }
          this.run(args);
          progressed = true;
        }
        this.cut();
        this.drain();
        if (needMore || !progressed || this.closing || this.paused || this.unreplied >= this.limits.maxPipelineDepth) break;
      }
    } finally {
      this.processing = false;
    }
  }

  /** The next parsed request; on a protocol error, queue Redis's reply and close after it. */
  private nextRequest(): Buffer[] | undefined {
    try {
      return this.parser.next();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.ctx.counters.protocolErrors++;
      this.writer.error(`ERR ${e.message}`);
      this.pendingCommands++;
      this.unreplied++;
      this.closing = true;
      return undefined;
    }
  }

  private run(args: Buffer[]): void {
    this.unreplied++;
    const store = this.ctx.store;
    store.resetObserved();
    const outcome = dispatch(this.ctx, this.session, args, this.writer);
    if (store.observedSeq > this.pendingSeq) this.pendingSeq = store.observedSeq;
    if (outcome !== undefined && outcome !== 'close') {
      if (this.forwarder === undefined) this.writer.error('ERR forwarding is not enabled on this node');
      else return this.forwardCommand(outcome.forwardTo, args);
    }
    this.pendingCommands++;
    if (outcome === 'close') this.closing = true;
  }

  private forwardCommand(to: MapNode, args: Buffer[]): void {
    this.cut();
    const seg: Segment = { bytes: undefined, waitSeq: 0, commands: 1 };
    this.segments.push(seg);
    const protocol = this.session.protocol;
    let target = to;
    let retries = 0;
    let followed = false;
    let rerouted = false;
    let sentEpoch = 0;
    const send = (): void => {
      // The epoch the forward names (the forwarder reads the same map).
      sentEpoch = this.ctx.ownership().epoch;
      (this.forwarder as Forwarder).forward(target, args, protocol, onReply);
    };
    const onReply = (reply: Buffer): void => {
      if (isEpochAheadRefusal(reply) && retries < this.limits.forwardRetries && !this.socket.destroyed) {
        // The owner has not learned the map this node forwarded under yet: it will within moments.
        retries++;
        this.ctx.counters.forwardRetries++;
        setTimeout(send, this.limits.forwardRetryDelayMs);
        return;
      }
      const judged = judgeForwardReply(reply, this.ctx.ownership());
      if (judged.kind === 'follow' && !followed && !this.socket.destroyed) {
        // The owner's map is newer than this node's: forward once more, where it says.
        followed = true;
        this.ctx.counters.forwardFollowed++;
        void this.ctx.refreshMap();
        target = judged.node;
        send();
        return;
      }
      if ((judged.kind === 'stale' || (judged.kind === 'follow' && followed)) && !rerouted) {
        // The owner gives the key to this node, or a second owner disagrees too: this node's map is old.
        // Under a newer one, run the request here, or forward it once more to the owner that map names.
        rerouted = true;
        if (judged.kind === 'stale') this.ctx.counters.forwardStale++;
        else this.ctx.counters.forwardRerouted++;
        return this.runUnderNewerMap(seg, args, protocol, sentEpoch, (node) => {
          target = node;
          send();
        });
      }
      this.settle(seg, reply, 0);
    };
    send();
  }

  /**
   * The owners' answers say this node's map is older than theirs, and than
   * `sentEpoch`, the one the request was forwarded under. Once this node has
   * a newer map (it may have arrived meanwhile; else it is loaded now), the
   * request runs here as a forwarded request: served, or, when that map
   * names another owner, handed to `forwardTo` for one more forward. When
   * the load brings no newer map, TRYAGAIN.
   */
  private runUnderNewerMap(seg: Segment, args: Buffer[], protocol: Protocol, sentEpoch: number, forwardTo: (node: MapNode) => void): void {
    const run = (): void => {
      const own = this.ctx.ownership();
      if (own.epoch <= sentEpoch || this.socket.destroyed) {
        return this.settle(seg, Buffer.from(`-TRYAGAIN the owners of this key answer under a newer map than this node's (epoch ${own.epoch}); retry\r\n`), 0);
      }
      const w = new ReplyWriter(protocol);
      const store = this.ctx.store;
      store.resetObserved();
      const outcome = dispatch(this.ctx, { ...this.session, protocol, asking: false, forwarded: true }, args, w);
      if (outcome !== undefined && outcome !== 'close') w.error('ERR forwarding loop');
      const bytes = w.take();
      const judged = judgeForwardReply(bytes, own);
      if (judged.kind === 'follow') return forwardTo(judged.node);
      this.settle(seg, bytes, store.observedSeq);
    };
    if (this.ctx.ownership().epoch > sentEpoch) return run();
    void this.ctx.refreshMap(true).then(run);
  }

  /** A forwarded request's reply is in: release it (after `waitSeq` is durable) once the replies before it are. */
  private settle(seg: Segment, bytes: Buffer, waitSeq: number): void {
    seg.bytes = bytes;
    seg.waitSeq = waitSeq;
    // Forwarded replies of one peer chunk arrive together: release them in one write, once they are all in.
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    process.nextTick(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /**
   * Move written replies into a segment that waits for the writes its
   * commands made or read (a read of a durable value waits for nothing but
   * the segments before it: replies leave in request order).
   */
  private cut(): void {
    if (this.writer.pendingBytes === 0) return;
    this.segments.push({ bytes: this.writer.take(), waitSeq: this.pendingSeq, commands: this.pendingCommands });
    this.pendingCommands = 0;
    this.pendingSeq = 0;
  }

  private drain(): void {
    const store = this.ctx.store;
    let wrote = false;
    while (this.segments.length > 0) {
      const head = this.segments[0] as Segment;
      if (head.bytes === undefined) break;
      if (head.waitSeq > store.durableSeq) {
        if (this.waitingSeq < head.waitSeq) {
          this.waitingSeq = head.waitSeq;
          store.whenDurable(head.waitSeq, () => this.drain());
        }
        break;
      }
      if (!wrote) this.socket.cork();
      wrote = true;
      this.socket.write(head.bytes);
      this.unreplied -= head.commands;
      this.segments.shift();
    }
    if (wrote) this.socket.uncork();
    if (this.closing && this.idle) {
      this.socket.end();
      return;
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    const full = this.unreplied >= this.limits.maxPipelineDepth || this.socket.writableLength > this.limits.maxOutputBytes;
    if (full) {
      if (!this.paused) {
        this.paused = true;
        this.socket.pause();
      }
      return;
    }
    if (this.closing) return;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (!this.processing && this.parser.bufferedBytes > 0) this.process();
  }
}
