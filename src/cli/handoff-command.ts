/**
 * `shardkit handoff`: run seeded simulations of leaderless replication with
 * hinted handoff under random node failures, with a sloppy and a strict
 * quorum side by side, and print what happened: writes that succeeded, hints
 * stored / delivered / expired / rejected, reads that saw stale data before
 * handoff, and whether every check held. Bad options exit with code 2.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { simulateSeeds, type SimulationTotals } from '../replication/simulation.js';

interface HandoffCliOptions {
  seeds: number;
  seed: number;
  nodes: number;
  n: number;
  w: number;
  r: number;
  steps: number;
  ttl: number;
  failureRate: number;
  json?: boolean;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw new CommanderArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return Number(value);
  };
}

function probability(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new CommanderArgumentError('--failure-rate must be a number from 0 to 1');
  return x;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function rowsOf(label: string, t: SimulationTotals): string[] {
  return [
    label,
    `${t.writes.succeeded}/${t.writes.attempted} (${pct(t.writeSuccessShare)})`,
    String(t.writes.sloppy),
    String(t.hints.stored),
    String(t.hints.delivered),
    String(t.hints.expired),
    String(t.hints.rejected),
    `${t.reads.stale}/${t.reads.succeeded} (${pct(t.staleReadShare)})`,
    t.violations.length === 0 ? 'ok' : `${t.violations.length} broken`,
  ];
}

export function register(program: Command): void {
  program
    .command('handoff')
    .description('simulate hinted handoff under random node failures: sloppy vs strict quorum (seeded, reproducible)')
    .option('--seeds <count>', 'histories per mode', integer('--seeds', 1, 100_000), 200)
    .option('--seed <first>', 'first seed', integer('--seed', 0, 2 ** 31), 1)
    .option('--nodes <count>', 'nodes in the cluster', integer('--nodes', 1, 1000), 6)
    .option('--n <count>', 'replication factor N', integer('--n', 1, 1000), 3)
    .option('--w <count>', 'write quorum W', integer('--w', 1, 1000), 2)
    .option('--r <count>', 'read quorum R', integer('--r', 1, 1000), 2)
    .option('--steps <count>', 'operations per history', integer('--steps', 1, 1_000_000), 300)
    .option('--ttl <ms>', 'hint time-to-live in simulated ms (10 ms per step)', integer('--ttl', 1, 1e9), 400)
    .option('--failure-rate <p>', 'probability per step that a node fails', probability, 0.05)
    .option('--json', 'print the totals as JSON')
    .action((o: HandoffCliOptions) => {
      const base = { nodes: o.nodes, n: o.n, w: o.w, r: o.r, steps: o.steps, hintTtlMs: o.ttl, failureRate: o.failureRate };
      const sloppy = simulateSeeds({ ...base, sloppyQuorum: true }, o.seeds, o.seed);
      const strict = simulateSeeds({ ...base, sloppyQuorum: false }, o.seeds, o.seed);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ options: { ...base, seeds: o.seeds, firstSeed: o.seed }, sloppy, strict }, null, 2)}\n`);
        return;
      }
      const head = ['quorum', 'writes ok', 'sloppy', 'hints stored', 'delivered', 'expired', 'rejected', 'stale reads', 'checks'];
      const table = [head, rowsOf('sloppy', sloppy), rowsOf('strict', strict)];
      const widths = head.map((_, i) => Math.max(...table.map((r) => (r[i] as string).length)));
      process.stdout.write(`${o.seeds} seeded histories per mode (seeds ${o.seed}…${o.seed + o.seeds - 1}), ${o.nodes} nodes, N=${o.n} W=${o.w} R=${o.r}, hint TTL ${o.ttl} ms\n`);
      for (const r of table) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}\n`);
      for (const v of [...sloppy.violations, ...strict.violations].slice(0, 5)) process.stdout.write(`broken: ${v}\n`);
    });
}
