/**
 * Chargebacks end to end on PGlite and PostgreSQL: a paid tip disputed at Stripe is reversed in the
 * ledger while the dispute is open; a dispute won books it again, a lost one leaves it reversed; an
 * admin cannot refund a disputed payment. Stripe's SDK against the local Stripe server, signed webhooks.
 */
import { LedgerLinePageSchema, TipCheckoutSchema } from '@streamhub/contracts/payments';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin } from '../../testing/auth-helpers.ts';
import { expectJson, expectProblem, send, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { type PaymentsTestbed, startPaymentsTestbed } from './testing/payments-test-kit.ts';
import type { StripeEvent } from './testing/stripe-api-server.ts';

describe.each(testDatabases())('disputes on %s', (driver) => {
  let bed: PaymentsTestbed;

  beforeAll(async () => {
    bed = await startPaymentsTestbed(driver, { PAYMENTS_PLATFORM_FEE_BPS: '1000' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  const handled = async (event: StripeEvent) => {
    expect((await bed.deliver(JSON.stringify(event))).status).toBe(200);
    await bed.processed(event.id);
    return (await bed.payments.findEvent('stripe', event.id))?.outcome;
  };

  /** A channel with one paid 1000-cent tip; resolves to its ids and Stripe PaymentIntent. */
  const paidTip = async () => {
    const channel = await streamerWithChannel(bed.app, bed.backends, bed.deps);
    const viewer = await registerAndLogin(bed.app, bed.backends);
    const checkout = await expectJson(
      await bed.app.request(
        '/api/v1/payments/tips',
        send('POST', { channel: channel.slug, amount: 1000, currency: 'usd' }, viewer),
      ),
      TipCheckoutSchema,
      201,
    );
    const session = [...bed.stripe.sessions.values()].find(
      (s) => s.client_reference_id === checkout.paymentId,
    );
    if (!session) throw new Error('no session');
    expect(await handled(bed.stripe.complete(session.id))).toBe('tip_booked');
    return { channel, paymentId: checkout.paymentId, paymentIntent: String(session.payment_intent) };
  };

  it('reverses a disputed tip, books it again when the dispute is won, and refuses a refund meanwhile', async () => {
    const { channel, paymentId, paymentIntent } = await paidTip();
    const opened = bed.stripe.dispute(paymentIntent);
    expect(await handled(opened)).toBe('dispute_opened');
    expect(await bed.payments.find(paymentId)).toMatchObject({ status: 'disputed' });
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 2 }]);
    // Stripe's retry of the same notice, under another event id: nothing more.
    expect(await handled({ ...opened, id: `${opened.id}_again` })).toBe('ignored: disputed already');
    const admin = await registerAndLogin(bed.app, bed.backends, { role: 'admin' });
    await expectProblem(
      await bed.app.request(`/api/v1/payments/refunds/${paymentId}`, send('POST', undefined, admin)),
      409,
      'conflict',
    );

    expect(await handled(bed.stripe.closeDispute(opened, 'won'))).toBe('dispute_won');
    expect(await bed.payments.find(paymentId)).toMatchObject({ status: 'succeeded' });
    const lines = await expectJson(
      await bed.app.request('/api/v1/payments/ledger', send('GET', undefined, channel.owner)),
      LedgerLinePageSchema,
    );
    expect(lines.items.map((line) => [line.kind, line.amount, line.balanceAfter])).toEqual([
      ['dispute_won', 900, 900],
      ['dispute', -900, 0],
      ['tip', 900, 900],
    ]);

    // Disputed again later: the re-booked entry is the one reversed.
    const second = bed.stripe.dispute(paymentIntent);
    expect(await handled(second)).toBe('dispute_opened');
    expect(await handled(bed.stripe.closeDispute(second, 'lost'))).toBe('dispute_lost');
    expect(await bed.payments.find(paymentId)).toMatchObject({ status: 'disputed' });
    expect((await bed.earnings(channel.owner)).balances).toEqual([{ currency: 'usd', balance: 0, lines: 4 }]);
  });
});
