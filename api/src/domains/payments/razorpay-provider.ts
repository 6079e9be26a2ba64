/**
 * The Razorpay adapter of the payment-provider port, on the official `razorpay` SDK: Orders for tips
 * (Route transfers to the creator's linked account, minus our fee, when the channel has one), the
 * checkout signature checked server-side, refunds, and webhooks verified against the raw body
 * (`X-Razorpay-Signature`: HMAC-SHA256 of the body with the webhook secret). The only file that knows
 * Razorpay's objects.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RazorpayConfig } from '@streamhub/config/razorpay-config';
import { isStorableText, unstorableTextPaths } from '@streamhub/contracts/text';
import Razorpay from 'razorpay';
import { z } from 'zod';
import {
  type CheckoutStarted,
  type CheckoutState,
  type PaymentProvider,
  ProviderCallError,
  type ProviderEvent,
  type RefundInput,
  type RefundStarted,
  type TipCheckoutInput,
  type VerifiedWebhook,
  WebhookRejectedError,
} from './payment-provider.ts';

/**
 * Points the SDK at another base URL (a local server speaking Razorpay's API, in tests). The SDK fixes
 * `https://api.razorpay.com` in its constructor and sends every call through one axios instance,
 * `api.rq`; its base URL is the one thing changed.
 */
export function pointRazorpayAt(client: Razorpay, apiUrl: string): void {
  const http = (client as unknown as { api?: { rq?: { defaults?: { baseURL?: string } } } }).api?.rq;
  if (!http?.defaults)
    throw new Error('this razorpay SDK keeps its HTTP client elsewhere: RAZORPAY_API_URL cannot apply');
  http.defaults.baseURL = apiUrl.replace(/\/+$/, '');
}

const hmacHex = (secret: string, data: string | Uint8Array) =>
  createHmac('sha256', secret).update(data).digest('hex');

/** Constant-time comparison of two hex digests (a wrong length is simply unequal). */
function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const NotesSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish();
const noteOf = (notes: z.infer<typeof NotesSchema>, key: string) =>
  notes && !Array.isArray(notes) && typeof notes[key] === 'string' ? (notes[key] as string) : null;

const OrderSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  amount_paid: z.number().int().nullish(),
  currency: z.string(),
  receipt: z.string().nullish(),
  status: z.string(),
  notes: NotesSchema,
});

const PaymentSchema = z.object({
  id: z.string(),
  amount: z.number().int(),
  amount_refunded: z.number().int().nullish(),
  currency: z.string(),
});

const RefundSchema = z.object({ id: z.string(), payment_id: z.string() });

const EventSchema = z.object({
  entity: z.literal('event'),
  event: z.string().min(1).max(100),
  payload: z.record(z.string(), z.object({ entity: z.record(z.string(), z.unknown()) })),
});

/** The entity of `name` in an event's payload, when it has that shape. */
function entityOf<S extends z.ZodType>(
  payload: z.infer<typeof EventSchema>['payload'],
  name: string,
  schema: S,
): z.infer<S> | undefined {
  const parsed = schema.safeParse(payload[name]?.entity);
  return parsed.success ? parsed.data : undefined;
}

export class RazorpayProvider implements PaymentProvider {
  readonly name = 'razorpay' as const;
  private readonly client: Razorpay;

  constructor(private readonly config: RazorpayConfig) {
    this.client = new Razorpay({ key_id: config.keyId, key_secret: config.keySecret });
    if (config.apiUrl) pointRazorpayAt(this.client, config.apiUrl);
  }

  /**
   * Creates the Order the payer's Razorpay Checkout opens. The SDK passes no idempotency header, so the
   * order carries our payment id as its `receipt` and in its notes: one order per payment row.
   */
  async createTipCheckout(input: TipCheckoutInput): Promise<CheckoutStarted> {
    const currency = input.currency.toUpperCase();
    const notes: Record<string, string> = {
      payment_id: input.paymentId,
      kind: 'tip',
      channel_id: input.channelId,
    };
    const base = { amount: input.amount, currency, receipt: input.paymentId, notes };
    // Route: the creator's share goes to their linked account when the payment is captured.
    const order = await this.call(() =>
      this.client.orders.create(
        input.destination
          ? {
              ...base,
              transfers: [
                {
                  account: input.destination,
                  amount: input.amount - input.platformFee,
                  currency,
                  notes: { payment_id: input.paymentId },
                },
              ],
            }
          : base,
      ),
    );
    return { checkoutId: order.id, url: null, clientKey: this.config.keyId };
  }

  verifyCheckoutSignature(orderId: string, paymentId: string, signature: string): boolean {
    return sameHex(hmacHex(this.config.keySecret, `${orderId}|${paymentId}`), signature);
  }

  async refund(input: RefundInput): Promise<RefundStarted> {
    const refund = await this.call(() =>
      this.client.payments.refund(input.providerPaymentId, {
        notes: { payment_id: input.paymentId },
        // Route: take the creator's transfer back too.
        ...(input.fromConnectedAccount ? { reverse_all: 1 as const } : {}),
      }),
    );
    return { refundId: refund.id, status: refund.status ?? 'pending' };
  }

  async retrieveCheckout(checkoutId: string): Promise<CheckoutState> {
    const order = OrderSchema.parse(await this.call(() => this.client.orders.fetch(checkoutId)));
    return {
      checkoutId: order.id,
      paymentId: noteOf(order.notes, 'payment_id') ?? order.receipt ?? null,
      status: order.status === 'paid' ? 'complete' : 'open',
      paid: order.status === 'paid',
      amount: order.amount_paid ?? null,
      currency: order.currency.toLowerCase(),
    };
  }

  async verifyWebhook(rawBody: Uint8Array, signature: string | undefined): Promise<VerifiedWebhook> {
    if (!signature)
      throw new WebhookRejectedError('signature', 'The X-Razorpay-Signature header is missing.');
    if (!sameHex(hmacHex(this.config.webhookSecret, rawBody), signature)) {
      throw new WebhookRejectedError('signature', 'The webhook signature does not match its body.');
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
    } catch {
      throw new WebhookRejectedError('malformed', 'The webhook body is not a JSON event.');
    }
    const event = EventSchema.safeParse(body);
    if (!event.success)
      throw new WebhookRejectedError('malformed', 'The webhook body is not a Razorpay event.');
    if (unstorableTextPaths(body, 'body').length > 0) {
      throw new WebhookRejectedError('malformed', 'The webhook body holds text that cannot be stored.');
    }
    // An event happens once to its entity, so (event, entity id) names it: a redelivery is stored once.
    // (Razorpay's X-Razorpay-Event-Id header says the same; this keeps the id inside the signed body.)
    const entity = ['refund', 'order', 'payment']
      .map((name) => event.data.payload[name]?.entity.id)
      .find((id): id is string => typeof id === 'string');
    if (!entity || !isStorableText(entity) || entity.length > 100) {
      throw new WebhookRejectedError('malformed', 'The webhook names no entity.');
    }
    const order = entityOf(event.data.payload, 'order', OrderSchema);
    return {
      id: `${event.data.event}:${entity}`,
      type: event.data.event,
      payload: body as Record<string, unknown>,
      paymentId: order ? (noteOf(order.notes, 'payment_id') ?? order.receipt ?? null) : null,
    };
  }

  interpret(payload: unknown): ProviderEvent {
    const event = EventSchema.safeParse(payload);
    if (!event.success) return { kind: 'other', reason: 'not a Razorpay event' };
    const { event: type, payload: entities } = event.data;
    switch (type) {
      case 'order.paid': {
        const order = entityOf(entities, 'order', OrderSchema);
        const payment = entityOf(entities, 'payment', PaymentSchema);
        if (!order) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'checkout_completed',
          checkoutId: order.id,
          paymentId: noteOf(order.notes, 'payment_id') ?? order.receipt ?? null,
          providerPaymentId: payment?.id ?? null,
          paid: order.status === 'paid',
          amount: order.amount_paid ?? null,
          currency: order.currency.toLowerCase(),
        };
      }
      case 'refund.processed': {
        const refund = entityOf(entities, 'refund', RefundSchema);
        const payment = entityOf(entities, 'payment', PaymentSchema);
        if (!refund || !payment) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'refunded',
          providerPaymentId: refund.payment_id,
          amount: payment.amount,
          amountRefunded: payment.amount_refunded ?? 0,
          currency: payment.currency.toLowerCase(),
        };
      }
      default:
        return { kind: 'other', reason: `not handled: ${type}` };
    }
  }

  /** Runs one API call; the SDK's rejection (`{ statusCode, error }`) becomes a ProviderCallError. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const detail =
        typeof error === 'object' && error !== null && 'statusCode' in error
          ? `${String((error as { statusCode: unknown }).statusCode)}: ${JSON.stringify((error as { error?: unknown }).error ?? null)}`
          : String(error);
      throw new ProviderCallError(`Razorpay call failed (${detail})`, { cause: error });
    }
  }
}
