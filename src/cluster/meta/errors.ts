/**
 * The metadata service's own errors, in the one hierarchy of src/errors.ts.
 * Each says whether a retry can help (`retriable`) and what to do instead.
 */
import { ShardkitError, StateError } from '../../errors.js';

/**
 * A watch asked for changes after a revision the store no longer keeps (its
 * history is bounded and compacted). Not retriable as is: list again and
 * watch from the list's revision (list-then-watch).
 */
export class CompactedError extends StateError {
  /** The revision the watch asked to start after. */
  readonly requestedRevision: number;
  /** The oldest revision a watch may start after now. */
  readonly compactRevision: number;
  constructor(requestedRevision: number, compactRevision: number) {
    super(`revision ${requestedRevision} is compacted (changes up to revision ${compactRevision} are no longer kept): list again and watch from the list's revision`, { code: 'COMPACTED' });
    this.requestedRevision = requestedRevision;
    this.compactRevision = compactRevision;
  }
}

/**
 * The lease is gone on the service (it expired or was revoked), so the keys
 * attached to it are deleted: the holder has lost its session. Not
 * retriable: grant a new lease and register again.
 */
export class LeaseLostError extends StateError {
  readonly leaseId: string;
  constructor(leaseId: string) {
    super(`lease ${JSON.stringify(leaseId)} is gone on the metadata service (expired or revoked), and the keys attached to it are deleted: grant a new lease and register again`, { code: 'LEASE_LOST' });
    this.leaseId = leaseId;
  }
}

/**
 * The metadata service could not be reached or did not answer within the
 * retry budget. Retriable. `outcome` says whether a write may have happened
 * anyway ('unknown': the request was sent but no answer came; read before
 * writing again) or certainly did not ('not-applied').
 */
export class MetaUnavailableError extends ShardkitError {
  readonly outcome: 'not-applied' | 'unknown';
  constructor(message: string, outcome: 'not-applied' | 'unknown', options: { cause?: unknown } = {}) {
    super('META_UNAVAILABLE', message, { retriable: true, cause: options.cause });
    this.outcome = outcome;
  }
}
