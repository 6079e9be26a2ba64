/**
 * Notifications about the user's own account arrangements, each from its real producer on PGlite and
 * PostgreSQL: a webhook endpoint disabled by the webhooks domain after failing for its whole retry
 * window (a local receiver answering 500), and a subscription payment that Stripe could not charge (the
 * official SDK against the local Stripe server, its webhook signed as Stripe signs it). Each event gives
 * its user exactly one notification, however often it is handled.
 */
import type { DomainEventName, DomainEventPayload } from '@streamhub/contracts/events';
import {
  type Notification,
  NotificationPageSchema,
  NotificationPreferencesSchema,
  type NotificationType,
} from '@streamhub/contracts/notifications';
import { SubscriptionCheckoutSchema, TierSchema } from '@streamhub/contracts/payments';
import { WebhookEndpointWithSecretSchema } from '@streamhub/contracts/webhooks';
import type { Database } from '@streamhub/db/client';
import { outbox } from '@streamhub/db/schema/events';
import { testDatabases } from '@streamhub/db/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayApp } from '../../app.ts';
import { createApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createJobHandlers } from '../../jobs/handlers.ts';
import { createLogMailer } from '../../mail/log-mailer.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import {
  expectJson,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { type PaymentsTestbed, startPaymentsTestbed, until } from '../payments/testing/payments-test-kit.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/testing/webhook-receiver.ts';

const GRACE_HOURS = 48;

const feedOf = async (app: GatewayApp, user: SignedInUser, type: NotificationType): Promise<Notification[]> =>
  (
    await expectJson(
      await app.request('/api/v1/notifications?limit=100', send('GET', undefined, user)),
      NotificationPageSchema,
    )
  ).items.filter((item) => item.type === type);

/** The stored events named `name`, with their ids, as the outbox hands them to consumers. */
async function storedWithIds<K extends DomainEventName>(
  db: Database['db'],
  name: K,
): Promise<{ id: string; name: K; payload: DomainEventPayload<K> }[]> {
  const rows = await db
    .select({ id: outbox.id, payload: sql<DomainEventPayload<K>>`${outbox.payload}` })
    .from(outbox)
    .where(eq(outbox.name, name))
    .orderBy(outbox.seq);
  return rows.map((row) => ({ id: row.id, name, payload: row.payload }));
}

/** Polls until `user` has a notification of `type`, then checks there is exactly one. */
async function theOneNotification(app: GatewayApp, user: SignedInUser, type: NotificationType) {
  await until(async () => (await feedOf(app, user, type)).length > 0, type);
  const found = await feedOf(app, user, type);
  expect(found).toHaveLength(1);
  return found[0] as Notification;
}

describe.each(testDatabases())('a disabled webhook endpoint on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let relay: Outbox;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(() => ({ status: 500 }));
    backends = await createTestBackends(driver);
    deps = backends.deps(
      {
        WEBHOOKS_ALLOW_PRIVATE: 'true',
        WEBHOOKS_TIMEOUT_MS: '2000',
        // The three days of retries, shrunk to a second.
        WEBHOOKS_RETRY_BASE_MS: '50',
        WEBHOOKS_RETRY_MAX_DELAY_MS: '200',
        WEBHOOKS_RETRY_WINDOW_MS: '1000',
        RATE_LIMIT_MAX: '100000',
      },
      {},
      { abusePolicy: MANY_LOGINS_POLICY },
    );
    app = createApp(deps).app;
    await backends.jobs.start(
      createJobHandlers({ mailer: createLogMailer(deps.logger), webhooks: deps.services.webhooks }),
      { concurrency: 4 },
    );
    relay = await startTestOutbox(backends, deps);
  }, 60_000);
  afterAll(async () => {
    await relay?.close();
    await backends?.close();
    await receiver?.close();
  });

  it('tells its owner once, in-app and by email, why and since when it failed', async () => {
    const owner = await registerAndLogin(app, backends);
    const endpoint = await expectJson(
      await app.request('/api/v1/webhooks/endpoints', send('POST', { url: receiver.url }, owner)),
      WebhookEndpointWithSecretSchema,
      201,
    );
    const test = await app.request(
      `/api/v1/webhooks/endpoints/${endpoint.id}/test`,
      send('POST', undefined, owner),
    );
    expect(test.status).toBe(202);

    const notice = await theOneNotification(app, owner, 'webhook.endpoint_disabled');
    expect(notice).toMatchObject({
      channelId: null,
      url: '/settings',
      data: { endpointId: endpoint.id, url: receiver.url },
    });
    expect(notice.data.reason).toMatch(/HTTP 500/);

    // Handled again (a redelivery, another replica): nothing more is stored.
    const [event] = (await storedWithIds(backends.database.db, 'webhook.endpoint_disabled')).filter(
      (stored) => stored.payload.endpointId === endpoint.id,
    );
    if (!event) throw new Error('webhook.endpoint_disabled was not stored');
    expect(await deps.services.notifications.notify(event)).toBe(0);
    expect(await feedOf(app, owner, 'webhook.endpoint_disabled')).toHaveLength(1);

    // In-app and email by default, and the owner may turn it off: it is not a security notice.
    const preferences = await expectJson(
      await app.request('/api/v1/notifications/preferences', send('GET', undefined, owner)),
      NotificationPreferencesSchema,
    );
    expect(preferences.types.find((type) => type.type === 'webhook.endpoint_disabled')).toEqual({
      type: 'webhook.endpoint_disabled',
      inApp: true,
      email: true,
      push: false,
      locked: false,
    });
  });
});

describe.each(testDatabases())('a failed subscription payment on %s', (driver) => {
  let bed: PaymentsTestbed;

  beforeAll(async () => {
    bed = await startPaymentsTestbed(driver, { PAYMENTS_GRACE_HOURS: String(GRACE_HOURS) });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('tells the subscriber once when their access ends; a retry failing again adds nothing', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tiers',
        send('POST', { name: 'Supporter', price: 500, currency: 'usd' }, channel.owner),
      ),
      TierSchema,
      201,
    );
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
    const deliver = async (...events: { id: string }[]) => {
      for (const event of events) expect((await bed.deliver(JSON.stringify(event))).status).toBe(200);
      for (const event of events) await bed.processed(event.id);
    };
    await deliver(paid.completed, paid.created, paid.invoicePaid);

    await deliver(bed.stripe.failRenewal(paid.subscriptionId));
    const notice = await theOneNotification(bed.app, viewer, 'subscription.payment_failed');
    const [event] = (await storedWithIds(bed.backends.database.db, 'subscription.payment_failed')).filter(
      (stored) => stored.payload.subscriptionId === checkout.subscriptionId,
    );
    if (!event) throw new Error('subscription.payment_failed was not stored');
    expect(event.payload).toMatchObject({
      subscriberId: viewer.account.id,
      creatorId: channel.owner.account.id,
    });
    const accessUntil = event.payload.accessUntil ?? '';
    expect(Date.parse(accessUntil)).toBeGreaterThan(Date.now() + (GRACE_HOURS - 1) * 3_600_000);
    expect(notice).toMatchObject({
      channelId: channel.channelId,
      url: '/settings',
      data: { subscriptionId: checkout.subscriptionId, slug: channel.slug, accessUntil },
    });
    // The creator is not told of their subscriber's card.
    expect(await feedOf(bed.app, channel.owner, 'subscription.payment_failed')).toEqual([]);

    // Stripe's retry fails too: the grace is not extended and no second event or notification comes.
    await deliver(bed.stripe.failRenewal(paid.subscriptionId));
    expect(
      (await storedWithIds(bed.backends.database.db, 'subscription.payment_failed')).filter(
        (stored) => stored.payload.subscriptionId === checkout.subscriptionId,
      ),
    ).toHaveLength(1);
    expect(await bed.deps.services.notifications.notify(event)).toBe(0);
    expect(await feedOf(bed.app, viewer, 'subscription.payment_failed')).toHaveLength(1);
  });
});
