/**
 * The body of `shardkit node` (loaded only when the command runs): build the
 * map source, start the node, print the serving line, and wire SIGTERM and
 * SIGINT to the clean shutdown.
 */
import { InvalidArgumentError } from '../errors.js';
import { systemClock } from '../util/clock.js';
import { FileMapSource, type MapSource } from '../cluster/node/map-source.js';
import { checkNodeId, startNode } from '../cluster/node/node.js';
import { FSYNC_MODES, type FsyncMode } from '../cluster/node/store.js';

/** Options as the CLI parsed them. */
export interface NodeRunOptions {
  readonly id: string;
  readonly portNumber: number;
  readonly data: string;
  readonly host: string;
  readonly map?: string;
  readonly meta?: string;
  /** Cluster name: its keys in the metadata service are under /shardkit/<name>/. */
  readonly cluster?: string;
  readonly fsync: string;
  readonly forward?: boolean;
  readonly maxClients?: number;
  /** Lease of the member registration with --meta, ms. */
  readonly leaseMs?: number;
}

async function mapSource(o: NodeRunOptions): Promise<MapSource> {
  if ((o.map === undefined) === (o.meta === undefined)) throw new InvalidArgumentError('map source', { map: o.map, meta: o.meta }, 'exactly one of --map <file> or --meta <url>');
  if (o.map !== undefined) return new FileMapSource(o.map);
  const cluster = o.cluster ?? 'default';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(cluster)) throw new InvalidArgumentError('--cluster', cluster, '1-64 letters, digits, ., _ or -');
  const { MetaMapSource } = await import('../cluster/node/meta-map-source.js');
  return MetaMapSource.connect(o.meta as string, { prefix: `/shardkit/${cluster}/`, ...(o.leaseMs === undefined ? {} : { leaseTtlMs: o.leaseMs }) });
}

/** Run a node until SIGTERM/SIGINT. */
export async function runNodeProcess(o: NodeRunOptions): Promise<void> {
  const fsync = o.fsync as FsyncMode;
  if (!FSYNC_MODES.includes(fsync)) throw new InvalidArgumentError('--fsync', o.fsync, FSYNC_MODES.join(', '));
  const maxClients = o.maxClients ?? 10_000;
  if (!Number.isInteger(maxClients) || maxClients < 1 || maxClients > 100_000) throw new InvalidArgumentError('--max-clients', o.maxClients, 'an integer from 1 to 100,000');
  const maps = await mapSource(o);
  const node = await startNode({
    id: checkNodeId(o.id),
    host: o.host,
    port: o.portNumber,
    dataDir: o.data,
    maps,
    fsync,
    forward: o.forward === true,
    limits: { maxClients },
    clock: systemClock,
    version: '0.1.0',
  });
  process.stdout.write(`shardkit node ${node.id} serving ${node.address.host}:${node.address.port} epoch ${node.epoch()} (map: ${maps.describe()}, fsync ${fsync}${o.forward ? ', forward' : ''})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      node.close().then(resolve, (e: unknown) => {
        process.stderr.write(`shardkit node ${node.id}: shutdown failed: ${(e as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
