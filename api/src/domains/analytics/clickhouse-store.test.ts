/** The analytics store contract on a real ClickHouse 18.16 server started for this file. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { analyticsStoreContract } from './analytics-store.contract.ts';
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
});
