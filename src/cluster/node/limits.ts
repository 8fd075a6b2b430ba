/**
 * The node's limits, in one place (README, "The node"). Every buffer is
 * bounded: a request by the parser's limits, a connection's unreplied
 * pipeline by `maxPipelineDepth` and its unsent replies by
 * `maxOutputBytes` (reading pauses, TCP pushes back), connections by
 * `maxClients` (further ones get Redis's "max number of clients reached").
 */
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../resp/request-parser.js';

/** Limits of a node. */
export interface NodeLimits {
  readonly request: RequestLimits;
  /** Commands read but not yet replied to, per connection, before reading pauses. */
  readonly maxPipelineDepth: number;
  /** Reply bytes queued on a socket before reading pauses. */
  readonly maxOutputBytes: number;
  /** Connections at once (Redis maxclients, default 10000). */
  readonly maxClients: number;
  /** Forwarded requests in flight per peer connection before forwarding answers an error. */
  readonly maxForwardInFlight: number;
  /** A forwarded request unanswered for this long fails with an error reply. */
  readonly forwardTimeoutMs: number;
  /** Times a forward refused by an owner on an older map (TRYAGAIN) is sent again before the refusal is relayed. */
  readonly forwardRetries: number;
  /** Wait before each of those. */
  readonly forwardRetryDelayMs: number;
  /** On SIGTERM, how long in-flight requests may take before connections are cut. */
  readonly shutdownGraceMs: number;
}

/** Defaults. */
export const DEFAULT_NODE_LIMITS: NodeLimits = Object.freeze({
  request: DEFAULT_REQUEST_LIMITS,
  maxPipelineDepth: 4096,
  maxOutputBytes: 8 * 1024 * 1024,
  maxClients: 10000,
  maxForwardInFlight: 4096,
  forwardTimeoutMs: 5000,
  forwardRetries: 10,
  forwardRetryDelayMs: 10,
  shutdownGraceMs: 5000,
});
