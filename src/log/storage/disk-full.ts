/**
 * A full disk as a typed error: `DiskFullError` is a CapacityError
 * (retriable: the same call can succeed once space is freed) naming the
 * topic, the partition and the file, raised in place of the raw `ENOSPC` /
 * `EDQUOT` of a write. The write that failed left the log as it was.
 */
import { CapacityError } from '../../errors.js';

/** The disk (or quota) is full: nothing of the failed write was kept. */
export class DiskFullError extends CapacityError {
  readonly topic: string;
  readonly partition: number;
  /** The file being written, relative to the data directory. */
  readonly path: string;
  constructor(topic: string, partition: number, path: string, what: string, cause: unknown) {
    super(`disk full while ${what} for topic ${JSON.stringify(topic)} partition ${partition} (${path}): ${(cause as Error).message}; nothing of it was kept, free space and retry`);
    this.topic = topic;
    this.partition = partition;
    this.path = path;
    this.cause = cause;
  }
}

/** True for the errors a full disk or an exhausted quota raise. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
