/**
 * The payment-provider port: what the payments domain asks of Stripe (and Razorpay later). Adapters
 * turn their provider's API and webhooks into these shapes, so nothing outside them knows a provider's
 * objects.
 */
import type { PaymentProviderName } from '@streamhub/contracts/payments';
import type { ConnectEvent, ConnectProvider } from './connect-provider.ts';

export interface TipCheckoutInput {
  /** Our payment's id: travels in the checkout's metadata and comes back in its webhooks. */
  paymentId: string;
  channelId: string;
  amount: number;
  currency: string;
  /** The platform's cut, taken as an application fee when the money goes to a connected account. */
  platformFee: number;
  /** What the payer sees on the checkout page. */
  description: string;
  message: string | undefined;
  /** The creator's connected account: a destination charge instead of a charge on the platform's balance. */
  destination: string | undefined;
  successUrl: string;
  cancelUrl: string;
  /** Sent with the call, so a retried request cannot open a second checkout. */
  idempotencyKey: string;
}

export interface SubscriptionCheckoutInput {
  /** Our subscription's id: travels in the checkout's and the provider subscription's metadata. */
  subscriptionId: string;
  channelId: string;
  /** Per month, minor units of `currency`. */
  price: number;
  currency: string;
  /** The platform's cut in basis points, taken as an application fee with a connected account. */
  platformFeeBps: number;
  description: string;
  destination: string | undefined;
  successUrl: string;
  cancelUrl: string;
  idempotencyKey: string;
  /** The provider's plan for the tier at this price, from `createPlan` (providers whose subscriptions name one). */
  planId?: string | undefined;
}

/** A tier at one price, as a provider's monthly plan (Razorpay's subscriptions are opened on a plan). */
export interface PlanInput {
  tierId: string;
  name: string;
  /** Per month, minor units of `currency`. */
  price: number;
  currency: string;
}

/**
 * Route for a charge the provider took without a split (a Razorpay subscription's): the creator's share
 * goes to their linked account.
 */
export interface ChargeTransferInput {
  /** Our payment row of the charge. */
  paymentId: string;
  providerPaymentId: string;
  destination: string;
  /** The creator's share, minor units of `currency`. */
  amount: number;
  currency: string;
}

export interface CancelSubscriptionInput {
  providerSubscriptionId: string;
  idempotencyKey: string;
}

export interface CheckoutStarted {
  checkoutId: string;
  /** The provider's hosted page (Stripe); null when the checkout opens in our page (Razorpay). */
  url: string | null;
  /** The public key the in-page checkout is opened with (Razorpay's key id). */
  clientKey: string | null;
  /** The provider's subscription, when opening the checkout created it already (Razorpay). */
  providerSubscriptionId?: string;
}

export interface RefundInput {
  paymentId: string;
  /** The provider's payment (a Stripe PaymentIntent id). */
  providerPaymentId: string;
  /** A destination charge: take the creator's transfer and the application fee back too. */
  fromConnectedAccount: boolean;
  /** Minor units to refund, at most what is left of the payment; omitted, all that is left. */
  amount?: number;
  idempotencyKey: string;
}

export interface RefundStarted {
  refundId: string;
  /** The provider's status of the refund (`pending`, `succeeded`, …). */
  status: string;
}

export interface CheckoutState {
  checkoutId: string;
  paymentId: string | null;
  /** `open`, `complete` or `expired`. */
  status: string;
  paid: boolean;
  amount: number | null;
  currency: string | null;
}

/** A webhook whose signature checked out, as the provider sent it. */
export interface VerifiedWebhook {
  id: string;
  type: string;
  /** The event as parsed from the raw body; stored as it is. */
  payload: Record<string, unknown>;
  /** Our payment's id when the event names one: events of one payment are ordered by it. */
  paymentId: string | null;
}

/** What a stored provider event means for our books. */
export type ProviderEvent =
  | {
      kind: 'checkout_completed';
      checkoutId: string;
      paymentId: string | null;
      providerPaymentId: string | null;
      paid: boolean;
      amount: number | null;
      currency: string | null;
    }
  | { kind: 'checkout_closed'; checkoutId: string; paymentId: string | null; reason: 'expired' | 'failed' }
  | {
      kind: 'refunded';
      providerPaymentId: string;
      amount: number;
      amountRefunded: number;
      currency: string;
    }
  | {
      kind: 'subscription_checkout_completed';
      checkoutId: string;
      subscriptionId: string | null;
      providerSubscriptionId: string | null;
    }
  | { kind: 'subscription_checkout_closed'; checkoutId: string; subscriptionId: string | null }
  | {
      /** The provider's subscription changed (created, updated): its period and cancellation. */
      kind: 'subscription_updated';
      providerSubscriptionId: string;
      subscriptionId: string | null;
      currentPeriodEnd: Date | null;
      cancelAtPeriodEnd: boolean;
    }
  | { kind: 'subscription_ended'; providerSubscriptionId: string; subscriptionId: string | null }
  | {
      kind: 'invoice_paid';
      invoiceId: string;
      providerSubscriptionId: string | null;
      subscriptionId: string | null;
      amount: number;
      currency: string;
      /** The end of the period this invoice paid for. */
      periodEnd: Date | null;
      /**
       * The provider's payment of the charge, when the webhook names it (a Razorpay `pay_…`, a Stripe
       * `pi_…` when the invoice carries its payments): refunds and disputes find it.
       */
      providerPaymentId?: string | null;
    }
  | {
      kind: 'invoice_failed';
      invoiceId: string;
      providerSubscriptionId: string | null;
      subscriptionId: string | null;
    }
  | {
      /** The payer's bank disputes a payment (a chargeback): the money is held back from us. */
      kind: 'dispute_opened';
      disputeId: string;
      providerPaymentId: string;
    }
  | { kind: 'dispute_closed'; disputeId: string; providerPaymentId: string; won: boolean }
  | ConnectEvent
  | { kind: 'other'; reason: string };

/** Why a webhook was refused: nothing of it was stored. */
export class WebhookRejectedError extends Error {
  override name = 'WebhookRejectedError';
  constructor(
    readonly reason: 'signature' | 'stale' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** A provider's API failed or refused a call; its message is for logs, never for clients. */
export class ProviderCallError extends Error {
  override name = 'ProviderCallError';
}

/** A connected account's payout as the provider lists it. */
export interface ProviderPayout {
  payoutId: string;
  status: string;
  amount: number;
  currency: string;
}

/** A paid subscription invoice as the provider lists it. */
export interface ProviderInvoice {
  invoiceId: string;
  providerSubscriptionId: string | null;
  amount: number;
  currency: string;
}

/** A payment's transfer to a linked account (Razorpay Route) as the provider lists it. */
export interface ProviderTransfer {
  transferId: string;
  destination: string;
  amount: number;
  /** What a refund took back of it (`reverse_all`). */
  reversed: number;
  currency: string;
}

/** What an in-page checkout signed: an order's payment, or a subscription's first payment. */
export type SignedCheckout = { providerPaymentId: string; signature: string } & (
  | { orderId: string }
  | { subscriptionId: string }
);

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Opens the provider's hosted checkout for a tip. */
  createTipCheckout(input: TipCheckoutInput): Promise<CheckoutStarted>;
  /** Opens the provider's hosted checkout for a monthly subscription (a provider without them omits it). */
  createSubscriptionCheckout?(input: SubscriptionCheckoutInput): Promise<CheckoutStarted>;
  /**
   * Asks the provider not to renew a subscription: it runs to the end of the period paid for. Resolves to
   * that end as the provider knows it.
   */
  cancelSubscriptionAtPeriodEnd?(input: CancelSubscriptionInput): Promise<{ currentPeriodEnd: Date | null }>;
  /** Creates the provider's monthly plan for a tier at a price; resolves to its id (Razorpay). */
  createPlan?(input: PlanInput): Promise<string>;
  /**
   * Sends the creator's share of a charge to their linked account (Route). Safe to repeat: a charge
   * that has its transfer already is left alone.
   */
  transferCharge?(input: ChargeTransferInput): Promise<void>;
  /**
   * The provider's payment that paid an invoice, for an invoice webhook that does not name it (Stripe's
   * `invoice.paid` leaves its includable `payments` out): refunds and disputes find the charge by it.
   * Null when the provider lists no paid payment for the invoice.
   */
  invoicePaymentId?(invoiceId: string): Promise<string | null>;
  /**
   * The provider's newest `limit` paid subscription invoices, read from its list endpoint page by page
   * (reconciliation: one whose webhook never arrived is on the provider's side only).
   */
  listPaidInvoices?(limit: number): Promise<ProviderInvoice[]>;
  /** A connected account's newest `limit` payouts, read from the provider's list endpoint page by page. */
  listPayouts?(accountId: string, limit: number): Promise<ProviderPayout[]>;
  /**
   * A payment's transfers to linked accounts, for providers that split after the charge (Razorpay
   * Route): reconciliation checks each creator's share reached them.
   */
  listTransfers?(providerPaymentId: string): Promise<ProviderTransfer[]>;
  /**
   * Asks the provider to refund `amount` of a payment, all or part. The books change only when the provider's refund
   * webhook arrives, the one path by which money movements reach the ledger.
   */
  refund(input: RefundInput): Promise<RefundStarted>;
  /**
   * Checks the signature an in-page checkout returned (Razorpay's HMAC-SHA256 with the key secret of
   * `order_id|payment_id` for an order, `payment_id|subscription_id` for a subscription); undefined for
   * a provider without one. Callers go through `checkRazorpaySignature`.
   */
  verifyCheckoutSignature?(signed: SignedCheckout): boolean;
  /** Creators' connected accounts (Stripe Connect); undefined for a provider without them. */
  readonly connect?: ConnectProvider;
  /** Reads a checkout back (reconciliation). */
  retrieveCheckout(checkoutId: string): Promise<CheckoutState>;
  /**
   * Checks the signature of a webhook against its raw body as received (never a re-serialised one) and
   * parses it; throws WebhookRejectedError for a forged, stale or malformed one.
   */
  verifyWebhook(rawBody: Uint8Array, signature: string | undefined): Promise<VerifiedWebhook>;
  /** What a stored event means; an event we do not act on is `other`. */
  interpret(payload: unknown): ProviderEvent;
}
