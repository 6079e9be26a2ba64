/** The analytics store contract on PGlite and on PostgreSQL. */

import { randomUUID } from 'node:crypto';
import type { Database } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { analyticsStoreContract, beacon } from './analytics-store.contract.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import { HASH_SQL, REGISTER_INDEX_SQL, REGISTER_RANK_SQL, registerOf } from './viewer-sketch.ts';

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

  it('splits viewer hashes in SQL as the sketch does, and estimates a rolled-up day of 3,000 viewers', async () => {
    database ??= createTestDatabase(driver);
    const { db } = await database;
    const rows = (await db.execute(
      sql.raw(`select h::text as h, ${REGISTER_INDEX_SQL} as idx, ${REGISTER_RANK_SQL} as rnk
        from (select ${HASH_SQL} as h from (select 'a:' || n as viewer_id from generate_series(1, 200) n) v) x`),
    )) as unknown;
    const list = rowsOf<{
      h: string;
      idx: number;
      rnk: number;
    }>(rows);
    expect(list).toHaveLength(200);
    for (const row of list) expect(registerOf(row.h)).toEqual({ index: row.idx, rank: row.rnk });

    const store = new PostgresAnalyticsStore(db);
    const channel = randomUUID();
    const video = randomUUID();
    // 3,000 viewers on a settled day (rolled up: a HyperLogLog), 10 more the next morning (read raw).
    const views = Array.from({ length: 3010 }, (_, i) => {
      const started = new Date(
        Date.parse(i < 3000 ? '2026-11-10T10:00:00Z' : '2026-11-11T08:00:00Z') + i * 1000,
      );
      return beacon(randomUUID(), {
        channelId: channel,
        targetId: video,
        viewerId: `a:many-${i}`,
        viewStartedAt: started,
        receivedAt: started,
      });
    });
    try {
      await store.append(views);
      await store.rollUp();
      const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T12:00:00Z') };
      const { totals, series } = await store.summary({ kind: 'channel', id: channel }, range, 'day');
      expect(totals.views).toBe(3010);
      expect(Math.abs(totals.uniqueViewers - 3010) / 3010).toBeLessThan(0.03);
      expect(series.map((point) => point.views)).toEqual([3000, 10]);
      expect(Math.abs((series[0]?.uniqueViewers ?? 0) - 3000) / 3000).toBeLessThan(0.03);
      // The raw morning alone is a small exact set.
      expect(series[1]?.uniqueViewers).toBe(10);
    } finally {
      await store.pruneRawEvents(new Date('2100-01-01T00:00:00Z'));
      await db.execute(
        sql`truncate analytics.views, analytics.view_decisions, analytics.rollup_state, analytics.rollup_daily,
          analytics.rollup_startups, analytics.rollup_referrers`,
      );
    }
    // Opening PGlite and migrating it takes most of this on a loaded machine.
  }, 120_000);
});
