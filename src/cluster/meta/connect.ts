/**
 * `connectMeta(url)`: the MetaStore client for a metadata service address.
 * `http://host:port` is the embedded service (`shardkit meta`),
 * `etcd://host:port` an etcd member (./etcd/store.ts), and
 * `zk://host:port[,host:port…][/path]` a ZooKeeper ensemble
 * (./zookeeper/store.ts; the store lives under /path, default /shardkit).
 * The address comes from outside (CLI, files), so it is validated here, at
 * once. The etcd and ZooKeeper clients are loaded only when such a store is
 * first used (a dynamic import), so starting a process that never talks to
 * them does not pay for loading them.
 */
import { InvalidArgumentError } from '../../errors.js';
import { HttpMetaStore, type HttpMetaOptions } from './http/client.js';
import { checkWatch } from './validate.js';
import type { Lease, ListResult, MetaStore, PutOptions, Watch, WatchHandlers, WriteResult, KeyValue } from './types.js';

/** The schemes connectMeta knows, and what each needs. */
const ALLOWED = 'http://host:port (the embedded service, `shardkit meta`), etcd://host:port (etcd), zk://host:port[,host:port…][/path] (ZooKeeper)';

const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$/;

/** The ZooKeeper connection string and root of a `zk://` address; InvalidArgumentError when it is not one. */
export function parseZkAddress(url: string): { readonly connection: string; readonly root: string } {
  const m = /^zk:\/\/([^/?#]+)(\/[^?#]*)?$/.exec(url);
  if (m === null) throw new InvalidArgumentError('metadata address', url, ALLOWED);
  const hosts = (m[1] as string).split(',');
  for (const h of hosts) {
    const port = HOST_PORT.exec(h)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65535) throw new InvalidArgumentError('ZooKeeper server', h, 'host:port with a port from 1 to 65535');
  }
  const path = m[2] === undefined || m[2] === '/' ? '/shardkit' : m[2].replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(path) || path.split('/').some((s) => s === '.' || s === '..') || path === '/zookeeper' || path.startsWith('/zookeeper/')) {
    throw new InvalidArgumentError('ZooKeeper path', path, 'segments of letters, digits, _ . - (not . or .., not under /zookeeper), e.g. /shardkit');
  }
  return { connection: hosts.join(','), root: path };
}

/**
 * A client MetaStore for `url`. InvalidArgumentError when the address is not one it can use. Cheap: connects lazily.
 * `options.requestTimeoutMs` and `retryBudgetMs` apply to every kind; the rest only to http.
 */
export function connectMeta(url: string, options: HttpMetaOptions = {}): MetaStore {
  if (typeof url !== 'string') throw new InvalidArgumentError('metadata address', url, ALLOWED);
  if (url.startsWith('zk://')) {
    const { connection, root } = parseZkAddress(url);
    return new LazyMetaStore(async () => new (await import('./zookeeper/store.js')).ZooKeeperMetaStore(connection, { root, ...timeouts(options) }));
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('metadata address', url, ALLOWED);
  }
  const bare = parsed.port !== '' && parsed.hostname !== '' && (parsed.pathname === '/' || parsed.pathname === '') && parsed.search === '';
  if (!bare) throw new InvalidArgumentError('metadata address', url, ALLOWED);
  if (parsed.protocol === 'http:') return new HttpMetaStore(parsed.origin, options);
  if (parsed.protocol === 'etcd:') {
    const hosts = `http://${parsed.host}`;
    return new LazyMetaStore(async () => new (await import('./etcd/store.js')).EtcdMetaStore(hosts, timeouts(options)));
  }
  throw new InvalidArgumentError('metadata address', url, ALLOWED);
}

/** The options every client takes: how long one request, and a watch's reconnecting, may take. */
function timeouts(o: HttpMetaOptions): { requestTimeoutMs?: number; retryBudgetMs?: number } {
  return { ...(o.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: o.requestTimeoutMs }), ...(o.retryBudgetMs === undefined ? {} : { retryBudgetMs: o.retryBudgetMs }) };
}

/**
 * A MetaStore whose implementation is loaded on first use: every call waits
 * for the module, then delegates. `watch` returns at once; the watch starts
 * when the store is loaded (and a load failure reaches `onError`).
 */
export class LazyMetaStore implements MetaStore {
  private loaded: Promise<MetaStore> | undefined;
  private closed = false;

  constructor(private readonly load: () => Promise<MetaStore>) {}

  /** The underlying store (loading it if needed). */
  store(): Promise<MetaStore> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.store()).get(key);
  }

  async list(prefix: string): Promise<ListResult> {
    return (await this.store()).list(prefix);
  }

  async put(key: string, value: Uint8Array, options?: PutOptions): Promise<WriteResult> {
    return (await this.store()).put(key, value, options);
  }

  async delete(key: string, options?: { readonly ifModRevision?: number }): Promise<WriteResult> {
    return (await this.store()).delete(key, options);
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Watch {
    checkWatch(prefix, fromRevision);
    let inner: Watch | undefined;
    let closed = false;
    this.store().then(
      (s) => {
        if (closed) return;
        try {
          inner = s.watch(prefix, fromRevision, handlers);
        } catch (e) {
          handlers.onError(e as Error);
        }
      },
      (e: unknown) => {
        if (!closed) handlers.onError(e as Error);
      },
    );
    return {
      close: () => {
        closed = true;
        inner?.close();
      },
    };
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    return (await this.store()).grantLease(ttlMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.loaded !== undefined) await (await this.loaded).close();
  }
}
