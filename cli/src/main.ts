/** Entry of the `streamhub` command. */
import { CliError, failureLine } from './cli-error.ts';
import { createProgram } from './program.ts';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
  // Never the stack or the raw error: they can quote secrets (see failureLine).
  process.stderr.write(`${failureLine(error)}\n`);
}
