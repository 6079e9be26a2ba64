/**
 * What the Razorpay tests share: the payments testbed (gateway app, PGlite or PostgreSQL, outbox) with
 * the official `razorpay` SDK pointed at the local server speaking Razorpay's API, and signed delivery
 * of Razorpay's webhooks.
 */
import { WebhookReceiptSchema } from '@streamhub/contracts/payments';
import type { Driver } from '@streamhub/db/client';
import { expect } from 'vitest';
import { type PaymentsTestbed, startPaymentsTestbed, until } from './payments-test-kit.ts';
import { type RazorpayApiServer, startRazorpayApiServer } from './razorpay-api-server.ts';

export const RAZORPAY_WEBHOOK = '/api/v1/payments/webhooks/razorpay';

export interface RazorpayTestbed {
  razorpay: RazorpayApiServer;
  bed: PaymentsTestbed;
  /** Posts `body` to Razorpay's webhook, signed as Razorpay signs it unless a `signature` (null: none) is given. */
  deliver(body: Record<string, unknown> | string, signature?: string | null): Promise<Response>;
  /**
   * Delivers each event signed, in the order given, checks each was stored as new, waits until every
   * one was handled and resolves to their outcomes.
   */
  handled(...events: Record<string, unknown>[]): Promise<(string | null | undefined)[]>;
  close(): Promise<void>;
}

/** The id our Razorpay adapter stores an event under (event name and its entity). */
export function razorpayEventId(event: Record<string, unknown>): string {
  const payload = event.payload as Record<string, { entity: Record<string, unknown> }>;
  for (const name of ['refund', 'dispute', 'order', 'payment']) {
    const id = payload[name]?.entity.id;
    if (typeof id === 'string') return `${String(event.event)}:${id}`;
  }
  const subscription = payload.subscription?.entity;
  if (!subscription) throw new Error('an event without an entity');
  return `${String(event.event)}:${String(subscription.id)}:${String(subscription.paid_count ?? 0)}`;
}

export async function startRazorpayTestbed(
  driver: Driver,
  env: Record<string, string> = {},
): Promise<RazorpayTestbed> {
  const razorpay = await startRazorpayApiServer();
  let bed: PaymentsTestbed;
  try {
    bed = await startPaymentsTestbed(driver, {
      PAYMENTS_CURRENCIES: 'usd,inr',
      PAYMENTS_PLATFORM_FEE_BPS: '1000',
      RAZORPAY_KEY_ID: razorpay.keyId,
      RAZORPAY_KEY_SECRET: razorpay.keySecret,
      RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret,
      RAZORPAY_CURRENCIES: 'inr',
      RAZORPAY_API_URL: razorpay.url,
      ...env,
    });
  } catch (error) {
    await razorpay.close();
    throw error;
  }
  const deliver = async (body: Record<string, unknown> | string, signature?: string | null) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const header = signature === undefined ? razorpay.sign(raw) : signature;
    return bed.app.request(RAZORPAY_WEBHOOK, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'x-razorpay-signature': header } : {}) },
      body: raw,
    });
  };
  return {
    razorpay,
    bed,
    deliver,
    async handled(...events) {
      for (const event of events) {
        const answer = await deliver(event);
        expect(WebhookReceiptSchema.parse(await answer.json())).toEqual({ received: true, duplicate: false });
      }
      const outcomes: (string | null | undefined)[] = [];
      for (const event of events) {
        const id = razorpayEventId(event);
        await until(async () => Boolean((await bed.payments.findEvent('razorpay', id))?.processedAt), id);
        outcomes.push((await bed.payments.findEvent('razorpay', id))?.outcome);
      }
      return outcomes;
    },
    async close() {
      await bed.close();
      await razorpay.close();
    },
  };
}
