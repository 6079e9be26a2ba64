/** `streamhub db …`: provisioning commands that open the database directly. */
import { migrateDatabase } from '@streamhub/db/migrate';
import { Command } from 'commander';
import { type CliContext, configFrom } from '../cli-context.ts';
import { withDatabase } from '../with-database.ts';

export function dbCommand(ctx: CliContext): Command {
  const db = new Command('db').description('database provisioning');
  db.command('migrate')
    .description('apply pending migrations (safe to run repeatedly and from several hosts at once)')
    .action(async () => {
      const config = configFrom(ctx);
      await withDatabase(ctx, (database) => migrateDatabase(database), {
        whenHeld: 'stop it first (`streamhub dev` migrates the database itself when it starts)',
      });
      const where = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}/db`;
      ctx.stdout(`Database is up to date (${where})\n`);
    });
  return db;
}
