/** The analytics store contract on PGlite and on PostgreSQL. */
import type { Database } from '@streamhub/db/client';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, describe } from 'vitest';
import { analyticsStoreContract } from './analytics-store.contract.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';

describe.each(testDatabases())('PostgresAnalyticsStore on %s', (driver) => {
  // One migrated database per driver, emptied after each test: the instance-wide reports see only that
  // test's beacons.
  let database: Promise<Database> | undefined;
  afterAll(async () => {
    await (await database)?.close();
  });

  analyticsStoreContract(driver, async () => {
    database ??= createTestDatabase(driver);
    const { db } = await database;
    const store = new PostgresAnalyticsStore(db);
    return {
      store,
      close: async () => {
        await store.pruneRawEvents(new Date('2100-01-01T00:00:00Z'));
        await db.execute(
          sql`truncate analytics.views, analytics.view_decisions, analytics.rollup_state, analytics.rollup_daily,
            analytics.rollup_startups, analytics.rollup_referrers`,
        );
      },
    };
  });
});
