/**
 * `shardkit handoff`: run seeded simulations of leaderless replication with
 * hinted handoff under random node failures, with a sloppy and a strict
 * quorum side by side, and print what happened: writes that succeeded, hints
 * stored / delivered / expired / rejected, reads that saw stale data before
 * handoff, and whether every check held. Bad options exit with code 2.
 */
import { type Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import type { SimulationTotals } from '../replication/simulation.js';
import { grouped, integerOption } from './parse.js';

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

/** Most operations one invocation simulates (seeds × steps, per mode). */
export const MAX_SIMULATED_STEPS = 100_000_000;

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
    .addOption(integerOption('--seeds <count>', 'histories per mode', 1, 100_000).default(200))
    .addOption(integerOption('--seed <first>', 'first seed', 0, 2 ** 31).default(1))
    .addOption(integerOption('--nodes <count>', 'nodes in the cluster', 1, 1000).default(6))
    .addOption(integerOption('--n <count>', 'replication factor N', 1, 1000).default(3))
    .addOption(integerOption('--w <count>', 'write quorum W', 1, 1000).default(2))
    .addOption(integerOption('--r <count>', 'read quorum R', 1, 1000).default(2))
    .addOption(integerOption('--steps <count>', `operations per history; seeds × steps at most ${grouped(MAX_SIMULATED_STEPS)}`, 1, 1_000_000).default(300))
    .addOption(integerOption('--ttl <ms>', 'hint time-to-live in simulated ms (10 ms per step)', 1, 1e9).default(400))
    .option('--failure-rate <p>', 'probability per step that a node fails (0–1)', probability, 0.05)
    .option('--json', 'print the totals as JSON')
    .action(async (o: HandoffCliOptions) => {
      if (o.seeds * o.steps > MAX_SIMULATED_STEPS) throw new InvalidArgumentError('--seeds × --steps', o.seeds * o.steps, `at most ${grouped(MAX_SIMULATED_STEPS)} simulated operations per mode`);
      const { simulateSeeds } = await import('../replication/simulation.js');
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
