/**
 * `shardkit meta --port 7000 --data ./data/meta [--host 127.0.0.1]`: the
 * embedded metadata service of a cluster on one machine (the map, members
 * with leases, and later the rebalancing journal), durable in its data
 * directory. Not a consensus system: beyond one machine, use etcd or
 * ZooKeeper (`cluster up --meta zookeeper`, `--meta zk://…`). `register` stays cheap: the service is imported
 * in the action.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('meta')
    .description('run the embedded metadata service (one machine; durable log + snapshot in --data)')
    .requiredOption('--data <dir>', 'data directory (one service per directory)')
    .option('--port <port>', 'TCP port (0: any free port)', '7000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { data: string; port: string; host: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('--port', o.port, 'an integer 0 … 65535 (0: any free port)');
      const { runMetaService } = await import('../cluster/meta/service.js');
      await runMetaService({ dataDir: o.data, host: o.host, port });
    });
}
