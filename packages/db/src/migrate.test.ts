import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './client.ts';
import { migrateDatabase } from './migrate.ts';
import { users } from './schema/users.ts';
import { createScratchPostgresDatabase, createTestDatabase, testDatabases } from './testing.ts';

const journal = JSON.parse(
  readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
) as {
  entries: unknown[];
};

async function appliedMigrations(database: Database): Promise<number> {
  const [row] = await database.db
    .select({ count: sql<number>`count(*)::int` })
    .from(sql`drizzle.__drizzle_migrations`);
  return row?.count ?? 0;
}

const opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});

describe.each(testDatabases())('migrateDatabase on %s', (driver) => {
  it('creates the users schema and records every migration', async () => {
    const database = await createTestDatabase(driver);
    opened.push(database);

    const [row] = await database.db
      .select({ table: sql<string | null>`to_regclass('users.users')::text` })
      .from(sql`(select 1) as one`);
    expect(row?.table).toBe('users.users');
    expect(journal.entries.length).toBeGreaterThan(0);
    expect(await appliedMigrations(database)).toBe(journal.entries.length);
  });

  it('is a no-op the second time and keeps the data', async () => {
    const database = await createTestDatabase(driver);
    opened.push(database);
    await database.db.insert(users).values({ email: 'kept@example.com', username: 'kept' });

    await migrateDatabase(database);

    expect(await appliedMigrations(database)).toBe(journal.entries.length);
    expect(await database.db.$count(users)).toBe(1);
  });
});

describe('migrateDatabase on postgres with several replicas starting at once', () => {
  it('lets concurrent migrators on separate connections all succeed', async () => {
    const scratch = await createScratchPostgresDatabase();
    try {
      const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: scratch.url })));
      opened.push(...replicas);

      await Promise.all(replicas.map((database) => migrateDatabase(database)));

      const [first] = replicas;
      if (!first) throw new Error('no replica');
      expect(await appliedMigrations(first)).toBe(journal.entries.length);
      await first.db.insert(users).values({ email: 'after@example.com', username: 'after' });
      expect(await first.db.$count(users)).toBe(1);
    } finally {
      await Promise.all(opened.splice(0).map((database) => database.close()));
      await scratch.drop();
    }
  });
});
