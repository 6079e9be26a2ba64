/** Opens the relational database on either driver behind one drizzle type. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock.ts';
import { type Schema, schema } from './schema/index.ts';

/**
 * The drizzle handle repositories take. Both drivers' instances are assignable to it; only the raw
 * result shape of `db.execute()` is left untyped, which repositories have no reason to use.
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Driver = 'pglite' | 'postgres';

interface DatabaseBase {
  readonly db: Db;
  /** Runs `select 1`; rejects when the database cannot answer. */
  ping(): Promise<void>;
  /** Releases the driver. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * An open database. The raw `client` is exposed for the few driver-specific jobs (the migrator's
 * advisory lock, test snapshots); domain code uses `db`.
 */
export type Database =
  | (DatabaseBase & { readonly driver: 'pglite'; readonly client: PGlite })
  | (DatabaseBase & { readonly driver: 'postgres'; readonly client: postgres.Sql });

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL. When set, it wins over the embedded options. */
  databaseUrl?: string;
  /**
   * The app's data directory; PGlite keeps its files in `<dataDir>/db`. Only one process may open it:
   * see `lockDataDir`, which throws `DataDirLockedError` when another process holds it.
   */
  dataDir?: string;
  /** How the lock file describes this process (default: the command line's first words). */
  lockCommand?: string;
  /** Embedded PGlite that lives only in memory. */
  inMemory?: boolean;
}

// A gateway replica rarely needs more; managed Postgres plans often cap connections near 100 in total.
// The migrator also needs two: one holds the advisory lock while another runs the migration.
const POOL_SIZE = 10;

/**
 * Opens PostgreSQL when `databaseUrl` is given, otherwise embedded PGlite on disk under
 * `<dataDir>/db` (after taking the directory's lock, released by `close()`) or in memory. Throws when
 * none of the three is given.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  if (options.dataDir) {
    const lock = await lockDataDir(options.dataDir, { command: options.lockCommand });
    try {
      const dir = join(options.dataDir, 'db');
      await mkdir(dir, { recursive: true });
      return await fromPglite(await PGlite.create({ dataDir: dir }), () => lock.release());
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  if (options.inMemory) return await fromPglite(await PGlite.create());
  throw new Error('openDatabase needs one of databaseUrl, dataDir or inMemory.');
}

/**
 * What every embedded session runs first. PGlite runs the database on this process's own thread, so
 * anything PostgreSQL does inline holds every request of the process meanwhile. `wal_init_zero`:
 * PostgreSQL fills each new 16 MB WAL segment with zeros before its first record; in PGlite that took
 * 40–215 ms of the thread's CPU once per 16 MB of WAL (every ~25,000 notifications of a go-live fan-out,
 * whatever the chunk size: bench/notifications), the gateway's longest stalls. Off, the segment is made
 * by writing its last byte, as PostgreSQL offers for file systems where zero-filling buys nothing.
 */
export const PGLITE_SESSION_SETTINGS = 'set wal_init_zero = off';

/**
 * Wraps an already open PGlite instance, e.g. one loaded from a migrated snapshot in tests, after
 * applying PGLITE_SESSION_SETTINGS to its one session. The returned `close()` closes the instance,
 * then runs `afterClose` (also run, with the instance closed, when the settings fail).
 */
export async function fromPglite(client: PGlite, afterClose?: () => Promise<void>): Promise<Database> {
  try {
    await client.exec(PGLITE_SESSION_SETTINGS);
  } catch (error) {
    await client.close().catch(() => {});
    await afterClose?.();
    throw error;
  }
  const db: Db = drizzlePglite({ client, schema });
  return {
    driver: 'pglite',
    client,
    db,
    ping: () => pingWith(db),
    close: once(async () => {
      try {
        if (!client.closed) await client.close();
      } finally {
        await afterClose?.();
      }
    }),
  };
}

function openPostgres(databaseUrl: string): Database {
  const client = postgres(databaseUrl, {
    max: POOL_SIZE,
    // Idempotent DDL (`create schema if not exists`) raises notices that would otherwise go to stdout.
    onnotice: () => {},
  });
  const db: Db = drizzlePostgres({ client, schema });
  return {
    driver: 'postgres',
    client,
    db,
    ping: () => pingWith(db),
    close: once(() => client.end({ timeout: 5 })),
  };
}

async function pingWith(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
