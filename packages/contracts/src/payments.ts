/**
 * REST shapes of the payments domain (`/api/v1/payments/…`): starting a tip, a creator's earnings and
 * ledger lines. Money is always an integer of minor units with an ISO 4217 currency, never a float.
 */
import { z } from '@hono/zod-openapi';
import { NextCursorSchema, pageQuerySchema } from './pagination.ts';
import { humanText, text } from './text.ts';

export const TIP_MESSAGE_MAX = 500;

/** The payment providers StreamHub speaks to. */
export const PAYMENT_PROVIDERS = ['stripe'] as const;
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
    checkoutUrl: z.url().openapi({ description: "The provider's checkout page to send the viewer to" }),
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
