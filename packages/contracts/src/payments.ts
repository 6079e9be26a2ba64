/**
 * REST shapes of the payments domain (`/api/v1/payments/…`): starting a tip, a creator's earnings and
 * ledger lines. Money is always an integer of minor units with an ISO 4217 currency, never a float.
 */
import { z } from '@hono/zod-openapi';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText, text } from './text.ts';

export const TIP_MESSAGE_MAX = 500;

/** The payment providers StreamHub speaks to. */
export const PAYMENT_PROVIDERS = ['stripe', 'razorpay'] as const;
export const PaymentProviderSchema = z.enum(PAYMENT_PROVIDERS);
export type PaymentProviderName = z.infer<typeof PaymentProviderSchema>;

/** An ISO 4217 code, accepted in any case and stored in lower case (as Stripe writes it). */
export const CurrencySchema = text()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{3}$/, 'must be an ISO 4217 currency code like usd')
  .openapi({ example: 'usd' });

/** An amount of money in minor units (cents for usd, yen for jpy). */
export const MinorUnitsSchema = z
  .number()
  .int('must be a whole number of minor units')
  .openapi({ description: 'Minor units of the currency (cents for usd)', example: 500 });

export const TipMessageSchema = humanText()
  .max(TIP_MESSAGE_MAX, `must be at most ${TIP_MESSAGE_MAX} characters`)
  .openapi({ example: 'Great stream!' });

export const StartTipRequestSchema = z
  .strictObject({
    channel: text()
      .min(1, 'must not be empty')
      .max(100)
      .openapi({ description: 'The slug of the channel to tip', example: 'ada-codes' }),
    amount: MinorUnitsSchema.positive('must be positive').max(Number.MAX_SAFE_INTEGER),
    currency: CurrencySchema,
    message: TipMessageSchema.optional(),
  })
  .openapi('StartTipRequest');
export type StartTipRequest = z.infer<typeof StartTipRequestSchema>;

export const TipCheckoutSchema = z
  .object({
    paymentId: z.uuid(),
    provider: PaymentProviderSchema,
    checkoutUrl: z.url().nullable().openapi({
      description: "Stripe's hosted checkout page to send the viewer to; null for Razorpay (see `razorpay`)",
    }),
    razorpay: z
      .object({
        keyId: z.string().openapi({ description: "The instance's Razorpay key id, for Razorpay Checkout" }),
        orderId: z.string().openapi({ description: 'The Razorpay order to open Razorpay Checkout with' }),
      })
      .nullable()
      .openapi({
        description:
          'For Razorpay: open Razorpay Checkout with these, then send its answer to `verifyRazorpayCheckout`',
      }),
    amount: MinorUnitsSchema,
    currency: z.string(),
    platformFee: MinorUnitsSchema.openapi({ description: "The platform's cut of the amount" }),
  })
  .openapi('TipCheckout');
export type TipCheckout = z.infer<typeof TipCheckoutSchema>;

export const EarningsBalanceSchema = z
  .object({
    currency: z.string(),
    balance: MinorUnitsSchema.openapi({ description: 'What the platform owes the creator in this currency' }),
    lines: z.number().int().min(0).openapi({ description: 'Ledger lines on this balance so far' }),
  })
  .openapi('EarningsBalance');

export const EarningsSchema = z
  .object({
    channel: z.object({ id: z.uuid(), slug: z.string() }),
    balances: z.array(EarningsBalanceSchema).openapi({ description: 'One per currency, by currency code' }),
  })
  .openapi('Earnings');
export type Earnings = z.infer<typeof EarningsSchema>;

export const LedgerLinesQuerySchema = pageQuerySchema(50).extend({ currency: CurrencySchema.optional() });
export type LedgerLinesQuery = z.infer<typeof LedgerLinesQuerySchema>;

export const LedgerExportQuerySchema = z.object({ currency: CurrencySchema.optional() });
export type LedgerExportQuery = z.infer<typeof LedgerExportQuerySchema>;

export const LedgerLineSchema = z
  .object({
    id: z.uuid(),
    entryId: z.uuid(),
    kind: z.string().openapi({ description: 'What moved the money: `tip`, `refund`, …', example: 'tip' }),
    paymentId: z.uuid().nullable(),
    currency: z.string(),
    amount: MinorUnitsSchema.openapi({ description: 'Credit positive, debit negative' }),
    balanceAfter: MinorUnitsSchema,
    createdAt: z.iso.datetime(),
  })
  .openapi('LedgerLine');
export type LedgerLine = z.infer<typeof LedgerLineSchema>;

export const LedgerLinePageSchema = z
  .object({
    items: z.array(LedgerLineSchema).openapi({ description: 'Newest first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('LedgerLinePage');
export type LedgerLinePage = z.infer<typeof LedgerLinePageSchema>;

export const WebhookReceiptSchema = z
  .object({
    received: z.literal(true),
    duplicate: z
      .boolean()
      .openapi({ description: 'The event was stored before (a replay): nothing changed' }),
  })
  .openapi('WebhookReceipt');
export type WebhookReceipt = z.infer<typeof WebhookReceiptSchema>;

export const PaymentParamsSchema = z.object({
  id: z.uuid('must be a payment id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const RefundRequestSchema = z
  .object({
    amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().openapi({
      description: 'Minor units to refund, at most what is left of the payment; without it, all that is left',
      example: 500,
    }),
  })
  .openapi('RefundRequest');
export type RefundRequest = z.infer<typeof RefundRequestSchema>;

export const RefundRequestedSchema = z
  .object({
    paymentId: z.uuid(),
    refundId: z.string().openapi({ description: "The provider's refund id" }),
    status: z.string().openapi({
      description:
        "The provider's status of the refund; the ledger's reversing entry is booked when its webhook arrives",
    }),
  })
  .openapi('RefundRequested');
export type RefundRequested = z.infer<typeof RefundRequestedSchema>;

// --- Channel subscriptions -------------------------------------------------------------------------

/** How many tiers a channel may offer (active or not). */
export const TIERS_PER_CHANNEL_MAX = 5;

export const TierNameSchema = humanText()
  .trim()
  .min(1, 'must not be empty')
  .max(50, 'must be at most 50 characters')
  .openapi({ example: 'Supporter' });

export const TierSchema = z
  .object({
    id: z.uuid(),
    channelId: z.uuid(),
    name: z.string(),
    price: MinorUnitsSchema.openapi({ description: 'Per month, minor units of `currency`' }),
    currency: z.string(),
    active: z.boolean().openapi({ description: 'An inactive tier takes no new subscribers' }),
  })
  .openapi('Tier');
export type Tier = z.infer<typeof TierSchema>;

export const TierListSchema = z.object({ items: z.array(TierSchema) }).openapi('TierList');
export type TierList = z.infer<typeof TierListSchema>;

export const CreateTierRequestSchema = z
  .strictObject({
    name: TierNameSchema,
    price: MinorUnitsSchema.positive('must be positive').max(Number.MAX_SAFE_INTEGER),
    currency: CurrencySchema,
  })
  .openapi('CreateTierRequest');
export type CreateTierRequest = z.infer<typeof CreateTierRequestSchema>;

export const UpdateTierRequestSchema = z
  .strictObject({
    name: TierNameSchema.optional(),
    price: MinorUnitsSchema.positive('must be positive').max(Number.MAX_SAFE_INTEGER).optional(),
    active: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one of name, price, active')
  .openapi('UpdateTierRequest');
export type UpdateTierRequest = z.infer<typeof UpdateTierRequestSchema>;

export const TierParamsSchema = z.object({
  id: z.uuid('must be a tier id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const ChannelSlugParamsSchema = z.object({
  slug: text()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'slug', in: 'path' }, example: 'ada-codes' }),
});

export const StartSubscriptionRequestSchema = z
  .strictObject({
    channel: text()
      .min(1, 'must not be empty')
      .max(100)
      .openapi({ description: 'The slug of the channel to subscribe to', example: 'ada-codes' }),
    tier: z.uuid('must be a tier id (uuid)'),
  })
  .openapi('StartSubscriptionRequest');
export type StartSubscriptionRequest = z.infer<typeof StartSubscriptionRequestSchema>;

export const SubscriptionCheckoutSchema = z
  .object({
    subscriptionId: z.uuid(),
    provider: PaymentProviderSchema,
    checkoutUrl: z.url().openapi({
      description:
        "The provider's checkout page to send the viewer to (Stripe Checkout, Razorpay's hosted page)",
    }),
    price: MinorUnitsSchema,
    currency: z.string(),
    razorpay: z
      .object({
        keyId: z.string().openapi({ description: "The instance's Razorpay key id, for Razorpay Checkout" }),
        subscriptionId: z
          .string()
          .openapi({ description: 'The Razorpay subscription to open Razorpay Checkout with' }),
      })
      .nullable()
      .openapi({
        description:
          'For Razorpay: open Razorpay Checkout in the page with these instead, then send its answer to `verifyRazorpaySubscription`',
      }),
  })
  .openapi('SubscriptionCheckout');
export type SubscriptionCheckout = z.infer<typeof SubscriptionCheckoutSchema>;

export const SUBSCRIPTION_STATUSES = ['incomplete', 'abandoned', 'active', 'past_due', 'expired'] as const;

export const SubscriptionSchema = z
  .object({
    id: z.uuid(),
    channelId: z.uuid(),
    tierId: z.uuid(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    price: MinorUnitsSchema,
    currency: z.string(),
    currentPeriodEnd: z.iso.datetime().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    accessUntil: z.iso
      .datetime()
      .nullable()
      .openapi({ description: 'Perks hold until then (the grace included for a failed renewal)' }),
    startedAt: z.iso.datetime().nullable(),
    endedAt: z.iso.datetime().nullable(),
  })
  .openapi('Subscription');
export type Subscription = z.infer<typeof SubscriptionSchema>;

export const SubscriptionListSchema = z
  .object({ items: z.array(SubscriptionSchema).openapi({ description: 'Newest first' }) })
  .openapi('SubscriptionList');
export type SubscriptionList = z.infer<typeof SubscriptionListSchema>;

export const SubscriptionParamsSchema = z.object({
  id: z.uuid('must be a subscription id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

// --- Razorpay Checkout ------------------------------------------------------------------------------

/** What Razorpay Checkout hands the page when the payer paid, as Razorpay names the fields. */
export const VerifyRazorpayCheckoutRequestSchema = z
  .strictObject({
    razorpay_order_id: text().min(1).max(100),
    razorpay_payment_id: text().min(1).max(100),
    razorpay_signature: text()
      .regex(/^[0-9a-f]{64}$/, 'must be a hex HMAC-SHA256')
      .openapi({ description: 'HMAC-SHA256 of `order_id|payment_id` with the key secret, in hex' }),
  })
  .openapi('VerifyRazorpayCheckoutRequest');
export type VerifyRazorpayCheckoutRequest = z.infer<typeof VerifyRazorpayCheckoutRequestSchema>;

export const RazorpayCheckoutVerifiedSchema = z
  .object({
    paymentId: z.uuid(),
    status: z.enum(['pending', 'succeeded', 'expired', 'failed', 'refunded', 'disputed']).openapi({
      description: "Our payment's status: the tip is booked when Razorpay's `order.paid` webhook arrives",
    }),
  })
  .openapi('RazorpayCheckoutVerified');
export type RazorpayCheckoutVerified = z.infer<typeof RazorpayCheckoutVerifiedSchema>;

/** What Razorpay Checkout hands the page when the subscriber paid, as Razorpay names the fields. */
export const VerifyRazorpaySubscriptionRequestSchema = z
  .strictObject({
    razorpay_subscription_id: text().min(1).max(100),
    razorpay_payment_id: text().min(1).max(100),
    razorpay_signature: text()
      .regex(/^[0-9a-f]{64}$/, 'must be a hex HMAC-SHA256')
      .openapi({ description: 'HMAC-SHA256 of `payment_id|subscription_id` with the key secret, in hex' }),
  })
  .openapi('VerifyRazorpaySubscriptionRequest');
export type VerifyRazorpaySubscriptionRequest = z.infer<typeof VerifyRazorpaySubscriptionRequestSchema>;

export const RazorpaySubscriptionVerifiedSchema = z
  .object({
    subscriptionId: z.uuid(),
    status: z.enum(SUBSCRIPTION_STATUSES).openapi({
      description:
        "Our subscription's status: it starts when Razorpay's `subscription.charged` webhook arrives",
    }),
  })
  .openapi('RazorpaySubscriptionVerified');
export type RazorpaySubscriptionVerified = z.infer<typeof RazorpaySubscriptionVerifiedSchema>;

// --- Reconciliation ---------------------------------------------------------------------------------

export const ReconciliationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200).openapi({
    description:
      'How many of the newest tips with a checkout to compare with their provider, and of the newest subscription invoices and payouts to compare with the ledger',
  }),
});
export type ReconciliationQuery = z.infer<typeof ReconciliationQuerySchema>;

export const RECONCILIATION_DIFFERENCES = [
  'paid_not_booked',
  'booked_not_paid',
  'amount_differs',
  'event_anomaly',
  'event_unprocessed',
  'invoice_not_booked',
  'invoice_amount_differs',
  'payout_not_booked',
  'payout_amount_differs',
  'payout_not_reversed',
  'invoice_not_recorded',
  'payout_not_recorded',
  'payout_status_differs',
  'transfer_not_made',
  'transfer_amount_differs',
] as const;

export const ReconciliationSchema = z
  .object({
    checked: z.number().int().min(0).openapi({ description: 'Payments compared with their provider' }),
    differences: z.array(
      z.object({
        kind: z.enum(RECONCILIATION_DIFFERENCES),
        provider: z.string(),
        /** Our payment, when the difference is about one. */
        paymentId: z.uuid().nullable(),
        /** The provider's event, when the difference is about one. */
        eventId: z.string().nullable(),
        detail: z.string(),
      }),
    ),
  })
  .openapi('Reconciliation');
export type Reconciliation = z.infer<typeof ReconciliationSchema>;

// --- Stripe Connect onboarding and payouts (docs/payments.md) ---

export const ConnectStatusSchema = z
  .object({
    provider: PaymentProviderSchema,
    /** The channel's connected account, null before onboarding started. */
    accountId: z.string().nullable(),
    chargesEnabled: z.boolean().openapi({
      description: 'Tips and subscriptions go to the account as destination charges (else to the platform)',
    }),
    payoutsEnabled: z
      .boolean()
      .openapi({ description: "The provider pays the account out to the creator's bank" }),
    detailsSubmitted: z
      .boolean()
      .openapi({ description: "The creator finished the provider's onboarding form" }),
    /** `none`: no account yet; `pending`: onboarding not finished or under review; `enabled`: takes charges. */
    state: z.enum(['none', 'pending', 'enabled']),
  })
  .openapi('ConnectStatus');
export type ConnectStatus = z.infer<typeof ConnectStatusSchema>;

export const OnboardingStartedSchema = z
  .object({
    accountId: z.string(),
    url: z
      .url()
      .openapi({ description: "The provider's onboarding page to send the creator to (works once)" }),
    expiresAt: z.iso.datetime(),
  })
  .openapi('OnboardingStarted');
export type OnboardingStarted = z.infer<typeof OnboardingStartedSchema>;

export const PAYOUT_STATUSES = ['paid', 'failed'] as const;

export const PayoutSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    payoutId: z.string().openapi({ description: "The provider's payout id (Stripe `po_…`)" }),
    status: z.enum(PAYOUT_STATUSES),
    amount: MinorUnitsSchema,
    currency: z.string(),
    arrivalDate: z.iso.datetime().nullable(),
    entryId: z
      .uuid()
      .nullable()
      .openapi({ description: 'The ledger entry that booked it (none when it failed first)' }),
    reversalEntryId: z
      .uuid()
      .nullable()
      .openapi({ description: 'The entry that reversed it when it failed after being paid' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('Payout');
export type Payout = z.infer<typeof PayoutSchema>;

export const PayoutsQuerySchema = pageQuerySchema(50).extend({ currency: CurrencySchema.optional() });
export type PayoutsQuery = z.infer<typeof PayoutsQuerySchema>;

export const PayoutPageSchema = z
  .object({
    items: z.array(PayoutSchema).openapi({ description: 'Newest first' }),
    nextCursor: NextCursorSchema,
  })
  .openapi('PayoutPage');
export type PayoutPage = z.infer<typeof PayoutPageSchema>;
