/**
 * Tips end to end over the real gateway app on PGlite and PostgreSQL: the official Stripe SDK against a
 * local server speaking Stripe's API, webhooks signed as Stripe signs them, the outbox relay and the
 * payments consumer running in-process, the ledger read back through the earnings routes.
 */
import {
  EarningsSchema,
  LedgerLinePageSchema,
  RefundRequestedSchema,
  TipCheckoutSchema,
  WebhookReceiptSchema,
} from '@streamhub/contracts/payments';
import { testDatabases } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import type { Outbox } from '../../runtime/outbox.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { startTestOutbox, storedEvents } from '../../testing/test-outbox.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { PaymentsRepository } from './payments.repository.ts';
import { outboxCount, STRIPE_WEBHOOK, until } from './testing/payments-test-kit.ts';
import { type StripeApiServer, type StripeEvent, startStripeApiServer } from './testing/stripe-api-server.ts';

describe.each(testDatabases())('payments on %s', (driver) => {
  let stripe: StripeApiServer;
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let outbox: Outbox;
  let payments: PaymentsRepository;

  beforeAll(async () => {
    stripe = await startStripeApiServer();
    backends = await createTestBackends(driver);
    deps = backends.deps(
      {
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_API_URL: stripe.url,
        PAYMENTS_CURRENCIES: 'usd,eur',
        PAYMENTS_PLATFORM_FEE_BPS: '1000',
        PAYMENTS_TIP_MIN_MINOR: '100',
        PAYMENTS_TIP_MAX_MINOR: '50000',
      },
      {},
      { abusePolicy: MANY_LOGINS_POLICY },
    );
    app = createApp(deps).app;
    outbox = await startTestOutbox(backends, deps);
    payments = new PaymentsRepository(backends.database.db);
  });
  afterAll(async () => {
    await outbox?.close();
    await backends?.close();
    await stripe?.close();
  });

  const startTip = async (viewer: SignedInUser, body: Record<string, unknown>) =>
    expectJson(
      await app.request('/api/v1/payments/tips', send('POST', body, viewer)),
      TipCheckoutSchema,
      201,
    );
  const checkoutOf = (paymentId: string) => {
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === paymentId);
    if (!session) throw new Error(`no checkout session for payment ${paymentId}`);
    return session;
  };
  /** Posts `raw` to the webhook, signed as Stripe signs it unless a `signature` (null: none) is given. */
  const deliver = async (raw: string, signature?: string | null) => {
    const header = signature === undefined ? await stripe.sign(raw) : signature;
    return app.request(STRIPE_WEBHOOK, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
      body: raw,
    });
  };
  const processed = (eventId: string) =>
    until(
      async () => Boolean((await payments.findEvent('stripe', eventId))?.processedAt),
      `event ${eventId}`,
    );
  const earnings = async (user: SignedInUser) =>
    expectJson(await app.request('/api/v1/payments/earnings', send('GET', undefined, user)), EarningsSchema);
  /** Pays a started tip at the fake Stripe and delivers the signed webhook; resolves once it is handled. */
  const pay = async (paymentId: string): Promise<StripeEvent> => {
    const event = stripe.complete(checkoutOf(paymentId).id);
    const response = await deliver(JSON.stringify(event));
    expect(WebhookReceiptSchema.parse(await response.json())).toEqual({ received: true, duplicate: false });
    await processed(event.id);
    return event;
  };

  it('documents every payments operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'payments')).toEqual([
      'cancelSubscription',
      'createTier',
      'exportLedgerLines',
      'exportPayouts',
      'getConnectStatus',
      'getEarnings',
      'listChannelTiers',
      'listLedgerLines',
      'listMySubscriptions',
      'listMyTiers',
      'listPayouts',
      'receiveRazorpayWebhook',
      'receiveStripeWebhook',
      'reconcilePayments',
      'refreshConnectStatus',
      'refundPayment',
      'startConnectOnboarding',
      'startSubscription',
      'startTip',
      'updateTier',
      'verifyRazorpayCheckout',
      'verifyRazorpaySubscription',
    ]);
  });

  it('takes a tip end to end: checkout, signed webhook, ledger, tip.received once, earnings', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const checkout = await startTip(viewer, {
      channel: channel.slug,
      amount: 1234,
      currency: 'USD',
      message: ' Hi! ',
    });
    expect(checkout).toMatchObject({ provider: 'stripe', amount: 1234, currency: 'usd', platformFee: 123 });
    const session = checkoutOf(checkout.paymentId);
    expect(checkout.checkoutUrl).toBe(session.url);
    expect(session.metadata).toMatchObject({ payment_id: checkout.paymentId, message: 'Hi!' });
    expect(session.success_url).toBe(`${deps.config.publicUrl}/c/${channel.slug}?tip=${checkout.paymentId}`);
    expect(await payments.find(checkout.paymentId)).toMatchObject({
      status: 'pending',
      checkoutId: session.id,
    });
    expect((await earnings(channel.owner)).balances).toEqual([]);

    const event = stripe.complete(session.id);
    const raw = JSON.stringify(event);
    const signature = await stripe.sign(raw);
    const first = await deliver(raw, signature);
    expect(first.status).toBe(200);
    expect(WebhookReceiptSchema.parse(await first.json())).toEqual({ received: true, duplicate: false });
    await processed(event.id);

    expect(await earnings(channel.owner)).toEqual({
      channel: { id: channel.channelId, slug: channel.slug },
      balances: [{ currency: 'usd', balance: 1111, lines: 1 }],
    });
    const lines = await expectJson(
      await app.request('/api/v1/payments/ledger', send('GET', undefined, channel.owner)),
      LedgerLinePageSchema,
    );
    expect(lines.items).toEqual([
      expect.objectContaining({
        kind: 'tip',
        paymentId: checkout.paymentId,
        currency: 'usd',
        amount: 1111,
        balanceAfter: 1111,
      }),
    ]);
    const payment = await payments.find(checkout.paymentId);
    expect(payment).toMatchObject({ status: 'succeeded', providerPaymentId: session.payment_intent });
    const tips = (await storedEvents(backends.database.db, 'tip.received')).filter(
      (tip) => tip.paymentId === checkout.paymentId,
    );
    expect(tips).toEqual([
      expect.objectContaining({
        channelId: channel.channelId,
        creatorId: channel.owner.account.id,
        payerId: viewer.account.id,
        amount: 1234,
        currency: 'usd',
        platformFee: 123,
        creatorAmount: 1111,
        message: 'Hi!',
        provider: 'stripe',
        entryId: payment?.entryId,
      }),
    ]);

    // Stripe delivers again (a retry after a lost 2xx): stored before, nothing changes.
    const replay = await deliver(raw, signature);
    expect(replay.status).toBe(200);
    expect(WebhookReceiptSchema.parse(await replay.json())).toEqual({ received: true, duplicate: true });
    expect(await outboxCount(backends.database.db, 'payment.webhook_received', event.id)).toBe(1);

    // Another event about the same paid session (async success after completion): handled, books nothing.
    const again = { ...event, id: `${event.id}_async`, type: 'checkout.session.async_payment_succeeded' };
    expect((await deliver(JSON.stringify(again))).status).toBe(200);
    await processed(again.id);
    expect((await payments.findEvent('stripe', again.id))?.outcome).toBe('ignored: already booked');
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 1111, lines: 1 }]);
    expect(
      (await storedEvents(backends.database.db, 'tip.received')).filter(
        (tip) => tip.paymentId === checkout.paymentId,
      ),
    ).toHaveLength(1);
  });

  it('refuses a forged, stale or malformed webhook with 400 problem+json and stores nothing', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const checkout = await startTip(viewer, { channel: channel.slug, amount: 500, currency: 'usd' });
    const event = stripe.complete(checkoutOf(checkout.paymentId).id);
    const raw = JSON.stringify(event);
    const before = await outboxCount(backends.database.db, 'payment.webhook_received');

    await expectProblem(await deliver(raw, null), 400, 'invalid_webhook_signature');
    await expectProblem(
      await deliver(raw, await stripe.sign(raw, { secret: 'whsec_forged' })),
      400,
      'invalid_webhook_signature',
    );
    await expectProblem(
      await deliver(raw.replace('"amount_total":500', '"amount_total":5'), await stripe.sign(raw)),
      400,
      'invalid_webhook_signature',
    );
    await expectProblem(
      await deliver(raw, await stripe.sign(raw.replace('500', '5'))),
      400,
      'invalid_webhook_signature',
    );
    const stale = await expectProblem(
      await deliver(raw, await stripe.sign(raw, { timestamp: Math.floor(Date.now() / 1000) - 301 })),
      400,
      'invalid_webhook_signature',
    );
    expect(stale.detail).toMatch(/older than 5 minutes/);
    await expectProblem(await deliver('{"id":'), 400, 'malformed_webhook');
    await expectProblem(await deliver('{"id":"evt_x","type":"ping"}'), 400, 'malformed_webhook');

    expect(await payments.findEvent('stripe', event.id)).toBeUndefined();
    expect(await outboxCount(backends.database.db, 'payment.webhook_received')).toBe(before);
    expect(await payments.find(checkout.paymentId)).toMatchObject({ status: 'pending' });
    expect((await earnings(channel.owner)).balances).toEqual([]);
  });

  it('keeps exact balances for 50 concurrent tips to one channel, webhooks delivered at once', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const amounts = Array.from({ length: 50 }, (_, i) => 100 + i * 13);
    const checkouts = await Promise.all(
      amounts.map((amount) => startTip(viewer, { channel: channel.slug, amount, currency: 'eur' })),
    );
    const events = checkouts.map((checkout) => stripe.complete(checkoutOf(checkout.paymentId).id));
    const answers = await Promise.all(events.map((event) => deliver(JSON.stringify(event))));
    expect(answers.map((answer) => answer.status)).toEqual(amounts.map(() => 200));
    await Promise.all(events.map((event) => processed(event.id)));

    const total = amounts.reduce((sum, amount) => sum + amount, 0);
    const fees = amounts.reduce((sum, amount) => sum + Math.floor(amount / 10), 0);
    expect((await earnings(channel.owner)).balances).toEqual([
      { currency: 'eur', balance: total - fees, lines: 50 },
    ]);
    const ids = new Set(checkouts.map((checkout) => checkout.paymentId));
    const tips = (await storedEvents(backends.database.db, 'tip.received')).filter((tip) =>
      ids.has(tip.paymentId),
    );
    expect(tips).toHaveLength(50);

    // Every page of the ledger lines, 20 at a time: all 50, newest first, balances replaying.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=20&currency=eur${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await expectJson(
        await app.request(`/api/v1/payments/ledger${query}`, send('GET', undefined, channel.owner)),
        LedgerLinePageSchema,
      );
      seen.push(...page.items.map((line) => line.balanceAfter));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(50);
    expect(seen[0]).toBe(total - fees);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('refunds a paid tip when an admin asks: the refund webhook books the reversing entry; expiry', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const paid = await startTip(viewer, { channel: channel.slug, amount: 2000, currency: 'usd' });
    const refundOf = (paymentId: string, user: SignedInUser | undefined) =>
      app.request(`/api/v1/payments/refunds/${paymentId}`, send('POST', undefined, user));

    // Not paid yet: nothing to refund.
    await expectProblem(await refundOf(paid.paymentId, admin), 409, 'conflict');
    await pay(paid.paymentId);
    await expectProblem(await refundOf(paid.paymentId, undefined), 401, 'invalid_token');
    await expectProblem(await refundOf(paid.paymentId, viewer), 403, 'forbidden');
    await expectProblem(await refundOf(paid.paymentId, channel.owner), 403, 'forbidden');
    await expectProblem(await refundOf(crypto.randomUUID(), admin), 404, 'not_found');
    await expectProblem(await refundOf('not-a-uuid', admin), 422, 'validation_failed');

    const requested = await expectJson(await refundOf(paid.paymentId, admin), RefundRequestedSchema);
    expect(requested).toMatchObject({ paymentId: paid.paymentId, status: 'succeeded' });
    const stripeRefund = stripe.refunds.get(requested.refundId);
    expect(stripeRefund).toMatchObject({
      payment_intent: checkoutOf(paid.paymentId).payment_intent,
      metadata: { payment_id: paid.paymentId },
      reverse_transfer: false,
    });
    expect(
      stripe.requests.find(
        (r) => r.path === '/v1/refunds' && r.params.payment_intent === stripeRefund?.payment_intent,
      )?.idempotencyKey,
    ).toBe(`refund-${paid.paymentId}`);
    // Asked again before the webhook came: the same key, Stripe's same answer; nothing booked yet.
    expect(await expectJson(await refundOf(paid.paymentId, admin), RefundRequestedSchema)).toEqual(requested);
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 1800, lines: 1 }]);

    const refund = stripe.chargeRefunded(requested.refundId);
    expect((await deliver(JSON.stringify(refund))).status).toBe(200);
    await processed(refund.id);
    expect(await payments.find(paid.paymentId)).toMatchObject({ status: 'refunded' });
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 2 }]);
    const lines = await expectJson(
      await app.request('/api/v1/payments/ledger', send('GET', undefined, channel.owner)),
      LedgerLinePageSchema,
    );
    expect(lines.items.map((line) => [line.kind, line.amount, line.balanceAfter])).toEqual([
      ['refund', -1800, 0],
      ['tip', 1800, 1800],
    ]);

    // Refunded: a further request is refused here, before the provider.
    await expectProblem(await refundOf(paid.paymentId, admin), 409, 'conflict');

    const abandoned = await startTip(viewer, { channel: channel.slug, amount: 300, currency: 'usd' });
    const expired = stripe.expire(checkoutOf(abandoned.paymentId).id);
    expect((await deliver(JSON.stringify(expired))).status).toBe(200);
    await processed(expired.id);
    expect(await payments.find(abandoned.paymentId)).toMatchObject({ status: 'expired', entryId: null });
  });

  it('refunds a tip in parts: each refund webhook reverses its share exactly, and they add up to the tip', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const paid = await startTip(viewer, { channel: channel.slug, amount: 2000, currency: 'usd' });
    await pay(paid.paymentId);
    const refundOf = (body: unknown) =>
      app.request(`/api/v1/payments/refunds/${paid.paymentId}`, send('POST', body, admin));
    const book = async (refundId: string) => {
      const event = stripe.chargeRefunded(refundId);
      expect((await deliver(JSON.stringify(event))).status).toBe(200);
      await processed(event.id);
      return event;
    };
    const creatorLines = async () =>
      (
        await expectJson(
          await app.request('/api/v1/payments/ledger', send('GET', undefined, channel.owner)),
          LedgerLinePageSchema,
        )
      ).items.map((line) => [line.kind, line.amount, line.balanceAfter]);

    await expectProblem(await refundOf({ amount: 0 }), 422, 'validation_failed');
    await expectProblem(await refundOf({ amount: 2001 }), 422, 'validation_failed');
    await expectProblem(await refundOf({ amount: 1.5 }), 422, 'validation_failed');

    // 333 of 2,000: the fee's share rounds toward zero (33), the creator's takes the rest (300).
    const first = await expectJson(await refundOf({ amount: 333 }), RefundRequestedSchema);
    expect(stripe.refunds.get(first.refundId)).toMatchObject({ amount: 333 });
    const firstEvent = await book(first.refundId);
    expect(await payments.find(paid.paymentId)).toMatchObject({ status: 'succeeded', amountRefunded: 333 });
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 1500, lines: 2 }]);
    // More than is left (1,667) is refused before the provider.
    await expectProblem(await refundOf({ amount: 1668 }), 422, 'validation_failed');

    const second = await expectJson(await refundOf({ amount: 667 }), RefundRequestedSchema);
    await book(second.refundId);
    // The first refund's webhook again (cumulative 333, older than the ledger's 1,000): nothing moves.
    const replayed = { ...firstEvent, id: `evt_again_${crypto.randomUUID()}` };
    expect((await deliver(JSON.stringify(replayed))).status).toBe(200);
    await processed(replayed.id);
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 900, lines: 3 }]);

    // The rest, without an amount: the three parts reverse the tip's every line exactly.
    const rest = await expectJson(await refundOf(undefined), RefundRequestedSchema);
    expect(stripe.refunds.get(rest.refundId)).toMatchObject({ amount: 1000 });
    await book(rest.refundId);
    expect(await payments.find(paid.paymentId)).toMatchObject({ status: 'refunded', amountRefunded: 2000 });
    expect(await creatorLines()).toEqual([
      ['partial_refund', -900, 0],
      ['partial_refund', -600, 900],
      ['partial_refund', -300, 1500],
      ['tip', 1800, 1800],
    ]);
    const stored = await payments.find(paid.paymentId);
    const entries = await backends.database.db.execute(
      sql`select e.kind, sum(l.amount) filter (where a.kind = 'platform_fees')::int as fee,
                 sum(l.amount) filter (where a.kind = 'provider_clearing')::int as clearing
          from payments.entries e join payments.lines l on l.entry_id = e.id
          join payments.accounts a on a.id = l.account_id
          where e.payment_id = ${stored?.id}::uuid group by e.id, e.kind, e.created_at order by e.created_at`,
    );
    const rows = (Array.isArray(entries) ? entries : (entries as { rows: unknown[] }).rows) as {
      kind: string;
      fee: number;
      clearing: number;
    }[];
    expect(rows.map((row) => [row.kind, row.fee, row.clearing])).toEqual([
      ['tip', 200, -2000],
      ['partial_refund', -33, 333],
      ['partial_refund', -67, 667],
      ['partial_refund', -100, 1000],
    ]);
    await expectProblem(await refundOf(undefined), 409, 'conflict');
  });

  it('handles a refund whose webhook comes before the checkout completion it follows (out of order)', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const checkout = await startTip(viewer, { channel: channel.slug, amount: 900, currency: 'usd' });
    const completed = stripe.complete(checkoutOf(checkout.paymentId).id);
    // Refunded in Stripe's dashboard at once; the refund's webhook reaches us before the completion's.
    const paymentIntent = String(completed.data.object.payment_intent);
    const refunded = {
      id: `evt_early_${crypto.randomUUID()}`,
      object: 'event',
      type: 'charge.refunded',
      data: {
        object: {
          id: `ch_early_${crypto.randomUUID()}`,
          payment_intent: paymentIntent,
          amount: 900,
          amount_refunded: 900,
          currency: 'usd',
        },
      },
    };
    expect((await deliver(JSON.stringify(refunded))).status).toBe(200);
    expect((await deliver(JSON.stringify(completed))).status).toBe(200);
    await processed(completed.id);
    await processed(refunded.id);
    expect(await payments.find(checkout.paymentId)).toMatchObject({ status: 'refunded' });
    expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 2 }]);
  });

  it('routes a tip to the channel’s connected account as a destination charge with the platform fee', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    await deps.services.payments.connectAccount(channel.channelId, 'stripe', 'acct_1ConnectedTest');
    const viewer = await registerAndLogin(app, backends);
    const checkout = await startTip(viewer, { channel: channel.slug, amount: 1000, currency: 'usd' });
    expect(checkoutOf(checkout.paymentId).payment_intent_data).toMatchObject({
      application_fee_amount: '100',
      transfer_data: { destination: 'acct_1ConnectedTest' },
    });
    const request = stripe.requests.find((r) => r.params.client_reference_id === checkout.paymentId);
    expect(request?.idempotencyKey).toBe(`tip-${checkout.paymentId}`);
    expect(await payments.find(checkout.paymentId)).toMatchObject({ destination: 'acct_1ConnectedTest' });
  });

  it('answers 4xx problem+json for a bad tip', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const tip = (body: unknown, user: SignedInUser | null = viewer) =>
      app.request('/api/v1/payments/tips', send('POST', body, user ?? undefined));
    const valid = { channel: channel.slug, amount: 500, currency: 'usd' };

    await expectProblem(await tip(valid, null), 401, 'invalid_token');
    await expectProblem(await tip({ ...valid, channel: 'no-such-channel' }), 404, 'not_found');
    for (const [body, path] of [
      [{ ...valid, amount: 99 }, 'body.amount'],
      [{ ...valid, amount: 50_001 }, 'body.amount'],
      [{ ...valid, amount: 5.5 }, 'body.amount'],
      [{ ...valid, amount: -5 }, 'body.amount'],
      [{ ...valid, amount: '500' }, 'body.amount'],
      [{ ...valid, currency: 'gbp' }, 'body.currency'],
      [{ ...valid, currency: 'dollars' }, 'body.currency'],
      [{ ...valid, message: 'x'.repeat(501) }, 'body.message'],
      [{ ...valid, message: 'bell\u0007' }, 'body.message'],
      [{ ...valid, tip: 'extra' }, 'body'],
      [{ amount: 500, currency: 'usd' }, 'body.channel'],
    ] as const) {
      const problem = await expectProblem(await tip(body), 422, 'validation_failed');
      expect(problem.errors?.map((error) => error.path)).toContain(path);
    }
    // 500 characters is the limit, not past it.
    await expectJson(await tip({ ...valid, message: 'x'.repeat(500) }), TipCheckoutSchema, 201);
  });

  it('exports the ledger lines of one currency of the earnings as CSV, in minor units', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const amounts = [1000, 2500, 333];
    for (const amount of amounts) {
      await pay((await startTip(viewer, { channel: channel.slug, amount, currency: 'usd' })).paymentId);
    }
    await pay((await startTip(viewer, { channel: channel.slug, amount: 700, currency: 'eur' })).paymentId);
    const exported = await app.request(
      '/api/v1/payments/ledger/export?currency=usd',
      send('GET', undefined, channel.owner),
    );
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = (await exported.text()).trimEnd().split('\r\n');
    expect(header).toBe(
      'created_at,line_id,entry_id,kind,payment_id,currency,amount_minor,balance_after_minor',
    );
    expect(
      rows.map((row) =>
        row
          .split(',')
          .slice(3)
          .filter((_, i) => i !== 1),
      ),
    ).toEqual([
      ['tip', 'usd', '300', '3450'],
      ['tip', 'usd', '2250', '3150'],
      ['tip', 'usd', '900', '900'],
    ]);
    await expectProblem(await app.request('/api/v1/payments/ledger/export'), 401, 'invalid_token');
    await expectProblem(
      await app.request(
        '/api/v1/payments/ledger/export?currency=euro',
        send('GET', undefined, channel.owner),
      ),
      422,
      'validation_failed',
    );
  });

  it('answers 4xx for earnings and ledger lines without a channel, a token or a valid cursor', async () => {
    const viewer = await registerAndLogin(app, backends);
    await expectProblem(await app.request('/api/v1/payments/earnings'), 401, 'invalid_token');
    await expectProblem(await app.request('/api/v1/payments/ledger'), 401, 'invalid_token');
    await expectProblem(
      await app.request('/api/v1/payments/earnings', send('GET', undefined, viewer)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request('/api/v1/payments/ledger', send('GET', undefined, viewer)),
      404,
      'not_found',
    );
    const channel = await streamerWithChannel(app, backends, deps);
    const ledger = (query: string) =>
      app.request(`/api/v1/payments/ledger?${query}`, send('GET', undefined, channel.owner));
    await expectProblem(await ledger('cursor=not-a-cursor'), 422, 'validation_failed');
    await expectProblem(await ledger('limit=0'), 422, 'validation_failed');
    await expectProblem(await ledger('currency=euro'), 422, 'validation_failed');
    expect(await expectJson(await ledger('limit=5'), LedgerLinePageSchema)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('loses and doubles nothing when handling fails after the ledger entry was posted: the retry books it once', async () => {
    const db = backends.database.db;
    // A real failure inside the consumer's transaction, after the entry and the payment's update: the
    // database refuses the first `tip.received` append of this test (a sequence does not roll back).
    await db.execute(sql`create sequence if not exists public.payments_test_failures`);
    await db.execute(
      sql.raw(`create or replace function public.payments_test_fail_first_tip() returns trigger language plpgsql as $$
        begin
          if new.name = 'tip.received' and nextval('public.payments_test_failures') = 1 then
            raise exception 'injected: the first tip.received append fails';
          end if;
          return new;
        end $$`),
    );
    await db.execute(
      sql`create trigger payments_test_fail_first_tip before insert on events.outbox for each row execute function public.payments_test_fail_first_tip()`,
    );
    try {
      const channel = await streamerWithChannel(app, backends, deps);
      const viewer = await registerAndLogin(app, backends);
      const checkout = await startTip(viewer, { channel: channel.slug, amount: 700, currency: 'usd' });
      await pay(checkout.paymentId);
      const attempts = await db.execute(sql`select last_value::int as n from public.payments_test_failures`);
      const list = (Array.isArray(attempts) ? attempts : (attempts as { rows: unknown[] }).rows) as {
        n: number;
      }[];
      expect(list[0]?.n).toBe(2);
      // Had the failed attempt's entry survived, the retry would find the payment booked and store no event.
      expect((await earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 630, lines: 1 }]);
      expect(
        (await storedEvents(db, 'tip.received')).filter((tip) => tip.paymentId === checkout.paymentId),
      ).toHaveLength(1);
    } finally {
      await db.execute(sql`drop trigger payments_test_fail_first_tip on events.outbox`);
    }
  });

  it('answers 503 for a tip and 404 for the webhook when Stripe is not configured; 502 when Stripe refuses', async () => {
    const channel = await streamerWithChannel(app, backends, deps);
    const viewer = await registerAndLogin(app, backends);
    const body = { channel: channel.slug, amount: 500, currency: 'usd' };
    const off = createApp(backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY })).app;
    await expectProblem(
      await off.request('/api/v1/payments/tips', send('POST', body, viewer)),
      503,
      'payments_unavailable',
    );
    const raw = JSON.stringify({ id: 'evt_off', type: 'ping', data: { object: {} } });
    await expectProblem(
      await off.request(STRIPE_WEBHOOK, {
        method: 'POST',
        headers: { 'stripe-signature': await stripe.sign(raw) },
        body: raw,
      }),
      404,
      'not_found',
    );

    const refused = createApp(
      backends.deps(
        {
          STRIPE_SECRET_KEY: 'sk_test_revoked',
          STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
          STRIPE_API_URL: stripe.url,
        },
        {},
        { abusePolicy: MANY_LOGINS_POLICY },
      ),
    ).app;
    const problem = await expectProblem(
      await refused.request('/api/v1/payments/tips', send('POST', body, viewer)),
      502,
      'payment_provider_error',
    );
    expect(JSON.stringify(problem)).not.toContain('sk_test_revoked');
  });
});
