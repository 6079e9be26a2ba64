/** The analytics store contract on a real ClickHouse 18.16 server started for this file. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsStoreContract, beacon } from './analytics-store.contract.ts';
import { ClickHouseAnalyticsStore } from './clickhouse-store.ts';
import { startTestClickHouse, type TestClickHouse } from './testing/clickhouse-server.ts';

describe('ClickHouseAnalyticsStore', () => {
  let server: TestClickHouse;
  beforeAll(async () => {
    server = await startTestClickHouse();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // A database per test: the instance-wide reports see only that test's beacons.
  analyticsStoreContract('clickhouse', async () => {
    const store = new ClickHouseAnalyticsStore({ url: `${server.url}/t_${randomBytes(6).toString('hex')}` });
    return { store, close: () => store.close() };
  });

  it('creates its database and tables on first use, as a gateway that never calls prepare() needs', async () => {
    const store = new ClickHouseAnalyticsStore({
      url: `${server.url}/fresh_${randomBytes(6).toString('hex')}`,
    });
    try {
      const video = crypto.randomUUID();
      await store.append([beacon(crypto.randomUUID(), { targetId: video })]);
      const day = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
      expect((await store.totals({ kind: 'video', id: video }, day)).views).toBe(1);
    } finally {
      await store.close();
    }
  });
});
