/**
 * The Razorpay adapter of the payment-provider port, on the official `razorpay` SDK: Orders for tips
 * (Route transfers to the creator's linked account, minus our fee, when the channel has one), the
 * checkout signature checked server-side, refunds, Subscriptions on a plan per tier and price (each
 * charge's Route transfer made after the charge, since a subscription carries none), disputes, and
 * webhooks verified against the raw body (`X-Razorpay-Signature`: HMAC-SHA256 of the body with the
 * webhook secret). The only file that knows Razorpay's objects.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RazorpayConfig } from '@streamhub/config/razorpay-config';
import { isStorableText, unstorableTextPaths } from '@streamhub/contracts/text';
import Razorpay from 'razorpay';
import { z } from 'zod';
import {
  type CancelSubscriptionInput,
  type ChargeTransferInput,
  type CheckoutStarted,
  type CheckoutState,
  type PaymentProvider,
  type PlanInput,
  ProviderCallError,
  type ProviderEvent,
  type ProviderInvoice,
  type ProviderTransfer,
  type RefundInput,
  type RefundStarted,
  type SignedCheckout,
  type SubscriptionCheckoutInput,
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

const SubscriptionSchema = z.object({
  id: z.string(),
  status: z.string(),
  /** Unix seconds; null before the first charge. */
  current_end: z.number().int().nullish(),
  paid_count: z.number().int().nullish(),
  short_url: z.string().nullish(),
  notes: NotesSchema,
});

const ChargeSchema = PaymentSchema.extend({ invoice_id: z.string().nullish() });

const DisputeSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  /** What Razorpay took from our balance: 0 unless the dispute was lost. */
  amount_deducted: z.number().int().nullish(),
});

const TransfersSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      recipient: z.string().nullish(),
      amount: z.number().int(),
      amount_reversed: z.number().int().nullish(),
      currency: z.string(),
    }),
  ),
});

/** A subscription charge's invoice, as Razorpay lists invoices (newest first). */
const InvoicesSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      subscription_id: z.string().nullish(),
      payment_id: z.string().nullish(),
      amount_paid: z.number().int().nullish(),
      currency: z.string(),
    }),
  ),
});

/** Razorpay's largest list page (`count`). */
const LIST_PAGE = 100;

/**
 * How many monthly charges a subscription is opened for: Razorpay needs a count; ten years, after
 * which `subscription.completed` ends it like a cancellation.
 */
const SUBSCRIPTION_CYCLES = 120;

const fromUnix = (seconds: number | null | undefined) =>
  typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000) : null;

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

  /**
   * Razorpay Checkout's signature: `order_id|payment_id` for an order; for a subscription the payment id
   * comes first, then the subscription's.
   */
  verifyCheckoutSignature(signed: SignedCheckout): boolean {
    const message =
      'orderId' in signed
        ? `${signed.orderId}|${signed.providerPaymentId}`
        : `${signed.providerPaymentId}|${signed.subscriptionId}`;
    return sameHex(hmacHex(this.config.keySecret, message), signed.signature);
  }

  async createPlan(input: PlanInput): Promise<string> {
    const plan = await this.call(() =>
      this.client.plans.create({
        period: 'monthly',
        interval: 1,
        item: { name: input.name, amount: input.price, currency: input.currency.toUpperCase() },
        notes: { tier_id: input.tierId },
      }),
    );
    return plan.id;
  }

  /**
   * Creates the Razorpay subscription the payer's checkout authorises (its `short_url` is Razorpay's
   * hosted page for it). Our subscription id travels in its notes and comes back in every webhook.
   * The SDK sends no idempotency key: one call per subscription row, made once by the service.
   */
  async createSubscriptionCheckout(input: SubscriptionCheckoutInput): Promise<CheckoutStarted> {
    if (!input.planId) throw new ProviderCallError('a Razorpay subscription needs a plan');
    const planId = input.planId;
    const created = await this.call(() =>
      this.client.subscriptions.create({
        plan_id: planId,
        total_count: SUBSCRIPTION_CYCLES,
        quantity: 1,
        customer_notify: 1,
        notes: { subscription_id: input.subscriptionId, kind: 'subscription', channel_id: input.channelId },
      }),
    );
    const subscription = SubscriptionSchema.parse(created);
    return {
      checkoutId: subscription.id,
      providerSubscriptionId: subscription.id,
      url: subscription.short_url ?? null,
      clientKey: this.config.keyId,
    };
  }

  /** `cancel_at_cycle_end`: Razorpay charges no more and ends it when the period paid for is over. */
  async cancelSubscriptionAtPeriodEnd(
    input: CancelSubscriptionInput,
  ): Promise<{ currentPeriodEnd: Date | null }> {
    const cancelled = SubscriptionSchema.parse(
      await this.call(() => this.client.subscriptions.cancel(input.providerSubscriptionId, true)),
    );
    return { currentPeriodEnd: fromUnix(cancelled.current_end) };
  }

  /**
   * Route after the charge: a transfer from the payment to the creator's linked account. The SDK sends
   * no idempotency key, so the payment's transfers are read first and one to that account ends it.
   */
  async transferCharge(input: ChargeTransferInput): Promise<void> {
    const existing = TransfersSchema.parse(
      await this.call(() => this.client.payments.fetchTransfer(input.providerPaymentId)),
    );
    if (existing.items.some((transfer) => transfer.recipient === input.destination)) return;
    await this.call(() =>
      this.client.payments.transfer(input.providerPaymentId, {
        transfers: [
          {
            account: input.destination,
            amount: input.amount,
            currency: input.currency.toUpperCase(),
            notes: { payment_id: input.paymentId },
          },
        ],
      }),
    );
  }

  async listTransfers(providerPaymentId: string): Promise<ProviderTransfer[]> {
    const listed = TransfersSchema.parse(
      await this.call(() => this.client.payments.fetchTransfer(providerPaymentId)),
    );
    return listed.items.map((transfer) => ({
      transferId: transfer.id,
      destination: transfer.recipient ?? '',
      amount: transfer.amount,
      reversed: transfer.amount_reversed ?? 0,
      currency: transfer.currency.toLowerCase(),
    }));
  }

  /**
   * The newest `limit` paid subscription invoices, paged by `count` and `skip`. A subscription charge is
   * recorded under its payment id (see `interpretSubscription`), so that is the invoice id given.
   */
  async listPaidInvoices(limit: number): Promise<ProviderInvoice[]> {
    const paid: ProviderInvoice[] = [];
    for (let skip = 0; paid.length < limit; skip += LIST_PAGE) {
      const page = InvoicesSchema.parse(
        await this.call(() => this.client.invoices.all({ count: LIST_PAGE, skip })),
      );
      for (const invoice of page.items) {
        if (invoice.status !== 'paid' || !invoice.subscription_id || !invoice.payment_id) continue;
        paid.push({
          invoiceId: invoice.payment_id,
          providerSubscriptionId: invoice.subscription_id,
          amount: invoice.amount_paid ?? 0,
          currency: invoice.currency.toLowerCase(),
        });
        if (paid.length === limit) break;
      }
      if (page.items.length < LIST_PAGE) break;
    }
    return paid;
  }

  async refund(input: RefundInput): Promise<RefundStarted> {
    const refund = await this.call(() =>
      this.client.payments.refund(input.providerPaymentId, {
        ...(input.amount !== undefined ? { amount: input.amount } : {}),
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
    // A subscription's own events (pending, halted, cancelled, …) recur over its life, so their entity
    // is the subscription at its number of charges: one failure notice per billing cycle.
    const subscription = entityOf(event.data.payload, 'subscription', SubscriptionSchema);
    const entity =
      ['refund', 'dispute', 'order', 'payment']
        .map((name) => event.data.payload[name]?.entity.id)
        .find((id): id is string => typeof id === 'string') ??
      (subscription ? `${subscription.id}:${subscription.paid_count ?? 0}` : undefined);
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
      case 'subscription.activated':
      case 'subscription.charged':
      case 'subscription.pending':
      case 'subscription.halted':
      case 'subscription.cancelled':
      case 'subscription.completed':
        return this.interpretSubscription(type, entities);
      case 'payment.dispute.created':
      case 'payment.dispute.won':
      case 'payment.dispute.lost':
      case 'payment.dispute.closed': {
        const dispute = entityOf(entities, 'dispute', DisputeSchema);
        if (!dispute) return { kind: 'other', reason: `malformed ${type}` };
        const ref = { disputeId: dispute.id, providerPaymentId: dispute.payment_id };
        if (type === 'payment.dispute.created') return { kind: 'dispute_opened', ...ref };
        // `closed`: a fraud or retrieval notice closed without a chargeback; only what Razorpay deducted
        // is lost (0 unless lost).
        const won =
          type === 'payment.dispute.won' ||
          (type === 'payment.dispute.closed' && (dispute.amount_deducted ?? 0) === 0);
        return { kind: 'dispute_closed', ...ref, won };
      }
      default:
        return { kind: 'other', reason: `not handled: ${type}` };
    }
  }

  /**
   * A subscription's life in our terms: `charged` is a paid invoice (started or renewed), `pending`
   * (a charge failed, Razorpay retries) and `halted` (it gave up) start the grace, `cancelled` and
   * `completed` stop renewals so it runs to the end of the period paid for; `activated` only links.
   * Our subscription id travels in the subscription's notes, so order does not matter.
   */
  private interpretSubscription(
    type: string,
    entities: z.infer<typeof EventSchema>['payload'],
  ): ProviderEvent {
    const subscription = entityOf(entities, 'subscription', SubscriptionSchema);
    if (!subscription) return { kind: 'other', reason: `malformed ${type}` };
    const ids = {
      providerSubscriptionId: subscription.id,
      subscriptionId: noteOf(subscription.notes, 'subscription_id'),
    };
    const periodEnd = fromUnix(subscription.current_end);
    switch (type) {
      case 'subscription.charged': {
        const payment = entityOf(entities, 'payment', ChargeSchema);
        if (!payment) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'invoice_paid',
          ...ids,
          // One charge, one invoice: the payment id is unique where Razorpay's invoice id may be absent.
          invoiceId: payment.id,
          providerPaymentId: payment.id,
          amount: payment.amount,
          currency: payment.currency.toLowerCase(),
          periodEnd,
        };
      }
      case 'subscription.pending':
      case 'subscription.halted':
        return {
          kind: 'invoice_failed',
          ...ids,
          invoiceId: `${subscription.id}:${subscription.paid_count ?? 0}`,
        };
      case 'subscription.cancelled':
      case 'subscription.completed':
        // Never charged: the checkout was abandoned. Otherwise it runs to the end of what was paid.
        if ((subscription.paid_count ?? 0) === 0) return { kind: 'subscription_ended', ...ids };
        return { kind: 'subscription_updated', ...ids, currentPeriodEnd: periodEnd, cancelAtPeriodEnd: true };
      default:
        return {
          kind: 'subscription_updated',
          ...ids,
          currentPeriodEnd: periodEnd,
          cancelAtPeriodEnd: false,
        };
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
