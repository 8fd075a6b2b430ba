/**
 * The client's errors, in the one hierarchy (src/errors.ts). Each says
 * whether a retry can help: a server's error reply is not retriable, a
 * redirect budget spent or an unreachable owner is.
 */
import { ShardkitError } from '../../errors.js';

/** The server answered with an error reply (`-ERR ...`, `-WRONGTYPE ...`, `-CROSSSLOT ...`). */
export class ReplyError extends ShardkitError {
  /** The reply's text, as the server sent it. */
  readonly reply: string;
  constructor(reply: string, node: string) {
    const code = /^[A-Z]+/.exec(reply)?.[0] ?? 'ERR';
    super(`REPLY_${code}`, `${node} answered: ${reply}`, { retriable: code === 'TRYAGAIN' || code === 'CLUSTERDOWN' || code === 'LOADING' });
    this.reply = reply;
  }
}

/**
 * More redirects than `redirectsMax` for one request: the cluster's
 * ownership is changing faster than the map can be refreshed, or nodes
 * disagree about it. Retriable.
 */
export class RedirectLimitError extends ShardkitError {
  constructor(redirectsMax: number, last: string, epoch: number) {
    super('REDIRECT_LIMIT', `gave up after ${redirectsMax} redirects (last: ${last}); the client's map is epoch ${epoch}; the cluster may be rebalancing: retry later, or raise redirectsMax`, { retriable: true });
  }
}

/**
 * The owner of a key, as the current map names it, cannot be reached (the
 * map was refreshed and still names it): the owner is down, not the map
 * stale. Retriable once the node is back or the map moves its partitions.
 */
export class OwnerUnreachableError extends ShardkitError {
  readonly node: string;
  readonly address: string;
  constructor(node: string, address: string, epoch: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('OWNER_UNREACHABLE', `owner ${node} (${address}) cannot be reached (${why}); the map, refreshed at epoch ${epoch}, still names it as owner: the node is down, not the map stale`, { retriable: true, cause });
    this.node = node;
    this.address = address;
  }
}

/** A connection-level failure to one node (refused, reset, timed out, closed with requests in flight). Retriable. */
export class ConnectionError extends ShardkitError {
  readonly address: string;
  constructor(address: string, message: string, options: { cause?: unknown } = {}) {
    super('CONNECTION', `${address}: ${message}`, { retriable: true, cause: options.cause });
    this.address = address;
  }
}
