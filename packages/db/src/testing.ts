/**
 * Migrated, isolated databases for repository tests on both drivers.
 *
 * This module reads `process.env` (TEST_DATABASE_URL): test helpers are the one allowed exception to
 * "only packages/config reads the environment".
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { type Database, type Driver, fromPglite, openDatabase } from './client.ts';
import { migrateDatabase } from './migrate.ts';

const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The drivers every repository test runs against, for `describe.each(testDatabases())`. */
export function testDatabases(): Driver[] {
  return ['pglite', 'postgres'];
}

/**
 * A freshly migrated database that no other test file sees. PGlite: a new in-memory instance.
 * PostgreSQL: a new database `streamhub_test_<random>` on TEST_DATABASE_URL's server, dropped by
 * `close()`. Always close it, or the test process does not exit.
 */
export async function createTestDatabase(driver: Driver): Promise<Database> {
  return driver === 'pglite' ? createPgliteTestDatabase() : createPostgresTestDatabase();
}

// Booting and migrating PGlite costs ~2 s; loading a dump of the migrated data dir ~0.7 s. This is what
// PGlite's own clone() does, but keeping the dump instead of a live template leaves nothing open.
let migratedSnapshot: Promise<Blob> | undefined;

async function createPgliteTestDatabase(): Promise<Database> {
  if (migratedSnapshot) return fromPglite(await PGlite.create({ loadDataDir: await migratedSnapshot }));
  const first = openDatabase({ inMemory: true }).then(async (database) => {
    await migrateDatabase(database);
    return database;
  });
  migratedSnapshot = first.then((database) => {
    if (database.driver !== 'pglite') throw new Error('unreachable: in-memory database is PGlite');
    return database.client.dumpDataDir('none');
  });
  migratedSnapshot.catch(() => {
    migratedSnapshot = undefined;
  });
  const [database] = await Promise.all([first, migratedSnapshot]);
  return database;
}

async function createPostgresTestDatabase(): Promise<Database> {
  const scratch = await createScratchPostgresDatabase();
  let database: Database | undefined;
  try {
    database = await openDatabase({ databaseUrl: scratch.url });
    await migrateDatabase(database);
  } catch (error) {
    await database?.close();
    await scratch.drop();
    throw error;
  }
  const { close } = database;
  let closed: Promise<void> | undefined;
  return {
    ...database,
    close: () => {
      closed ??= close().then(scratch.drop);
      return closed;
    },
  };
}

export interface ScratchPostgresDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  /** Drops the database, disconnecting whoever is still on it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * An empty, unmigrated database `streamhub_test_<random>` on TEST_DATABASE_URL's server, for tests
 * that need several connections of their own (e.g. concurrent migrators). Drop it when done.
 */
export async function createScratchPostgresDatabase(): Promise<ScratchPostgresDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const name = `streamhub_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, async (admin) => {
    await admin.unsafe(`create database "${name}"`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop: () => {
      dropped ??= dropDatabase(serverUrl, name);
      return dropped;
    },
  };
}

function dropDatabase(serverUrl: string, name: string): Promise<void> {
  return withAdmin(serverUrl, async (admin) => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  });
}

async function withAdmin(serverUrl: string, work: (admin: postgres.Sql) => Promise<void>): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await work(admin);
  } catch (error) {
    if (!isConnectionError(error)) throw error;
    throw new Error(
      `PostgreSQL for tests is not reachable at ${redact(serverUrl)} (${messageOf(error)}). ` +
        'Start it, or point TEST_DATABASE_URL at a server where this user may create databases, ' +
        'e.g. TEST_DATABASE_URL=postgres://postgres:secret@localhost:5432/postgres',
      { cause: error },
    );
  } finally {
    await admin.end({ timeout: 5 });
  }
}

function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  // Node socket errors, postgres-js' own timeouts, and the server refusing the login or the database.
  return (
    typeof code === 'string' &&
    (code.startsWith('E') ||
      code.startsWith('CONNECT') ||
      code === '28P01' ||
      code === '28000' ||
      code === '3D000')
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.constructor.name : String(error);
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
