/** `streamhub db …`: provisioning commands that open the database directly. */
import { openDatabase } from '@streamhub/db/client';
import { migrateDatabase } from '@streamhub/db/migrate';
import { Command } from 'commander';
import { type CliContext, configFrom } from '../cli-context.ts';

export function dbCommand(ctx: CliContext): Command {
  const db = new Command('db').description('database provisioning');
  db.command('migrate')
    .description('apply pending migrations (safe to run repeatedly and from several hosts at once)')
    .action(async () => {
      const config = configFrom(ctx);
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await migrateDatabase(database);
        const where = database.driver === 'postgres' ? 'PostgreSQL' : `PGlite in ${config.dataDir}/db`;
        ctx.stdout(`Database is up to date (${where})\n`);
      } finally {
        await database.close();
      }
    });
  return db;
}
