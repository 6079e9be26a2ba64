/**
 * Channel subscriptions end to end over the real gateway app on PGlite and PostgreSQL: the official
 * Stripe SDK against the local server speaking Stripe's API, webhooks signed as Stripe signs them, the
 * outbox relay and the payments consumer in-process, the expiry sweep, the ledger read back through the
 * earnings routes.
 */
import {
  LedgerLinePageSchema,
  ReconciliationSchema,
  RefundRequestedSchema,
  SubscriptionCheckoutSchema,
  SubscriptionListSchema,
  SubscriptionSchema,
  TierListSchema,
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
import { type PaymentsTestbed, startPaymentsTestbed, until } from './testing/payments-test-kit.ts';
import type { StripeEvent } from './testing/stripe-api-server.ts';

const HOUR = 3_600_000;
const GRACE_HOURS = 48;

describe.each(testDatabases())('channel subscriptions on %s', (driver) => {
  let bed: PaymentsTestbed;

  beforeAll(async () => {
    bed = await startPaymentsTestbed(driver, {
      PAYMENTS_CURRENCIES: 'usd,eur',
      PAYMENTS_PLATFORM_FEE_BPS: '1000',
      PAYMENTS_TIER_MIN_MINOR: '300',
      PAYMENTS_TIER_MAX_MINOR: '2000',
      PAYMENTS_GRACE_HOURS: String(GRACE_HOURS),
    });
  });
  afterAll(async () => {
    await bed?.close();
  });

  const request = (method: string, path: string, body: unknown, user?: SignedInUser) =>
    bed.app.request(`/api/v1/payments${path}`, send(method, body, user));
  const createTier = async (owner: SignedInUser, body: Record<string, unknown>) =>
    expectJson(await request('POST', '/tiers', body, owner), TierSchema, 201);
  const subscribe = async (viewer: SignedInUser, channel: string, tier: string) =>
    expectJson(
      await request('POST', '/subscriptions', { channel, tier }, viewer),
      SubscriptionCheckoutSchema,
      201,
    );
  const sessionOf = (subscriptionId: string) => {
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.metadata.subscription_id === subscriptionId,
    );
    if (!session) throw new Error(`no checkout session for subscription ${subscriptionId}`);
    return session;
  };
  /** Delivers each event signed, in the order given, and waits until every one was handled. */
  const deliverAll = async (...events: StripeEvent[]) => {
    for (const event of events) {
      const answer = await bed.deliver(JSON.stringify(event));
      expect(WebhookReceiptSchema.parse(await answer.json())).toEqual({ received: true, duplicate: false });
    }
    for (const event of events) await bed.processed(event.id);
  };
  const outcomeOf = async (event: StripeEvent) => (await bed.payments.findEvent('stripe', event.id))?.outcome;
  const mine = async (viewer: SignedInUser) =>
    expectJson(await request('GET', '/subscriptions', undefined, viewer), SubscriptionListSchema);
  const subscriptionEvents = async (subscriptionId: string) => {
    const names = [
      'subscription.started',
      'subscription.renewed',
      'subscription.cancelled',
      'subscription.expired',
    ] as const;
    const all = await Promise.all(
      names.map(async (name) =>
        (await storedEvents(bed.backends.database.db, name))
          .filter((event) => event.subscriptionId === subscriptionId)
          .map((event) => ({ name, ...event })),
      ),
    );
    return all.flat().sort((a, b) => a.at.localeCompare(b.at));
  };
  const isSubscribed = (viewer: SignedInUser, channelId: string) =>
    bed.deps.services.subscriptions.isSubscribed(viewer.account.id, channelId);

  /** A streamer's channel with one 500-cent tier, a viewer subscribed and paid up (events in order). */
  const paidSubscription = async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await createTier(channel.owner, { name: 'Supporter', price: 500, currency: 'usd' });
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await subscribe(viewer, channel.slug, tier.id);
    const paid = bed.stripe.completeSubscription(sessionOf(checkout.subscriptionId).id);
    await deliverAll(paid.completed, paid.created, paid.invoicePaid);
    return { channel, tier, viewer, checkout, paid };
  };

  it('lets a creator set monthly tiers within the instance limits; anyone reads the active ones', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const other = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const basic = await createTier(channel.owner, { name: ' Basic ', price: 300, currency: 'USD' });
    expect(basic).toMatchObject({
      channelId: channel.channelId,
      name: 'Basic',
      price: 300,
      currency: 'usd',
      active: true,
    });
    const gold = await createTier(channel.owner, { name: 'Gold', price: 2000, currency: 'eur' });

    await expectProblem(
      await request('POST', '/tiers', { name: 'Basic', price: 400, currency: 'usd' }, channel.owner),
      409,
      'conflict',
    );
    for (const [body, path] of [
      [{ name: 'Cheap', price: 299, currency: 'usd' }, 'body.price'],
      [{ name: 'Dear', price: 2001, currency: 'usd' }, 'body.price'],
      [{ name: 'Odd', price: 4.5, currency: 'usd' }, 'body.price'],
      [{ name: 'Pounds', price: 500, currency: 'gbp' }, 'body.currency'],
      [{ name: '', price: 500, currency: 'usd' }, 'body.name'],
      [{ name: 'x'.repeat(51), price: 500, currency: 'usd' }, 'body.name'],
      [{ name: 'nul\u0000', price: 500, currency: 'usd' }, 'body.name'],
      [{ name: 'Extra', price: 500, currency: 'usd', perks: [] }, 'body'],
    ] as const) {
      const problem = await expectProblem(
        await request('POST', '/tiers', body, channel.owner),
        422,
        'validation_failed',
      );
      expect(problem.errors?.map((error) => error.path)).toContain(path);
    }
    await expectProblem(
      await request('POST', '/tiers', { name: 'A', price: 500, currency: 'usd' }),
      401,
      'invalid_token',
    );
    await expectProblem(
      await request('POST', '/tiers', { name: 'A', price: 500, currency: 'usd' }, viewer),
      404,
      'not_found',
    );

    // Only the owner edits a tier; a name another tier has is refused; an inactive tier is not listed.
    await expectProblem(
      await request('PATCH', `/tiers/${gold.id}`, { price: 900 }, other.owner),
      404,
      'not_found',
    );
    await expectProblem(
      await request('PATCH', `/tiers/${gold.id}`, { name: 'Basic' }, channel.owner),
      409,
      'conflict',
    );
    await expectProblem(
      await request('PATCH', `/tiers/${gold.id}`, { price: 10 }, channel.owner),
      422,
      'validation_failed',
    );
    await expectProblem(
      await request('PATCH', `/tiers/${gold.id}`, {}, channel.owner),
      422,
      'validation_failed',
    );
    await expectProblem(
      await request('PATCH', '/tiers/not-a-uuid', { price: 900 }, channel.owner),
      422,
      'validation_failed',
    );
    expect(
      await expectJson(
        await request('PATCH', `/tiers/${gold.id}`, { price: 900, active: false }, channel.owner),
        TierSchema,
      ),
    ).toMatchObject({ price: 900, active: false });
    expect(
      (await expectJson(await request('GET', `/channels/${channel.slug}/tiers`, undefined), TierListSchema))
        .items,
    ).toEqual([basic]);
    expect(
      (await expectJson(await request('GET', '/tiers', undefined, channel.owner), TierListSchema)).items,
    ).toEqual([basic, { ...gold, price: 900, active: false }]);
    await expectProblem(await request('GET', '/channels/no-such-channel/tiers', undefined), 404, 'not_found');

    // At most five tiers a channel.
    for (const name of ['Three', 'Four', 'Five'])
      await createTier(channel.owner, { name, price: 500, currency: 'usd' });
    await expectProblem(
      await request('POST', '/tiers', { name: 'Six', price: 500, currency: 'usd' }, channel.owner),
      409,
      'conflict',
    );
  });

  it('runs a subscription’s life: checkout, start, renewal, failed payment, grace, expiry', async () => {
    const { channel, viewer, checkout, paid } = await paidSubscription();
    const { subscriptionId } = checkout;
    expect(checkout).toMatchObject({ provider: 'stripe', price: 500, currency: 'usd' });

    // The checkout is a monthly Stripe subscription carrying our id, created under an idempotency key.
    const session = sessionOf(subscriptionId);
    expect(checkout.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);
    expect(session).toMatchObject({
      mode: 'subscription',
      success_url: `${bed.deps.config.publicUrl}/c/${channel.slug}?subscription=${subscriptionId}`,
      subscription_data: { metadata: { subscription_id: subscriptionId } },
    });
    expect(
      bed.stripe.requests.find(
        (r) =>
          r.path === '/v1/checkout/sessions' &&
          r.params.mode === 'subscription' &&
          (r.params.metadata as Record<string, string>).subscription_id === subscriptionId,
      )?.idempotencyKey,
    ).toBe(`subscription-${subscriptionId}`);
    expect(await outcomeOf(paid.completed)).toBe('subscription_linked');
    expect(await outcomeOf(paid.invoicePaid)).toBe('subscription_started');

    const periodEnd = new Date(
      (bed.stripe.subscriptions.get(paid.subscriptionId)?.items.data[0]?.current_period_end ?? 0) * 1000,
    );
    const [started] = (await mine(viewer)).items;
    expect(started).toMatchObject({
      id: subscriptionId,
      status: 'active',
      cancelAtPeriodEnd: false,
      currentPeriodEnd: periodEnd.toISOString(),
      accessUntil: new Date(periodEnd.getTime() + GRACE_HOURS * HOUR).toISOString(),
    });
    expect(await isSubscribed(viewer, channel.channelId)).toBe(true);
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 450, lines: 1 },
    ]);

    // A second subscription to the same channel is refused while this one runs.
    const tier = started?.tierId ?? '';
    await expectProblem(
      await request('POST', '/subscriptions', { channel: channel.slug, tier }, viewer),
      409,
      'conflict',
    );

    // Next month: renewed, booked again; a replay and a second event about the same invoice book nothing.
    const renewal = bed.stripe.renew(paid.subscriptionId);
    await deliverAll(renewal);
    expect(await outcomeOf(renewal)).toBe('subscription_renewed');
    const replay = await bed.deliver(JSON.stringify(renewal));
    expect(WebhookReceiptSchema.parse(await replay.json())).toEqual({ received: true, duplicate: true });
    const sameInvoice = { ...renewal, id: `${renewal.id}_again` };
    await deliverAll(sameInvoice);
    expect(await outcomeOf(sameInvoice)).toBe('ignored: invoice already booked');
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 900, lines: 2 },
    ]);
    const lines = await expectJson(
      await request('GET', '/ledger', undefined, channel.owner),
      LedgerLinePageSchema,
    );
    expect(lines.items.map((line) => [line.kind, line.amount])).toEqual([
      ['subscription', 450],
      ['subscription', 450],
    ]);

    // The month after, the card fails: past due, perks kept through the grace, which a retry's second
    // failure does not extend.
    const failedAt = Date.now();
    await deliverAll(bed.stripe.failRenewal(paid.subscriptionId));
    const [pastDue] = (await mine(viewer)).items;
    expect(pastDue?.status).toBe('past_due');
    const graceEnd = Date.parse(pastDue?.accessUntil ?? '');
    expect(graceEnd).toBeGreaterThanOrEqual(failedAt + GRACE_HOURS * HOUR);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + GRACE_HOURS * HOUR);
    const retryFailed = bed.stripe.failRenewal(paid.subscriptionId);
    await deliverAll(retryFailed);
    expect(await outcomeOf(retryFailed)).toBe('ignored: subscription is past_due');
    expect((await mine(viewer)).items[0]?.accessUntil).toBe(pastDue?.accessUntil);
    expect(await isSubscribed(viewer, channel.channelId)).toBe(true);

    // The sweep before the grace ends leaves it; after, it expires it once.
    const subscriptions = bed.deps.services.subscriptions;
    await subscriptions.expireDue(new Date(graceEnd - 1000));
    expect((await mine(viewer)).items[0]?.status).toBe('past_due');
    await subscriptions.expireDue(new Date(graceEnd + 1000));
    await subscriptions.expireDue(new Date(graceEnd + 2000));
    expect((await mine(viewer)).items[0]).toMatchObject({
      status: 'expired',
      endedAt: new Date(graceEnd + 1000).toISOString(),
    });

    // Stripe gives up later: already over, nothing changes.
    const deleted = bed.stripe.endSubscription(paid.subscriptionId);
    await deliverAll(deleted);
    expect(await outcomeOf(deleted)).toBe('ignored: subscription is expired');

    const events = await subscriptionEvents(subscriptionId);
    expect(events.map((event) => event.name)).toEqual([
      'subscription.started',
      'subscription.renewed',
      'subscription.expired',
    ]);
    expect(events[0]).toMatchObject({
      channelId: channel.channelId,
      creatorId: channel.owner.account.id,
      subscriberId: viewer.account.id,
      price: 500,
      currency: 'usd',
      provider: 'stripe',
    });
    expect(events[0]?.entryId).toEqual(expect.any(String));
    expect(events[2]).toMatchObject({ accessUntil: null, entryId: null });

    // Over: the viewer may subscribe again.
    expect(await subscribe(viewer, channel.slug, tier)).toMatchObject({ price: 500 });
  });

  it('lets an admin refund a subscription invoice through Stripe, in parts, reversing the ledger exactly', async () => {
    const { channel, paid } = await paidSubscription();
    // `invoice.paid` does not carry the invoice's payments (an includable field): its PaymentIntent is
    // listed from Stripe's invoice payments and recorded on the payment, so refunds find the charge.
    const invoiceId = (paid.invoicePaid.data.object as { id: string }).id;
    expect(paid.invoicePaid.data.object).not.toHaveProperty('payments');
    const paidBy = bed.stripe.invoicePayments.get(invoiceId)?.payment;
    const paymentIntent = paidBy?.type === 'payment_intent' ? paidBy.payment_intent : '';
    expect(paymentIntent).toMatch(/^pi_/);
    expect(bed.stripe.requests.some((r) => r.method === 'GET' && r.path === '/v1/invoice_payments')).toBe(
      true,
    );
    const invoiceOf = async () =>
      (
        await bed.backends.database.db.select().from(paymentRows).where(eq(paymentRows.invoiceId, invoiceId))
      )[0];
    const invoice = await invoiceOf();
    expect(invoice).toMatchObject({
      kind: 'subscription',
      status: 'succeeded',
      amount: 500,
      providerPaymentId: paymentIntent,
    });
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 450, lines: 1 },
    ]);

    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const refund = async (body: unknown, outcome: string) => {
      const requested = await expectJson(
        await request('POST', `/refunds/${invoice?.id}`, body, admin),
        RefundRequestedSchema,
      );
      const refunded = bed.stripe.chargeRefunded(requested.refundId);
      await deliverAll(refunded);
      expect(await outcomeOf(refunded)).toBe(outcome);
      return bed.stripe.refunds.get(requested.refundId);
    };
    expect(await refund({ amount: 100 }, 'tip_partially_refunded')).toMatchObject({
      payment_intent: paymentIntent,
      amount: 100,
    });
    // 100 of 500 at a 10% fee: the fee's share 10, the creator's 90.
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'usd', balance: 450 - 90, lines: 2 },
    ]);
    // More than is left is refused before Stripe is asked.
    await expectProblem(
      await request('POST', `/refunds/${invoice?.id}`, { amount: 401 }, admin),
      422,
      'validation_failed',
    );
    expect(await refund(undefined, 'tip_refunded')).toMatchObject({
      payment_intent: paymentIntent,
      amount: 400,
    });
    expect(await invoiceOf()).toMatchObject({ status: 'refunded', amountRefunded: 500 });
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 3 }]);
  });

  it('refunds and disputes a renewal Stripe took by a plain charge, with no PaymentIntent, by its charge id', async () => {
    const { channel, paid } = await paidSubscription();
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const renewByCharge = async () => {
      const renewed = bed.stripe.renew(paid.subscriptionId, { byCharge: true });
      await deliverAll(renewed);
      expect(await outcomeOf(renewed)).toBe('subscription_renewed');
      const invoiceId = (renewed.data.object as { id: string }).id;
      const by = bed.stripe.invoicePayments.get(invoiceId)?.payment;
      const [row] = await bed.backends.database.db
        .select()
        .from(paymentRows)
        .where(eq(paymentRows.invoiceId, invoiceId));
      expect(by?.type).toBe('charge');
      expect(row?.providerPaymentId).toBe(by?.type === 'charge' ? by.charge : 'a charge');
      return { id: row?.id ?? '', charge: row?.providerPaymentId ?? '' };
    };
    const balance = async () => (await bed.earnings(channel.owner)).balances[0]?.balance;
    const refunded = await renewByCharge();
    expect(await balance()).toBe(2 * 450);

    // Refunded through the API: Stripe is asked by the charge, and its charge.refunded names no intent.
    const requested = await expectJson(
      await request('POST', `/refunds/${refunded.id}`, { amount: 100 }, admin),
      RefundRequestedSchema,
    );
    expect(bed.stripe.refunds.get(requested.refundId)).toMatchObject({
      charge: refunded.charge,
      payment_intent: null,
      amount: 100,
    });
    const chargeRefunded = bed.stripe.chargeRefunded(requested.refundId);
    expect(chargeRefunded.data.object).toMatchObject({ id: refunded.charge, payment_intent: null });
    await deliverAll(chargeRefunded);
    expect(await outcomeOf(chargeRefunded)).toBe('tip_partially_refunded');
    expect(await balance()).toBe(2 * 450 - 90);

    // A chargeback of the next one, named by its charge, reverses it; won, it is booked again.
    const disputed = await renewByCharge();
    expect(await balance()).toBe(3 * 450 - 90);
    const opened = bed.stripe.dispute(disputed.charge);
    expect(opened.data.object).toMatchObject({ charge: disputed.charge, payment_intent: null });
    await deliverAll(opened);
    expect(await outcomeOf(opened)).toBe('dispute_opened');
    expect(await balance()).toBe(2 * 450 - 90);
    const won = bed.stripe.closeDispute(opened, 'won');
    await deliverAll(won);
    expect(await outcomeOf(won)).toBe('dispute_won');
    expect(await balance()).toBe(3 * 450 - 90);
  });

  it('reconciliation asks Stripe for its paid invoices and finds one whose webhook never arrived', async () => {
    const { paid } = await paidSubscription();
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const notRecorded = async () =>
      (
        await expectJson(
          await request('GET', '/reconciliation?limit=1000', undefined, admin),
          ReconciliationSchema,
        )
      ).differences.filter((difference) => difference.kind === 'invoice_not_recorded');
    const listCalls = () =>
      bed.stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/invoices');
    const before = listCalls().length;
    // Every invoice this file's subscriptions paid had its webhook handled: nothing to report.
    expect(await notRecorded()).toEqual([]);
    expect(listCalls().length).toBeGreaterThan(before);

    // Stripe renews the subscription, but its invoice.paid never reaches us.
    const lost = bed.stripe.renew(paid.subscriptionId);
    const lostId = (lost.data.object as { id: string }).id;
    expect(await notRecorded()).toEqual([
      {
        kind: 'invoice_not_recorded',
        provider: 'stripe',
        paymentId: null,
        eventId: null,
        detail: `stripe lists invoice ${lostId} of subscription ${paid.subscriptionId} paid 500 usd; the ledger has no payment for it`,
      },
    ]);
    // Once the webhook is handled (as a resend from Stripe would be), the difference is gone.
    await deliverAll(lost);
    expect(await outcomeOf(lost)).toBe('subscription_renewed');
    expect(await notRecorded()).toEqual([]);
  });

  it('cancels at the end of the period: Stripe stops renewing, perks last until then, then it expires', async () => {
    const { channel, viewer, checkout, paid } = await paidSubscription();
    const { subscriptionId } = checkout;
    const stranger = await registerAndLogin(bed.app, bed.backends);
    const cancelOf = (id: string, user?: SignedInUser) =>
      request('POST', `/subscriptions/${id}/cancel`, undefined, user);

    await expectProblem(await cancelOf(subscriptionId), 401, 'invalid_token');
    await expectProblem(await cancelOf(subscriptionId, stranger), 404, 'not_found');
    await expectProblem(await cancelOf(crypto.randomUUID(), viewer), 404, 'not_found');
    await expectProblem(await cancelOf('not-a-uuid', viewer), 422, 'validation_failed');

    const cancelled = await expectJson(await cancelOf(subscriptionId, viewer), SubscriptionSchema);
    const stripeSubscription = bed.stripe.subscriptions.get(paid.subscriptionId);
    expect(stripeSubscription?.cancel_at_period_end).toBe(true);
    const periodEnd = new Date(
      (stripeSubscription?.items.data[0]?.current_period_end ?? 0) * 1000,
    ).toISOString();
    expect(cancelled).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, accessUntil: periodEnd });
    expect(
      bed.stripe.requests.find((r) => r.path === `/v1/subscriptions/${paid.subscriptionId}`)?.idempotencyKey,
    ).toBe(`cancel-${subscriptionId}`);
    await expectProblem(await cancelOf(subscriptionId, viewer), 409, 'conflict');

    // Stripe's own update about the cancellation: already known, no second event.
    const updated = {
      ...paid.created,
      id: `${paid.created.id}_cancel`,
      type: 'customer.subscription.updated',
      data: { object: structuredClone({ ...stripeSubscription }) },
    };
    await deliverAll(updated);
    expect(await outcomeOf(updated)).toBe('ignored: nothing changed');

    await bed.deps.services.subscriptions.expireDue(new Date(Date.parse(periodEnd) - 1000));
    expect(await isSubscribed(viewer, channel.channelId)).toBe(true);
    await bed.deps.services.subscriptions.expireDue(new Date(Date.parse(periodEnd) + 1000));
    expect((await mine(viewer)).items[0]?.status).toBe('expired');
    expect(await isSubscribed(viewer, channel.channelId)).toBe(false);
    const events = await subscriptionEvents(subscriptionId);
    expect(events.map((event) => event.name)).toEqual([
      'subscription.started',
      'subscription.cancelled',
      'subscription.expired',
    ]);
    expect(events[1]?.accessUntil).toBe(periodEnd);
    await expectProblem(await cancelOf(subscriptionId, viewer), 409, 'conflict');
  });

  it('takes a cancellation made at Stripe (its customer portal) and Stripe ending a subscription', async () => {
    const { viewer, checkout, paid } = await paidSubscription();
    const stripeSubscription = bed.stripe.subscriptions.get(paid.subscriptionId);
    if (!stripeSubscription) throw new Error('no Stripe subscription');
    stripeSubscription.cancel_at_period_end = true;
    const updated = {
      ...paid.created,
      id: `${paid.created.id}_portal`,
      type: 'customer.subscription.updated',
      data: { object: structuredClone({ ...stripeSubscription }) },
    };
    await deliverAll(updated);
    expect(await outcomeOf(updated)).toBe('subscription_cancelled');
    expect((await mine(viewer)).items[0]).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });

    const deleted = bed.stripe.endSubscription(paid.subscriptionId);
    await deliverAll(deleted);
    expect(await outcomeOf(deleted)).toBe('subscription_expired');
    expect((await mine(viewer)).items[0]?.status).toBe('expired');
    expect((await subscriptionEvents(checkout.subscriptionId)).map((event) => event.name)).toEqual([
      'subscription.started',
      'subscription.cancelled',
      'subscription.expired',
    ]);
  });

  it('handles an invoice delivered before its subscription (out of order), with and without our id', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await createTier(channel.owner, { name: 'Fan', price: 700, currency: 'eur' });

    // Stripe's invoice names our id (the subscription's metadata): it starts the subscription on its own.
    const first = await registerAndLogin(bed.app, bed.backends);
    const early = await subscribe(first, channel.slug, tier.id);
    const paidEarly = bed.stripe.completeSubscription(sessionOf(early.subscriptionId).id);
    await deliverAll(paidEarly.invoicePaid, paidEarly.created, paidEarly.completed);
    expect(await outcomeOf(paidEarly.invoicePaid)).toBe('subscription_started');
    expect((await mine(first)).items[0]).toMatchObject({ id: early.subscriptionId, status: 'active' });

    // An invoice that names only Stripe's subscription, before the checkout that tells us which: its
    // job fails and is retried until the checkout's completion links it, then it is booked once.
    const second = await registerAndLogin(bed.app, bed.backends);
    const late = await subscribe(second, channel.slug, tier.id);
    const paidLate = bed.stripe.completeSubscription(sessionOf(late.subscriptionId).id);
    const anonymous = structuredClone(paidLate.invoicePaid);
    const parent = anonymous.data.object.parent as {
      subscription_details: { metadata: Record<string, string> };
    };
    parent.subscription_details.metadata = {};
    const answer = await bed.deliver(JSON.stringify(anonymous));
    expect(answer.status).toBe(200);
    await until(async () => (await bed.payments.findEvent('stripe', anonymous.id)) !== undefined, 'stored');
    expect((await bed.payments.findEvent('stripe', anonymous.id))?.processedAt).toBeNull();
    await deliverAll(paidLate.completed);
    await bed.processed(anonymous.id);
    expect(await outcomeOf(anonymous)).toBe('subscription_started');
    expect((await mine(second)).items[0]).toMatchObject({ id: late.subscriptionId, status: 'active' });

    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'eur', balance: 1260, lines: 2 },
    ]);
  });

  it('answers 4xx for a subscription to no tier, an inactive tier, one’s own channel; abandons an expired checkout', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const otherChannel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const tier = await createTier(channel.owner, { name: 'Fan', price: 500, currency: 'usd' });
    const otherTier = await createTier(otherChannel.owner, { name: 'Fan', price: 500, currency: 'usd' });
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const start = (body: unknown, user: SignedInUser | null = viewer) =>
      request('POST', '/subscriptions', body, user ?? undefined);

    await expectProblem(await start({ channel: channel.slug, tier: tier.id }, null), 401, 'invalid_token');
    await expectProblem(await start({ channel: 'no-such-channel', tier: tier.id }), 404, 'not_found');
    await expectProblem(await start({ channel: channel.slug, tier: crypto.randomUUID() }), 404, 'not_found');
    await expectProblem(await start({ channel: channel.slug, tier: otherTier.id }), 404, 'not_found');
    await expectProblem(await start({ channel: channel.slug, tier: 'gold' }), 422, 'validation_failed');
    await expectProblem(await start({ channel: channel.slug }), 422, 'validation_failed');
    await expectProblem(
      await start({ channel: channel.slug, tier: tier.id }, channel.owner),
      409,
      'conflict',
    );
    await expectProblem(await request('GET', '/subscriptions', undefined), 401, 'invalid_token');

    // An abandoned checkout: expired at Stripe, never listed, and the viewer may start again.
    const abandoned = await subscribe(viewer, channel.slug, tier.id);
    const expired = bed.stripe.expire(sessionOf(abandoned.subscriptionId).id);
    await deliverAll(expired);
    expect(await outcomeOf(expired)).toBe('subscription_checkout_expired');
    expect((await mine(viewer)).items).toEqual([]);
    await subscribe(viewer, channel.slug, tier.id);

    await expectJson(
      await request('PATCH', `/tiers/${tier.id}`, { active: false }, channel.owner),
      TierSchema,
    );
    await expectProblem(await start({ channel: channel.slug, tier: tier.id }), 409, 'conflict');
  });
});
