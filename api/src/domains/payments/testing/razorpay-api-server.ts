/**
 * A local HTTP server speaking the subset of Razorpay's API that StreamHub calls (Orders create and
 * fetch, Payments refund), for tests that drive the official `razorpay` SDK against it
 * (`RAZORPAY_API_URL`). It answers as Razorpay does: JSON bodies, HTTP Basic auth with the key id and
 * secret, amounts in minor units with upper-case currencies, Razorpay's error envelope. `pay()` and
 * `refundProcessed()` play the payer and Razorpay's back office: they return what Razorpay Checkout
 * hands the page (with its signature) and the webhook bodies Razorpay would send; `sign()` signs a body
 * as Razorpay does (HMAC-SHA256 with the webhook secret, hex).
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
  pay(orderId: string): RazorpayPaid;
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
    answer(res, 200, refund);
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
    sign: (body, secret = webhookSecret) => hmac(secret, body),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
