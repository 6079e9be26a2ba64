/**
 * What the payments route tests share: a gateway app on PGlite or PostgreSQL with Stripe pointed at the
 * local server speaking its API, the outbox relay and consumers in-process, and signed webhook delivery.
 */
import { EarningsSchema } from '@streamhub/contracts/payments';
import type { Database, Driver } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { sql } from 'drizzle-orm';
import { createApp, type GatewayApp } from '../../../app.ts';
import type { GatewayDeps } from '../../../deps.ts';
import type { Outbox } from '../../../runtime/outbox.ts';
import type { SignedInUser } from '../../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../../testing/test-deps.ts';
import { startTestOutbox } from '../../../testing/test-outbox.ts';
import { expectJson, MANY_LOGINS_POLICY, send } from '../../engagement/engagement-test-kit.ts';
import { PaymentsRepository } from '../payments.repository.ts';
import { type StripeApiServer, startStripeApiServer } from './stripe-api-server.ts';

export const STRIPE_WEBHOOK = '/api/v1/payments/webhooks/stripe';

/** Polls `check` until it resolves truthy or the deadline passes (generous: the shared machine runs at load 30). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rows of `events.outbox` named `name` (and about provider event `eventId`, if given). */
export async function outboxCount(db: Database['db'], name: string, eventId?: string): Promise<number> {
  const rows = await db.execute(
    eventId === undefined
      ? sql`select count(*)::int as n from events.outbox where name = ${name}`
      : sql`select count(*)::int as n from events.outbox where name = ${name} and payload->>'eventId' = ${eventId}`,
  );
  const list = rowsOf<{ n: number }>(rows);
  return list[0]?.n ?? 0;
}

export interface PaymentsTestbed {
  stripe: StripeApiServer;
  backends: TestBackends;
  deps: GatewayDeps;
  app: GatewayApp;
  payments: PaymentsRepository;
  /** Posts `raw` to the Stripe webhook, signed as Stripe signs it unless a `signature` (null: none) is given. */
  deliver(raw: string, signature?: string | null): Promise<Response>;
  /** Resolves once the stored Stripe event `eventId` was handled. */
  processed(eventId: string): Promise<void>;
  /** The creator's earnings through the API. */
  earnings(user: SignedInUser): Promise<ReturnType<typeof EarningsSchema.parse>>;
  close(): Promise<void>;
}

/** Starts the local Stripe, the backends, the app and the outbox; `env` adds settings. */
export async function startPaymentsTestbed(
  driver: Driver,
  env: Record<string, string> = {},
): Promise<PaymentsTestbed> {
  const stripe = await startStripeApiServer();
  const backends = await createTestBackends(driver);
  const deps = backends.deps(
    {
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_CONNECT_WEBHOOK_SECRET: stripe.connectWebhookSecret,
      STRIPE_API_URL: stripe.url,
      ...env,
    },
    {},
    { abusePolicy: MANY_LOGINS_POLICY },
  );
  const app = createApp(deps).app;
  let outbox: Outbox | undefined;
  try {
    outbox = await startTestOutbox(backends, deps);
  } catch (error) {
    await backends.close();
    await stripe.close();
    throw error;
  }
  const payments = new PaymentsRepository(backends.database.db);
  return {
    stripe,
    backends,
    deps,
    app,
    payments,
    async deliver(raw, signature) {
      const header = signature === undefined ? await stripe.sign(raw) : signature;
      return app.request(STRIPE_WEBHOOK, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
        body: raw,
      });
    },
    processed: (eventId) =>
      until(
        async () => Boolean((await payments.findEvent('stripe', eventId))?.processedAt),
        `event ${eventId}`,
      ),
    earnings: async (user) =>
      expectJson(
        await app.request('/api/v1/payments/earnings', send('GET', undefined, user)),
        EarningsSchema,
      ),
    async close() {
      await outbox?.close();
      await backends.close();
      await stripe.close();
    },
  };
}
