/**
 * The payments webhook consumer handling several waiting events in one transaction, on PGlite and
 * PostgreSQL: signed Stripe webhooks are received (stored once with their durable events) while no
 * consumer runs, then the consumer's handler runs in a transaction as its job would, for one of them.
 * - A batch of tips, a renewal and a refund is handled in one call; an out-of-order invoice (before its
 *   subscription) is set aside, rolled back, and its own job later handles it alone.
 * - Consumers side by side over the same waiting events handle each exactly once; balances stay exact.
 * - A batch whose ledger statement fails is rolled back and the job's own event is handled alone; the
 *   failing tip fails only its own job.
 * Afterwards every event's own job runs (the outbox relay and consumers started) and changes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Driver } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../deps.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox } from '../../testing/test-outbox.ts';
import { LedgerRepository } from './ledger.repository.ts';
import { accounts } from './ledger.service.ts';
import { PaymentsRepository } from './payments.repository.ts';
import { SubscriptionsRepository } from './subscriptions.repository.ts';
import { until } from './testing/payments-test-kit.ts';
import { paidTipCheckoutEvent } from './testing/stripe-events.ts';

const WEBHOOK_SECRET = 'whsec_batch_test';
const signer = new Stripe('sk_test_batch');
const now = () => Math.floor(Date.now() / 1000);
describe.each(testDatabases())('payment webhook batches on %s', (driver: Driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let payments: PaymentsRepository;
  let subscriptions: SubscriptionsRepository;
  let ledger: LedgerRepository;
  /** Stored events whose own job fails (and is retried) for good reason. */
  const failing: string[] = [];

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({
      STRIPE_SECRET_KEY: 'sk_test_batch',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Never called: nothing a batch takes calls Stripe.
      STRIPE_API_URL: 'http://127.0.0.1:9',
      PAYMENTS_PLATFORM_FEE_BPS: '1000',
      PAYMENTS_WEBHOOK_BATCH: '32',
    });
    payments = new PaymentsRepository(backends.database.db);
    subscriptions = new SubscriptionsRepository(backends.database.db);
    ledger = new LedgerRepository(backends.database.db);
  });
  afterAll(async () => {
    await backends?.close();
  });

  /** Receives a Stripe event as the webhook route does: signature checked, stored once with its job's event. */
  const receive = async (event: { id: string; type: string; data: { object: Record<string, unknown> } }) => {
    const payload = JSON.stringify({ object: 'event', created: now(), livemode: false, ...event });
    const signature = await signer.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: WEBHOOK_SECRET,
    });
    const receipt = await deps.services.payments.receiveWebhook(
      'stripe',
      new TextEncoder().encode(payload),
      signature,
    );
    expect(receipt).toEqual({ received: true, duplicate: false });
    return event.id;
  };

  /** The consumer's handler in its own transaction, as the job of `eventId` runs it. */
  const runJob = (eventId: string) =>
    backends.database.db.transaction((tx) =>
      deps.services.payments.handleWebhookEvents(tx, 'stripe', eventId),
    );

  const eventOf = (eventId: string) => payments.findEvent('stripe', eventId);

  /** A pending tip of `amount` cents to `channelId` and the `checkout.session.completed` that pays it. */
  const pendingTip = async (channelId: string, amount = 1000, currency = 'usd') => {
    const payment = await payments.create({
      provider: 'stripe',
      channelId,
      creatorId: channelId,
      payerId: null,
      amount,
      currency,
      platformFee: Math.floor(amount / 10),
      message: null,
      destination: null,
    });
    const checkoutId = `cs_test_${randomBytes(8).toString('hex')}`;
    await payments.setCheckout(payment.id, checkoutId);
    const paymentIntent = `pi_test_${randomBytes(8).toString('hex')}`;
    return {
      payment,
      paymentIntent,
      event: paidTipCheckoutEvent({
        eventId: `evt_${randomBytes(10).toString('hex')}`,
        checkoutId,
        paymentIntent,
        paymentId: payment.id,
        channelId,
        amount,
        currency,
      }),
    };
  };

  /** `charge.refunded` of a PaymentIntent, `refunded` of `amount` in all. */
  const chargeRefunded = (paymentIntent: string, amount: number, refunded: number) => ({
    id: `evt_${randomBytes(10).toString('hex')}`,
    type: 'charge.refunded',
    data: {
      object: {
        id: `ch_test_${randomBytes(8).toString('hex')}`,
        object: 'charge',
        payment_intent: paymentIntent,
        amount,
        amount_refunded: refunded,
        currency: 'usd',
        refunded: refunded >= amount,
      },
    },
  });

  /** `invoice.paid` of a subscription, carrying its payment (so handling it calls no provider). */
  const invoicePaid = (stripeSubscription: string, ourId: string | null, price: number) => ({
    id: `evt_${randomBytes(10).toString('hex')}`,
    type: 'invoice.paid',
    data: {
      object: {
        id: `in_test_${randomBytes(8).toString('hex')}`,
        object: 'invoice',
        amount_paid: price,
        currency: 'usd',
        parent: {
          type: 'subscription_details',
          subscription_details: {
            subscription: stripeSubscription,
            metadata: ourId ? { subscription_id: ourId } : {},
          },
        },
        lines: { object: 'list', data: [{ id: 'il_1', period: { start: now(), end: now() + 30 * 86_400 } }] },
        payments: {
          data: [
            {
              id: `inpay_${randomBytes(6).toString('hex')}`,
              status: 'paid',
              payment: {
                type: 'payment_intent',
                payment_intent: `pi_test_${randomBytes(8).toString('hex')}`,
              },
            },
          ],
        },
      },
    },
  });

  /** An active subscription of `price` cents to `channelId`, started a month ago. */
  const activeSubscription = async (channelId: string, price: number) => {
    const tier = await subscriptions.createTier({
      channelId,
      name: `tier ${randomUUID()}`,
      price,
      currency: 'usd',
    });
    if (!tier) throw new Error('no tier');
    const row = await subscriptions.create({
      provider: 'stripe',
      channelId,
      creatorId: channelId,
      subscriberId: randomUUID(),
      tierId: tier.id,
      price,
      currency: 'usd',
      destination: null,
    });
    const stripeId = `sub_test_${randomBytes(8).toString('hex')}`;
    await subscriptions.update(backends.database.db, row.id, {
      status: 'active',
      providerSubscriptionId: stripeId,
      startedAt: new Date(Date.now() - 30 * 86_400_000),
      currentPeriodEnd: new Date(),
      accessUntil: new Date(Date.now() + 86_400_000),
    });
    return { id: row.id, stripeId };
  };

  const balanceOf = async (channelId: string) =>
    (await ledger.account(accounts.creator(channelId, 'usd')))?.balance ?? 0;

  const count = async (query: ReturnType<typeof sql>) =>
    rowsOf<{ n: number }>(await backends.database.db.execute(query))[0]?.n;

  const expectLedgerExact = async () => {
    expect(await ledger.unbalancedEntries()).toEqual([]);
    expect(await ledger.drift()).toEqual([]);
  };

  it('handles tips, a renewal and a refund in one transaction and sets an out-of-order invoice aside', async () => {
    const channel = randomUUID();
    // Booked before: a tip that is now refunded in part.
    const earlier = await pendingTip(channel, 2000);
    await runJob(await receive(earlier.event));
    expect((await eventOf(earlier.event.id))?.outcome).toBe('tip_booked');
    const subscription = await activeSubscription(channel, 500);

    // Waiting together: three tips (one paid twice by Stripe's retry under another event id), the
    // renewal, the refund, and an invoice of a subscription we do not know yet.
    const [first, second, third] = [
      await pendingTip(channel, 1000),
      await pendingTip(channel, 3000),
      await pendingTip(channel, 700),
    ];
    const tips = [first, second, third];
    const trigger = await receive(first.event);
    const waiting = [
      await receive(second.event),
      await receive({ ...second.event, id: `evt_${randomBytes(10).toString('hex')}` }),
      await receive(third.event),
      await receive(invoicePaid(subscription.stripeId, subscription.id, 500)),
      await receive(chargeRefunded(earlier.paymentIntent, 2000, 500)),
    ];
    const early = await receive(invoicePaid(`sub_test_unknown_${randomBytes(4).toString('hex')}`, null, 500));
    failing.push(early);

    const entriesBefore = await count(sql`select count(*)::int as n from payments.entries`);
    await runJob(trigger);

    const outcomes = await Promise.all([trigger, ...waiting].map(async (id) => (await eventOf(id))?.outcome));
    expect(outcomes).toEqual([
      'tip_booked',
      'tip_booked',
      'ignored: already booked',
      'tip_booked',
      'subscription_renewed',
      'tip_partially_refunded',
    ]);
    expect(await eventOf(early)).toMatchObject({ processedAt: null });
    expect((await eventOf(early))?.outcome).toMatch(/^set aside: SubscriptionNotYetKnownError/);
    // Three tips, the renewal and the partial refund: five entries, nothing of the invoice set aside.
    expect(await count(sql`select count(*)::int as n from payments.entries`)).toBe((entriesBefore ?? 0) + 5);
    for (const tip of tips)
      expect(await payments.find(tip.payment.id)).toMatchObject({ status: 'succeeded' });
    expect(await payments.find(earlier.payment.id)).toMatchObject({
      amountRefunded: 500,
      status: 'succeeded',
    });
    // 1800 - 450 (the refund's share) + 900 + 2700 + 630 + 450 (the renewal).
    expect(await balanceOf(channel)).toBe(1800 - 450 + 900 + 2700 + 630 + 450);
    expect(
      await count(
        sql`select count(*)::int as n from events.outbox where name = 'tip.received' and payload->>'channelId' = ${channel}`,
      ),
    ).toBe(4);
    expect(
      await count(
        sql`select count(*)::int as n from events.outbox where name = 'subscription.renewed' and payload->>'subscriptionId' = ${subscription.id}`,
      ),
    ).toBe(1);
    await expectLedgerExact();

    // A later batch leaves the set-aside invoice to its own job, which handles it alone (and fails:
    // still out of order, so it is retried).
    const later = await pendingTip(channel, 100);
    await runJob(await receive(later.event));
    expect(await eventOf(early)).toMatchObject({ processedAt: null });
    await expect(runJob(early)).rejects.toThrow(/no subscription has stripe subscription/);
  });

  it('handles each waiting event once with consumers side by side over the same events', async () => {
    const channels = [randomUUID(), randomUUID(), randomUUID()];
    const tips = await Promise.all(
      Array.from({ length: 60 }, (_, i) => pendingTip(channels[i % channels.length] as string, 100 + i * 10)),
    );
    const ids: string[] = [];
    for (const tip of tips) ids.push(await receive(tip.event));
    // Every event's job at once, eight transactions at a time, in shuffled order.
    const order = [...ids].sort(() => Math.random() - 0.5);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < order.length) {
          const id = order[next++];
          if (id) await runJob(id);
        }
      }),
    );
    for (const id of ids) expect((await eventOf(id))?.outcome).toBe('tip_booked');
    const paymentIds = tips.map((tip) => tip.payment.id);
    expect(
      await count(
        sql`select count(*)::int as n from payments.entries where payment_id in (${sql.join(
          paymentIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      ),
    ).toBe(60);
    for (const [index, channel] of channels.entries()) {
      const expected = tips
        .filter((_, i) => i % channels.length === index)
        .reduce((sum, tip) => sum + tip.payment.amount - tip.payment.platformFee, 0);
      expect(await balanceOf(channel)).toBe(expected);
    }
    await expectLedgerExact();
  });

  it('rolls back a batch with a failing event and handles the job’s own event alone', async () => {
    const channel = randomUUID();
    const earlier = await pendingTip(channel, 500);
    await runJob(await receive(earlier.event));
    const [one, two] = [await pendingTip(channel, 1000), await pendingTip(channel, 2000)];
    // Paid, Stripe says, by the PaymentIntent of the earlier tip: recording it on a second payment
    // breaks a unique index, after the batch's ledger statement booked every entry.
    const bad = await pendingTip(channel, 1500);
    bad.event.data.object.payment_intent = earlier.paymentIntent;
    const trigger = await receive(one.event);
    const other = await receive(two.event);
    const poison = await receive(bad.event);
    failing.push(poison);

    await runJob(trigger);
    // The batch (all three) was rolled back, entries included; the job's own tip was booked alone.
    expect((await eventOf(trigger))?.outcome).toBe('tip_booked');
    expect(await eventOf(other)).toMatchObject({ processedAt: null, outcome: null });
    expect(await eventOf(poison)).toMatchObject({ processedAt: null });
    expect(await balanceOf(channel)).toBe(450 + 900);

    // The failing tip fails its own job only; the other's job books it (its batch takes the poison
    // again, fails, and falls back to it alone).
    await expect(runJob(poison)).rejects.toThrow();
    await runJob(other);
    expect((await eventOf(other))?.outcome).toBe('tip_booked');
    expect(await balanceOf(channel)).toBe(450 + 900 + 1800);
    expect(await payments.find(bad.payment.id)).toMatchObject({ status: 'pending', entryId: null });
    await expectLedgerExact();
  });

  it('changes nothing when every event’s own job runs afterwards', async () => {
    const entries = await count(sql`select count(*)::int as n from payments.entries`);
    const tipsReceived = await count(
      sql`select count(*)::int as n from events.outbox where name = 'tip.received'`,
    );
    const outbox = await startTestOutbox(backends, deps, 4);
    try {
      // Every stored webhook's job has run: each finds its event handled (or fails again, out of order).
      await until(
        async () =>
          (await count(
            sql`select count(*)::int as n from events.outbox o
                where o.name = 'payment.webhook_received'
                  and not exists (select 1 from events.handled h where h.event_id = o.id)`,
          )) === failing.length,
        'every webhook job',
        120_000,
      );
    } finally {
      await outbox.close();
    }
    // Nothing new: the jobs that ran found their events handled; the failing two still fail.
    expect(await count(sql`select count(*)::int as n from payments.entries`)).toBe(entries);
    expect(await count(sql`select count(*)::int as n from events.outbox where name = 'tip.received'`)).toBe(
      tipsReceived,
    );
    await expectLedgerExact();
  });
});
