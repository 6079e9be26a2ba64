/**
 * Payments under `/api/v1/payments`: start a tip (the provider's checkout URL), the creator's earnings
 * and ledger lines, and the providers' webhooks.
 */
import { createRoute } from '@hono/zod-openapi';
import {
  EarningsSchema,
  LedgerLinePageSchema,
  LedgerLinesQuerySchema,
  PaymentParamsSchema,
  RefundRequestedSchema,
  StartTipRequestSchema,
  TipCheckoutSchema,
  WebhookReceiptSchema,
} from '@streamhub/contracts/payments';
import { BEARER_AUTH, jsonBody, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireAuth, requireRole } from '../auth/auth-guard.ts';

const tags = ['payments'];
const signedIn = {
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  403: problemResponse('The account is suspended (`account_suspended`)'),
};
const noChannel = problemResponse('The caller has no channel (`not_found`)');

const startTip = createRoute({
  method: 'post',
  path: '/tips',
  operationId: 'startTip',
  tags,
  summary: "Start a tip to a channel: returns the provider's checkout page to send the viewer to",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { body: jsonBody(StartTipRequestSchema) },
  responses: {
    201: jsonResponse(TipCheckoutSchema, 'The pending payment and its checkout URL'),
    ...signedIn,
    404: problemResponse('No channel has this slug (`not_found`)'),
    422: problemResponse(
      'An invalid field: an amount outside the limits, a currency this instance does not take, a message over 500 characters (`validation_failed`)',
    ),
    502: problemResponse('The payment provider failed to open a checkout (`payment_provider_error`)'),
    503: problemResponse('No payment provider is configured (`payments_unavailable`)'),
  },
});

const earnings = createRoute({
  method: 'get',
  path: '/earnings',
  operationId: 'getEarnings',
  tags,
  summary: "The caller's channel's earnings: what the platform owes it, per currency, read from the ledger",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  responses: { 200: jsonResponse(EarningsSchema, 'Balances per currency'), ...signedIn, 404: noChannel },
});

const ledger = createRoute({
  method: 'get',
  path: '/ledger',
  operationId: 'listLedgerLines',
  tags,
  summary: "The ledger lines of the caller's channel's earnings, newest first",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { query: LedgerLinesQuerySchema },
  responses: {
    200: jsonResponse(LedgerLinePageSchema, 'One page of ledger lines'),
    ...signedIn,
    404: noChannel,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const refund = createRoute({
  method: 'post',
  path: '/refunds/{id}',
  operationId: 'refundPayment',
  tags,
  summary:
    "Refund a paid tip in full at its provider (admin); the ledger's reversing entry follows with the provider's webhook",
  security: BEARER_AUTH,
  middleware: [requireRole('admin')] as const,
  request: { params: PaymentParamsSchema },
  responses: {
    200: jsonResponse(RefundRequestedSchema, 'The provider took the refund'),
    401: signedIn[401],
    403: problemResponse('The caller is not an admin (`forbidden`) or is suspended (`account_suspended`)'),
    404: problemResponse('No payment has this id (`not_found`)'),
    409: problemResponse(
      'The payment is not a paid tip: pending, expired, failed or refunded already (`conflict`)',
    ),
    422: problemResponse('The id is not a uuid (`validation_failed`)'),
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
    .openapi(refund, async (c) =>
      c.json(await c.var.deps.services.payments.refundTip(c.req.valid('param').id), 200),
    )
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
