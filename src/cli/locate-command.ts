/**
 * `shardkit locate`: where each key goes under a placement strategy, and
 * (with --replicas N) its preference list. Bad input exits 2 with a one-line
 * reason.
 */
import type { Command } from 'commander';
import { isPartitioned } from '../partitioning/placement.js';
import { createPlacement } from '../partitioning/registry.js';
import { type PlacementFlags, addPlacementOptions, createOptions, integer } from './placement-options.js';

interface LocateFlags extends PlacementFlags {
  replicas?: number;
  json?: boolean;
}

/** One key's placement, as printed with --json. */
export interface LocatedKey {
  key: string;
  node: string;
  partition?: number;
  preferenceList?: string[];
}

/** Add `shardkit locate` to the program. */
export function register(program: Command): void {
  const command = program
    .command('locate')
    .description('print the node each key goes to under a placement strategy (and its preference list with --replicas)')
    .argument('<key...>', 'keys to locate (strings, hashed as UTF-8)');
  addPlacementOptions(command)
    .addOption(command.createOption('-r, --replicas <n>', 'also print the first n distinct nodes for each key (Dynamo preference list)').argParser(integer('--replicas', 1, 1_000_000)))
    .option('--json', 'print a JSON array of {key, node, partition?, preferenceList?}')
    .addHelpText(
      'after',
      '\nDefaults: nodes a,b,c,d,e; every strategy parameter at its library default.\nExamples:\n  shardkit locate --strategy ring user:1 user:2\n  shardkit locate --strategy redis-slots --nodes n1,n2,n3 "{user1000}.following"\n  shardkit locate --strategy slots --partitions 64 --replicas 3 --json user:42\n',
    )
    .action((keys: string[], flags: LocateFlags) => {
      const placement = createPlacement(flags.strategy, createOptions(flags));
      const rows: LocatedKey[] = keys.map((key) => {
        const row: LocatedKey = { key, node: placement.locate(key) };
        if (isPartitioned(placement)) row.partition = placement.partitionOf(key);
        if (flags.replicas !== undefined) row.preferenceList = placement.preferenceList(key, flags.replicas);
        return row;
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        const where = r.preferenceList ? r.preferenceList.join(', ') : r.node;
        const partition = r.partition !== undefined ? `  (partition ${r.partition})` : '';
        process.stdout.write(`${r.key} → ${where}${partition}\n`);
      }
    });
}
