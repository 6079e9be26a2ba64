/**
 * A local HTTP server speaking the subset of Razorpay's API that StreamHub calls (Orders create and
 * fetch, Payments refund, Plans create, Subscriptions create and cancel, a payment's Route transfers
 * list and create, Invoices list), for tests that drive the official `razorpay` SDK against it (`RAZORPAY_API_URL`).
 * It answers as Razorpay does: JSON bodies, HTTP Basic auth with the key id and secret, amounts in minor
 * units with upper-case currencies, Razorpay's error envelope. `pay()`, `refundProcessed()`,
 * `authorize()`, `charge()`, `failCharge()`, `halt()`, `endCycle()` and `dispute()` play the payer and
 * Razorpay's back office: they return what Razorpay Checkout hands the page (with its signature) and the
 * webhook bodies Razorpay would send; `sign()` signs a body as Razorpay does (HMAC-SHA256 with the
 * webhook secret, hex).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RazorpayOrder {
  id: string;
  entity: 'order';
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: 'created' | 'attempted' | 'paid';
  attempts: number;
  notes: Record<string, string>;
  transfers: Record<string, unknown>[];
  created_at: number;
}

export interface RazorpayPayment {
  id: string;
  entity: 'payment';
  amount: number;
  amount_refunded: number;
  currency: string;
  status: 'captured' | 'refunded';
  order_id: string;
  notes: Record<string, string>;
  created_at: number;
}

export interface RazorpayRefund {
  id: string;
  entity: 'refund';
  amount: number;
  currency: string;
  payment_id: string;
  notes: Record<string, string>;
  reverse_all: boolean;
  status: 'processed';
  created_at: number;
}

export interface RazorpayPlan {
  id: string;
  entity: 'plan';
  period: string;
  interval: number;
  item: { name: string; amount: number; currency: string };
  notes: Record<string, string>;
  created_at: number;
}

export interface RazorpaySubscription {
  id: string;
  entity: 'subscription';
  plan_id: string;
  status: 'created' | 'authenticated' | 'active' | 'pending' | 'halted' | 'cancelled' | 'completed';
  total_count: number;
  paid_count: number;
  remaining_count: number;
  current_start: number | null;
  current_end: number | null;
  charge_at: number | null;
  /** Set by a cancellation at the cycle's end: no charge comes after `current_end`. */
  end_at: number | null;
  short_url: string;
  notes: Record<string, string>;
  created_at: number;
}

export interface RazorpayTransfer {
  id: string;
  entity: 'transfer';
  source: string;
  recipient: string;
  amount: number;
  /** Taken back by a refund with `reverse_all`. */
  amount_reversed: number;
  currency: string;
  notes: Record<string, string>;
  created_at: number;
}

/** The invoice Razorpay issues for each charge of a subscription. */
export interface RazorpayInvoice {
  id: string;
  entity: 'invoice';
  subscription_id: string;
  payment_id: string;
  status: 'paid';
  amount: number;
  amount_paid: number;
  currency: string;
  created_at: number;
}

export interface RazorpayRecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** What Razorpay Checkout hands the page after a payment, and the webhook that follows it. */
export interface RazorpayPaid {
  checkout: { razorpay_order_id: string; razorpay_payment_id: string; razorpay_signature: string };
  orderPaid: Record<string, unknown>;
}

export interface RazorpayApiServer {
  url: string;
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  requests: RazorpayRecordedRequest[];
  orders: Map<string, RazorpayOrder>;
  payments: Map<string, RazorpayPayment>;
  refunds: Map<string, RazorpayRefund>;
  plans: Map<string, RazorpayPlan>;
  subscriptions: Map<string, RazorpaySubscription>;
  transfers: Map<string, RazorpayTransfer>;
  invoices: Map<string, RazorpayInvoice>;
  /** The payer pays an order in Razorpay Checkout; the order's Route transfers are made from the payment. */
  pay(orderId: string): RazorpayPaid;
  /** The subscriber pays the first charge in Razorpay Checkout: what it hands the page. */
  authorize(subscriptionId: string): {
    razorpay_subscription_id: string;
    razorpay_payment_id: string;
    razorpay_signature: string;
  };
  /**
   * Razorpay charges the subscription's next cycle (the first one at `authorize`): the
   * `subscription.charged` webhook (and `subscription.activated` on the first charge).
   */
  charge(subscriptionId: string): { charged: Record<string, unknown>; activated?: Record<string, unknown> };
  /** A renewal charge fails: the subscription goes `pending` and Razorpay retries. */
  failCharge(subscriptionId: string): Record<string, unknown>;
  /** Razorpay's retries ran out: `halted`. */
  halt(subscriptionId: string): Record<string, unknown>;
  /**
   * The current cycle ends: a subscription cancelled at its cycle's end becomes `cancelled` (its
   * webhook); one that runs on is charged (`charge`).
   */
  endCycle(subscriptionId: string): Record<string, unknown>;
  /** Cancelled at once from Razorpay's dashboard: its `subscription.cancelled` webhook. */
  cancelNow(subscriptionId: string): Record<string, unknown>;
  /** A dispute of `paymentId` at `status` (`open` for `payment.dispute.created`). */
  dispute(
    paymentId: string,
    status: 'open' | 'won' | 'lost' | 'closed',
    disputeId?: string,
  ): Record<string, unknown>;
  /** The `refund.processed` webhook body of a refund made through the API. */
  refundProcessed(refundId: string): Record<string, unknown>;
  /** `X-Razorpay-Signature` for `body` (another `secret` forges it). */
  sign(body: string, secret?: string): string;
  close(): Promise<void>;
}

const random = (prefix: string) => `${prefix}_${randomBytes(7).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const badRequest = (res: ServerResponse, description: string, field?: string) =>
  answer(res, 400, { error: { code: 'BAD_REQUEST_ERROR', description, ...(field ? { field } : {}) } });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

const stringRecord = (value: unknown): Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]))
    : {};

export async function startRazorpayApiServer(): Promise<RazorpayApiServer> {
  const keyId = random('rzp_test');
  const keySecret = randomBytes(12).toString('hex');
  const webhookSecret = randomBytes(12).toString('hex');
  const requests: RazorpayRecordedRequest[] = [];
  const orders = new Map<string, RazorpayOrder>();
  const payments = new Map<string, RazorpayPayment>();
  const refunds = new Map<string, RazorpayRefund>();
  const plans = new Map<string, RazorpayPlan>();
  const subscriptionsById = new Map<string, RazorpaySubscription>();
  const transfers = new Map<string, RazorpayTransfer>();
  const invoices = new Map<string, RazorpayInvoice>();
  const expectedAuth = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;

  function createOrder(res: ServerResponse, body: Record<string, unknown>): void {
    const amount = body.amount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 100) {
      badRequest(res, 'The amount must be atleast INR 1.00', 'amount');
      return;
    }
    if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) {
      badRequest(res, 'The currency field is invalid.', 'currency');
      return;
    }
    const transfers = Array.isArray(body.transfers) ? (body.transfers as Record<string, unknown>[]) : [];
    if (transfers.some((t) => typeof t.account !== 'string' || !String(t.account).startsWith('acc_'))) {
      badRequest(res, 'The account id provided does not exist', 'account');
      return;
    }
    const order: RazorpayOrder = {
      id: random('order'),
      entity: 'order',
      amount,
      amount_paid: 0,
      amount_due: amount,
      currency: body.currency,
      receipt: typeof body.receipt === 'string' ? body.receipt : null,
      status: 'created',
      attempts: 0,
      notes: stringRecord(body.notes),
      transfers,
      created_at: nowSeconds(),
    };
    orders.set(order.id, order);
    answer(res, 200, order);
  }

  function refundPayment(res: ServerResponse, paymentId: string, body: Record<string, unknown>): void {
    const payment = payments.get(paymentId);
    if (!payment) {
      badRequest(res, 'The id provided does not exist');
      return;
    }
    if (payment.amount_refunded >= payment.amount) {
      badRequest(res, 'The payment has been fully refunded already');
      return;
    }
    const amount = typeof body.amount === 'number' ? body.amount : payment.amount - payment.amount_refunded;
    payment.amount_refunded += amount;
    if (payment.amount_refunded === payment.amount) payment.status = 'refunded';
    const refund: RazorpayRefund = {
      id: random('rfnd'),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: payment.id,
      notes: stringRecord(body.notes),
      reverse_all: body.reverse_all === 1 || body.reverse_all === true,
      status: 'processed',
      created_at: nowSeconds(),
    };
    refunds.set(refund.id, refund);
    if (refund.reverse_all) {
      for (const transfer of transfers.values())
        if (transfer.source === payment.id) transfer.amount_reversed = transfer.amount;
    }
    answer(res, 200, refund);
  }

  function createPlan(res: ServerResponse, body: Record<string, unknown>): void {
    const item = (typeof body.item === 'object' && body.item !== null ? body.item : {}) as Record<
      string,
      unknown
    >;
    if (body.period !== 'monthly' && body.period !== 'weekly' && body.period !== 'yearly') {
      badRequest(res, 'The period field is invalid.', 'period');
      return;
    }
    if (typeof item.amount !== 'number' || !Number.isInteger(item.amount) || item.amount < 100) {
      badRequest(res, 'The amount must be atleast INR 1.00', 'amount');
      return;
    }
    if (typeof item.currency !== 'string' || !/^[A-Z]{3}$/.test(item.currency)) {
      badRequest(res, 'The currency field is invalid.', 'currency');
      return;
    }
    const plan: RazorpayPlan = {
      id: random('plan'),
      entity: 'plan',
      period: body.period,
      interval: typeof body.interval === 'number' ? body.interval : 1,
      item: { name: String(item.name ?? ''), amount: item.amount, currency: item.currency },
      notes: stringRecord(body.notes),
      created_at: nowSeconds(),
    };
    plans.set(plan.id, plan);
    answer(res, 200, plan);
  }

  function createSubscription(res: ServerResponse, body: Record<string, unknown>): void {
    const plan = typeof body.plan_id === 'string' ? plans.get(body.plan_id) : undefined;
    if (!plan) {
      badRequest(res, 'The id provided does not exist', 'plan_id');
      return;
    }
    if (typeof body.total_count !== 'number' || body.total_count < 1) {
      badRequest(res, 'The total count field is required.', 'total_count');
      return;
    }
    const id = random('sub');
    const subscription: RazorpaySubscription = {
      id,
      entity: 'subscription',
      plan_id: plan.id,
      status: 'created',
      total_count: body.total_count,
      paid_count: 0,
      remaining_count: body.total_count,
      current_start: null,
      current_end: null,
      charge_at: null,
      end_at: null,
      short_url: `https://rzp.io/i/${id.slice(4)}`,
      notes: stringRecord(body.notes),
      created_at: nowSeconds(),
    };
    subscriptionsById.set(id, subscription);
    answer(res, 200, subscription);
  }

  function cancelSubscription(res: ServerResponse, id: string, body: Record<string, unknown>): void {
    const subscription = subscriptionsById.get(id);
    if (!subscription) {
      badRequest(res, 'The id provided does not exist');
      return;
    }
    if (subscription.status === 'cancelled' || subscription.status === 'completed') {
      badRequest(res, 'Subscription is not cancellable in cancelled status.');
      return;
    }
    if (body.cancel_at_cycle_end === 1 || body.cancel_at_cycle_end === true) {
      subscription.end_at = subscription.current_end;
      subscription.charge_at = null;
    } else {
      subscription.status = 'cancelled';
    }
    answer(res, 200, subscription);
  }

  function makeTransfers(paymentId: string, asked: readonly Record<string, unknown>[]): void {
    for (const t of asked) {
      const transfer: RazorpayTransfer = {
        id: random('trf'),
        entity: 'transfer',
        source: paymentId,
        recipient: String(t.account),
        amount: Number(t.amount),
        amount_reversed: 0,
        currency: String(t.currency),
        notes: stringRecord(t.notes),
        created_at: nowSeconds(),
      };
      transfers.set(transfer.id, transfer);
    }
  }

  function paymentTransfers(
    res: ServerResponse,
    paymentId: string,
    body: Record<string, unknown>,
    create: boolean,
  ): void {
    const payment = payments.get(paymentId);
    if (!payment) {
      badRequest(res, 'The id provided does not exist');
      return;
    }
    if (create) {
      const asked = Array.isArray(body.transfers) ? (body.transfers as Record<string, unknown>[]) : [];
      const total = asked.reduce((sum, t) => sum + (typeof t.amount === 'number' ? t.amount : 0), 0);
      const already = [...transfers.values()]
        .filter((t) => t.source === paymentId)
        .reduce((sum, t) => sum + t.amount, 0);
      if (asked.some((t) => typeof t.account !== 'string' || !String(t.account).startsWith('acc_'))) {
        badRequest(res, 'The account id provided does not exist', 'account');
        return;
      }
      if (total + already > payment.amount) {
        badRequest(res, 'Transfer amount exceeds amount of payment');
        return;
      }
      makeTransfers(paymentId, asked);
    }
    const items = [...transfers.values()].filter((t) => t.source === paymentId);
    answer(res, 200, { entity: 'collection', count: items.length, items });
  }

  /** Newest first, `count` (at most 100) from `skip`, as Razorpay's list endpoints page. */
  function listInvoices(res: ServerResponse, url: string): void {
    const query = new URL(url, 'http://localhost').searchParams;
    const count = Math.min(Number(query.get('count') ?? 10) || 10, 100);
    const skip = Number(query.get('skip') ?? 0) || 0;
    const items = [...invoices.values()].reverse().slice(skip, skip + count);
    answer(res, 200, { entity: 'collection', count: items.length, items });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = req.method === 'POST' ? await readJson(req) : {};
    requests.push({ method: req.method ?? '', path, body });
    if (req.headers.authorization !== expectedAuth) {
      answer(res, 401, { error: { code: 'BAD_REQUEST_ERROR', description: 'Authentication failed' } });
      return;
    }
    if (req.method === 'POST' && path === '/v1/orders') return createOrder(res, body);
    const order = /^\/v1\/orders\/([^/]+)\/?$/.exec(path);
    if (req.method === 'GET' && order?.[1]) {
      const found = orders.get(decodeURIComponent(order[1]));
      if (found) answer(res, 200, found);
      else badRequest(res, 'The id provided does not exist');
      return;
    }
    const refund = /^\/v1\/payments\/([^/]+)\/refund$/.exec(path);
    if (req.method === 'POST' && refund?.[1]) return refundPayment(res, decodeURIComponent(refund[1]), body);
    if (req.method === 'POST' && path === '/v1/plans') return createPlan(res, body);
    if (req.method === 'POST' && path === '/v1/subscriptions') return createSubscription(res, body);
    const cancel = /^\/v1\/subscriptions\/([^/]+)\/cancel$/.exec(path);
    if (req.method === 'POST' && cancel?.[1])
      return cancelSubscription(res, decodeURIComponent(cancel[1]), body);
    if (req.method === 'GET' && path === '/v1/invoices') return listInvoices(res, req.url ?? '');
    const transfer = /^\/v1\/payments\/([^/]+)\/transfers$/.exec(path);
    if (transfer?.[1] && (req.method === 'GET' || req.method === 'POST')) {
      return paymentTransfers(res, decodeURIComponent(transfer[1]), body, req.method === 'POST');
    }
    badRequest(res, 'The requested URL was not found on the server.');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) =>
      answer(res, 500, { error: { code: 'SERVER_ERROR', description: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const event = (name: string, entities: Record<string, unknown>) => ({
    entity: 'event',
    account_id: 'acc_platform0001',
    event: name,
    contains: Object.keys(entities),
    payload: Object.fromEntries(Object.entries(entities).map(([key, entity]) => [key, { entity }])),
    created_at: nowSeconds(),
  });

  /** A subscription's payment taken and not yet announced by `charge` (the first one, at `authorize`). */
  const pendingCharges = new Map<string, RazorpayPayment>();
  const subscriptionOf = (id: string) => {
    const subscription = subscriptionsById.get(id);
    if (!subscription) throw new Error(`no subscription ${id}`);
    return subscription;
  };
  const takeCharge = (subscription: RazorpaySubscription): RazorpayPayment => {
    const plan = plans.get(subscription.plan_id);
    if (!plan) throw new Error(`no plan ${subscription.plan_id}`);
    const payment: RazorpayPayment = {
      id: random('pay'),
      entity: 'payment',
      amount: plan.item.amount,
      amount_refunded: 0,
      currency: plan.item.currency,
      status: 'captured',
      order_id: random('order'),
      notes: subscription.notes,
      created_at: nowSeconds(),
    };
    payments.set(payment.id, payment);
    pendingCharges.set(subscription.id, payment);
    const invoice: RazorpayInvoice = {
      id: random('inv'),
      entity: 'invoice',
      subscription_id: subscription.id,
      payment_id: payment.id,
      status: 'paid',
      amount: payment.amount,
      amount_paid: payment.amount,
      currency: payment.currency,
      created_at: nowSeconds(),
    };
    invoices.set(invoice.id, invoice);
    return payment;
  };

  return {
    url,
    keyId,
    keySecret,
    webhookSecret,
    requests,
    orders,
    payments,
    refunds,
    pay(orderId) {
      const order = orders.get(orderId);
      if (!order) throw new Error(`no order ${orderId}`);
      const payment: RazorpayPayment = {
        id: random('pay'),
        entity: 'payment',
        amount: order.amount,
        amount_refunded: 0,
        currency: order.currency,
        status: 'captured',
        order_id: order.id,
        notes: order.notes,
        created_at: nowSeconds(),
      };
      payments.set(payment.id, payment);
      makeTransfers(payment.id, order.transfers);
      order.status = 'paid';
      order.amount_paid = order.amount;
      order.amount_due = 0;
      order.attempts += 1;
      return {
        checkout: {
          razorpay_order_id: order.id,
          razorpay_payment_id: payment.id,
          razorpay_signature: hmac(keySecret, `${order.id}|${payment.id}`),
        },
        orderPaid: event('order.paid', { payment: { ...payment }, order: { ...order } }),
      };
    },
    refundProcessed(refundId) {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`no refund ${refundId}`);
      const payment = payments.get(refund.payment_id);
      return event('refund.processed', { refund: { ...refund }, payment: { ...payment } });
    },
    plans,
    subscriptions: subscriptionsById,
    transfers,
    invoices,
    authorize(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'authenticated';
      const payment = takeCharge(subscription);
      return {
        razorpay_subscription_id: subscription.id,
        razorpay_payment_id: payment.id,
        razorpay_signature: hmac(keySecret, `${payment.id}|${subscription.id}`),
      };
    },
    charge(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      // The first cycle's payment was taken at `authorize`; later cycles are charged here.
      const pending = pendingCharges.get(subscription.id) ?? takeCharge(subscription);
      pendingCharges.delete(subscription.id);
      const first = subscription.paid_count === 0;
      const start = subscription.current_end ?? nowSeconds();
      subscription.current_start = start;
      subscription.current_end = start + 30 * 24 * 3600;
      subscription.charge_at = subscription.current_end;
      subscription.paid_count += 1;
      subscription.remaining_count -= 1;
      subscription.status = 'active';
      const charged = event('subscription.charged', {
        subscription: { ...subscription },
        payment: { ...pending },
      });
      return first
        ? { charged, activated: event('subscription.activated', { subscription: { ...subscription } }) }
        : { charged };
    },
    failCharge(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'pending';
      return event('subscription.pending', { subscription: { ...subscription } });
    },
    halt(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'halted';
      return event('subscription.halted', { subscription: { ...subscription } });
    },
    endCycle(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      if (subscription.end_at === null)
        throw new Error(`${subscriptionId} renews at its cycle's end: charge it instead`);
      subscription.status = 'cancelled';
      return event('subscription.cancelled', { subscription: { ...subscription } });
    },
    cancelNow(subscriptionId) {
      const subscription = subscriptionOf(subscriptionId);
      subscription.status = 'cancelled';
      subscription.charge_at = null;
      return event('subscription.cancelled', { subscription: { ...subscription } });
    },
    dispute(paymentId, status, disputeId = random('disp')) {
      const payment = payments.get(paymentId);
      if (!payment) throw new Error(`no payment ${paymentId}`);
      const name = status === 'open' ? 'payment.dispute.created' : `payment.dispute.${status}`;
      const dispute = {
        id: disputeId,
        entity: 'dispute',
        payment_id: payment.id,
        amount: payment.amount,
        currency: payment.currency,
        amount_deducted: status === 'lost' ? payment.amount : 0,
        reason_code: 'chargeback',
        status,
        phase: 'chargeback',
        created_at: nowSeconds(),
      };
      return event(name, { payment: { ...payment }, dispute });
    },
    sign: (body, secret = webhookSecret) => hmac(secret, body),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
