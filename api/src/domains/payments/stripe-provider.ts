/**
 * The Stripe adapter of the payment-provider port, on the official SDK: Checkout Sessions for tips
 * (destination charges with an application fee when the channel has a connected account), idempotency
 * keys on every create, Connect Express accounts and their onboarding links, and webhooks verified
 * against the raw body (Stripe's timestamped HMAC, 5 minutes of tolerance) with the platform endpoint's
 * secret or the Connect endpoint's. The only file that knows Stripe's objects.
 */
import type { StripeConfig } from '@streamhub/config/config';
import { isStorableText, unstorableTextPaths } from '@streamhub/contracts/text';
import Stripe from 'stripe';
import { z } from 'zod';
import type {
  ConnectedAccountState,
  ConnectProvider,
  CreateConnectedAccountInput,
  OnboardingLink,
  OnboardingLinkInput,
} from './connect-provider.ts';
import {
  type CancelSubscriptionInput,
  type CheckoutStarted,
  type CheckoutState,
  type PaymentProvider,
  ProviderCallError,
  type ProviderEvent,
  type ProviderInvoice,
  type ProviderPayout,
  type RefundInput,
  type RefundStarted,
  type SubscriptionCheckoutInput,
  type TipCheckoutInput,
  type VerifiedWebhook,
  WebhookRejectedError,
} from './payment-provider.ts';
import { checkStripeSignature, type StripeSignatureCheck } from './stripe-signature.ts';

/** Stripe's own default, written down: a signature older than this is refused as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Strict: a body that is not UTF-8 is no Stripe event. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The SDK's options for a base URL other than Stripe's (a local server speaking its API). */
export function stripeClientOptions(apiUrl: string | undefined): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (!apiUrl) return options;
  const url = new URL(apiUrl);
  return {
    ...options,
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
}

const SessionSchema = z.object({
  id: z.string(),
  mode: z.string().nullish(),
  subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  client_reference_id: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  payment_status: z.string().nullish(),
  status: z.string().nullish(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
});

const ChargeSchema = z.object({
  id: z.string(),
  /** Null for a charge of no PaymentIntent (an invoice paid by a plain charge): the charge is the payment. */
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  amount: z.number().int(),
  amount_refunded: z.number().int(),
  currency: z.string(),
});

const metadataSchema = z.record(z.string(), z.string()).nullish();

/** A Subscription as API versions since 2025-03 write it: the period lives on its items. */
const SubscriptionSchema = z.object({
  id: z.string(),
  metadata: metadataSchema,
  cancel_at_period_end: z.boolean().nullish(),
  items: z.object({ data: z.array(z.object({ current_period_end: z.number().int().nullish() })) }).nullish(),
});

/** An InvoicePayment: the PaymentIntent (or bare charge) that paid an invoice. */
const InvoicePaymentSchema = z.object({
  status: z.string(),
  payment: z.object({
    type: z.string(),
    payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
    charge: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  }),
});

/** An Invoice as API versions since 2025-03 write it: its subscription under `parent`. */
const InvoiceSchema = z.object({
  id: z.string(),
  amount_paid: z.number().int(),
  currency: z.string(),
  parent: z
    .object({
      subscription_details: z
        .object({
          subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
          metadata: metadataSchema,
        })
        .nullish(),
    })
    .nullish(),
  lines: z
    .object({ data: z.array(z.object({ period: z.object({ end: z.number().int() }).nullish() })) })
    .nullish(),
  // Includable, so absent from webhooks unless expanded; an invoice that carries it names its charge.
  payments: z.object({ data: z.array(InvoicePaymentSchema) }).nullish(),
});

/** The charge an invoice payment names: its PaymentIntent, else (a charge of no intent) the charge. */
const paidChargeOf = (payments: readonly z.infer<typeof InvoicePaymentSchema>[]): string | null => {
  for (const payment of payments) {
    if (payment.status !== 'paid') continue;
    const id = idOf(payment.payment.payment_intent) ?? idOf(payment.payment.charge);
    if (id) return id;
  }
  return null;
};

const dateOf = (seconds: number | null | undefined) => (seconds == null ? null : new Date(seconds * 1000));

const DisputeSchema = z.object({
  id: z.string(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  charge: z.union([z.string(), z.object({ id: z.string() })]),
  status: z.string(),
});

const AccountSchema = z.object({
  id: z.string(),
  charges_enabled: z.boolean().nullish(),
  payouts_enabled: z.boolean().nullish(),
  details_submitted: z.boolean().nullish(),
});

const PayoutSchema = z.object({
  id: z.string(),
  amount: z.number().int().positive(),
  currency: z.string().regex(/^[a-z]{3}$/),
  arrival_date: z.number().int().nullish(),
});

function accountState(account: z.infer<typeof AccountSchema>): ConnectedAccountState {
  return {
    accountId: account.id,
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
  };
}

const EventEnvelopeSchema = z.object({
  // Stripe's ids are short; the bound keeps the outbox aggregate `stripe:<id>` within its 200 characters.
  id: z.string().min(1).max(180),
  type: z.string().min(1).max(255),
  created: z.number().int().nullish(),
  /** The connected account an event is about (events delivered to a Connect endpoint). */
  account: z.string().nullish(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const idOf = (value: string | { id: string } | null | undefined) =>
  value == null ? null : typeof value === 'string' ? value : value.id;

function paymentIdOf(session: z.infer<typeof SessionSchema>): string | null {
  if (session.mode === 'subscription') return null;
  return session.metadata?.payment_id ?? session.client_reference_id ?? null;
}

function periodEndOf(subscription: z.infer<typeof SubscriptionSchema>): Date | null {
  const ends = (subscription.items?.data ?? []).flatMap((item) =>
    item.current_period_end == null ? [] : [item.current_period_end],
  );
  return ends.length > 0 ? dateOf(Math.max(...ends)) : null;
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;
  readonly connect: ConnectProvider;

  constructor(private readonly config: StripeConfig) {
    this.stripe = new Stripe(config.secretKey, stripeClientOptions(config.apiUrl));
    this.connect = {
      createConnectedAccount: (input) => this.createConnectedAccount(input),
      createOnboardingLink: (input) => this.createOnboardingLink(input),
      retrieveConnectedAccount: (accountId) => this.retrieveConnectedAccount(accountId),
    };
  }

  /**
   * An Express account: Stripe hosts the creator's onboarding and dashboard, and the platform is
   * responsible for them, which is what destination charges with an application fee expect.
   */
  private async createConnectedAccount(input: CreateConnectedAccountInput): Promise<ConnectedAccountState> {
    const account = await this.call(() =>
      this.stripe.accounts.create(
        {
          type: 'express',
          ...(input.email ? { email: input.email } : {}),
          capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
          metadata: { channel_id: input.channelId },
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    return accountState(AccountSchema.parse(account));
  }

  private async createOnboardingLink(input: OnboardingLinkInput): Promise<OnboardingLink> {
    // No idempotency key on purpose: a link works once and expires in minutes, each click needs a new one.
    const link = await this.call(() =>
      this.stripe.accountLinks.create({
        account: input.accountId,
        type: 'account_onboarding',
        return_url: input.returnUrl,
        refresh_url: input.refreshUrl,
      }),
    );
    return { url: link.url, expiresAt: new Date(link.expires_at * 1000) };
  }

  private async retrieveConnectedAccount(accountId: string): Promise<ConnectedAccountState> {
    const account = await this.call(() => this.stripe.accounts.retrieve(accountId));
    return accountState(AccountSchema.parse(account));
  }

  async createTipCheckout(input: TipCheckoutInput): Promise<CheckoutStarted> {
    const metadata: Record<string, string> = {
      payment_id: input.paymentId,
      kind: 'tip',
      channel_id: input.channelId,
    };
    // Stripe's metadata values hold 500 characters: exactly the longest tip message.
    if (input.message) metadata.message = input.message;
    const paymentIntentData: Stripe.Checkout.SessionCreateParams.PaymentIntentData = {
      description: input.description,
      metadata: { payment_id: input.paymentId },
    };
    if (input.destination) {
      // A destination charge: the payment lands on the creator's connected account, minus our fee.
      paymentIntentData.application_fee_amount = input.platformFee;
      paymentIntentData.transfer_data = { destination: input.destination };
    }
    const session = await this.call(() =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: input.currency,
                unit_amount: input.amount,
                product_data: { name: input.description },
              },
            },
          ],
          client_reference_id: input.paymentId,
          metadata,
          payment_intent_data: paymentIntentData,
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url)
      throw new ProviderCallError(`Stripe returned checkout session ${session.id} without a URL`);
    return { checkoutId: session.id, url: session.url, clientKey: null };
  }

  async createSubscriptionCheckout(input: SubscriptionCheckoutInput): Promise<CheckoutStarted> {
    // Our id rides on the subscription too, so its invoices and updates name it without a look-up.
    const metadata = {
      subscription_id: input.subscriptionId,
      kind: 'subscription',
      channel_id: input.channelId,
    };
    const subscriptionData: Stripe.Checkout.SessionCreateParams.SubscriptionData = {
      description: input.description,
      metadata,
    };
    if (input.destination) {
      // Destination charges for every invoice: the creator's account receives it minus our percentage.
      subscriptionData.application_fee_percent = input.platformFeeBps / 100;
      subscriptionData.transfer_data = { destination: input.destination };
    }
    const session = await this.call(() =>
      this.stripe.checkout.sessions.create(
        {
          mode: 'subscription',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: input.currency,
                unit_amount: input.price,
                recurring: { interval: 'month' },
                product_data: { name: input.description },
              },
            },
          ],
          metadata,
          subscription_data: subscriptionData,
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
        },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    if (!session.url)
      throw new ProviderCallError(`Stripe returned checkout session ${session.id} without a URL`);
    return { checkoutId: session.id, url: session.url, clientKey: null };
  }

  async cancelSubscriptionAtPeriodEnd(
    input: CancelSubscriptionInput,
  ): Promise<{ currentPeriodEnd: Date | null }> {
    const updated = await this.call(() =>
      this.stripe.subscriptions.update(
        input.providerSubscriptionId,
        { cancel_at_period_end: true },
        { idempotencyKey: input.idempotencyKey },
      ),
    );
    const parsed = SubscriptionSchema.safeParse(updated);
    return { currentPeriodEnd: parsed.success ? periodEndOf(parsed.data) : null };
  }

  async invoicePaymentId(invoiceId: string): Promise<string | null> {
    const listed = await this.call(() =>
      this.stripe.invoicePayments.list({ invoice: invoiceId, status: 'paid', limit: 10 }),
    );
    return paidChargeOf(z.array(InvoicePaymentSchema).parse(listed.data));
  }

  async listPaidInvoices(limit: number): Promise<ProviderInvoice[]> {
    // Newest first, up to 100 a page; the SDK follows `has_more` with `starting_after`.
    const listed = await this.call(() =>
      this.stripe.invoices.list({ status: 'paid', limit: Math.min(limit, 100) }).autoPagingToArray({ limit }),
    );
    return listed.flatMap((raw) => {
      const invoice = InvoiceSchema.safeParse(raw);
      const details = invoice.success ? invoice.data.parent?.subscription_details : null;
      if (!invoice.success || !details) return [];
      return [
        {
          invoiceId: invoice.data.id,
          providerSubscriptionId: idOf(details.subscription),
          amount: invoice.data.amount_paid,
          currency: invoice.data.currency,
        },
      ];
    });
  }

  async listPayouts(accountId: string, limit: number): Promise<ProviderPayout[]> {
    const listed = await this.call(() =>
      this.stripe.payouts
        .list({ limit: Math.min(limit, 100) }, { stripeAccount: accountId })
        .autoPagingToArray({ limit }),
    );
    return listed.map((payout) => ({
      payoutId: payout.id,
      status: payout.status,
      amount: payout.amount,
      currency: payout.currency,
    }));
  }

  async refund(input: RefundInput): Promise<RefundStarted> {
    const params: Stripe.RefundCreateParams = {
      metadata: { payment_id: input.paymentId },
    };
    // A PaymentIntent as a rule; an invoice paid by a charge of no intent names the charge.
    if (input.providerPaymentId.startsWith('ch_')) params.charge = input.providerPaymentId;
    else params.payment_intent = input.providerPaymentId;
    if (input.amount !== undefined) params.amount = input.amount;
    if (input.fromConnectedAccount) {
      // A destination charge's money sits with the creator and our fee: both come back for a refund
      // (Stripe takes a partial refund's share of each in proportion).
      params.reverse_transfer = true;
      params.refund_application_fee = true;
    }
    const refund = await this.call(() =>
      this.stripe.refunds.create(params, { idempotencyKey: input.idempotencyKey }),
    );
    return { refundId: refund.id, status: refund.status ?? 'pending' };
  }

  async retrieveCheckout(checkoutId: string): Promise<CheckoutState> {
    const session = SessionSchema.parse(
      await this.call(() => this.stripe.checkout.sessions.retrieve(checkoutId)),
    );
    return {
      checkoutId: session.id,
      paymentId: paymentIdOf(session),
      status: session.status ?? 'open',
      paid: session.payment_status === 'paid',
      amount: session.amount_total ?? null,
      currency: session.currency ?? null,
    };
  }

  async verifyWebhook(rawBody: Uint8Array, signature: string | undefined): Promise<VerifiedWebhook> {
    if (!signature) throw new WebhookRejectedError('signature', 'The Stripe-Signature header is missing.');
    const check = this.checkSignature(rawBody, signature);
    if (check === 'stale')
      throw new WebhookRejectedError('stale', 'The webhook signature is older than 5 minutes.');
    if (check === 'mismatch')
      throw new WebhookRejectedError('signature', 'The webhook signature does not match its body.');
    let event: unknown;
    try {
      event = JSON.parse(utf8.decode(rawBody));
    } catch {
      // Signed, but not JSON: only Stripe (or someone with the secret) could have sent it; still refused.
      throw new WebhookRejectedError('malformed', 'The webhook body is not a JSON event.');
    }
    const envelope = EventEnvelopeSchema.safeParse(event);
    if (!envelope.success)
      throw new WebhookRejectedError('malformed', 'The webhook body is not a Stripe event.');
    // jsonb cannot hold U+0000 or lone surrogates: refuse rather than fail on the insert.
    if (unstorableTextPaths(event, 'body').length > 0 || !isStorableText(envelope.data.id)) {
      throw new WebhookRejectedError('malformed', 'The webhook body holds text that cannot be stored.');
    }
    const object = envelope.data.data.object;
    const session = SessionSchema.safeParse(object);
    const paymentId =
      envelope.data.type.startsWith('checkout.session.') && session.success
        ? paymentIdOf(session.data)
        : null;
    return {
      id: envelope.data.id,
      type: envelope.data.type,
      payload: event as Record<string, unknown>,
      paymentId,
    };
  }

  /**
   * Checks the body against the platform endpoint's secret, then (on a mismatch) the Connect
   * endpoint's: both endpoints may point at the one URL. A stale signature matched a secret already.
   */
  private checkSignature(rawBody: Uint8Array, signature: string): StripeSignatureCheck {
    const check = (secret: string) =>
      checkStripeSignature(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
    const platform = check(this.config.webhookSecret);
    if (platform !== 'mismatch' || !this.config.connectWebhookSecret) return platform;
    return check(this.config.connectWebhookSecret);
  }

  interpret(payload: unknown): ProviderEvent {
    const envelope = EventEnvelopeSchema.safeParse(payload);
    if (!envelope.success) return { kind: 'other', reason: 'not a Stripe event' };
    const { type, data } = envelope.data;
    switch (type) {
      case 'account.updated': {
        const account = AccountSchema.safeParse(data.object);
        if (!account.success) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'account_updated',
          ...accountState(account.data),
          reportedAt: dateOf(envelope.data.created) ?? new Date(0),
        };
      }
      case 'payout.paid':
      case 'payout.failed': {
        // The platform's own payouts (no `account`) move no creator's money.
        if (!envelope.data.account) return { kind: 'other', reason: `${type} of the platform's balance` };
        const payout = PayoutSchema.safeParse(data.object);
        if (!payout.success) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: type === 'payout.paid' ? 'payout_paid' : 'payout_failed',
          accountId: envelope.data.account,
          payoutId: payout.data.id,
          amount: payout.data.amount,
          currency: payout.data.currency,
          arrivalDate: dateOf(payout.data.arrival_date),
        };
      }
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const session = SessionSchema.safeParse(data.object);
        if (!session.success) return { kind: 'other', reason: `malformed ${type}` };
        if (session.data.mode === 'subscription') {
          return {
            kind: 'subscription_checkout_completed',
            checkoutId: session.data.id,
            subscriptionId: session.data.metadata?.subscription_id ?? null,
            providerSubscriptionId: idOf(session.data.subscription),
          };
        }
        return {
          kind: 'checkout_completed',
          checkoutId: session.data.id,
          paymentId: paymentIdOf(session.data),
          providerPaymentId: idOf(session.data.payment_intent),
          paid: session.data.payment_status === 'paid',
          amount: session.data.amount_total ?? null,
          currency: session.data.currency ?? null,
        };
      }
      case 'checkout.session.expired':
      case 'checkout.session.async_payment_failed': {
        const session = SessionSchema.safeParse(data.object);
        if (!session.success) return { kind: 'other', reason: `malformed ${type}` };
        if (session.data.mode === 'subscription') {
          return {
            kind: 'subscription_checkout_closed',
            checkoutId: session.data.id,
            subscriptionId: session.data.metadata?.subscription_id ?? null,
          };
        }
        return {
          kind: 'checkout_closed',
          checkoutId: session.data.id,
          paymentId: paymentIdOf(session.data),
          reason: type === 'checkout.session.expired' ? 'expired' : 'failed',
        };
      }
      case 'charge.refunded': {
        const charge = ChargeSchema.safeParse(data.object);
        if (!charge.success) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'refunded',
          // We record a payment by its PaymentIntent, or by the charge when it has none.
          providerPaymentId: idOf(charge.data.payment_intent) ?? charge.data.id,
          amount: charge.data.amount,
          amountRefunded: charge.data.amount_refunded,
          currency: charge.data.currency,
        };
      }
      case 'charge.dispute.created':
      case 'charge.dispute.closed': {
        const dispute = DisputeSchema.safeParse(data.object);
        if (!dispute.success) return { kind: 'other', reason: `malformed ${type}` };
        const ref = {
          disputeId: dispute.data.id,
          providerPaymentId: idOf(dispute.data.payment_intent) ?? idOf(dispute.data.charge) ?? '',
        };
        if (type === 'charge.dispute.created') return { kind: 'dispute_opened', ...ref };
        return { kind: 'dispute_closed', ...ref, won: dispute.data.status === 'won' };
      }
      case 'customer.subscription.created':
      case 'customer.subscription.updated': {
        const subscription = SubscriptionSchema.safeParse(data.object);
        if (!subscription.success) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'subscription_updated',
          providerSubscriptionId: subscription.data.id,
          subscriptionId: subscription.data.metadata?.subscription_id ?? null,
          currentPeriodEnd: periodEndOf(subscription.data),
          cancelAtPeriodEnd: subscription.data.cancel_at_period_end ?? false,
        };
      }
      case 'customer.subscription.deleted': {
        const subscription = SubscriptionSchema.safeParse(data.object);
        if (!subscription.success) return { kind: 'other', reason: `malformed ${type}` };
        return {
          kind: 'subscription_ended',
          providerSubscriptionId: subscription.data.id,
          subscriptionId: subscription.data.metadata?.subscription_id ?? null,
        };
      }
      case 'invoice.paid':
      case 'invoice.payment_failed': {
        const invoice = InvoiceSchema.safeParse(data.object);
        if (!invoice.success) return { kind: 'other', reason: `malformed ${type}` };
        const details = invoice.data.parent?.subscription_details;
        // An invoice of no subscription (a one-off) is not ours to book.
        if (!details) return { kind: 'other', reason: `${type} of no subscription` };
        const ref = {
          invoiceId: invoice.data.id,
          providerSubscriptionId: idOf(details.subscription),
          subscriptionId: details.metadata?.subscription_id ?? null,
        };
        if (type === 'invoice.payment_failed') return { kind: 'invoice_failed', ...ref };
        const periodEnds = (invoice.data.lines?.data ?? []).flatMap((line) =>
          line.period ? [line.period.end] : [],
        );
        return {
          kind: 'invoice_paid',
          ...ref,
          amount: invoice.data.amount_paid,
          currency: invoice.data.currency,
          providerPaymentId: paidChargeOf(invoice.data.payments?.data ?? []),
          periodEnd: periodEnds.length > 0 ? dateOf(Math.max(...periodEnds)) : null,
        };
      }
      default:
        return { kind: 'other', reason: `not handled: ${type}` };
    }
  }

  /** Runs one API call; the SDK's error (which may quote the request) becomes a ProviderCallError. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const detail =
        error instanceof Stripe.errors.StripeError ? `${error.type}: ${error.message}` : String(error);
      throw new ProviderCallError(`Stripe call failed (${detail})`, { cause: error });
    }
  }
}
