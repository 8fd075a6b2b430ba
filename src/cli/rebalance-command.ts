/**
 * `shardkit rebalance plan | show | list | approve | pause | resume | cancel | status`:
 * live rebalancing of a partitioned cluster (slots, redis-slots). `plan`
 * reads the map from the metadata service and SK.PARTSTATS from every node,
 * computes the moves (src/cluster/rebalance/plan.ts) and stores the plan,
 * `proposed`; nothing moves until a person approves it. `approve` and
 * `resume` then run the executor in the foreground unless `--no-run`
 * (Ctrl-C stops the executor; its journal lets the next run go on). The cluster is found from `--dir` (cluster.json, as `cluster
 * status` reads it) or `--meta <url>` with `--name`. `register` stays cheap:
 * the work is imported in the actions.
 */
import type { Command } from 'commander';
import { integerOption } from './parse.js';

interface Where {
  dir: string;
  meta?: string;
  name?: string;
}

function where(cmd: Command): Command {
  return cmd
    .option('--dir <path>', 'cluster directory (its cluster.json names the metadata service and the cluster)', './cluster')
    .option('--meta <url>', 'metadata service address instead of --dir (http://host:port, etcd://…, zk://…)')
    .option('--name <name>', 'cluster name (key prefix in the metadata service); default: from --dir, else "default"');
}

const ops = () => import('../cluster/ops/rebalance-cli.js');

export function register(program: Command): void {
  const rb = program.command('rebalance').description('move partitions between nodes of a running slots / redis-slots cluster: plan, approve, watch (plan | show | list | approve | pause | resume | cancel | status)');
  where(
    rb
      .command('plan')
      .description('compute and store a plan (state proposed) for adding a node, removing one, or evening out keys or bytes; prints its moves and id')
      .option('--add <id>', 'add node <id> (with --address)')
      .option('--address <host:port>', 'address of the node to add')
      .option('--weight <w>', 'weight of the node to add', '1')
      .option('--remove <id>', 'remove node <id> (its partitions go to the others)')
      .option('--balance', 'even out the nodes by --by')
      .option('--by <metric>', 'keys | bytes | load (load is refused: nodes keep no per-partition load counter yet)', 'keys')
      .addOption(integerOption('--max-bytes-per-sec <n>', 'bytes per second each node sends, and each receives, at most', 1, 2 ** 40).default(40 * 1024 * 1024))
      .addOption(integerOption('--moves-per-node <n>', 'moves at once per node', 1, 64).default(2))
      .option('--json', 'print the plan as JSON'),
  ).action(async (o: Where & { add?: string; address?: string; weight: string; remove?: string; balance?: boolean; by: string; maxBytesPerSec: number; movesPerNode: number; json?: boolean }) => {
    await (await ops()).runPlan(o);
  });
  where(rb.command('show <id>').description('a plan: its state, moves and estimate').option('--json', 'print plan and journal as JSON')).action(async (id: string, o: Where & { json?: boolean }) => {
    await (await ops()).runShow(id, o);
  });
  where(rb.command('list').description('every plan, oldest first').option('--json', 'print as JSON')).action(async (o: Where & { json?: boolean }) => {
    await (await ops()).runList(o);
  });
  where(rb.command('approve <id>').description('approve a proposed plan and run it (the executor, in the foreground) unless --no-run').option('--no-run', 'only approve; an executor runs it later')).action(
    async (id: string, o: Where & { run: boolean }) => {
      await (await ops()).runTransition('approve', id, o);
    },
  );
  where(rb.command('pause [id]').description('pause the plan (default: the active one); the executor stops after the move under way')).action(async (id: string | undefined, o: Where) => {
    await (await ops()).runTransition('pause', id, o);
  });
  where(rb.command('resume <id>').description('resume a paused plan (paused → approved) and run it unless --no-run').option('--no-run', 'only resume; an executor runs it later')).action(
    async (id: string, o: Where & { run: boolean }) => {
      await (await ops()).runTransition('resume', id, o);
    },
  );
  where(rb.command('cancel <id>').description('cancel a plan; moves already committed stay')).action(async (id: string, o: Where) => {
    await (await ops()).runTransition('cancel', id, o);
  });
  where(rb.command('status [id]').description('progress of a plan (default: the active one, else the newest): each move with bytes copied, phase, lag, and an ETA').option('--json', 'print plan and journal as JSON')).action(
    async (id: string | undefined, o: Where & { json?: boolean }) => {
      await (await ops()).runStatus(id, o);
    },
  );
}
