/**
 * `shardkit locate`: where each key goes under a placement strategy, and
 * (with --replicas N) its preference list. Keys come from argv, as hex or
 * base64 bytes, or from a file or stdin (key-input.ts). Bad input exits 2
 * with a one-line reason. The strategies are loaded only when it runs.
 */
import type { Command } from 'commander';
import { type KeyInputFlags, addKeyInputOptions, readKeys } from './key-input.js';
import { integerOption } from './parse.js';
import { type PlacementFlags, addPlacementOptions, checkPlacementSize, createOptions } from './placement-options.js';

interface LocateFlags extends PlacementFlags, KeyInputFlags {
  replicas?: number;
  json?: boolean;
}

/** One key's placement, as printed with --json. */
export interface LocatedKey {
  /** The key as text; null when given as bytes that are not valid UTF-8 (see `hex`). */
  key: string | null;
  /** The key's bytes in hex, when it was given as bytes (--hex, --base64, --file). */
  hex?: string;
  node: string;
  partition?: number;
  preferenceList?: string[];
}

async function run(args: string[], flags: LocateFlags): Promise<void> {
  checkPlacementSize(flags);
  const [{ isPartitioned }, { createPlacement }] = await Promise.all([import('../partitioning/placement.js'), import('../partitioning/registry.js')]);
  const placement = createPlacement(flags.strategy, createOptions(flags));
  const rows: LocatedKey[] = readKeys(args, flags).map((k) => {
    const row: LocatedKey = { key: k.text ?? null, node: placement.locate(k.key) };
    if (k.hex !== undefined) row.hex = k.hex;
    if (isPartitioned(placement)) row.partition = placement.partitionOf(k.key);
    if (flags.replicas !== undefined) row.preferenceList = placement.preferenceList(k.key, flags.replicas);
    return row;
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  for (const r of rows) {
    const where = r.preferenceList ? r.preferenceList.join(', ') : r.node;
    const partition = r.partition !== undefined ? `  (partition ${r.partition})` : '';
    process.stdout.write(`${r.key ?? `0x${r.hex}`} → ${where}${partition}\n`);
  }
}

/** Add `shardkit locate` to the program. */
export function register(program: Command): void {
  const command = program
    .command('locate')
    .description('print the node each key goes to under a placement strategy (and its preference list with --replicas)')
    .argument('[key...]', 'keys to locate (strings, hashed as UTF-8; with --hex or --base64, bytes)');
  addKeyInputOptions(addPlacementOptions(command))
    .addOption(integerOption('-r, --replicas <n>', 'also print the first n distinct nodes for each key (Dynamo preference list)', 1, 10_000))
    .option('--json', 'print a JSON array of {key, hex?, node, partition?, preferenceList?}')
    .addHelpText(
      'after',
      '\nDefaults: nodes a,b,c,d,e; every strategy parameter at its library default.\nExamples:\n  shardkit locate --strategy ring user:1 user:2\n  shardkit locate --strategy redis-slots --nodes n1,n2,n3 "{user1000}.following"\n  shardkit locate --strategy slots --partitions 64 --replicas 3 --json user:42\n  shardkit locate --strategy ring --hex 757365723a31     the bytes of "user:1"\n  shardkit locate --strategy jump --file keys.txt --json\n',
    )
    .action(run);
}
