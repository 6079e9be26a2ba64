import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './client.ts';
import { DATA_DIR_LOCK_FILE, DataDirLockedError } from './data-dir-lock.ts';
import { migrateDatabase } from './migrate.ts';
import { users } from './schema/users.ts';
import { createTestDatabase, testDatabases } from './testing.ts';

describe('openDatabase with PGlite on a data directory', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its data in <dataDir>/db across close and reopen', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamhub-db-'));
    const nested = join(dataDir, 'not', 'yet', 'there');

    const first = await openDatabase({ dataDir: nested });
    try {
      expect(first.driver).toBe('pglite');
      await migrateDatabase(first);
      await first.db.insert(users).values({ email: 'persist@example.com', username: 'persist' });
    } finally {
      await first.close();
    }
    expect(existsSync(join(nested, 'db', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(nested, DATA_DIR_LOCK_FILE))).toBe(false);

    const second = await openDatabase({ dataDir: nested });
    try {
      await migrateDatabase(second);
      const rows = await second.db.select().from(users);
      expect(rows.map((row) => row.email)).toEqual(['persist@example.com']);
    } finally {
      await second.close();
    }
  });

  it('holds the directory while open: a second open is refused until the first closes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamhub-db-'));
    try {
      const first = await openDatabase({ dataDir: dir, lockCommand: 'streamhub dev' });
      expect(existsSync(join(dir, DATA_DIR_LOCK_FILE))).toBe(true);
      const refused = await openDatabase({ dataDir: dir }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as DataDirLockedError).holder).toMatchObject({
        pid: process.pid,
        command: 'streamhub dev',
      });
      await first.close();
      expect(existsSync(join(dir, DATA_DIR_LOCK_FILE))).toBe(false);
      await (await openDatabase({ dataDir: dir })).close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('openDatabase', () => {
  it('refuses options that name no database', async () => {
    await expect(openDatabase({})).rejects.toThrow(/databaseUrl, dataDir or inMemory/);
  });
});

describe.each(testDatabases())('Database on %s', (driver) => {
  it('answers ping while open and not after close', async () => {
    const database = await createTestDatabase(driver);
    try {
      expect(database.driver).toBe(driver);
      await expect(database.ping()).resolves.toBeUndefined();
    } finally {
      await database.close();
    }
    await expect(database.ping()).rejects.toThrow();
  });

  it('closes idempotently, also when close is called concurrently', async () => {
    const database = await createTestDatabase(driver);
    await Promise.all([database.close(), database.close()]);
    await expect(database.close()).resolves.toBeUndefined();
  });
});

describe('every PGlite session', () => {
  // PGLITE_SESSION_SETTINGS: without it each new WAL segment is zero-filled on the process's thread.
  const walInitZero = async (database: Database) => {
    if (database.driver !== 'pglite') throw new Error('not PGlite');
    const { rows } = await database.client.query<{ value: string }>(
      "select current_setting('wal_init_zero') as value",
    );
    return rows[0]?.value;
  };

  it('runs with wal_init_zero off, in memory, on a data directory and from the test snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamhub-db-'));
    try {
      for (const open of [
        () => openDatabase({ inMemory: true }),
        () => openDatabase({ dataDir: dir }),
        () => createTestDatabase('pglite'),
      ]) {
        const database = await open();
        try {
          expect(await walInitZero(database)).toBe('off');
        } finally {
          await database.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
