/**
 * The "about to expire" notice end to end, on PGlite and PostgreSQL: subscriptions paid through the
 * official Stripe SDK against the local Stripe server (webhooks signed as Stripe signs them), one
 * cancelled by its subscriber through the API, then the scheduled sweep: `subscription.expiring` is
 * stored once per period whatever the sweeps and replicas, and the subscriber (not the creator) gets
 * one notification in-app and one email from a real SMTP server; a subscriber who turned the kind off
 * gets nothing, and a subscription that renews is never announced.
 */
import {
  type Notification,
  NotificationPageSchema,
  NotificationPreferencesSchema,
} from '@streamhub/contracts/notifications';
import { SubscriptionCheckoutSchema, SubscriptionSchema, TierSchema } from '@streamhub/contracts/payments';
import { outbox } from '@streamhub/db/schema/events';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobHandlers } from '../../jobs/handlers.ts';
import { createSmtpMailer } from '../../mail/smtp-mailer.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-test-server.ts';
import { expectJson, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { SubscriptionExpiryNotices } from './subscription-expiry-notices.ts';
import { SubscriptionsRepository } from './subscriptions.repository.ts';
import { type PaymentsTestbed, startPaymentsTestbed, until } from './testing/payments-test-kit.ts';

const DAY_MS = 86_400_000;

describe.each(testDatabases())('the subscription-expiring notice on %s', (driver) => {
  let bed: PaymentsTestbed;
  let smtp: TestSmtpServer;
  let mailer: ReturnType<typeof createSmtpMailer>;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    mailer = createSmtpMailer({ url: smtp.url, from: 'StreamHub <noreply@example.test>' });
    bed = await startPaymentsTestbed(driver, { NOTIFICATIONS_EMAIL_DIGEST: 'off' });
    await bed.backends.jobs.start(
      createJobHandlers({
        mailer,
        webhooks: bed.deps.services.webhooks,
        notifications: bed.deps.services.notificationDeliveries.sender(mailer),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
    await mailer?.close();
    await smtp?.close();
  });

  const feedOf = async (user: SignedInUser): Promise<Notification[]> =>
    (
      await expectJson(
        await bed.app.request('/api/v1/notifications?limit=100', send('GET', undefined, user)),
        NotificationPageSchema,
      )
    ).items.filter((item) => item.type === 'subscription.expiring');

  it('tells a cancelled subscriber once before the end; not a renewing one, not one who opted out', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tiers',
        send('POST', { name: 'Supporter', price: 500, currency: 'usd' }, channel.owner),
      ),
      TierSchema,
      201,
    );
    /** A paid subscription of a new viewer, through Stripe Checkout and its signed webhooks. */
    const subscriber = async () => {
      const viewer = await registerAndLogin(bed.app, bed.backends);
      const checkout = await expectJson(
        await bed.app.request(
          '/api/v1/payments/subscriptions',
          send('POST', { channel: channel.slug, tier: tier.id }, viewer),
        ),
        SubscriptionCheckoutSchema,
        201,
      );
      const session = [...bed.stripe.sessions.values()].find(
        (s) => s.metadata.subscription_id === checkout.subscriptionId,
      );
      if (!session) throw new Error('no checkout session');
      const paid = bed.stripe.completeSubscription(session.id);
      for (const event of [paid.completed, paid.created, paid.invoicePaid]) {
        expect((await bed.deliver(JSON.stringify(event))).status).toBe(200);
        await bed.processed(event.id);
      }
      return { viewer, subscriptionId: checkout.subscriptionId };
    };
    const cancel = async (user: SignedInUser, id: string) =>
      expectJson(
        await bed.app.request(`/api/v1/payments/subscriptions/${id}/cancel`, send('POST', undefined, user)),
        SubscriptionSchema,
      );
    const [leaving, optedOut, renewing] = [await subscriber(), await subscriber(), await subscriber()];
    const ends = await cancel(leaving.viewer, leaving.subscriptionId);
    await cancel(optedOut.viewer, optedOut.subscriptionId);
    const optOut = await bed.app.request(
      '/api/v1/notifications/preferences/types/subscription.expiring',
      send('PATCH', { inApp: false, email: false }, optedOut.viewer),
    );
    expect(optOut.status).toBe(200);
    const accessUntil = ends.accessUntil ?? '';
    const end = Date.parse(accessUntil);
    expect(end).toBeGreaterThan(Date.now() + 20 * DAY_MS);

    const notices = new SubscriptionExpiryNotices({
      db: bed.backends.database.db,
      subscriptions: new SubscriptionsRepository(bed.backends.database.db),
      leadMs: 3 * DAY_MS,
    });
    const ours = async () =>
      (await bed.backends.database.db.select().from(outbox).where(eq(outbox.name, 'subscription.expiring')))
        .map((row) => row.payload as { subscriptionId: string; accessUntil: string | null })
        .filter((payload) =>
          [leaving, optedOut, renewing].some((s) => s.subscriptionId === payload.subscriptionId),
        );
    // Four days before the end: outside the three-day lead, nothing yet.
    await notices.noticeDue(new Date(end - 4 * DAY_MS));
    expect(await ours()).toEqual([]);

    // Two days before: the two cancelled ones, once, whatever sweeps at the same time.
    const twoDaysBefore = new Date(end - 2 * DAY_MS);
    const [first, second] = await Promise.all([
      notices.noticeDue(twoDaysBefore),
      new SubscriptionExpiryNotices({
        db: bed.backends.database.db,
        subscriptions: new SubscriptionsRepository(bed.backends.database.db),
      }).noticeDue(twoDaysBefore),
    ]);
    expect(first + second).toBeGreaterThanOrEqual(2);
    expect(await notices.noticeDue(new Date(end - DAY_MS))).toBe(0);
    const stored = await ours();
    expect(stored.map((payload) => payload.subscriptionId).sort()).toEqual(
      [leaving.subscriptionId, optedOut.subscriptionId].sort(),
    );
    expect(stored.find((p) => p.subscriptionId === leaving.subscriptionId)?.accessUntil).toBe(accessUntil);

    await until(async () => (await feedOf(leaving.viewer)).length > 0, 'the in-app notice');
    const [notice, ...more] = await feedOf(leaving.viewer);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({
      channelId: channel.channelId,
      url: '/settings',
      data: { subscriptionId: leaving.subscriptionId, slug: channel.slug, accessUntil },
    });
    const mail = await smtp.waitForMail(
      (m) => m.envelope.to.includes(leaving.viewer.account.email) && /ends soon/.test(m.subject),
    );
    expect(mail.text).toContain(`Your subscription to ${channel.slug} was cancelled and ends at`);

    // The creator is not told, the opted-out subscriber sees and receives nothing, the renewing one
    // was never announced.
    expect(await feedOf(channel.owner)).toEqual([]);
    expect(await feedOf(optedOut.viewer)).toEqual([]);
    expect(await feedOf(renewing.viewer)).toEqual([]);
    expect(
      smtp.messages.filter(
        (m) => m.envelope.to.includes(optedOut.viewer.account.email) && /ends soon/.test(m.subject),
      ),
    ).toEqual([]);

    // Defaults: in-app and email, not push, and not locked.
    const preferences = await expectJson(
      await bed.app.request('/api/v1/notifications/preferences', send('GET', undefined, renewing.viewer)),
      NotificationPreferencesSchema,
    );
    expect(preferences.types.find((type) => type.type === 'subscription.expiring')).toEqual({
      type: 'subscription.expiring',
      inApp: true,
      email: true,
      push: false,
      locked: false,
    });
  });
});
