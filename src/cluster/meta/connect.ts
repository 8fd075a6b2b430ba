/**
 * `connectMeta(url)`: the MetaStore client for a metadata service address.
 * `http://host:port` is the embedded service (`shardkit meta`), `etcd://host:port`
 * an etcd member (./etcd/store.ts); `zk://` (ZooKeeper) is not built yet. The
 * address comes from outside (CLI, files), so it is validated here.
 */
import { InvalidArgumentError } from '../../errors.js';
import { EtcdMetaStore } from './etcd/store.js';
import { HttpMetaStore, type HttpMetaOptions } from './http/client.js';
import type { MetaStore } from './types.js';

/** The schemes connectMeta knows, and what each needs. */
const ALLOWED = 'http://host:port (the embedded service, `shardkit meta`), etcd://host:port (etcd); zk:// (ZooKeeper) is not built yet';

/** A client MetaStore for `url`. InvalidArgumentError when the address is not one it can use. Cheap: connects lazily. */
export function connectMeta(url: string, options: HttpMetaOptions = {}): MetaStore {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('metadata address', url, ALLOWED);
  }
  const bare = parsed.port !== '' && parsed.hostname !== '' && (parsed.pathname === '/' || parsed.pathname === '') && parsed.search === '';
  if (!bare) throw new InvalidArgumentError('metadata address', url, ALLOWED);
  if (parsed.protocol === 'http:') return new HttpMetaStore(parsed.origin, options);
  if (parsed.protocol === 'etcd:') return new EtcdMetaStore(`http://${parsed.host}`);
  throw new InvalidArgumentError('metadata address', url, ALLOWED);
}
