/** Opens the configured database for one provisioning command and always closes it. */
import { type Database, openDatabase } from '@streamhub/db/client';
import { DataDirLockedError, describeHolder } from '@streamhub/db/data-dir-lock';
import { type CliContext, configFrom } from './cli-context.ts';
import { CliError } from './cli-error.ts';

/**
 * Runs `work` on the database. An embedded data directory that another process holds is refused with
 * one line naming the holder; so is a database whose tables were never created.
 */
export async function withDatabase<T>(
  ctx: CliContext,
  work: (database: Database) => Promise<T>,
  { whenHeld = 'stop it first' }: { whenHeld?: string } = {},
): Promise<T> {
  const config = configFrom(ctx);
  let database: Database;
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw heldBy(error, whenHeld);
    throw error;
  }
  try {
    return await work(database);
  } catch (error) {
    throw notMigrated(error) ?? error;
  } finally {
    await database.close();
  }
}

/** `<dir> is held by another StreamHub process (pid 1234, streamhub dev): <what to do>`. */
export function heldBy(error: DataDirLockedError, whatToDo: string): CliError {
  return new CliError(
    `${error.dataDir} is held by another StreamHub process (${describeHolder(error.holder)}): ${whatToDo}`,
  );
}

// SQLSTATE undefined_table and invalid_schema_name: the migrations never ran on this database.
const NOT_MIGRATED = new Set(['42P01', '3F000']);

/** The one-line error for a query on a database without StreamHub's tables, else undefined. */
export function notMigrated(error: unknown): CliError | undefined {
  for (let current = error, depth = 0; depth < 5; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    if ('code' in current && typeof current.code === 'string' && NOT_MIGRATED.has(current.code))
      return new CliError('the database has no StreamHub tables yet: run `streamhub db migrate`');
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}
