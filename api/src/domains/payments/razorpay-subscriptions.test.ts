/**
 * Razorpay Subscriptions end to end over the real gateway app on PGlite and PostgreSQL, through the
 * official `razorpay` SDK against the local server speaking Razorpay's API: a plan per tier and price,
 * `subscriptions.create`, the checkout's subscription signature checked server-side, and the
 * subscription's whole life from its signed webhooks: started (charged, activated out of order),
 * renewed, a failed charge's grace, halted, expiry; a cancellation at the period's end; every charge one
 * ledger entry split between the creator and the platform, with its Route transfer to the creator's
 * linked account.
 */
import {
  LedgerLinePageSchema,
  RazorpaySubscriptionVerifiedSchema,
  ReconciliationSchema,
  RefundRequestedSchema,
  SubscriptionCheckoutSchema,
  SubscriptionListSchema,
  SubscriptionSchema,
  TierSchema,
  WebhookReceiptSchema,
} from '@streamhub/contracts/payments';
import { payments as paymentRows } from '@streamhub/db/schema/payments';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { type RazorpayTestbed, startRazorpayTestbed } from './testing/razorpay-test-kit.ts';

const GRACE_HOURS = 48;
const HOUR = 3_600_000;

describe.each(testDatabases())('Razorpay subscriptions on %s', (driver) => {
  let rp: RazorpayTestbed;

  beforeAll(async () => {
    rp = await startRazorpayTestbed(driver, { PAYMENTS_GRACE_HOURS: String(GRACE_HOURS) });
  });
  afterAll(async () => {
    await rp?.close();
  });

  const request = (method: string, path: string, body: unknown, user?: SignedInUser) =>
    rp.bed.app.request(`/api/v1/payments${path}`, send(method, body, user));
  const mine = async (viewer: SignedInUser) =>
    expectJson(await request('GET', '/subscriptions', undefined, viewer), SubscriptionListSchema);
  const subscribe = async (viewer: SignedInUser, channel: string, tier: string) =>
    expectJson(
      await request('POST', '/subscriptions', { channel, tier }, viewer),
      SubscriptionCheckoutSchema,
      201,
    );
  const eventsOf = async (subscriptionId: string) => {
    const names = [
      'subscription.started',
      'subscription.renewed',
      'subscription.payment_failed',
      'subscription.cancelled',
      'subscription.expired',
    ] as const;
    const all = await Promise.all(
      names.map(async (name) =>
        (await storedEvents(rp.bed.backends.database.db, name))
          .filter((event) => event.subscriptionId === subscriptionId)
          .map((event) => ({ name, ...event })),
      ),
    );
    return all
      .flat()
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((event) => event.name);
  };

  /** A channel linked to its own Razorpay account, with one ₹499 tier. */
  const channelWithTier = async () => {
    const channel = await streamerWithChannel(rp.bed.app, rp.bed.backends, rp.bed.deps);
    const linked = `acc_${channel.channelId.replaceAll('-', '').slice(0, 14)}`;
    await rp.bed.deps.services.payments.connectAccount(channel.channelId, 'razorpay', linked);
    const tier = await expectJson(
      await request('POST', '/tiers', { name: 'Chai', price: 49_900, currency: 'inr' }, channel.owner),
      TierSchema,
      201,
    );
    return { channel, tier, linked };
  };

  it('lives a whole life: plan, checkout signature, started, renewed, failed charge, grace, halted, expired', async () => {
    const { channel, tier, linked } = await channelWithTier();
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const checkout = await subscribe(viewer, channel.slug, tier.id);
    const razorpaySub = rp.razorpay.subscriptions.get(checkout.razorpay?.subscriptionId ?? '');
    expect(checkout).toMatchObject({
      provider: 'razorpay',
      price: 49_900,
      currency: 'inr',
      checkoutUrl: razorpaySub?.short_url,
      razorpay: { keyId: rp.razorpay.keyId, subscriptionId: razorpaySub?.id },
    });
    // One monthly plan for the tier at its price, named by the subscription; our id in its notes.
    const plan = rp.razorpay.plans.get(razorpaySub?.plan_id ?? '');
    expect(plan).toMatchObject({
      period: 'monthly',
      interval: 1,
      item: { name: 'Chai', amount: 49_900, currency: 'INR' },
      notes: { tier_id: tier.id },
    });
    expect(razorpaySub).toMatchObject({
      status: 'created',
      notes: { subscription_id: checkout.subscriptionId, kind: 'subscription' },
    });

    // The subscriber pays in Razorpay Checkout; the page sends us its answer.
    const answer = rp.razorpay.authorize(razorpaySub?.id ?? '');
    const verify = (body: unknown, user?: SignedInUser) =>
      request('POST', '/razorpay/subscriptions/verify', body, user);
    const stranger = await registerAndLogin(rp.bed.app, rp.bed.backends);
    await expectProblem(await verify(answer), 401, 'invalid_token');
    await expectProblem(await verify(answer, stranger), 404, 'not_found');
    // The order of the pair matters: a signature over `subscription_id|payment_id` is not Razorpay's.
    const swapped = rp.razorpay.sign(
      `${answer.razorpay_subscription_id}|${answer.razorpay_payment_id}`,
      rp.razorpay.keySecret,
    );
    await expectProblem(
      await verify({ ...answer, razorpay_signature: swapped }, viewer),
      400,
      'invalid_checkout_signature',
    );
    await expectProblem(
      await verify({ ...answer, razorpay_signature: 'x' }, viewer),
      422,
      'validation_failed',
    );
    expect(await expectJson(await verify(answer, viewer), RazorpaySubscriptionVerifiedSchema)).toEqual({
      subscriptionId: checkout.subscriptionId,
      status: 'incomplete',
    });
    expect((await mine(viewer)).items).toEqual([]);

    // Razorpay charges the first cycle: `charged` handled before `activated` (out of order).
    const first = rp.razorpay.charge(razorpaySub?.id ?? '');
    expect(await rp.handled(first.charged, first.activated ?? {})).toEqual([
      'subscription_started',
      'ignored: nothing changed',
    ]);
    const [started] = (await mine(viewer)).items;
    const periodEnd = new Date(
      (rp.razorpay.subscriptions.get(razorpaySub?.id ?? '')?.current_end ?? 0) * 1000,
    );
    expect(started).toMatchObject({
      id: checkout.subscriptionId,
      status: 'active',
      cancelAtPeriodEnd: false,
      currentPeriodEnd: periodEnd.toISOString(),
      accessUntil: new Date(periodEnd.getTime() + GRACE_HOURS * HOUR).toISOString(),
    });
    expect(await rp.bed.deps.services.subscriptions.isSubscribed(viewer.account.id, channel.channelId)).toBe(
      true,
    );
    // A replay stores nothing new.
    const replay = await rp.deliver(first.charged);
    expect(WebhookReceiptSchema.parse(await replay.json())).toEqual({ received: true, duplicate: true });

    // Next month: renewed. Each charge is one split entry and one Route transfer of the creator's share.
    const second = rp.razorpay.charge(razorpaySub?.id ?? '');
    expect(await rp.handled(second.charged)).toEqual(['subscription_renewed']);
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 2 * 44_910, lines: 2 },
    ]);
    const lines = await expectJson(
      await request('GET', '/ledger', undefined, channel.owner),
      LedgerLinePageSchema,
    );
    expect(lines.items.map((line) => [line.kind, line.amount])).toEqual([
      ['subscription', 44_910],
      ['subscription', 44_910],
    ]);
    const transfers = [...rp.razorpay.transfers.values()].filter((t) => t.recipient === linked);
    expect(transfers.map((t) => [t.source, t.amount, t.currency])).toEqual([
      [answer.razorpay_payment_id, 44_910, 'INR'],
      [(second.charged.payload as { payment: { entity: { id: string } } }).payment.entity.id, 44_910, 'INR'],
    ]);

    // The month after, the charge fails: past due, perks kept through the grace; Razorpay halting the
    // subscription after its retries does not extend it.
    const failedAt = Date.now();
    expect(await rp.handled(rp.razorpay.failCharge(razorpaySub?.id ?? ''))).toEqual([
      'subscription_past_due',
    ]);
    const [pastDue] = (await mine(viewer)).items;
    expect(pastDue?.status).toBe('past_due');
    const graceEnd = Date.parse(pastDue?.accessUntil ?? '');
    expect(graceEnd).toBeGreaterThanOrEqual(failedAt + GRACE_HOURS * HOUR);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + GRACE_HOURS * HOUR);
    expect(await rp.handled(rp.razorpay.halt(razorpaySub?.id ?? ''))).toEqual([
      'ignored: subscription is past_due',
    ]);
    expect((await mine(viewer)).items[0]?.accessUntil).toBe(pastDue?.accessUntil);
    expect(await rp.bed.deps.services.subscriptions.isSubscribed(viewer.account.id, channel.channelId)).toBe(
      true,
    );

    // The sweep ends it when the grace is over, once.
    const sweep = rp.bed.deps.services.subscriptions;
    await sweep.expireDue(new Date(graceEnd - 1000));
    expect((await mine(viewer)).items[0]?.status).toBe('past_due');
    await sweep.expireDue(new Date(graceEnd + 1000));
    await sweep.expireDue(new Date(graceEnd + 2000));
    expect((await mine(viewer)).items[0]).toMatchObject({ status: 'expired' });
    expect(await eventsOf(checkout.subscriptionId)).toEqual([
      'subscription.started',
      'subscription.renewed',
      'subscription.payment_failed',
      'subscription.expired',
    ]);
    // The books: two charges, nothing more, balanced.
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 2 * 44_910, lines: 2 },
    ]);
  });

  it('reconciliation asks Razorpay for its paid subscription invoices and each charge’s Route transfer', async () => {
    const { channel, tier, linked } = await channelWithTier();
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const subId = (await subscribe(viewer, channel.slug, tier.id)).razorpay?.subscriptionId ?? '';
    rp.razorpay.authorize(subId);
    const first = rp.razorpay.charge(subId);
    expect(await rp.handled(first.charged)).toEqual(['subscription_started']);
    const payIdOf = (charged: Record<string, unknown>) =>
      (charged.payload as { payment: { entity: { id: string } } }).payment.entity.id;
    const firstPay = payIdOf(first.charged);
    const [payment] = await rp.bed.backends.database.db
      .select()
      .from(paymentRows)
      .where(eq(paymentRows.providerPaymentId, firstPay));
    const admin = await registerAndLogin(rp.bed.app, rp.bed.backends, { role: 'admin' });
    const ours = async () =>
      (
        await expectJson(
          await request('GET', '/reconciliation?limit=1000', undefined, admin),
          ReconciliationSchema,
        )
      ).differences.filter(
        (difference) => difference.paymentId === payment?.id || difference.detail.includes(subId),
      );
    const invoiceCalls = () =>
      rp.razorpay.requests.filter((r) => r.method === 'GET' && r.path === '/v1/invoices');
    const before = invoiceCalls().length;
    expect(await ours()).toEqual([]);
    expect(invoiceCalls().length).toBeGreaterThan(before);

    // Razorpay charges the next cycle, but its subscription.charged never reaches us.
    const lost = rp.razorpay.charge(subId);
    expect(await ours()).toEqual([
      {
        kind: 'invoice_not_recorded',
        provider: 'razorpay',
        paymentId: null,
        eventId: null,
        detail: `razorpay lists invoice ${payIdOf(lost.charged)} of subscription ${subId} paid 49900 inr; the ledger has no payment for it`,
      },
    ]);
    expect(await rp.handled(lost.charged)).toEqual(['subscription_renewed']);
    expect(await ours()).toEqual([]);

    // The first charge's transfer to the creator is reversed from Razorpay's dashboard, then gone.
    const transfer = [...rp.razorpay.transfers.values()].find(
      (t) => t.source === firstPay && t.recipient === linked,
    );
    if (!transfer) throw new Error('the first charge has no transfer');
    transfer.amount_reversed = 10_000;
    expect(await ours()).toEqual([
      {
        kind: 'transfer_amount_differs',
        provider: 'razorpay',
        paymentId: payment?.id,
        eventId: null,
        detail: `razorpay payment ${firstPay} transferred 34910 inr to ${linked}; the creator's share is 44910`,
      },
    ]);
    rp.razorpay.transfers.delete(transfer.id);
    expect((await ours()).map((difference) => [difference.kind, difference.detail])).toEqual([
      [
        'transfer_not_made',
        `razorpay payment ${firstPay} has no transfer to ${linked}; the creator's share is 44910 inr`,
      ],
    ]);
  });

  it('cancels at the period end through Razorpay, keeps the perks until then, and reuses the tier’s plan', async () => {
    const { channel, tier } = await channelWithTier();
    const first = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const other = await subscribe(first, channel.slug, tier.id);
    const checkout = await subscribe(viewer, channel.slug, tier.id);
    const subId = checkout.razorpay?.subscriptionId ?? '';
    // The second subscriber at the same price is opened on the same plan.
    expect(rp.razorpay.subscriptions.get(subId)?.plan_id).toBe(
      rp.razorpay.subscriptions.get(other.razorpay?.subscriptionId ?? '')?.plan_id,
    );
    rp.razorpay.authorize(subId);
    const charged = rp.razorpay.charge(subId);
    // `activated` first this time.
    expect(await rp.handled(charged.activated ?? {}, charged.charged)).toEqual([
      'ignored: subscription is incomplete',
      'subscription_started',
    ]);

    const cancelled = await expectJson(
      await request('POST', `/subscriptions/${checkout.subscriptionId}/cancel`, undefined, viewer),
      SubscriptionSchema,
    );
    const periodEnd = new Date((rp.razorpay.subscriptions.get(subId)?.current_end ?? 0) * 1000).toISOString();
    expect(cancelled).toMatchObject({
      status: 'active',
      cancelAtPeriodEnd: true,
      currentPeriodEnd: periodEnd,
      accessUntil: periodEnd,
    });
    expect(rp.razorpay.requests.find((r) => r.path === `/v1/subscriptions/${subId}/cancel`)?.body).toEqual({
      cancel_at_cycle_end: 1,
    });
    await expectProblem(
      await request('POST', `/subscriptions/${checkout.subscriptionId}/cancel`, undefined, viewer),
      409,
      'conflict',
    );
    // Razorpay ends it when the cycle is over: nothing more to do but let the sweep expire it.
    expect(await rp.handled(rp.razorpay.endCycle(subId))).toEqual(['ignored: nothing changed']);
    expect(await rp.bed.deps.services.subscriptions.isSubscribed(viewer.account.id, channel.channelId)).toBe(
      true,
    );
    await rp.bed.deps.services.subscriptions.expireDue(new Date(Date.parse(periodEnd) + 1000));
    expect((await mine(viewer)).items[0]).toMatchObject({ status: 'expired' });
    expect(await eventsOf(checkout.subscriptionId)).toEqual([
      'subscription.started',
      'subscription.cancelled',
      'subscription.expired',
    ]);

    // The first subscriber never paid and Razorpay cancels the subscription: abandoned, nothing booked.
    const otherId = other.razorpay?.subscriptionId ?? '';
    expect(await rp.handled(rp.razorpay.cancelNow(otherId))).toEqual(['subscription_checkout_expired']);
    expect((await mine(first)).items).toEqual([]);
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 44_910, lines: 1 },
    ]);

    // An admin refunds the charge through Razorpay, in two parts: each refund.processed reverses its share.
    const payId = (charged.charged.payload as { payment: { entity: { id: string } } }).payment.entity.id;
    const invoiceOf = async () =>
      (
        await rp.bed.backends.database.db
          .select()
          .from(paymentRows)
          .where(eq(paymentRows.providerPaymentId, payId))
      )[0];
    const invoice = await invoiceOf();
    expect(invoice).toMatchObject({ kind: 'subscription', status: 'succeeded', amount: 49_900 });
    const admin = await registerAndLogin(rp.bed.app, rp.bed.backends, { role: 'admin' });
    const refund = async (body: unknown) => {
      const requested = await expectJson(
        await request('POST', `/refunds/${invoice?.id}`, body, admin),
        RefundRequestedSchema,
      );
      const processed = rp.razorpay.refundProcessed(requested.refundId);
      expect(await rp.handled(processed)).toEqual([body ? 'tip_partially_refunded' : 'tip_refunded']);
      return requested;
    };
    expect(rp.razorpay.refunds.get((await refund({ amount: 9_900 })).refundId)).toMatchObject({
      payment_id: payId,
      amount: 9_900,
    });
    // 9,900 of 49,900 at a 10% fee: the fee's share 990, the creator's 8,910.
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 44_910 - 8_910, lines: 2 },
    ]);
    await refund(undefined);
    expect(await invoiceOf()).toMatchObject({
      status: 'refunded',
      amountRefunded: 49_900,
    });
    expect((await rp.bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 0, lines: 3 },
    ]);
  });
});
