/**
 * `shardkit cluster up | down | status`: a cluster on this machine — the
 * metadata service and N nodes on loopback, as child processes, their data,
 * logs and pid files under `--dir`. `up` stays in the foreground (Ctrl-C or
 * SIGTERM stops everything) unless `--detach`. `register` stays cheap: the
 * operations are imported in the actions.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { integerOption } from './parse.js';

interface UpCli {
  nodes: number;
  strategy: string;
  dir: string;
  port: string;
  metaPort?: string;
  meta: string;
  name: string;
  fsync: string;
  forward?: boolean;
  detach?: boolean;
  json?: boolean;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(name, v, 'an integer');
  return n;
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description('run a cluster on this machine: metadata service + N nodes (up | down | status)');
  cluster
    .command('up')
    .description('start the metadata service and N nodes on loopback, wait until each serves, print the addresses')
    .addOption(integerOption('--nodes <n>', 'number of nodes', 1, 64).default(3))
    .option('--strategy <name>', 'placement strategy', 'redis-slots')
    .option('--dir <path>', 'cluster directory (data, logs, pid files)', './cluster')
    .option('--port <port>', 'port of the first node (the others follow)', '7001')
    .option('--meta-port <port>', 'port of the metadata service (default: --port − 1)')
    .option('--meta <kind|address>', "metadata service: embedded (shardkit meta), zookeeper or etcd (start Debian's ZooKeeper or etcd on --meta-port), or a running one: zk://host:port[/path], etcd://host:port, http://host:port", 'embedded')
    .option('--name <name>', 'cluster name (its key prefix in the metadata service)', 'default')
    .option('--fsync <mode>', 'always | interval | never (passed to each node)', 'always')
    .option('--forward', 'nodes forward requests for keys they do not own (for placements Redis clients cannot compute)')
    .option('--detach', 'start in the background and return; stop with `cluster down`')
    .option('--json', 'print the started cluster as JSON')
    .action(async (o: UpCli) => {
      if (!['always', 'interval', 'never'].includes(o.fsync)) throw new InvalidArgumentError('--fsync', o.fsync, 'always, interval, never');
      const { runUp } = await import('../cluster/ops/up-cli.js');
      await runUp({
        dir: o.dir,
        nodes: o.nodes,
        strategy: o.strategy,
        port: int('--port', o.port) as number,
        metaPort: int('--meta-port', o.metaPort),
        meta: o.meta,
        name: o.name,
        fsync: o.fsync as 'always',
        forward: o.forward === true,
        detach: o.detach === true,
        json: o.json === true,
      });
    });
  cluster
    .command('down')
    .description('stop the processes `cluster up` started in --dir (by pid, checking each is still the one started)')
    .option('--dir <path>', 'cluster directory', './cluster')
    .option('--json', 'print what was stopped as JSON')
    .action(async (o: { dir: string; json?: boolean }) => {
      const { runDown } = await import('../cluster/ops/up-cli.js');
      await runDown(o.dir, o.json === true);
    });
  cluster
    .command('status')
    .description('nodes (address, alive, partitions, keys), the metadata service and the epoch')
    .option('--dir <path>', 'cluster directory', './cluster')
    .option('--json', 'print as JSON, for scripts')
    .action(async (o: { dir: string; json?: boolean }) => {
      const { runStatus } = await import('../cluster/ops/up-cli.js');
      await runStatus(o.dir, o.json === true);
    });
}
