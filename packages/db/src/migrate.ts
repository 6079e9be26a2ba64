/** Applies the drizzle-kit migrations in `packages/db/drizzle` with the migrator of the open driver. */
import { fileURLToPath } from 'node:url';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.ts';

// Relative to this file, not the cwd, so the CLI, the gateway and tests find it from anywhere.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

// Arbitrary but fixed: every StreamHub process must contend for the same advisory lock.
const MIGRATION_LOCK_KEY = 0x5354524d; // "STRM"

/**
 * Brings the schema up to date. Already applied migrations are skipped, so calling it again is a
 * no-op. On PostgreSQL, concurrent callers (replicas starting together) run one after another.
 */
export async function migrateDatabase(
  database: Database,
  /** Another folder of migrations: tests that stop at an earlier migration pass a truncated copy. */
  migrationsFolder = MIGRATIONS_FOLDER,
): Promise<void> {
  const config = { migrationsFolder };
  if (database.driver === 'pglite') {
    // PGlite is a single connection inside this process: nothing else can race it.
    await migratePglite(drizzlePglite({ client: database.client }), config);
    return;
  }
  // drizzle's migrator runs `create schema if not exists` and reads the last applied migration outside
  // its transaction, so two unserialised migrators can both try to apply the same migration. A session
  // lock must stay on one connection; the migration itself runs on another from the pool (a reserved
  // postgres-js connection has no `begin`).
  const reserved = await database.client.reserve();
  try {
    await reserved`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migratePostgres(drizzlePostgres({ client: database.client }), config);
    } finally {
      await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    reserved.release();
  }
}
