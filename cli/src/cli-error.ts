/** A user-facing CLI failure: printed as one line on stderr, never with a stack trace. */
import { ConfigError } from '@streamhub/config/config';
import { AppError } from '@streamhub/errors/app-error';

export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const MAX_LINE = 300;

/**
 * The one line `streamhub` prints for a failed command. A CliError, ConfigError or AppError is written
 * for the user and printed as it is. Anything else failed underneath (a bug, the database, the network);
 * its message and stack may quote what a query was given (a password hash, a token), so only its kind is
 * printed, with the database's own reason (SQLSTATE and message, never the query or its parameters) when
 * there is one.
 */
export function failureLine(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError || error instanceof AppError)
    return `streamhub: ${error.message}`;
  const database = databaseReason(error);
  if (database) return `streamhub: the database failed: ${database}`;
  if (!(error instanceof Error)) return 'streamhub: unexpected error';
  // The first line only: drizzle, for one, puts a failed query's parameters on the second.
  const firstLine = error.message.split('\n', 1)[0]?.slice(0, MAX_LINE) ?? '';
  return `streamhub: unexpected error: ${error.name}${firstLine ? `: ${firstLine}` : ''}`;
}

/** `<message> (SQLSTATE <code>)` of the first Postgres error in the cause chain. */
function databaseReason(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 5; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    const { code, message } = current as { code?: unknown; message?: unknown };
    // Five characters with a digit: a SQLSTATE, not a Node code such as EPERM.
    if (typeof code === 'string' && /^(?=.*\d)[0-9A-Z]{5}$/.test(code) && typeof message === 'string')
      return `${message.split('\n', 1)[0]?.slice(0, MAX_LINE)} (SQLSTATE ${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
