/** The Stripe adapter through the official SDK, against a local server speaking Stripe's API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderCallError, type TipCheckoutInput, WebhookRejectedError } from './payment-provider.ts';
import { StripeProvider, stripeClientOptions } from './stripe-provider.ts';
import { type StripeApiServer, startStripeApiServer } from './testing/stripe-api-server.ts';

describe('StripeProvider', () => {
  let server: StripeApiServer;
  let stripe: StripeProvider;

  beforeAll(async () => {
    server = await startStripeApiServer();
    stripe = new StripeProvider({
      secretKey: server.secretKey,
      webhookSecret: server.webhookSecret,
      apiUrl: server.url,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const input = (overrides: Partial<TipCheckoutInput> = {}): TipCheckoutInput => ({
    paymentId: crypto.randomUUID(),
    channelId: crypto.randomUUID(),
    amount: 1500,
    currency: 'eur',
    platformFee: 150,
    description: 'Tip to ada',
    message: 'Great stream!',
    destination: undefined,
    successUrl: 'http://localhost:3000/c/ada?tip=ok',
    cancelUrl: 'http://localhost:3000/c/ada?tip=cancelled',
    idempotencyKey: `tip-${crypto.randomUUID()}`,
    ...overrides,
  });

  it('points the SDK at another base URL', () => {
    expect(stripeClientOptions('http://127.0.0.1:4242')).toMatchObject({
      host: '127.0.0.1',
      port: '4242',
      protocol: 'http',
    });
    expect(stripeClientOptions(undefined)).not.toHaveProperty('host');
  });

  it('opens a Checkout Session on the platform balance, with an idempotency key', async () => {
    const tip = input();
    const started = await stripe.createTipCheckout(tip);
    expect(started.url).toBe(`${server.url}/c/pay/${started.checkoutId}`);
    const request = server.requests.find((r) => r.idempotencyKey === tip.idempotencyKey);
    expect(request?.path).toBe('/v1/checkout/sessions');
    expect(request?.params).toMatchObject({
      mode: 'payment',
      client_reference_id: tip.paymentId,
      line_items: [
        {
          quantity: '1',
          price_data: { currency: 'eur', unit_amount: '1500', product_data: { name: 'Tip to ada' } },
        },
      ],
      metadata: {
        payment_id: tip.paymentId,
        kind: 'tip',
        channel_id: tip.channelId,
        message: 'Great stream!',
      },
      payment_intent_data: { metadata: { payment_id: tip.paymentId } },
      success_url: tip.successUrl,
      cancel_url: tip.cancelUrl,
    });
    // No connected account: no application fee and no transfer (the whole charge is the platform's).
    expect(request?.params.payment_intent_data).not.toHaveProperty('application_fee_amount');
    expect(request?.params.payment_intent_data).not.toHaveProperty('transfer_data');
    expect(await stripe.retrieveCheckout(started.checkoutId)).toEqual({
      checkoutId: started.checkoutId,
      paymentId: tip.paymentId,
      status: 'open',
      paid: false,
      amount: 1500,
      currency: 'eur',
    });
  });

  it('makes a destination charge with an application fee when the channel has a connected account', async () => {
    const tip = input({ destination: 'acct_1CreatorTest', message: undefined });
    await stripe.createTipCheckout(tip);
    const request = server.requests.find((r) => r.idempotencyKey === tip.idempotencyKey);
    expect(request?.params.payment_intent_data).toMatchObject({
      application_fee_amount: '150',
      transfer_data: { destination: 'acct_1CreatorTest' },
    });
    expect(request?.params.metadata).not.toHaveProperty('message');
  });

  it('opens one session for a retried call with the same idempotency key', async () => {
    const tip = input();
    const first = await stripe.createTipCheckout(tip);
    const again = await stripe.createTipCheckout(tip);
    expect(again.checkoutId).toBe(first.checkoutId);
    expect([...server.sessions.values()].filter((s) => s.client_reference_id === tip.paymentId)).toHaveLength(
      1,
    );
  });

  it('refunds a paid checkout in full, taking back the transfer and fee of a destination charge', async () => {
    const tip = input({ destination: 'acct_1CreatorTest' });
    const started = await stripe.createTipCheckout(tip);
    const paymentIntent = String(server.complete(started.checkoutId).data.object.payment_intent);
    const refundInput = {
      paymentId: tip.paymentId,
      providerPaymentId: paymentIntent,
      fromConnectedAccount: true,
      idempotencyKey: `refund-${tip.paymentId}`,
    };
    const refund = await stripe.refund(refundInput);
    expect(refund.status).toBe('succeeded');
    expect(server.refunds.get(refund.refundId)).toMatchObject({
      payment_intent: paymentIntent,
      amount: 1500,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    // A retry with the same key gets the same refund; another key is refused by Stripe (already refunded).
    expect(await stripe.refund(refundInput)).toEqual(refund);
    await expect(stripe.refund({ ...refundInput, idempotencyKey: 'another' })).rejects.toThrow(
      ProviderCallError,
    );
    expect(stripe.interpret(server.chargeRefunded(refund.refundId))).toEqual({
      kind: 'refunded',
      providerPaymentId: paymentIntent,
      amount: 1500,
      amountRefunded: 1500,
      currency: 'eur',
    });
  });

  it('turns a refused call into a ProviderCallError that does not quote the key', async () => {
    const wrong = new StripeProvider({
      secretKey: 'sk_test_wrong',
      webhookSecret: 'whsec_x',
      apiUrl: server.url,
    });
    const error = await wrong.createTipCheckout(input()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(String((error as Error).message)).not.toContain(server.secretKey);
    await expect(stripe.retrieveCheckout('cs_test_missing')).rejects.toThrow(ProviderCallError);
  });

  describe('webhooks', () => {
    const body = (event: unknown) => new TextEncoder().encode(JSON.stringify(event));
    const completedEvent = async () => {
      const started = await stripe.createTipCheckout(input());
      return server.complete(started.checkoutId);
    };
    const rejection = async (raw: Uint8Array, signature: string | undefined) => {
      const error = await stripe.verifyWebhook(raw, signature).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WebhookRejectedError);
      return (error as WebhookRejectedError).reason;
    };

    it('accepts an event signed as Stripe signs it, and says which payment it is about', async () => {
      const event = await completedEvent();
      const raw = JSON.stringify(event);
      const verified = await stripe.verifyWebhook(new TextEncoder().encode(raw), await server.sign(raw));
      expect(verified).toMatchObject({ id: event.id, type: 'checkout.session.completed' });
      expect(verified.paymentId).toBe((event.data.object.metadata as Record<string, string>).payment_id);
      expect(stripe.interpret(verified.payload)).toMatchObject({
        kind: 'checkout_completed',
        paid: true,
        amount: 1500,
      });
    });

    it('refuses a missing, forged or tampered signature, and a stale one', async () => {
      const event = await completedEvent();
      const raw = JSON.stringify(event);
      const bytes = new TextEncoder().encode(raw);
      expect(await rejection(bytes, undefined)).toBe('signature');
      expect(await rejection(bytes, 'garbage')).toBe('signature');
      expect(await rejection(bytes, await server.sign(raw, { secret: 'whsec_someone_else' }))).toBe(
        'signature',
      );
      // The same signature over other bytes (a body re-serialised with other spacing, or altered).
      expect(
        await rejection(new TextEncoder().encode(JSON.stringify(event, null, 2)), await server.sign(raw)),
      ).toBe('signature');
      const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
      expect(await rejection(bytes, await server.sign(raw, { timestamp: sixMinutesAgo }))).toBe('stale');
    });

    it('refuses a signed body that is not a Stripe event', async () => {
      for (const raw of [
        'not json',
        '{"hello":"world"}',
        JSON.stringify({ id: 'evt_1', type: 'x', data: {} }),
        JSON.stringify({ id: `evt_${'x'.repeat(200)}`, type: 'ping', data: { object: {} } }),
      ]) {
        expect(await rejection(new TextEncoder().encode(raw), await server.sign(raw))).toBe('malformed');
      }
      const withNul = JSON.stringify({ id: 'evt_nul', type: 'ping', data: { object: { note: 'a\u0000b' } } });
      expect(
        await rejection(body(JSON.parse(withNul)), await server.sign(JSON.stringify(JSON.parse(withNul)))),
      ).toBe('malformed');
    });

    it('reads what an event means for the books', async () => {
      const started = await stripe.createTipCheckout(input());
      const expired = server.expire(started.checkoutId);
      expect(stripe.interpret(expired)).toMatchObject({ kind: 'checkout_closed', reason: 'expired' });
      expect(
        stripe.interpret({
          id: 'evt_r',
          type: 'charge.refunded',
          data: {
            object: {
              id: 'ch_1',
              payment_intent: 'pi_1',
              amount: 500,
              amount_refunded: 500,
              currency: 'usd',
            },
          },
        }),
      ).toEqual({
        kind: 'refunded',
        providerPaymentId: 'pi_1',
        amount: 500,
        amountRefunded: 500,
        currency: 'usd',
      });
      expect(stripe.interpret({ id: 'evt_o', type: 'customer.created', data: { object: {} } })).toEqual({
        kind: 'other',
        reason: 'not handled: customer.created',
      });
    });
  });
});
