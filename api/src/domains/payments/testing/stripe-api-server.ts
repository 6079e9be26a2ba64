/**
 * A local HTTP server speaking the subset of Stripe's API that StreamHub calls (Checkout Sessions create
 * and retrieve in payment and subscription mode, Subscriptions update, Refunds create, Connect's Accounts
 * create and retrieve and Account Links create), for tests that drive the official SDK against it
 * (`STRIPE_API_URL`).
 * It answers as Stripe does: form-encoded parameters with bracketed keys, Bearer secret keys,
 * idempotency keys that replay the first answer (and refuse other parameters under the same key),
 * Stripe's error envelope. `complete()`, `expire()`, `chargeRefunded()`, `completeSubscription()`,
 * `renew()`, `failRenewal()`, `endSubscription()`, `finishOnboarding()`, `payout()` and `failPayout()`
 * play the payer, the creator and Stripe's back office and build
 * the events Stripe would send (objects shaped as the SDK's pinned API version writes them); `sign()` signs a body as Stripe does, with the
 * SDK's own helper.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface RecordedRequest {
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey: string | undefined;
}

export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  payment_intent_data: Record<string, unknown> | undefined;
  subscription_data: Record<string, unknown> | undefined;
  subscription: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  created: number;
}

export interface FakeSubscription {
  id: string;
  object: 'subscription';
  status: 'active' | 'past_due' | 'canceled';
  metadata: Record<string, string>;
  cancel_at_period_end: boolean;
  items: { object: 'list'; data: { id: string; current_period_start: number; current_period_end: number }[] };
  application_fee_percent: number | null;
  transfer_data: Record<string, unknown> | null;
  amount: number;
  currency: string;
}

/** The events Stripe sends when a subscription checkout is paid, in the order it usually sends them. */
export interface SubscriptionCompleted {
  subscriptionId: string;
  completed: StripeEvent;
  created: StripeEvent;
  invoicePaid: StripeEvent;
}

/**
 * An InvoicePayment as Stripe lists it: what paid a subscription's invoice, a PaymentIntent as a rule,
 * or a plain charge of no intent (invoices paid out of band, older integrations).
 */
export interface FakeInvoicePayment {
  id: string;
  object: 'invoice_payment';
  amount_paid: number;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: false;
  payment: { type: 'payment_intent'; payment_intent: string } | { type: 'charge'; charge: string };
  status: 'paid';
  status_transitions: { canceled_at: null; paid_at: number };
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  /** The refunded PaymentIntent; null when a plain charge was refunded. */
  payment_intent: string | null;
  /** The refunded plain charge; null when a PaymentIntent was refunded. */
  charge: string | null;
  status: 'succeeded';
  metadata: Record<string, string>;
  reverse_transfer: boolean;
  refund_application_fee: boolean;
  created: number;
}

/** An Express connected account as Stripe returns it (the fields StreamHub reads). */
export interface FakeAccount {
  id: string;
  object: 'account';
  type: string;
  country: string | null;
  email: string | null;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  capabilities: Record<string, string>;
  metadata: Record<string, string>;
  created: number;
}

export interface FakeAccountLink {
  object: 'account_link';
  account: string;
  type: string;
  refresh_url: string;
  return_url: string;
  url: string;
  created: number;
  expires_at: number;
}

export interface StripeApiServer {
  /** `STRIPE_API_URL` for this server. */
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** The signing secret of the Connect endpoint (events of connected accounts). */
  connectWebhookSecret: string;
  requests: RecordedRequest[];
  accounts: Map<string, FakeAccount>;
  accountLinks: FakeAccountLink[];
  sessions: Map<string, FakeCheckoutSession>;
  refunds: Map<string, FakeRefund>;
  subscriptions: Map<string, FakeSubscription>;
  /** Paid invoices' payments by invoice id (listed at GET /v1/invoice_payments, never in `invoice.paid`). */
  invoicePayments: Map<string, FakeInvoicePayment>;
  /** The payer paid: the session completes and the `checkout.session.completed` event is returned. */
  complete(sessionId: string): StripeEvent;
  /** The session timed out unpaid: `checkout.session.expired`. */
  expire(sessionId: string): StripeEvent;
  /** The `charge.refunded` event Stripe sends once a refund made through the API went through. */
  chargeRefunded(refundId: string): StripeEvent;
  /** The payer's bank disputed the payment (a PaymentIntent or a plain charge): `charge.dispute.created`. */
  dispute(payment: string): StripeEvent;
  /** The dispute ended: `charge.dispute.closed` with status `won` or `lost`. */
  closeDispute(dispute: StripeEvent, outcome: 'won' | 'lost'): StripeEvent;
  /** A subscription checkout was paid: Stripe made the subscription and its first invoice was paid. */
  completeSubscription(sessionId: string): SubscriptionCompleted;
  /**
   * The next month's invoice was paid: the period moves on by 30 days. `withoutMetadata` leaves our
   * id out of the invoice (a subscription whose metadata was lost), so only its Stripe id names it.
   */
  renew(subscriptionId: string, options?: InvoiceOptions): StripeEvent;
  /** The next month's invoice could not be charged: `invoice.payment_failed`, the subscription past due. */
  failRenewal(subscriptionId: string): StripeEvent;
  /** Stripe gave up (or the period of a cancelled one ran out): `customer.subscription.deleted`. */
  endSubscription(subscriptionId: string): StripeEvent;
  /**
   * The creator filled in Stripe's onboarding form: the account can take charges and be paid out, and
   * the `account.updated` event Stripe sends to Connect endpoints (with `account` set) is returned.
   * `{ payouts: false }` leaves payouts off (Stripe still verifying the bank account).
   */
  finishOnboarding(accountId: string, options?: { payouts?: boolean }): StripeEvent;
  /** Stripe paid the connected account's balance out to the creator's bank: `payout.paid`. */
  payout(accountId: string, amount: number, currency: string): StripeEvent;
  /** The bank returned a payout Stripe had reported paid: `payout.failed` for the same payout. */
  failPayout(paid: StripeEvent): StripeEvent;
  /**
   * The `Stripe-Signature` header for `payload`, as Stripe computes it (`timestamp` in seconds). Async:
   * under Bun the SDK signs with WebCrypto, which has no synchronous HMAC.
   */
  sign(payload: string, options?: { timestamp?: number; secret?: string }): Promise<string>;
  close(): Promise<void>;
}

/** How a fake invoice is made: `byCharge` pays it with a plain charge of no PaymentIntent. */
export interface InvoiceOptions {
  withoutMetadata?: boolean;
  byCharge?: boolean;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: false;
  api_version: string;
  /** Set on events of a connected account, delivered to Connect endpoints. */
  account?: string;
  data: { object: Record<string, unknown> };
}

const random = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const MONTH_SECONDS = 30 * 24 * 3600;

/** `a[b][0][c]=1` → `{ a: { b: [{ c: '1' }] } }`, as Stripe reads its form bodies. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, index) => {
      const last = index === path.length - 1;
      const nextIsIndex = /^\d+$/.test(path[index + 1] ?? '');
      const container = node as Record<string, unknown>;
      if (last) {
        container[part] = value;
        return;
      }
      container[part] ??= nextIsIndex ? [] : {};
      node = container[part] as Record<string, unknown>;
    });
  }
  return root;
}

function stripeError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  code?: string,
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': random('req') });
  res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}) } }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export async function startStripeApiServer(): Promise<StripeApiServer> {
  const secretKey = random('sk');
  const webhookSecret = random('whsec');
  const connectWebhookSecret = random('whsec');
  const accounts = new Map<string, FakeAccount>();
  const accountLinks: FakeAccountLink[] = [];
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, FakeCheckoutSession>();
  const refunds = new Map<string, FakeRefund>();
  const subscriptions = new Map<string, FakeSubscription>();
  const invoicePayments = new Map<string, FakeInvoicePayment>();
  // Each connected account's payouts by id, as GET /v1/payouts lists them with its Stripe-Account header.
  const payouts = new Map<
    string,
    Record<string, unknown> & { id: string; status: string; account: string }
  >();
  // Every invoice made, as GET /v1/invoices lists it (whether or not its webhook was delivered).
  const invoices = new Map<string, { id: string; status: string }>();
  // idempotency key → the body it was first sent with and the answer given
  const idempotent = new Map<string, { path: string; body: string; status: number; answer: string }>();
  const signer = new Stripe(secretKey);
  let url = '';

  function createSession(params: Record<string, unknown>): { status: number; answer: unknown } {
    const lineItems = Array.isArray(params.line_items) ? params.line_items.map(asRecord) : [];
    const priceData = asRecord(lineItems[0]?.price_data);
    const unitAmount = Number(priceData.unit_amount);
    const currency = typeof priceData.currency === 'string' ? priceData.currency : '';
    const recurring = asRecord(priceData.recurring);
    const modeMatches =
      params.mode === 'payment'
        ? priceData.recurring === undefined
        : params.mode === 'subscription' && recurring.interval === 'month';
    if (!modeMatches || lineItems.length !== 1 || !Number.isInteger(unitAmount) || unitAmount < 1) {
      return {
        status: 400,
        answer: { error: { type: 'invalid_request_error', message: 'Invalid line_items or mode.' } },
      };
    }
    if (!/^[a-z]{3}$/.test(currency) || typeof params.success_url !== 'string') {
      return {
        status: 400,
        answer: { error: { type: 'invalid_request_error', message: 'Missing currency or success_url.' } },
      };
    }
    const id = random('cs');
    const session: FakeCheckoutSession = {
      id,
      object: 'checkout.session',
      mode: String(params.mode),
      status: 'open',
      payment_status: 'unpaid',
      amount_total: unitAmount * Number(lineItems[0]?.quantity ?? 1),
      currency,
      client_reference_id: typeof params.client_reference_id === 'string' ? params.client_reference_id : null,
      metadata: asRecord(params.metadata) as Record<string, string>,
      payment_intent: null,
      payment_intent_data: params.payment_intent_data ? asRecord(params.payment_intent_data) : undefined,
      subscription_data: params.subscription_data ? asRecord(params.subscription_data) : undefined,
      subscription: null,
      success_url: params.success_url,
      cancel_url: typeof params.cancel_url === 'string' ? params.cancel_url : null,
      url: `${url}/c/pay/${id}`,
      created: nowSeconds(),
    };
    sessions.set(id, session);
    return { status: 200, answer: session };
  }

  /**
   * A payment by its PaymentIntent (a paid checkout's, else a paid subscription invoice's) or by its
   * plain charge (an invoice paid with no intent).
   */
  function chargeOf(
    reference: unknown,
  ): { reference: string; plain: boolean; amount_total: number; currency: string } | undefined {
    if (typeof reference !== 'string') return undefined;
    const session = [...sessions.values()].find((candidate) => candidate.payment_intent === reference);
    if (session)
      return { reference, plain: false, amount_total: session.amount_total, currency: session.currency };
    for (const paid of invoicePayments.values()) {
      const { payment } = paid;
      const named = payment.type === 'charge' ? payment.charge : payment.payment_intent;
      if (named === reference)
        return {
          reference,
          plain: payment.type === 'charge',
          amount_total: paid.amount_paid,
          currency: paid.currency,
        };
    }
    return undefined;
  }

  /** The PaymentIntent or plain charge a refund or dispute names. */
  const paymentOf = (charge: { reference: string; plain: boolean }) => ({
    payment_intent: charge.plain ? null : charge.reference,
    charge: charge.plain ? charge.reference : null,
  });

  function createRefund(params: Record<string, unknown>): { status: number; answer: unknown } {
    const session = chargeOf(params.payment_intent ?? params.charge);
    if (!session) {
      return {
        status: 404,
        answer: {
          error: {
            type: 'invalid_request_error',
            message: params.charge === undefined ? 'No such payment_intent' : 'No such charge',
            code: 'resource_missing',
          },
        },
      };
    }
    const refundedBefore = [...refunds.values()]
      .filter((refund) => (refund.payment_intent ?? refund.charge) === session.reference)
      .reduce((sum, refund) => sum + refund.amount, 0);
    const amount =
      params.amount === undefined ? session.amount_total - refundedBefore : Number(params.amount);
    if (refundedBefore + amount > session.amount_total || !(amount > 0)) {
      return {
        status: 400,
        answer: {
          error: {
            type: 'invalid_request_error',
            message:
              refundedBefore >= session.amount_total
                ? 'Charge has already been refunded.'
                : `Refund amount (${amount}) is greater than unrefunded amount on charge.`,
            code: refundedBefore >= session.amount_total ? 'charge_already_refunded' : 'amount_too_large',
          },
        },
      };
    }
    const refund: FakeRefund = {
      id: random('re'),
      object: 'refund',
      amount,
      currency: session.currency,
      ...paymentOf(session),
      status: 'succeeded',
      metadata: asRecord(params.metadata) as Record<string, string>,
      reverse_transfer: params.reverse_transfer === 'true',
      refund_application_fee: params.refund_application_fee === 'true',
      created: nowSeconds(),
    };
    refunds.set(refund.id, refund);
    return { status: 200, answer: refund };
  }

  function createAccount(params: Record<string, unknown>): { status: number; answer: unknown } {
    if (params.type !== 'express' && params.type !== 'standard' && params.type !== 'custom') {
      return {
        status: 400,
        answer: { error: { type: 'invalid_request_error', message: 'Invalid type.', param: 'type' } },
      };
    }
    const requested = asRecord(params.capabilities);
    const account: FakeAccount = {
      id: random('acct'),
      object: 'account',
      type: params.type,
      country: typeof params.country === 'string' ? params.country : 'US',
      email: typeof params.email === 'string' ? params.email : null,
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      capabilities: Object.fromEntries(Object.keys(requested).map((name) => [name, 'inactive'])),
      metadata: asRecord(params.metadata) as Record<string, string>,
      created: nowSeconds(),
    };
    accounts.set(account.id, account);
    return { status: 200, answer: account };
  }

  function createAccountLink(params: Record<string, unknown>): { status: number; answer: unknown } {
    const account = typeof params.account === 'string' ? accounts.get(params.account) : undefined;
    if (!account) {
      return {
        status: 400,
        answer: {
          error: { type: 'invalid_request_error', message: 'No such account', code: 'resource_missing' },
        },
      };
    }
    const types = ['account_onboarding', 'account_update'];
    if (
      !types.includes(String(params.type)) ||
      typeof params.refresh_url !== 'string' ||
      typeof params.return_url !== 'string'
    ) {
      return {
        status: 400,
        answer: {
          error: { type: 'invalid_request_error', message: 'Missing type, refresh_url or return_url.' },
        },
      };
    }
    const link: FakeAccountLink = {
      object: 'account_link',
      account: account.id,
      type: String(params.type),
      refresh_url: params.refresh_url,
      return_url: params.return_url,
      url: `${url}/setup/e/${account.id}/${randomBytes(8).toString('hex')}`,
      created: nowSeconds(),
      expires_at: nowSeconds() + 300,
    };
    accountLinks.push(link);
    return { status: 200, answer: link };
  }

  const CREATES: Record<string, (params: Record<string, unknown>) => { status: number; answer: unknown }> = {
    '/v1/checkout/sessions': createSession,
    '/v1/refunds': createRefund,
    '/v1/accounts': createAccount,
    '/v1/account_links': createAccountLink,
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = await readBody(req);
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    const params = parseStripeForm(body);
    requests.push({ method: req.method ?? '', path, params, idempotencyKey });
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      stripeError(res, 401, 'invalid_request_error', 'Invalid API Key provided.');
      return;
    }
    const create = CREATES[path];
    if (req.method === 'POST' && create) {
      if (idempotencyKey) {
        const seen = idempotent.get(idempotencyKey);
        if (seen && (seen.path !== path || seen.body !== body)) {
          stripeError(
            res,
            400,
            'idempotency_error',
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
          );
          return;
        }
        if (seen) {
          res.writeHead(seen.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
          res.end(seen.answer);
          return;
        }
      }
      const { status, answer } = create(params);
      const text = JSON.stringify(answer);
      if (idempotencyKey) idempotent.set(idempotencyKey, { path, body, status, answer: text });
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': random('req') });
      res.end(text);
      return;
    }
    const updateSubscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && updateSubscription?.[1]) {
      const subscription = subscriptions.get(decodeURIComponent(updateSubscription[1]));
      if (!subscription || subscription.status === 'canceled') {
        stripeError(res, 404, 'invalid_request_error', 'No such subscription', 'resource_missing');
        return;
      }
      if (params.cancel_at_period_end !== undefined) {
        subscription.cancel_at_period_end = params.cancel_at_period_end === 'true';
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(subscription));
      return;
    }
    if (req.method === 'GET' && path === '/v1/payouts') {
      const account = req.headers['stripe-account'];
      const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const listed = [...payouts.values()]
        .filter((payout) => payout.account === account)
        .map(({ account: _, ...payout }) => payout);
      sendList(res, path, query, listed);
      return;
    }
    if (req.method === 'GET' && (path === '/v1/invoice_payments' || path === '/v1/invoices')) {
      // Newest first, paged by starting_after as Stripe's list endpoints are.
      const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const all: { id: string; status: string; invoice?: string }[] =
        path === '/v1/invoices' ? [...invoices.values()] : [...invoicePayments.values()];
      const listed = all
        .filter((item) => !query.get('invoice') || item.invoice === query.get('invoice'))
        .filter((item) => !query.get('status') || item.status === query.get('status'));
      sendList(res, path, query, listed);
      return;
    }
    const retrieveAccount = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && retrieveAccount?.[1]) {
      const account = accounts.get(decodeURIComponent(retrieveAccount[1]));
      if (!account) {
        stripeError(res, 404, 'invalid_request_error', 'No such account', 'resource_missing');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(account));
      return;
    }
    const retrieve = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && retrieve?.[1]) {
      const session = sessions.get(decodeURIComponent(retrieve[1]));
      if (!session) {
        stripeError(res, 404, 'invalid_request_error', 'No such checkout.session', 'resource_missing');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(session));
      return;
    }
    stripeError(res, 404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => stripeError(res, 500, 'api_error', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const event = (type: string, object: Record<string, unknown>): StripeEvent => ({
    id: random('evt'),
    object: 'event',
    type,
    created: nowSeconds(),
    livemode: false,
    api_version: '2025-01-01',
    data: { object },
  });

  const accountOf = (id: string) => {
    const account = accounts.get(id);
    if (!account) throw new Error(`no account ${id}`);
    return account;
  };
  /** An event of a connected account, as Stripe delivers it to a Connect endpoint. */
  const connectEvent = (account: string, type: string, object: Record<string, unknown>): StripeEvent => ({
    ...event(type, object),
    account,
  });

  const subscriptionOf = (id: string) => {
    const subscription = subscriptions.get(id);
    if (!subscription) throw new Error(`no subscription ${id}`);
    return subscription;
  };
  const periodEnd = (subscription: FakeSubscription) => subscription.items.data[0]?.current_period_end ?? 0;
  const invoice = (
    subscription: FakeSubscription,
    billingReason: string,
    paid: boolean,
    options: InvoiceOptions = {},
  ) => {
    const id = random('in');
    if (paid) {
      invoicePayments.set(id, {
        id: random('inpay'),
        object: 'invoice_payment',
        amount_paid: subscription.amount,
        amount_requested: subscription.amount,
        created: nowSeconds(),
        currency: subscription.currency,
        invoice: id,
        is_default: true,
        livemode: false,
        payment: options.byCharge
          ? { type: 'charge', charge: random('ch') }
          : { type: 'payment_intent', payment_intent: random('pi') },
        status: 'paid',
        status_transitions: { canceled_at: null, paid_at: nowSeconds() },
      });
    }
    const made = {
      id,
      object: 'invoice',
      created: nowSeconds(),
      status: paid ? 'paid' : 'open',
      billing_reason: billingReason,
      amount_due: subscription.amount,
      amount_paid: paid ? subscription.amount : 0,
      currency: subscription.currency,
      parent: {
        type: 'subscription_details',
        subscription_details: {
          subscription: subscription.id,
          metadata: options.withoutMetadata ? {} : { ...subscription.metadata },
        },
      },
      lines: {
        object: 'list',
        data: [
          {
            id: random('il'),
            amount: subscription.amount,
            period: { start: periodEnd(subscription) - MONTH_SECONDS, end: periodEnd(subscription) },
          },
        ],
      },
    };
    invoices.set(id, structuredClone(made));
    return made;
  };

  const sessionOf = (id: string) => {
    const session = sessions.get(id);
    if (!session) throw new Error(`no checkout session ${id}`);
    return session;
  };

  return {
    url,
    secretKey,
    webhookSecret,
    connectWebhookSecret,
    requests,
    accounts,
    accountLinks,
    sessions,
    refunds,
    subscriptions,
    invoicePayments,
    dispute(payment) {
      const session = chargeOf(payment);
      if (!session) throw new Error(`no payment ${payment}`);
      return event('charge.dispute.created', {
        id: random('dp'),
        object: 'dispute',
        payment_intent: session.plain ? null : payment,
        charge: session.plain ? payment : random('ch'),
        amount: session.amount_total,
        currency: session.currency,
        reason: 'fraudulent',
        status: 'needs_response',
      });
    },
    closeDispute(dispute, outcome) {
      return event('charge.dispute.closed', { ...dispute.data.object, status: outcome });
    },
    completeSubscription(sessionId) {
      const session = sessionOf(sessionId);
      if (session.mode !== 'subscription') throw new Error(`session ${sessionId} is not a subscription`);
      const data = session.subscription_data ?? {};
      const now = nowSeconds();
      const subscription: FakeSubscription = {
        id: random('sub'),
        object: 'subscription',
        status: 'active',
        metadata: asRecord(data.metadata) as Record<string, string>,
        cancel_at_period_end: false,
        items: {
          object: 'list',
          data: [{ id: random('si'), current_period_start: now, current_period_end: now + MONTH_SECONDS }],
        },
        application_fee_percent:
          data.application_fee_percent === undefined ? null : Number(data.application_fee_percent),
        transfer_data: data.transfer_data ? asRecord(data.transfer_data) : null,
        amount: session.amount_total,
        currency: session.currency,
      };
      subscriptions.set(subscription.id, subscription);
      session.status = 'complete';
      session.payment_status = 'paid';
      session.subscription = subscription.id;
      session.url = null;
      return {
        subscriptionId: subscription.id,
        completed: event('checkout.session.completed', { ...session }),
        created: event('customer.subscription.created', structuredClone({ ...subscription })),
        invoicePaid: event('invoice.paid', invoice(subscription, 'subscription_create', true)),
      };
    },
    renew(subscriptionId, options = {}) {
      const subscription = subscriptionOf(subscriptionId);
      const item = subscription.items.data[0];
      if (item) {
        item.current_period_start = item.current_period_end;
        item.current_period_end += MONTH_SECONDS;
      }
      subscription.status = 'active';
      return event('invoice.paid', invoice(subscription, 'subscription_cycle', true, options));
    },
    failRenewal(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'past_due';
      // The failed invoice is for the month after the one paid.
      const failed = invoice(subscription, 'subscription_cycle', false);
      const line = failed.lines.data[0];
      if (line)
        line.period = { start: periodEnd(subscription), end: periodEnd(subscription) + MONTH_SECONDS };
      return event('invoice.payment_failed', failed);
    },
    endSubscription(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'canceled';
      return event('customer.subscription.deleted', structuredClone({ ...subscription }));
    },
    complete(sessionId) {
      const session = sessionOf(sessionId);
      session.status = 'complete';
      session.payment_status = 'paid';
      session.payment_intent ??= random('pi');
      session.url = null;
      return event('checkout.session.completed', { ...session });
    },
    expire(sessionId) {
      const session = sessionOf(sessionId);
      session.status = 'expired';
      session.url = null;
      return event('checkout.session.expired', { ...session });
    },
    chargeRefunded(refundId) {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`no refund ${refundId}`);
      const reference = refund.payment_intent ?? refund.charge;
      const amount = chargeOf(reference)?.amount_total ?? refund.amount;
      // The charge as it is once this refund went through: every refund of it up to this one.
      let refunded = 0;
      for (const other of refunds.values()) {
        if ((other.payment_intent ?? other.charge) !== reference) continue;
        refunded += other.amount;
        if (other === refund) break;
      }
      return event('charge.refunded', {
        id: refund.charge ?? random('ch'),
        object: 'charge',
        payment_intent: refund.payment_intent,
        amount,
        amount_refunded: refunded,
        currency: refund.currency,
        refunded: refunded >= amount,
      });
    },
    finishOnboarding(accountId, options = {}) {
      const account = accountOf(accountId);
      account.details_submitted = true;
      account.charges_enabled = true;
      account.payouts_enabled = options.payouts ?? true;
      for (const name of Object.keys(account.capabilities)) account.capabilities[name] = 'active';
      return connectEvent(accountId, 'account.updated', structuredClone({ ...account }));
    },
    payout(accountId, amount, currency) {
      accountOf(accountId);
      const id = random('po');
      const payout = {
        id,
        object: 'payout',
        amount,
        currency,
        arrival_date: nowSeconds() + 2 * 24 * 3600,
        method: 'standard',
        type: 'bank_account',
        status: 'paid',
      };
      payouts.set(id, { ...payout, created: nowSeconds(), account: accountId });
      return connectEvent(accountId, 'payout.paid', payout);
    },
    failPayout(paid) {
      if (!paid.account) throw new Error('not a connected account payout');
      const listed = payouts.get(String(paid.data.object.id));
      if (listed) listed.status = 'failed';
      return connectEvent(paid.account, 'payout.failed', {
        ...paid.data.object,
        status: 'failed',
        failure_code: 'account_closed',
        failure_message: 'The bank account has been closed.',
      });
    },
    sign(payload, options = {}) {
      return signer.webhooks.generateTestHeaderStringAsync({
        payload,
        secret: options.secret ?? webhookSecret,
        timestamp: options.timestamp ?? nowSeconds(),
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** One page of a Stripe list endpoint: newest first (`items` are oldest first), by `limit` and `starting_after`. */
function sendList(
  res: ServerResponse,
  url: string,
  query: URLSearchParams,
  items: readonly { id: string }[],
): void {
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 10) || 10, 1), 100);
  let listed = [...items].reverse();
  const after = query.get('starting_after');
  if (after) listed = listed.slice(listed.findIndex((item) => item.id === after) + 1);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ object: 'list', url, has_more: listed.length > limit, data: listed.slice(0, limit) }),
  );
}
