/**
 * The `shardkit meta` process: the durable store of a data directory
 * (./durable/store.ts) served over HTTP (./http/server.ts) until SIGTERM or
 * SIGINT. One machine, one process: it is not a consensus system and has no
 * replicas; beyond one machine the metadata belongs in etcd or ZooKeeper.
 *
 * Lease deadlines run on a monotonic clock (performance.now), so a wall-clock
 * jump neither expires nor extends leases.
 */
import type { Clock } from '../../util/clock.js';
import { openDurableMetaStore } from './durable/store.js';
import { type MetaServer, startMetaServer } from './http/server.js';

export interface MetaServiceOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Where the one startup line and shutdown notes go (default stdout). */
  readonly log?: (line: string) => void;
}

/** A running service. */
export interface RunningMetaService {
  readonly server: MetaServer;
  /** Stop serving and close the store (releases the directory). */
  stop(): Promise<void>;
}

const monotonic: Clock = { now: () => performance.now() };

/** Open the directory and serve it. Rejects (typed) when the directory is locked or damaged, or the port is taken. */
export async function startMetaService(o: MetaServiceOptions): Promise<RunningMetaService> {
  const opened = openDurableMetaStore(o.dataDir, { clock: monotonic });
  let server: MetaServer;
  try {
    server = await startMetaServer({ store: opened.store, host: o.host, port: o.port, status: () => ({ dataDir: o.dataDir, recovery: opened.recovery }) });
  } catch (e) {
    await opened.close();
    throw e;
  }
  const r = opened.recovery;
  const torn = r.tornBytesCut > 0 ? `; cut a torn last record of ${r.tornBytesCut} bytes` : '';
  (o.log ?? ((l) => process.stdout.write(`${l}\n`)))(`shardkit meta serving ${server.url} (data ${o.dataDir}, revision ${r.revision}: snapshot at ${r.snapshotRevision} + ${r.recordsReplayed} log records${torn}; pid ${process.pid})`);
  let stopped: Promise<void> | undefined;
  return {
    server,
    stop: () =>
      (stopped ??= (async () => {
        await server.close();
        await opened.close();
      })()),
  };
}

/** Run until SIGTERM or SIGINT, then stop cleanly. */
export async function runMetaService(o: MetaServiceOptions): Promise<void> {
  const service = await startMetaService(o);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      service.stop().then(resolve, (e: unknown) => {
        process.stderr.write(`shardkit meta: shutdown failed: ${(e as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
