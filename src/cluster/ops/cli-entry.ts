/**
 * How to start another `shardkit` process (a node, the metadata service)
 * from this one: the same Node binary (`process.execPath`) with the same
 * runtime flags (`process.execArgv`, e.g. a loader), on the CLI entry this
 * process runs from. Resolved in this order, so it works from the compiled
 * package, from the TypeScript sources and inside tests:
 *
 * 1. `SHARDKIT_CLI` in the environment (a path to the entry script);
 * 2. the script this process runs (`process.argv[1]`) when it is a shardkit
 *    entry (`bin/shardkit.js`, `shardkit`, `cli/main.js|ts`);
 * 3. the package's `bin/shardkit.js`, found from this module's location
 *    (src/cluster/ops/ or its compiled twin are three levels below the root).
 */
import * as fs from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from '../../errors.js';

/** The command (binary and arguments before the subcommand) that runs the shardkit CLI. */
export interface CliCommand {
  readonly file: string;
  readonly args: readonly string[];
}

const ENTRY = /^(?:shardkit[\w.-]*|main\.[cm]?[jt]s)$/;

/** The CLI entry to start child processes with. StateError when none is found. O(1) file checks. */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): CliCommand {
  const fromEnv = env.SHARDKIT_CLI;
  const argv1 = process.argv[1];
  const packaged = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'shardkit.js');
  const candidates = [fromEnv, argv1 !== undefined && ENTRY.test(basename(argv1)) ? argv1 : undefined, packaged];
  for (const c of candidates) {
    if (c === undefined || c.length === 0) continue;
    const path = resolve(c);
    if (fs.existsSync(path)) {
      // Test runners add their own flags (workers, inspectors); keep only loader flags.
      const args = process.execArgv.filter((a, i, all) => /^--(?:import|loader|require|experimental-)/.test(a) || /^--(?:import|loader|require)$/.test(all[i - 1] ?? ''));
      return { file: process.execPath, args: [...args, path] };
    }
  }
  throw new StateError(`cannot find the shardkit CLI to start processes with (tried ${candidates.filter(Boolean).join(', ')}); set SHARDKIT_CLI to its entry script`);
}
