/**
 * A deleted account's notifications go with it. There is no foreign key from a notification to its user
 * (migration 0029: its per-row check was a quarter of the go-live fan-out's cost on PGlite), so the
 * `notifications.account-cleanup` consumer does what the cascade did, from `user.deleted` relayed by the
 * outbox as on an embedded gateway; their deliveries cascade from the notifications.
 */
import { randomUUID } from 'node:crypto';
import { deliveries, notifications } from '@streamhub/db/schema/notifications';
import { testDatabases } from '@streamhub/db/testing';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import { send } from '../engagement/engagement-test-kit.ts';

describe.each(testDatabases())("a deleted account's notifications on %s", (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps();
    app = createApp(deps).app;
    outbox = await startTestOutbox(backends, deps);
  });
  afterAll(async () => {
    await outbox.close();
    await backends.close();
  });

  /** One stored notification of `user`'s, as a fan-out stores it. */
  async function notificationOf(user: SignedInUser): Promise<string> {
    const [row] = await backends.database.db
      .insert(notifications)
      .values({
        userId: user.account.id,
        type: 'channel.live',
        eventId: randomUUID(),
        data: { slug: 'somewhere' },
        url: '/c/somewhere',
        inApp: true,
        email: true,
        push: false,
      })
      .returning({ id: notifications.id });
    if (!row) throw new Error('no notification stored');
    return row.id;
  }

  it('deletes them and their deliveries on user.deleted; everyone else keeps theirs', async () => {
    const doomed = await registerAndLogin(app, backends);
    const keeper = await registerAndLogin(app, backends);
    const gone = [await notificationOf(doomed), await notificationOf(doomed)];
    const kept = await notificationOf(keeper);
    await backends.database.db.insert(deliveries).values([
      { notificationId: gone[0] ?? '', via: 'email', status: 'sent' },
      { notificationId: kept, via: 'email', status: 'sent' },
    ]);

    const deleted = await app.request('/api/v1/me', send('DELETE', { password: doomed.password }, doomed));
    expect(deleted.status, await deleted.clone().text()).toBe(204);

    const { db } = backends.database;
    const notificationsOf = async (ids: string[]) =>
      (
        await db.select({ id: notifications.id }).from(notifications).where(inArray(notifications.id, ids))
      ).map((row) => row.id);
    await expect.poll(() => notificationsOf(gone), { timeout: 15_000 }).toEqual([]);
    expect(await notificationsOf([kept])).toEqual([kept]);
    const deliveryRows = await db
      .select({ notificationId: deliveries.notificationId })
      .from(deliveries)
      .where(inArray(deliveries.notificationId, [...gone, kept]));
    expect(deliveryRows).toEqual([{ notificationId: kept }]);
  });
});
