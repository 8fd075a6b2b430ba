/**
 * The `shardkit` command. Each subcommand lives in its own file and exports
 * `register(program)`; this file wires them up and turns errors into a
 * one-line reason and a non-zero exit code. Registering loads no library
 * module: each command imports what it needs when its action runs, so
 * `shardkit hash redis-slot foo` loads the hash functions and not the lab.
 */
import { Command, CommanderError } from 'commander';
import { ShardkitError } from '../errors.js';
import { commands } from './commands.js';
import { formatVersion, runtimeInfo } from './version.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('shardkit')
    .description('Where data lives when it no longer fits on one machine: placement strategies, their costs, and a lab that measures them.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .option('-v, --version', 'print the version, the Node version, whether the native addon is in use, and the CRC-32C backend');
  program.on('option:version', () => {
    const text = formatVersion(runtimeInfo());
    process.stdout.write(text);
    throw new CommanderError(0, 'commander.version', text);
  });
  for (const register of commands) register(program);
  return program;
}

/** Print a one-line reason for `err` and return the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (and help, for --help).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2;
  }
  if (err instanceof ShardkitError) {
    process.stderr.write(`shardkit: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`shardkit: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

const isMain = process.argv[1] !== undefined && /(?:main\.[jt]s|shardkit(?:\.js)?)$/.test(process.argv[1]);
if (isMain) {
  // `shardkit ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
