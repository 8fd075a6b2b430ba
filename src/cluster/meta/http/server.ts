/**
 * The metadata service's HTTP front (wire format in ./wire.ts) over a local
 * store (MemoryMetaStore, durable or not). A thin shell: it validates what
 * comes in, calls the store, and streams watch events. Limits: request
 * bodies up to `bodyBytesMax`, at most `connectionsMax` connections and
 * `watchesMax` watches; a watch whose client reads too slowly (more than
 * `watchBufferBytesMax` queued) is cut, and its client resumes from the last
 * revision it got.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapacityError, InvalidArgumentError, requireInt } from '../../../errors.js';
import type { MemoryMetaStore } from '../memory.js';
import type { Watch } from '../types.js';
import { type WireError, errorToWire, eventToWire, kvToWire, statusOf } from './wire.js';

export interface MetaServerOptions {
  readonly store: MemoryMetaStore;
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  readonly bodyBytesMax?: number;
  readonly connectionsMax?: number;
  readonly watchesMax?: number;
  readonly watchBufferBytesMax?: number;
  /** A heartbeat line on every watch this often, so clients notice a dead server. Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** Extra fields for `status` (data directory, recovery report...). */
  readonly status?: () => Record<string, unknown>;
}

/** A running server. */
export interface MetaServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, for connectMeta. */
  readonly url: string;
  /** Cut every watch stream (tests: the client must resume by itself). */
  dropWatches(): void;
  /** Stop accepting, end watches and connections. Does not close the store. */
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<unknown> | unknown;

function handlers(store: MemoryMetaStore, status: () => Record<string, unknown>): Map<string, Handler> {
  const str = (b: Body, name: string): string => {
    const v = b[name];
    if (typeof v !== 'string') throw new InvalidArgumentError(name, v, 'a string');
    return v;
  };
  const optInt = (b: Body, name: string): number | undefined => (b[name] === undefined ? undefined : requireInt(name, b[name], 0));
  const optStr = (b: Body, name: string): string | undefined => (b[name] === undefined ? undefined : str(b, name));
  const value = (b: Body): Uint8Array => {
    const v = str(b, 'value');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new InvalidArgumentError('value', v, 'base64 text');
    return new Uint8Array(Buffer.from(v, 'base64'));
  };
  return new Map<string, Handler>([
    ['get', async (b) => {
      const kv = await store.get(str(b, 'key'));
      return { kv: kv === undefined ? null : kvToWire(kv) };
    }],
    ['list', async (b) => {
      const r = await store.list(str(b, 'prefix'));
      return { kvs: r.kvs.map(kvToWire), revision: r.revision };
    }],
    ['put', (b) => store.put(str(b, 'key'), value(b), { lease: optStr(b, 'lease'), ifModRevision: optInt(b, 'ifModRevision') })],
    ['delete', (b) => store.delete(str(b, 'key'), { ifModRevision: optInt(b, 'ifModRevision') })],
    ['grant', async (b) => {
      const lease = await store.grantLease(b.ttlMs as number);
      return { id: lease.id, ttlMs: lease.ttlMs };
    }],
    ['keepalive', (b) => store.keepAliveLease(str(b, 'id'))],
    ['revoke', (b) => {
      store.revokeLease(str(b, 'id'));
      return {};
    }],
    ['compact', (b) => {
      store.compact(b.revision as number);
      return {};
    }],
    ['status', () => ({ revision: store.core.revision, compactRevision: store.core.compactRevision, ...store.core.size, pid: process.pid, ...status() })],
  ]);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: unknown): void {
  const w: WireError = errorToWire(e);
  send(res, statusOf(w), { error: w });
}

async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new CapacityError(`request body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InvalidArgumentError('request body', `${size} bytes`, 'a JSON object');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError('request body', v, 'a JSON object');
  return v as Body;
}

/** Start serving `store`. Resolves once listening. */
export async function startMetaServer(options: MetaServerOptions): Promise<MetaServer> {
  const { store } = options;
  const bodyBytesMax = options.bodyBytesMax ?? 4 * 1024 * 1024;
  const watchesMax = options.watchesMax ?? 1024;
  const watchBufferBytesMax = options.watchBufferBytesMax ?? 4 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const ops = handlers(store, options.status ?? (() => ({})));
  const watches = new Set<{ watch: Watch; res: http.ServerResponse }>();

  const serveWatch = (url: URL, res: http.ServerResponse): void => {
    if (watches.size >= watchesMax) return sendError(res, new CapacityError(`the service holds its maximum of ${watchesMax} watches`));
    const prefix = url.searchParams.get('prefix') ?? '';
    const from = Number(url.searchParams.get('from') ?? 'NaN');
    let watch: Watch;
    const entry = { watch: { close: () => undefined } as Watch, res };
    const line = (obj: unknown): void => {
      if (res.destroyed) return;
      res.write(`${JSON.stringify(obj)}\n`);
      if (res.writableLength > watchBufferBytesMax) res.destroy(); // too slow: the client resumes from its last revision
    };
    try {
      watch = store.watch(prefix, from, {
        onEvents: (evs) => line({ events: evs.map(eventToWire) }),
        onError: (e) => {
          line({ error: errorToWire(e) });
          res.end();
        },
      });
    } catch (e) {
      return sendError(res, e);
    }
    entry.watch = watch;
    watches.add(entry);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    res.flushHeaders();
    const beat = setInterval(() => line({ heartbeat: store.core.revision }), heartbeatMs);
    res.on('close', () => {
      clearInterval(beat);
      watch.close();
      watches.delete(entry);
    });
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://meta');
    if (req.method === 'GET' && url.pathname === '/v1/watch') return serveWatch(url, res);
    const op = url.pathname.startsWith('/v1/') ? ops.get(url.pathname.slice(4)) : undefined;
    if (req.method !== 'POST' || op === undefined) {
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `no such call: ${req.method} ${url.pathname}; calls are POST /v1/{${[...ops.keys()].join(',')}} and GET /v1/watch`, retriable: false } });
    }
    readBody(req, bodyBytesMax)
      .then((body) => op(body))
      .then((result) => send(res, 200, { result }), (e: unknown) => sendError(res, e));
  });
  server.maxConnections = options.connectionsMax ?? 1024;
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    host,
    port: addr.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    dropWatches: () => {
      for (const w of watches) w.res.destroy();
    },
    close: async () => {
      for (const w of watches) w.res.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
