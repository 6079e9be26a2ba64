/** Entry of the `streamhub` command. */
import { ConfigError } from '@streamhub/config/config';
import { AppError } from '@streamhub/errors/app-error';
import { CliError } from './cli-error.ts';
import { createProgram } from './program.ts';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
  if (error instanceof CliError || error instanceof ConfigError || error instanceof AppError) {
    process.stderr.write(`streamhub: ${error.message}\n`);
  } else {
    // A bug, not a user mistake: keep the stack so it can be reported.
    process.stderr.write(
      `streamhub: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
}
