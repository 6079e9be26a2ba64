/** Opens the configured database for one provisioning command and always closes it. */
import { type Database, openDatabase } from '@streamhub/db/client';
import { type CliContext, configFrom } from './cli-context.ts';

export async function withDatabase<T>(ctx: CliContext, work: (database: Database) => Promise<T>): Promise<T> {
  const config = configFrom(ctx);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
