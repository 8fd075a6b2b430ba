/**
 * A request or reply that breaks the RESP protocol or one of our limits. The
 * message is the text Redis sends after "-ERR " (e.g. "Protocol error:
 * invalid bulk length"), so a node can reply with it verbatim; after it the
 * connection is closed, as Redis closes it. Not retriable.
 */
import { ShardkitError } from '../../errors.js';

/** A protocol violation; `message` is Redis's error text without the "ERR " prefix. */
export class ProtocolError extends ShardkitError {
  constructor(message: string) {
    super('PROTOCOL', message);
  }
}
