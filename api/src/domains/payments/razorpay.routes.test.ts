/**
 * Tips through Razorpay end to end over the real gateway app on PGlite and PostgreSQL: the official
 * `razorpay` SDK pointed at a local server speaking Razorpay's API, the checkout signature checked
 * server-side, webhooks signed as Razorpay signs them, the outbox consumer booking the ledger.
 */
import {
  RazorpayCheckoutVerifiedSchema,
  RefundRequestedSchema,
  TipCheckoutSchema,
  WebhookReceiptSchema,
} from '@streamhub/contracts/payments';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { type PaymentsTestbed, startPaymentsTestbed, until } from './testing/payments-test-kit.ts';
import { type RazorpayApiServer, startRazorpayApiServer } from './testing/razorpay-api-server.ts';

const WEBHOOK = '/api/v1/payments/webhooks/razorpay';

describe.each(testDatabases())('Razorpay tips on %s', (driver) => {
  let razorpay: RazorpayApiServer;
  let bed: PaymentsTestbed;

  beforeAll(async () => {
    razorpay = await startRazorpayApiServer();
    bed = await startPaymentsTestbed(driver, {
      PAYMENTS_CURRENCIES: 'usd,inr',
      PAYMENTS_PLATFORM_FEE_BPS: '1000',
      RAZORPAY_KEY_ID: razorpay.keyId,
      RAZORPAY_KEY_SECRET: razorpay.keySecret,
      RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret,
      RAZORPAY_CURRENCIES: 'inr',
      RAZORPAY_API_URL: razorpay.url,
    });
  });
  afterAll(async () => {
    await bed?.close();
    await razorpay?.close();
  });

  const tip = async (viewer: SignedInUser, body: Record<string, unknown>) =>
    expectJson(
      await bed.app.request('/api/v1/payments/tips', send('POST', body, viewer)),
      TipCheckoutSchema,
      201,
    );
  const verify = (body: unknown, user?: SignedInUser) =>
    bed.app.request('/api/v1/payments/razorpay/checkouts/verify', send('POST', body, user));
  /** Posts `body` to Razorpay's webhook, signed unless a `signature` (null: none) is given. */
  const deliver = (body: string, signature?: string | null) => {
    const header = signature === undefined ? razorpay.sign(body) : signature;
    return bed.app.request(WEBHOOK, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'x-razorpay-signature': header } : {}) },
      body,
    });
  };
  const processed = (eventId: string) =>
    until(async () => Boolean((await bed.payments.findEvent('razorpay', eventId))?.processedAt), eventId);

  it('takes a tip in INR through Razorpay: order, checkout signature, order.paid webhook, ledger, earnings', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await tip(viewer, {
      channel: channel.slug,
      amount: 50_000,
      currency: 'INR',
      message: 'Namaste',
    });
    expect(checkout).toMatchObject({
      provider: 'razorpay',
      checkoutUrl: null,
      amount: 50_000,
      currency: 'inr',
      platformFee: 5000,
    });
    const order = razorpay.orders.get(checkout.razorpay?.orderId ?? '');
    expect(checkout.razorpay?.keyId).toBe(razorpay.keyId);
    expect(order).toMatchObject({
      amount: 50_000,
      currency: 'INR',
      receipt: checkout.paymentId,
      notes: { payment_id: checkout.paymentId, kind: 'tip', channel_id: channel.channelId },
      transfers: [],
    });
    // The other currency still goes to Stripe.
    expect((await tip(viewer, { channel: channel.slug, amount: 500, currency: 'usd' })).provider).toBe(
      'stripe',
    );

    // The payer pays in Razorpay Checkout; the page sends us what it got back.
    const paid = razorpay.pay(order?.id ?? '');
    const stranger = await registerAndLogin(bed.app, bed.backends);
    await expectProblem(await verify(paid.checkout), 401, 'invalid_token');
    await expectProblem(await verify(paid.checkout, stranger), 404, 'not_found');
    const forged = {
      ...paid.checkout,
      razorpay_signature: razorpay.sign(`${paid.checkout.razorpay_order_id}|pay_other`, razorpay.keySecret),
    };
    await expectProblem(await verify(forged, viewer), 400, 'invalid_checkout_signature');
    await expectProblem(
      await verify({ ...paid.checkout, razorpay_signature: 'abc' }, viewer),
      422,
      'validation_failed',
    );
    expect(await expectJson(await verify(paid.checkout, viewer), RazorpayCheckoutVerifiedSchema)).toEqual({
      paymentId: checkout.paymentId,
      status: 'pending',
    });
    expect(await bed.payments.find(checkout.paymentId)).toMatchObject({
      status: 'pending',
      providerPaymentId: paid.checkout.razorpay_payment_id,
    });
    expect((await bed.earnings(channel.owner)).balances).toEqual([]);

    // Razorpay's order.paid webhook books it, once.
    const raw = JSON.stringify(paid.orderPaid);
    const first = await deliver(raw);
    expect(WebhookReceiptSchema.parse(await first.json())).toEqual({ received: true, duplicate: false });
    const eventId = `order.paid:${paid.checkout.razorpay_order_id}`;
    await processed(eventId);
    expect((await bed.payments.findEvent('razorpay', eventId))?.outcome).toBe('tip_booked');
    expect(WebhookReceiptSchema.parse(await (await deliver(raw)).json())).toEqual({
      received: true,
      duplicate: true,
    });
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 45_000, lines: 1 },
    ]);
    const tips = (await storedEvents(bed.backends.database.db, 'tip.received')).filter(
      (event) => event.paymentId === checkout.paymentId,
    );
    expect(tips).toEqual([
      expect.objectContaining({
        amount: 50_000,
        currency: 'inr',
        creatorAmount: 45_000,
        provider: 'razorpay',
        message: 'Namaste',
      }),
    ]);

    // An admin refunds it through Razorpay; refund.processed books the reversing entry.
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const refund = await expectJson(
      await bed.app.request(`/api/v1/payments/refunds/${checkout.paymentId}`, send('POST', undefined, admin)),
      RefundRequestedSchema,
    );
    expect(razorpay.refunds.get(refund.refundId)).toMatchObject({
      payment_id: paid.checkout.razorpay_payment_id,
      notes: { payment_id: checkout.paymentId },
      reverse_all: false,
    });
    const refunded = razorpay.refundProcessed(refund.refundId);
    expect((await deliver(JSON.stringify(refunded))).status).toBe(200);
    await processed(`refund.processed:${refund.refundId}`);
    expect(await bed.payments.find(checkout.paymentId)).toMatchObject({ status: 'refunded' });
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'inr', balance: 0, lines: 2 }]);
  });

  it('routes the creator’s share to their linked account (Route) and refunds with the transfer reversed', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    await bed.deps.services.payments.connectAccount(channel.channelId, 'razorpay', 'acc_CreatorLinked01');
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await tip(viewer, { channel: channel.slug, amount: 10_000, currency: 'inr' });
    const order = razorpay.orders.get(checkout.razorpay?.orderId ?? '');
    expect(order?.transfers).toEqual([
      {
        account: 'acc_CreatorLinked01',
        amount: 9000,
        currency: 'INR',
        notes: { payment_id: checkout.paymentId },
      },
    ]);
    const paid = razorpay.pay(order?.id ?? '');
    await deliver(JSON.stringify(paid.orderPaid));
    await processed(`order.paid:${paid.checkout.razorpay_order_id}`);
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const refund = await expectJson(
      await bed.app.request(`/api/v1/payments/refunds/${checkout.paymentId}`, send('POST', undefined, admin)),
      RefundRequestedSchema,
    );
    expect(razorpay.refunds.get(refund.refundId)?.reverse_all).toBe(true);
  });

  it('refunds a tip in two parts through Razorpay: each refund.processed reverses its share exactly', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    const checkout = await tip(viewer, { channel: channel.slug, amount: 10_001, currency: 'inr' });
    const paid = razorpay.pay(checkout.razorpay?.orderId ?? '');
    await deliver(JSON.stringify(paid.orderPaid));
    await processed(`order.paid:${paid.checkout.razorpay_order_id}`);
    const refundOf = async (body: unknown) =>
      expectJson(
        await bed.app.request(`/api/v1/payments/refunds/${checkout.paymentId}`, send('POST', body, admin)),
        RefundRequestedSchema,
      );
    const book = async (refundId: string) => {
      expect((await deliver(JSON.stringify(razorpay.refundProcessed(refundId)))).status).toBe(200);
      await processed(`refund.processed:${refundId}`);
    };

    const part = await refundOf({ amount: 2500 });
    expect(razorpay.refunds.get(part.refundId)).toMatchObject({ amount: 2500 });
    await book(part.refundId);
    // 2,500 of 10,001: the fee's share rounds toward zero (249), the creator's takes the rest (2,251).
    expect(await bed.payments.find(checkout.paymentId)).toMatchObject({
      status: 'succeeded',
      amountRefunded: 2500,
    });
    expect((await bed.earnings(channel.owner)).balances).toEqual([
      { currency: 'inr', balance: 9001 - 2251, lines: 2 },
    ]);

    const rest = await refundOf(undefined);
    expect(razorpay.refunds.get(rest.refundId)).toMatchObject({ amount: 7501 });
    await book(rest.refundId);
    expect(await bed.payments.find(checkout.paymentId)).toMatchObject({
      status: 'refunded',
      amountRefunded: 10_001,
    });
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'inr', balance: 0, lines: 3 }]);
  });

  it('refuses a forged, tampered, unsigned or malformed webhook with 400 and stores nothing', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await tip(viewer, { channel: channel.slug, amount: 2000, currency: 'inr' });
    const paid = razorpay.pay(checkout.razorpay?.orderId ?? '');
    const raw = JSON.stringify(paid.orderPaid);
    await expectProblem(await deliver(raw, null), 400, 'invalid_webhook_signature');
    await expectProblem(
      await deliver(raw, razorpay.sign(raw, 'another secret')),
      400,
      'invalid_webhook_signature',
    );
    await expectProblem(
      await deliver(raw.replace('"amount":2000', '"amount":20'), razorpay.sign(raw)),
      400,
      'invalid_webhook_signature',
    );
    await expectProblem(await deliver('{"entity":'), 400, 'malformed_webhook');
    await expectProblem(
      await deliver('{"entity":"event","event":"order.paid","payload":{}}'),
      400,
      'malformed_webhook',
    );
    expect(
      await bed.payments.findEvent('razorpay', `order.paid:${paid.checkout.razorpay_order_id}`),
    ).toBeUndefined();
    expect(await bed.payments.find(checkout.paymentId)).toMatchObject({ status: 'pending' });
  });

  it('answers 502 when Razorpay refuses an order, and 404 for its routes when Razorpay is off', async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    // Razorpay refuses an order whose transfer names no linked account.
    await bed.deps.services.payments.connectAccount(channel.channelId, 'razorpay', 'not-an-account');
    await expectProblem(
      await bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel: channel.slug, amount: 5000, currency: 'inr' }, viewer),
      ),
      502,
      'payment_provider_error',
    );

    const off = createApp(bed.backends.deps({ PAYMENTS_CURRENCIES: 'usd,inr' })).app;
    await expectProblem(
      await off.request(WEBHOOK, { method: 'POST', headers: { 'x-razorpay-signature': 'ab' }, body: '{}' }),
      404,
      'not_found',
    );
    await expectProblem(
      await off.request(
        '/api/v1/payments/razorpay/checkouts/verify',
        send(
          'POST',
          {
            razorpay_order_id: 'order_x',
            razorpay_payment_id: 'pay_x',
            razorpay_signature: 'a'.repeat(64),
          },
          viewer,
        ),
      ),
      404,
      'not_found',
    );
  });
});
