/**
 * `shardkit router --port 7000 --meta <url> [--cluster name] [--host 127.0.0.1]`:
 * the routing tier, a RESP proxy any Redis client (no cluster mode) talks to
 * as to one Redis. `register` stays cheap: the router is imported in the action.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('router')
    .description('run the routing tier: a RESP proxy that routes each command to its owner by the map in the metadata service')
    .requiredOption('--meta <url>', 'metadata service URL (http://127.0.0.1:7100)')
    .option('--cluster <name>', 'cluster name in the metadata service', 'default')
    .option('--port <port>', 'TCP port (0: any free port)', '7000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o: { meta: string; cluster: string; port: string; host: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('--port', o.port, 'an integer 0 … 65535 (0: any free port)');
      const { startRouter } = await import('../cluster/router/router.js');
      const router = await startRouter({ meta: o.meta, cluster: o.cluster, host: o.host, port });
      process.stdout.write(`shardkit router listening on ${router.host}:${router.port} (map epoch ${router.epoch()})\n`);
      const stop = (): void => {
        void router.close().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
