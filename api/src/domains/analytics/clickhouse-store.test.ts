/** The analytics store contract on a real ClickHouse 18.16 server started for this file. */
import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';
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

  it('drops the rollup_levels table of an earlier design, and prepares again without it', async () => {
    const db = `old_${randomBytes(6).toString('hex')}`;
    const admin = createClient({ url: server.url });
    const tables = async () => {
      const result = await admin.query({
        query: `SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`,
        format: 'JSONEachRow',
      });
      return ((await result.json()) as { name: string }[]).map((row) => row.name);
    };
    try {
      await admin.command({ query: `CREATE DATABASE ${db}` });
      await admin.command({
        query: `CREATE TABLE ${db}.rollup_levels (channel_id String, hour DateTime) ENGINE = MergeTree() ORDER BY channel_id`,
      });
      for (let run = 0; run < 2; run += 1) {
        const store = new ClickHouseAnalyticsStore({ url: `${server.url}/${db}` });
        await store.prepare();
        await store.close();
        expect(await tables()).toContain('rollup_days');
        expect(await tables()).not.toContain('rollup_levels');
      }
    } finally {
      await admin.close();
    }
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
