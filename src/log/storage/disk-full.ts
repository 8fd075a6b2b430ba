/**
 * A full disk as a typed error: `DiskFullError` is a CapacityError
 * (retriable: the same call can succeed once space is freed) naming the
 * topic, the partition and the file, raised in place of the raw `ENOSPC` /
 * `EDQUOT` of a write. The write that failed left the log as it was.
 */
import { CapacityError, describeName, describeThrown, describeValue, isInstance } from '../../errors.js';

/** The message of the failure that caused it: an Error's own text, else a rendering (never throws). */
function causeText(cause: unknown): string {
  try {
    if (isInstance(cause, Error) && typeof cause.message === 'string') return describeName(cause.message);
  } catch {
    // A message getter that throws: rendered below.
  }
  return describeThrown(cause);
}

/**
 * The disk (or quota) is full: nothing of the failed write was kept. The
 * constructor never throws, whatever it is given (an error about a failure
 * must not fail): a topic or path that is not a string is kept as its
 * describeValue rendering, a partition that is not a number as NaN.
 */
export class DiskFullError extends CapacityError {
  readonly topic: string;
  readonly partition: number;
  /** The file being written, relative to the data directory. */
  readonly path: string;
  constructor(topic: string, partition: number, path: string, what: string, cause: unknown) {
    super(`disk full while ${describeName(what)} for topic ${typeof topic === 'string' ? JSON.stringify(describeName(topic)) : describeValue(topic)} partition ${describeValue(partition)} (${describeName(path)}): ${causeText(cause)}; nothing of it was kept, free space and retry`);
    this.topic = typeof topic === 'string' ? topic : describeValue(topic);
    this.partition = typeof partition === 'number' ? partition : Number.NaN;
    this.path = typeof path === 'string' ? path : describeValue(path);
    this.cause = cause;
  }
}

/** True for the errors a full disk or an exhausted quota raise. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
