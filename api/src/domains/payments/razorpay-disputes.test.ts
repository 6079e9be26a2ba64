/**
 * Razorpay disputes end to end on PGlite and PostgreSQL, as Stripe's are (disputes.test.ts): a paid tip
 * disputed at Razorpay (`payment.dispute.created`) is reversed in the ledger while open; `won` books it
 * again; `lost` leaves it reversed; `closed` without a deduction books it again. A dispute that arrives
 * before the payment's `order.paid` waits for it; a disputed subscription charge is reversed too.
 * The official `razorpay` SDK against the local Razorpay server, webhooks signed as Razorpay signs them.
 */
import { LedgerLinePageSchema, TierSchema, TipCheckoutSchema } from '@streamhub/contracts/payments';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { until } from './testing/payments-test-kit.ts';
import { type RazorpayTestbed, startRazorpayTestbed } from './testing/razorpay-test-kit.ts';

describe.each(testDatabases())('Razorpay disputes on %s', (driver) => {
  let rp: RazorpayTestbed;

  beforeAll(async () => {
    rp = await startRazorpayTestbed(driver);
  });
  afterAll(async () => {
    await rp?.close();
  });

  const balances = async (owner: Parameters<RazorpayTestbed['bed']['earnings']>[0]) =>
    (await rp.bed.earnings(owner)).balances;

  /** A channel and a ₹1,000 tip paid at Razorpay (its `order.paid` not delivered yet). */
  const paidOrder = async () => {
    const channel = await streamerWithChannel(rp.bed.app, rp.bed.backends, rp.bed.deps);
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const checkout = await expectJson(
      await rp.bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel: channel.slug, amount: 100_000, currency: 'inr' }, viewer),
      ),
      TipCheckoutSchema,
      201,
    );
    const paid = rp.razorpay.pay(checkout.razorpay?.orderId ?? '');
    return {
      channel,
      paymentId: checkout.paymentId,
      paid,
      razorpayPayment: paid.checkout.razorpay_payment_id,
    };
  };

  it('reverses a disputed tip, books it again when won or closed without a deduction, and keeps it reversed when lost', async () => {
    const { channel, paymentId, paid, razorpayPayment } = await paidOrder();
    expect(await rp.handled(paid.orderPaid)).toEqual(['tip_booked']);
    expect(await balances(channel.owner)).toEqual([{ currency: 'inr', balance: 90_000, lines: 1 }]);

    const opened = rp.razorpay.dispute(razorpayPayment, 'open');
    const disputeId = (opened.payload as { dispute: { entity: { id: string } } }).dispute.entity.id;
    expect(await rp.handled(opened)).toEqual(['dispute_opened']);
    expect(await rp.bed.payments.find(paymentId)).toMatchObject({ status: 'disputed' });
    expect(await balances(channel.owner)).toEqual([{ currency: 'inr', balance: 0, lines: 2 }]);
    // A replay stores nothing; a refund meanwhile is refused.
    expect((await (await rp.deliver(opened)).json()) as unknown).toEqual({ received: true, duplicate: true });
    const admin = await registerAndLogin(rp.bed.app, rp.bed.backends, { role: 'admin' });
    await expectProblem(
      await rp.bed.app.request(`/api/v1/payments/refunds/${paymentId}`, send('POST', undefined, admin)),
      409,
      'conflict',
    );

    expect(await rp.handled(rp.razorpay.dispute(razorpayPayment, 'won', disputeId))).toEqual(['dispute_won']);
    expect(await rp.bed.payments.find(paymentId)).toMatchObject({ status: 'succeeded' });

    // A second dispute, lost: reversed for good.
    const second = rp.razorpay.dispute(razorpayPayment, 'open');
    const secondId = (second.payload as { dispute: { entity: { id: string } } }).dispute.entity.id;
    expect(await rp.handled(second, rp.razorpay.dispute(razorpayPayment, 'lost', secondId))).toEqual([
      'dispute_opened',
      'dispute_lost',
    ]);
    expect(await rp.bed.payments.find(paymentId)).toMatchObject({ status: 'disputed' });
    const lines = await expectJson(
      await rp.bed.app.request('/api/v1/payments/ledger', send('GET', undefined, channel.owner)),
      LedgerLinePageSchema,
    );
    expect(lines.items.map((line) => [line.kind, line.amount, line.balanceAfter])).toEqual([
      ['dispute', -90_000, 0],
      ['dispute_won', 90_000, 90_000],
      ['dispute', -90_000, 0],
      ['tip', 90_000, 90_000],
    ]);
  });

  it('waits for the payment a dispute names when the dispute comes first, and treats `closed` with nothing deducted as won', async () => {
    const { channel, paymentId, paid, razorpayPayment } = await paidOrder();
    const opened = rp.razorpay.dispute(razorpayPayment, 'open');
    const disputeId = (opened.payload as { dispute: { entity: { id: string } } }).dispute.entity.id;
    // Its job fails (no payment has this Razorpay payment id yet) and is retried with back-off.
    expect((await rp.deliver(opened)).status).toBe(200);
    expect(await rp.handled(paid.orderPaid)).toEqual(['tip_booked']);
    const openedId = `payment.dispute.created:${disputeId}`;
    await until(
      async () => Boolean((await rp.bed.payments.findEvent('razorpay', openedId))?.processedAt),
      openedId,
      30_000,
    );
    expect((await rp.bed.payments.findEvent('razorpay', openedId))?.outcome).toBe('dispute_opened');
    expect(await balances(channel.owner)).toEqual([{ currency: 'inr', balance: 0, lines: 2 }]);
    // A fraud notice closed with nothing deducted: the money stays ours, booked again.
    expect(await rp.handled(rp.razorpay.dispute(razorpayPayment, 'closed', disputeId))).toEqual([
      'dispute_won',
    ]);
    expect(await rp.bed.payments.find(paymentId)).toMatchObject({ status: 'succeeded' });
    expect(await balances(channel.owner)).toEqual([{ currency: 'inr', balance: 90_000, lines: 3 }]);
  });

  it('reverses a disputed subscription charge', async () => {
    const channel = await streamerWithChannel(rp.bed.app, rp.bed.backends, rp.bed.deps);
    const tier = await expectJson(
      await rp.bed.app.request(
        '/api/v1/payments/tiers',
        send('POST', { name: 'Gold', price: 20_000, currency: 'inr' }, channel.owner),
      ),
      TierSchema,
      201,
    );
    const viewer = await registerAndLogin(rp.bed.app, rp.bed.backends);
    const checkout = await rp.bed.app.request(
      '/api/v1/payments/subscriptions',
      send('POST', { channel: channel.slug, tier: tier.id }, viewer),
    );
    const subId = ((await checkout.json()) as { razorpay: { subscriptionId: string } }).razorpay
      .subscriptionId;
    const { razorpay_payment_id: charge } = rp.razorpay.authorize(subId);
    expect(await rp.handled(rp.razorpay.charge(subId).charged)).toEqual(['subscription_started']);
    expect(await rp.handled(rp.razorpay.dispute(charge, 'open'))).toEqual(['dispute_opened']);
    expect(await balances(channel.owner)).toEqual([{ currency: 'inr', balance: 0, lines: 2 }]);
  });
});
