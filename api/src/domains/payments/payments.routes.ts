/**
 * Payments under `/api/v1/payments`: start a tip or a subscription (the provider's checkout URL), a
 * channel's tiers, the viewer's subscriptions, the creator's earnings and ledger lines, and the
 * providers' webhooks.
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  ChannelSlugParamsSchema,
  CreateTierRequestSchema,
  EarningsSchema,
  LedgerExportQuerySchema,
  LedgerLinePageSchema,
  LedgerLinesQuerySchema,
  PaymentParamsSchema,
  RazorpayCheckoutVerifiedSchema,
  RazorpaySubscriptionVerifiedSchema,
  ReconciliationQuerySchema,
  ReconciliationSchema,
  type RefundRequest,
  RefundRequestedSchema,
  RefundRequestSchema,
  StartSubscriptionRequestSchema,
  StartTipRequestSchema,
  SubscriptionCheckoutSchema,
  SubscriptionListSchema,
  SubscriptionParamsSchema,
  SubscriptionSchema,
  TierListSchema,
  TierParamsSchema,
  TierSchema,
  TipCheckoutSchema,
  UpdateTierRequestSchema,
  VerifyRazorpayCheckoutRequestSchema,
  VerifyRazorpaySubscriptionRequestSchema,
  WebhookReceiptSchema,
} from '@streamhub/contracts/payments';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireRole } from '../auth/auth-guard.ts';
import { SIGNED_IN_ERRORS, signedInRoute } from '../auth/signed-in-route.ts';

const tags = ['payments'];
const noChannel = problemResponse('The caller has no channel (`not_found`)');

const startTip = signedInRoute({
  method: 'post',
  path: '/tips',
  operationId: 'startTip',
  tags,
  summary: "Start a tip to a channel: returns the provider's checkout page to send the viewer to",
  request: { body: jsonBody(StartTipRequestSchema) },
  responses: {
    201: jsonResponse(TipCheckoutSchema, 'The pending payment and its checkout URL'),
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: problemResponse(
      'An invalid field: an amount outside the limits, a currency this instance does not take, a message over 500 characters (`validation_failed`)',
    ),
    502: problemResponse('The payment provider failed to open a checkout (`payment_provider_error`)'),
    503: problemResponse('No payment provider is configured (`payments_unavailable`)'),
  },
});

const earnings = signedInRoute({
  method: 'get',
  path: '/earnings',
  operationId: 'getEarnings',
  tags,
  summary: "The caller's channel's earnings: what the platform owes it, per currency, read from the ledger",
  responses: { 200: jsonResponse(EarningsSchema, 'Balances per currency'), 404: noChannel },
});

const ledger = signedInRoute({
  method: 'get',
  path: '/ledger',
  operationId: 'listLedgerLines',
  tags,
  summary: "The ledger lines of the caller's channel's earnings, newest first",
  request: { query: LedgerLinesQuerySchema },
  responses: {
    200: jsonResponse(LedgerLinePageSchema, 'One page of ledger lines'),
    404: noChannel,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const ledgerExport = signedInRoute({
  method: 'get',
  path: '/ledger/export',
  operationId: 'exportLedgerLines',
  tags,
  summary: "Every ledger line of the caller's channel's earnings as CSV (amounts in minor units)",
  request: { query: LedgerExportQuerySchema },
  responses: {
    200: {
      description:
        'created_at, line_id, entry_id, kind, payment_id, currency, amount_minor, balance_after_minor',
      content: { 'text/csv': { schema: z.string() } },
    },
    404: noChannel,
    422: problemResponse('A bad currency (`validation_failed`)'),
  },
});

const reconciliation = createRoute({
  method: 'get',
  path: '/reconciliation',
  operationId: 'reconcilePayments',
  tags,
  summary:
    'Compare the newest tips with their provider and list every difference, and the provider events that found an anomaly or were never handled (admin)',
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { query: ReconciliationQuerySchema },
  responses: {
    200: jsonResponse(ReconciliationSchema, 'Every difference found'),
    401: SIGNED_IN_ERRORS[401],
    403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
    422: problemResponse('A bad limit (`validation_failed`)'),
  },
});

const refund = createRoute({
  method: 'post',
  path: '/refunds/{id}',
  operationId: 'refundPayment',
  tags,
  summary:
    "Refund a paid tip, all or part, at its provider (admin); the ledger's reversing entry follows with the provider's webhook",
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: PaymentParamsSchema, body: jsonBody(RefundRequestSchema, false) },
  responses: {
    200: jsonResponse(RefundRequestedSchema, 'The provider took the refund'),
    401: SIGNED_IN_ERRORS[401],
    403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
    404: problemResponse('No payment has this id (`not_found`)'),
    409: problemResponse(
      'The payment is not a paid tip: pending, expired, failed or refunded already (`conflict`)',
    ),
    422: problemResponse(
      'The id is not a uuid, or the amount is not a positive whole number of minor units at most what is left to refund (`validation_failed`)',
    ),
    502: problemResponse('The payment provider refused the refund (`payment_provider_error`)'),
    503: problemResponse("The payment's provider is not configured (`payments_unavailable`)"),
  },
});

const stripeWebhook = createRoute({
  method: 'post',
  path: '/webhooks/stripe',
  operationId: 'receiveStripeWebhook',
  tags,
  summary:
    "Stripe's webhook: the raw body is checked against `Stripe-Signature` (HMAC, 5 minutes of tolerance), " +
    'stored once by event id and handled in the background; a replay changes nothing',
  responses: {
    200: jsonResponse(WebhookReceiptSchema, 'Stored (or stored before: `duplicate`)'),
    400: problemResponse(
      'No, a wrong or a stale signature (`invalid_webhook_signature`), or a signed body that is no Stripe event (`malformed_webhook`)',
    ),
    404: problemResponse('Stripe is not configured on this instance (`not_found`)'),
  },
});

const channelTiers = createRoute({
  method: 'get',
  path: '/channels/{slug}/tiers',
  operationId: 'listChannelTiers',
  tags,
  summary: "A channel's subscription tiers that take subscribers, cheapest first",
  request: { params: ChannelSlugParamsSchema },
  responses: {
    200: jsonResponse(TierListSchema, 'The active tiers'),
    404: problemResponse('No channel has this slug (`not_found`)'),
  },
});

const myTiers = signedInRoute({
  method: 'get',
  path: '/tiers',
  operationId: 'listMyTiers',
  tags,
  summary: "The caller's channel's tiers, inactive ones included",
  responses: { 200: jsonResponse(TierListSchema, 'Every tier'), 404: noChannel },
});

const priceProblem = problemResponse(
  'An invalid field: a price outside the instance limits, a currency it does not take, an empty or long name (`validation_failed`)',
);

const createTier = signedInRoute({
  method: 'post',
  path: '/tiers',
  operationId: 'createTier',
  tags,
  summary: 'Add a monthly subscription tier to the caller’s channel',
  request: { body: jsonBody(CreateTierRequestSchema) },
  responses: {
    201: jsonResponse(TierSchema, 'The new tier'),
    404: noChannel,
    409: problemResponse(
      'A tier of that name exists, or the channel has the most tiers allowed (`conflict`)',
    ),
    422: priceProblem,
  },
});

const updateTier = signedInRoute({
  method: 'patch',
  path: '/tiers/{id}',
  operationId: 'updateTier',
  tags,
  summary: 'Rename, reprice or (de)activate a tier; a new price applies to subscriptions started after it',
  request: { params: TierParamsSchema, body: jsonBody(UpdateTierRequestSchema) },
  responses: {
    200: jsonResponse(TierSchema, 'The tier'),
    404: problemResponse('The caller has no channel, or no tier of it has this id (`not_found`)'),
    409: problemResponse('Another tier of the channel has that name (`conflict`)'),
    422: priceProblem,
  },
});

const startSubscription = signedInRoute({
  method: 'post',
  path: '/subscriptions',
  operationId: 'startSubscription',
  tags,
  summary: "Subscribe to a channel's tier monthly: returns the provider's checkout page",
  request: { body: jsonBody(StartSubscriptionRequestSchema) },
  responses: {
    201: jsonResponse(SubscriptionCheckoutSchema, 'The pending subscription and its checkout URL'),
    404: problemResponse('No channel has this slug, or it has no such tier (`not_found`)'),
    409: problemResponse(
      'Subscribed already, the tier takes no new subscribers, or it is the caller’s own channel (`conflict`)',
    ),
    422: problemResponse('An invalid field (`validation_failed`)'),
    502: problemResponse('The payment provider failed to open a checkout (`payment_provider_error`)'),
    503: problemResponse('No payment provider is configured (`payments_unavailable`)'),
  },
});

const mySubscriptions = signedInRoute({
  method: 'get',
  path: '/subscriptions',
  operationId: 'listMySubscriptions',
  tags,
  summary: "The caller's subscriptions that were ever paid, newest first",
  responses: { 200: jsonResponse(SubscriptionListSchema, 'The subscriptions') },
});

const cancelSubscription = signedInRoute({
  method: 'post',
  path: '/subscriptions/{id}/cancel',
  operationId: 'cancelSubscription',
  tags,
  summary: 'Cancel a subscription at the end of the period paid for; the perks last until then',
  request: { params: SubscriptionParamsSchema },
  responses: {
    200: jsonResponse(SubscriptionSchema, 'The subscription, cancelled'),
    404: problemResponse('The caller has no subscription with this id (`not_found`)'),
    409: problemResponse('Not running, cancelled already, or not yet confirmed by the provider (`conflict`)'),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
    502: problemResponse('The payment provider refused the cancellation (`payment_provider_error`)'),
    503: problemResponse("The subscription's provider is not configured (`payments_unavailable`)"),
  },
});

const verifyRazorpayCheckout = signedInRoute({
  method: 'post',
  path: '/razorpay/checkouts/verify',
  operationId: 'verifyRazorpayCheckout',
  tags,
  summary:
    "Check what Razorpay Checkout returned for the caller's tip: the HMAC-SHA256 of `order_id|payment_id` " +
    "with the key secret, server-side; the tip is booked when Razorpay's `order.paid` webhook arrives",
  request: { body: jsonBody(VerifyRazorpayCheckoutRequestSchema) },
  responses: {
    200: jsonResponse(RazorpayCheckoutVerifiedSchema, 'The signature matches'),
    400: problemResponse('The signature does not match the order and payment (`invalid_checkout_signature`)'),
    404: problemResponse(
      'Razorpay is not configured, or the caller started no payment with this order (`not_found`)',
    ),
    422: problemResponse('An invalid field (`validation_failed`)'),
  },
});

const verifyRazorpaySubscription = signedInRoute({
  method: 'post',
  path: '/razorpay/subscriptions/verify',
  operationId: 'verifyRazorpaySubscription',
  tags,
  summary:
    "Check what Razorpay Checkout returned for the caller's subscription: the HMAC-SHA256 of " +
    "`payment_id|subscription_id` with the key secret, server-side; it starts when Razorpay's " +
    '`subscription.charged` webhook arrives',
  request: { body: jsonBody(VerifyRazorpaySubscriptionRequestSchema) },
  responses: {
    200: jsonResponse(RazorpaySubscriptionVerifiedSchema, 'The signature matches'),
    400: problemResponse(
      'The signature does not match the subscription and payment (`invalid_checkout_signature`)',
    ),
    404: problemResponse(
      'Razorpay is not configured, or the caller started no subscription with this id (`not_found`)',
    ),
    422: problemResponse('An invalid field (`validation_failed`)'),
  },
});

const razorpayWebhook = createRoute({
  method: 'post',
  path: '/webhooks/razorpay',
  operationId: 'receiveRazorpayWebhook',
  tags,
  summary:
    "Razorpay's webhook: the raw body is checked against `X-Razorpay-Signature` (HMAC-SHA256 with the " +
    'webhook secret), stored once by event and entity and handled in the background; a replay changes nothing',
  responses: {
    200: jsonResponse(WebhookReceiptSchema, 'Stored (or stored before: `duplicate`)'),
    400: problemResponse(
      'No or a wrong signature (`invalid_webhook_signature`), or a signed body that is no Razorpay event (`malformed_webhook`)',
    ),
    404: problemResponse('Razorpay is not configured on this instance (`not_found`)'),
  },
});

/** Mounted under `/api/v1/payments`. */
export const paymentRoutes = () =>
  createRouter()
    .openapi(startTip, async (c) =>
      c.json(await c.var.deps.services.payments.startTip(c.var.auth.userId, c.req.valid('json')), 201),
    )
    .openapi(earnings, async (c) =>
      c.json(await c.var.deps.services.payments.earnings(c.var.auth.userId), 200),
    )
    .openapi(ledger, async (c) =>
      c.json(await c.var.deps.services.payments.ledgerLines(c.var.auth.userId, c.req.valid('query')), 200),
    )
    .openapi(channelTiers, async (c) =>
      c.json(await c.var.deps.services.subscriptions.channelTiers(c.req.valid('param').slug), 200),
    )
    .openapi(myTiers, async (c) =>
      c.json(await c.var.deps.services.subscriptions.myTiers(c.var.auth.userId), 200),
    )
    .openapi(createTier, async (c) =>
      c.json(await c.var.deps.services.subscriptions.createTier(c.var.auth.userId, c.req.valid('json')), 201),
    )
    .openapi(updateTier, async (c) =>
      c.json(
        await c.var.deps.services.subscriptions.updateTier(
          c.var.auth.userId,
          c.req.valid('param').id,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(startSubscription, async (c) =>
      c.json(await c.var.deps.services.subscriptions.start(c.var.auth.userId, c.req.valid('json')), 201),
    )
    .openapi(mySubscriptions, async (c) =>
      c.json(await c.var.deps.services.subscriptions.mine(c.var.auth.userId), 200),
    )
    .openapi(cancelSubscription, async (c) =>
      c.json(await c.var.deps.services.subscriptions.cancel(c.var.auth.userId, c.req.valid('param').id), 200),
    )
    .openapi(ledgerExport, async (c) => {
      const csv = await c.var.deps.services.payments.ledgerCsv(c.var.auth.userId, c.req.valid('query'));
      c.header('Content-Disposition', 'attachment; filename="earnings.csv"');
      return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    })
    .openapi(reconciliation, async (c) =>
      c.json(await c.var.deps.services.reconciliation.reconcile(c.req.valid('query')), 200),
    )
    .openapi(refund, async (c) =>
      c.json(
        await c.var.deps.services.payments.refundTip(
          c.req.valid('param').id,
          (c.req.valid('json') as RefundRequest | undefined)?.amount,
        ),
        200,
      ),
    )
    .openapi(verifyRazorpayCheckout, async (c) =>
      c.json(
        await c.var.deps.services.payments.verifyRazorpayCheckout(c.var.auth.userId, c.req.valid('json')),
        200,
      ),
    )
    .openapi(verifyRazorpaySubscription, async (c) =>
      c.json(
        await c.var.deps.services.subscriptions.verifyRazorpayCheckout(
          c.var.auth.userId,
          c.req.valid('json'),
        ),
        200,
      ),
    )
    .openapi(razorpayWebhook, async (c) => {
      // The signature covers the bytes as sent: read them raw, never through a JSON parse.
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const receipt = await c.var.deps.services.payments.receiveWebhook(
        'razorpay',
        raw,
        c.req.header('x-razorpay-signature'),
      );
      return c.json(receipt, 200);
    })
    .openapi(stripeWebhook, async (c) => {
      // The signature covers the bytes as sent: read them raw, never through a JSON parse.
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const receipt = await c.var.deps.services.payments.receiveWebhook(
        'stripe',
        raw,
        c.req.header('stripe-signature'),
      );
      return c.json(receipt, 200);
    });
