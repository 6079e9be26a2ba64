/**
 * A creator's connected account and payouts under `/api/v1/payments`: onboarding to Stripe Connect, the
 * account's state, and the payouts to their bank read from the books (paged and as CSV).
 */
import { createRoute, z } from '@hono/zod-openapi';
import {
  ConnectStatusSchema,
  LedgerExportQuerySchema,
  OnboardingStartedSchema,
  PayoutPageSchema,
  PayoutsQuerySchema,
} from '@streamhub/contracts/payments';
import { BEARER_AUTH, jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requireAuth } from '../auth/auth-guard.ts';

const tags = ['payments'];
const signedIn = {
  401: problemResponse('Missing, invalid, expired or revoked access token (`invalid_token`)'),
  403: problemResponse('The account is suspended (`account_suspended`)'),
};
const noChannel = problemResponse('The caller has no channel (`not_found`)');
const noConnect = problemResponse('Stripe is not configured on this instance (`payments_unavailable`)');

const connectStatus = createRoute({
  method: 'get',
  path: '/connect',
  operationId: 'getConnectStatus',
  tags,
  summary: "The caller's channel's Stripe connected account: whether it takes charges and is paid out",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonResponse(ConnectStatusSchema, 'As last reported by Stripe'),
    ...signedIn,
    404: noChannel,
  },
});

const startOnboarding = createRoute({
  method: 'post',
  path: '/connect/onboarding',
  operationId: 'startConnectOnboarding',
  tags,
  summary:
    "Create the channel's Stripe Express account if it has none and return a fresh onboarding link to send the creator to",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  responses: {
    201: jsonResponse(OnboardingStartedSchema, "Stripe's onboarding page (works once, expires in minutes)"),
    ...signedIn,
    404: noChannel,
    502: problemResponse('Stripe refused to create the account or the link (`payment_provider_error`)'),
    503: noConnect,
  },
});

const refreshConnect = createRoute({
  method: 'post',
  path: '/connect/refresh',
  operationId: 'refreshConnectStatus',
  tags,
  summary:
    "Read the channel's connected account back from Stripe and store it (on return from onboarding, before its webhook)",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  responses: {
    200: jsonResponse(ConnectStatusSchema, 'As Stripe reports it now'),
    ...signedIn,
    404: noChannel,
    502: problemResponse('Stripe refused the request (`payment_provider_error`)'),
    503: noConnect,
  },
});

const payouts = createRoute({
  method: 'get',
  path: '/payouts',
  operationId: 'listPayouts',
  tags,
  summary: "Payouts of the caller's channel's connected account to the creator's bank, newest first",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { query: PayoutsQuerySchema },
  responses: {
    200: jsonResponse(PayoutPageSchema, 'One page of payouts'),
    ...signedIn,
    404: noChannel,
    422: problemResponse('A query parameter is invalid, e.g. a foreign cursor (`validation_failed`)'),
  },
});

const payoutsExport = createRoute({
  method: 'get',
  path: '/payouts/export',
  operationId: 'exportPayouts',
  tags,
  summary: "Every payout of the caller's channel as CSV (amounts in minor units)",
  security: BEARER_AUTH,
  middleware: [requireAuth] as const,
  request: { query: LedgerExportQuerySchema },
  responses: {
    200: {
      description:
        'created_at, payout_id, provider, provider_payout_id, status, currency, amount_minor, arrival_date, entry_id, reversal_entry_id',
      content: { 'text/csv': { schema: z.string() } },
    },
    ...signedIn,
    404: noChannel,
    422: problemResponse('A bad currency (`validation_failed`)'),
  },
});

/** Mounted under `/api/v1/payments` beside paymentRoutes. */
export const connectRoutes = () =>
  createRouter()
    .openapi(connectStatus, async (c) =>
      c.json(await c.var.deps.services.connect.status(c.var.auth.userId), 200),
    )
    .openapi(startOnboarding, async (c) =>
      c.json(await c.var.deps.services.connect.startOnboarding(c.var.auth.userId), 201),
    )
    .openapi(refreshConnect, async (c) =>
      c.json(await c.var.deps.services.connect.refresh(c.var.auth.userId), 200),
    )
    .openapi(payouts, async (c) =>
      c.json(await c.var.deps.services.connect.payouts(c.var.auth.userId, c.req.valid('query')), 200),
    )
    .openapi(payoutsExport, async (c) => {
      const csv = await c.var.deps.services.connect.payoutsCsv(c.var.auth.userId, c.req.valid('query'));
      c.header('Content-Disposition', 'attachment; filename="payouts.csv"');
      return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    });
