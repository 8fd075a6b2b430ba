/**
 * `shardkit node`: one node process of a cluster. It loads its cluster map
 * from a file (`--map`) or the metadata service (`--meta`), opens its store
 * under `--data`, serves RESP on `--host:--port`, prints one line when it
 * serves (address, id, epoch), and shuts down cleanly on SIGTERM or SIGINT
 * (stop accepting, finish in-flight requests, flush, exit 0).
 *
 * `register` stays cheap: the node's code is imported inside the action.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { integerOption } from './parse.js';

interface NodeCliOptions {
  id: string;
  port: string;
  data: string;
  host: string;
  map?: string;
  meta?: string;
  cluster?: string;
  fsync: string;
  forward?: boolean;
  maxClients?: number;
  leaseMs?: number;
}

function portOf(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port', v, 'an integer 0 … 65535 (0: any free port)');
  return n;
}

export function register(program: Command): void {
  program
    .command('node')
    .description('run a cluster node: stores its partitions and serves them over the Redis protocol')
    .requiredOption('--id <id>', 'node id (as in the cluster map)')
    .requiredOption('--port <port>', 'TCP port to serve on')
    .requiredOption('--data <dir>', 'data directory of the node store')
    .option('--host <host>', 'address to listen on and to announce', '127.0.0.1')
    .option('--map <file>', 'cluster map file (JSON), for a fixed cluster')
    .option('--meta <url>', 'metadata service address: http://host:port (shardkit meta), etcd://host:port, zk://host:port[/path]')
    .option('--cluster <name>', 'cluster name: its keys in the metadata service are under /shardkit/<name>/', 'default')
    .option('--fsync <mode>', 'always | interval | never: when a write is acknowledged', 'always')
    .option('--forward', 'forward requests for keys owned elsewhere instead of answering MOVED')
    .addOption(integerOption('--max-clients <n>', 'most connections at once', 1, 100_000).default(10_000))
    .addOption(integerOption('--lease-ms <ms>', 'lease of the registration with --meta; writes stop a tenth of it before it could expire', 1000, 600_000).default(10_000))
    .action(async (o: NodeCliOptions) => {
      const { runNodeProcess } = await import('./node-run.js');
      await runNodeProcess({ ...o, portNumber: portOf(o.port) });
    });
}
