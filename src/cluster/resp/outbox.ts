/**
 * Requests queued for one socket and written once per turn of the event
 * loop (at the next check phase), concatenated into one buffer: every request
 * that the callbacks of one I/O phase issued goes out in one `write`, so a
 * connection relaying many clients' pipelines makes one system call per turn,
 * not one per request or per client chunk. Used by the client's node
 * connections and by a node's forwarding links.
 */
import type { Socket } from 'node:net';

export class Outbox {
  private queued: Buffer[] = [];
  private scheduled = false;

  /** `socket()` is asked at write time: the connection may have been replaced (or dropped) meanwhile. */
  constructor(private readonly socket: () => Socket | undefined) {}

  /** Queue `bytes`; written with the rest of this turn's. */
  push(bytes: Buffer): void {
    this.queued.push(bytes);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Forget what is queued (its socket failed: the requests were rejected with it). */
  clear(): void {
    this.queued = [];
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const out = this.queued;
    this.queued = [];
    const socket = this.socket();
    if (socket === undefined || out.length === 0) return;
    socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  };
}
