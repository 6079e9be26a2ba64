/** Stripe event bodies as Stripe sends them, for tests and benches that deliver webhooks themselves. */

export interface PaidTipCheckout {
  eventId: string;
  checkoutId: string;
  paymentIntent: string;
  paymentId: string;
  channelId: string;
  amount: number;
  currency: string;
}

/** The `checkout.session.completed` that pays tip `paymentId`: what our Checkout Session gets back. */
export function paidTipCheckoutEvent(tip: PaidTipCheckout) {
  return {
    id: tip.eventId,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: tip.checkoutId,
        object: 'checkout.session',
        mode: 'payment',
        status: 'complete',
        payment_status: 'paid',
        amount_total: tip.amount,
        currency: tip.currency,
        client_reference_id: tip.paymentId,
        metadata: { payment_id: tip.paymentId, kind: 'tip', channel_id: tip.channelId },
        payment_intent: tip.paymentIntent,
      },
    },
  };
}
