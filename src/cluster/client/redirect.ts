/**
 * Redirect replies of Redis Cluster's protocol, as values: `MOVED <slot>
 * <host>:<port>` (the partition has another owner for good: refresh the
 * map) and `ASK <slot> <host>:<port>` (one request, during a migration: send
 * ASKING then the request to that node, change nothing). No I/O.
 */

/** A parsed redirect. */
export interface Redirect {
  readonly kind: 'MOVED' | 'ASK';
  readonly slot: number;
  readonly host: string;
  readonly port: number;
}

const REDIRECT = /^(MOVED|ASK) (\d{1,10}) (.+):(\d{1,5})$/;

/**
 * The redirect an error reply's text carries, or undefined when it is not a
 * redirect. An empty host (`MOVED 3999 :6381`, as Redis sends when it does not
 * know its own address) means "the host you are talking to": `defaultHost`.
 */
export function parseRedirect(message: string, defaultHost: string): Redirect | undefined {
  const m = REDIRECT.exec(message) ?? /^(MOVED|ASK) (\d{1,10}) ():(\d{1,5})$/.exec(message);
  if (m === null) return undefined;
  const port = Number(m[4]);
  if (port < 1 || port > 65535) return undefined;
  const host = (m[3] as string) === '' ? defaultHost : (m[3] as string).replace(/^\[(.*)\]$/, '$1');
  return { kind: m[1] as 'MOVED' | 'ASK', slot: Number(m[2]), host, port };
}
