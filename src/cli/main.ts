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

const VERSION_ASKED = 'shardkit.versionAsked';

/** The `shardkit` program with every subcommand registered (cheap: no library module is loaded). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('shardkit')
    .description('Where data lives when it no longer fits on one machine: placement strategies, their costs, and a lab that measures them.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .option('-v, --version', 'print the version, the Node version, whether the native addon is in use, and the CRC-32C backend');
  // -v stops the parse here; the version is printed after it (below), where the runtime info can be loaded lazily.
  program.on('option:version', () => {
    throw new CommanderError(0, VERSION_ASKED, '');
  });
  const parseAsync = program.parseAsync.bind(program);
  program.parseAsync = async (...args: Parameters<Command['parseAsync']>) => {
    try {
      return await parseAsync(...args);
    } catch (e) {
      if (!(e instanceof CommanderError) || e.code !== VERSION_ASKED) throw e;
      await (await import('./version.js')).printVersion();
      throw new CommanderError(0, 'commander.version', '');
    }
  };
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
