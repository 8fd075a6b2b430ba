/** Entry point of the CLI bundle the process harness starts (same program as bin/shardkit). */
import { buildProgram, reportError } from '../../cli/main.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err);
}
