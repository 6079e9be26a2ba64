/**
 * "A worker killed mid-processing loses nothing" (issue 14), with real processes: a signed Razorpay
 * `order.paid` is stored with its durable event, and the process running the payments webhook consumer
 * (webhook-kill.child.ts, the app's own backends and consumers) is SIGKILLed at two points:
 * - inside the consumer's transaction, after the tip's ledger entry was written and before commit;
 * - after the commit, before the job was acknowledged.
 * After a restart each tip is booked exactly once: one ledger entry, one `tip.received`, balances exact.
 * The same for a batch: three waiting webhooks handled in one transaction, killed before its commit.
 * On PostgreSQL with BullMQ on Redis (the stalled job is re-run and finds the work done) and on the
 * embedded PGlite directory with the in-process runner (whose jobs die with the process: the payments
 * module's start-up pass handles the stored event).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@streamhub/config/config';
import type { Database } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { createScratchPostgresDatabase, type ScratchPostgresDatabase } from '@streamhub/db/testing';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { createLogger } from '@streamhub/logger/logger';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openBackends } from '../../runtime/backends.ts';
import { servicesOnBackends } from '../../runtime/services-on-backends.ts';
import { generateSigningJwk, loadSigningKeys } from '../auth/signing-keys.ts';
import { PaymentsRepository } from './payments.repository.ts';

const CHILD = fileURLToPath(new URL('./testing/webhook-kill.child.ts', import.meta.url));
const AMOUNT = 10_000;
const SHARE = 9_000;
/** A tip's books once its event is handled: one entry, one tip, the creator's share payable. */
const BOOKED_ONCE = { entries: 1, tips: 1, status: 'succeeded', processed: true, balance: String(SHARE) };
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface SignedWebhook {
  body: string;
  signature: string;
}

interface Running {
  child: ChildProcess;
  /** Hands the process a webhook to receive, as its gateway would. */
  receive(webhook: SignedWebhook): void;
  lines: Record<string, unknown>[];
  /** Resolves with the first printed message whose `key` is `value` (any value when omitted). */
  waitFor(key: string, value?: unknown, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Starts the worker child with `env` (the app's settings) stopping at `cut`. */
function start(env: Record<string, string>, cut: string, watch?: string): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, cut, ...(watch ? [watch] : [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      // The app's JSON logs share stdout; only the child's own messages matter here.
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const waitFor = (key: string, value?: unknown, timeoutMs = 30_000) =>
    vi.waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`child ${cut} exited: ${stderr}`);
        const found = lines.find((line) => key in line && (value === undefined || line[key] === value));
        if (!found) throw new Error(`no "${key}" from ${cut} yet`);
        return found;
      },
      { timeout: timeoutMs, interval: 25 },
    );
  const receive = (webhook: SignedWebhook) => {
    child.stdin?.write(`${JSON.stringify(webhook)}\n`);
  };
  return { child, lines, waitFor, receive };
}

async function kill(running: Running, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = once(running.child, 'exit');
  running.child.kill(signal);
  await exited;
}

/** The app's services on the settings' backends, in this process (to seed and to check). */
async function openApp(env: Record<string, string>, migrate: boolean) {
  const config = loadConfig(env, { envFile: false });
  const logger = createLogger({ level: 'silent', name: 'webhook-kill-test' });
  const signingKeys = await loadSigningKeys({
    dataDir: config.dataDir,
    signingKeys: config.auth.signingKeys,
  });
  const backends = await openBackends(config, logger, { migrate });
  const services = servicesOnBackends(backends, { config, logger, signingKeys, broadcast: [] });
  return { backends, services, db: backends.database.db };
}

interface SeededTip {
  paymentId: string;
  channelId: string;
  eventId: string;
  webhook: SignedWebhook;
}

/** A pending ₹100 Razorpay tip and its `order.paid`, signed as Razorpay signs it (not delivered yet). */
async function seedPendingTip(
  app: Awaited<ReturnType<typeof openApp>>,
  webhookSecret: string,
): Promise<SeededTip> {
  const repository = new PaymentsRepository(app.db);
  const channelId = randomUUID();
  const payment = await repository.create({
    provider: 'razorpay',
    channelId,
    creatorId: randomUUID(),
    payerId: randomUUID(),
    amount: AMOUNT,
    currency: 'inr',
    platformFee: AMOUNT - SHARE,
    message: null,
    destination: null,
  });
  const orderId = `order_${randomBytes(7).toString('hex')}`;
  await repository.setCheckout(payment.id, orderId);
  const entity = (value: Record<string, unknown>) => ({ entity: value });
  const body = JSON.stringify({
    entity: 'event',
    account_id: 'acc_platform0001',
    event: 'order.paid',
    contains: ['payment', 'order'],
    payload: {
      payment: entity({
        id: `pay_${randomBytes(7).toString('hex')}`,
        entity: 'payment',
        amount: AMOUNT,
        amount_refunded: 0,
        currency: 'INR',
        status: 'captured',
        order_id: orderId,
      }),
      order: entity({
        id: orderId,
        entity: 'order',
        amount: AMOUNT,
        amount_paid: AMOUNT,
        amount_due: 0,
        currency: 'INR',
        receipt: payment.id,
        status: 'paid',
        notes: { payment_id: payment.id },
      }),
    },
    created_at: Math.floor(Date.now() / 1000),
  });
  const signature = createHmac('sha256', webhookSecret).update(body).digest('hex');
  return { paymentId: payment.id, channelId, eventId: `order.paid:${orderId}`, webhook: { body, signature } };
}

/** Delivers a seeded tip's webhook through this process's service; resolves to its durable event's id. */
async function deliver(app: Awaited<ReturnType<typeof openApp>>, tip: SeededTip): Promise<string> {
  const { body, signature } = tip.webhook;
  const receipt = await app.services.payments.receiveWebhook(
    'razorpay',
    new TextEncoder().encode(body),
    signature,
  );
  expect(receipt).toEqual({ received: true, duplicate: false });
  const [outbox] = rowsOf<{ id: string }>(
    await app.db.execute(
      sql`select id::text as id from events.outbox where name = 'payment.webhook_received' and payload->>'eventId' = ${tip.eventId}`,
    ),
  );
  if (!outbox) throw new Error('the webhook stored no durable event');
  return outbox.id;
}

/** What the books say of one seeded tip. */
async function booksOf(db: Database['db'], tip: { paymentId: string; channelId: string; eventId: string }) {
  const [row] = rowsOf<{
    entries: number;
    tips: number;
    status: string;
    processed: boolean;
    balance: string | null;
  }>(
    await db.execute(sql`
      select
        (select count(*)::int from payments.entries where payment_id = ${tip.paymentId}::uuid) as entries,
        (select count(*)::int from events.outbox
          where name = 'tip.received' and payload->>'paymentId' = ${tip.paymentId}) as tips,
        (select status::text from payments.payments where id = ${tip.paymentId}::uuid) as status,
        (select processed_at is not null from payments.provider_events
          where provider = 'razorpay' and event_id = ${tip.eventId}) as processed,
        (select balance::text from payments.accounts
          where kind = 'creator_payable' and owner = ${tip.channelId} and currency = 'inr') as balance`),
  );
  return row;
}

/** Every ledger entry's lines sum to zero, and every account's balance is the sum of its lines. */
async function ledgerBalanced(db: Database['db']): Promise<void> {
  const unbalanced = rowsOf(
    await db.execute(sql`select entry_id from payments.lines group by entry_id having sum(amount) <> 0`),
  );
  const drifted = rowsOf(
    await db.execute(sql`
      select a.id from payments.accounts a left join payments.lines l on l.account_id = a.id
      group by a.id, a.balance having a.balance <> coalesce(sum(l.amount), 0)`),
  );
  expect({ unbalanced, drifted }).toEqual({ unbalanced: [], drifted: [] });
}

const rzpEnv = async (webhookSecret: string) => ({
  LOG_LEVEL: 'silent',
  SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
  PAYMENTS_CURRENCIES: 'usd,inr',
  PAYMENTS_PLATFORM_FEE_BPS: '1000',
  RAZORPAY_KEY_ID: 'rzp_test_killtest',
  RAZORPAY_KEY_SECRET: 'kill-test-key-secret',
  RAZORPAY_WEBHOOK_SECRET: webhookSecret,
  RAZORPAY_CURRENCIES: 'inr',
});

describe('a payments worker SIGKILLed mid-event on PostgreSQL + BullMQ', () => {
  let scratch: ScratchPostgresDatabase;
  let dataDir: string;
  let app: Awaited<ReturnType<typeof openApp>>;
  const prefix = randomTestPrefix('payments-kill');
  const webhookSecret = randomBytes(12).toString('hex');
  let env: Record<string, string>;

  beforeAll(async () => {
    scratch = await createScratchPostgresDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'payments-kill-'));
    env = {
      ...(await rzpEnv(webhookSecret)),
      DATABASE_URL: scratch.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      STREAMHUB_DATA_DIR: dataDir,
    };
    app = await openApp(env, true);
  });
  afterAll(async () => {
    await app?.backends.close();
    await scratch?.drop();
    await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('books each tip once whether killed before the commit or between the commit and the ack', async () => {
    // 1. Killed inside the transaction: the entry was written there and never committed. (The webhook
    //    comes once the worker runs, so that its job, not its start-up pass, handles it.)
    const first = await seedPendingTip(app, webhookSecret);
    const a = start(env, 'in-transaction');
    await a.waitFor('ready');
    const firstOutbox = await deliver(app, first);
    const inside = await a.waitFor('inTransaction', firstOutbox);
    expect(inside.entriesSeen).toBe(1);
    expect(await booksOf(app.db, first)).toMatchObject({
      entries: 0,
      tips: 0,
      status: 'pending',
      processed: false,
    });
    await kill(a);
    expect(await booksOf(app.db, first)).toMatchObject({
      entries: 0,
      tips: 0,
      status: 'pending',
      processed: false,
    });

    // 2. A restarted worker books it (its start-up pass, or BullMQ's re-run of the stalled job); a second
    //    tip's job commits and the worker is killed before acknowledging it.
    const b = start(env, 'after-commit');
    await b.waitFor('ready');
    const second = await seedPendingTip(app, webhookSecret);
    const secondOutbox = await deliver(app, second);
    await b.waitFor('committed', secondOutbox);
    await kill(b);
    for (const tip of [first, second]) {
      expect(await booksOf(app.db, tip)).toEqual(BOOKED_ONCE);
    }

    // 3. Both jobs are still in Redis, active under a dead worker's lock. The next worker's stalled-job
    //    check re-runs them; each finds its event handled and books nothing.
    const c = start(env, 'none');
    await c.waitFor('jobDone', firstOutbox, 120_000);
    await c.waitFor('jobDone', secondOutbox, 120_000);
    for (const tip of [first, second]) {
      expect(await booksOf(app.db, tip)).toEqual(BOOKED_ONCE);
    }
    await ledgerBalanced(app.db);
    await kill(c, 'SIGTERM');
  }, 240_000);

  it('loses no event of a batch killed before its commit', async () => {
    // Three webhooks wait; the first job takes all three in one transaction and is killed in it.
    const tips = [
      await seedPendingTip(app, webhookSecret),
      await seedPendingTip(app, webhookSecret),
      await seedPendingTip(app, webhookSecret),
    ];
    const batchEnv = { ...env, KILL_TEST_BATCH: '3' };
    const a = start(batchEnv, 'in-transaction');
    await a.waitFor('ready');
    const outboxIds = await Promise.all(tips.map((tip) => deliver(app, tip)));
    expect((await a.waitFor('inTransaction')).batchSize).toBe(3);
    await kill(a);
    for (const tip of tips) {
      expect(await booksOf(app.db, tip)).toMatchObject({
        entries: 0,
        tips: 0,
        status: 'pending',
        processed: false,
      });
    }

    // The next worker re-runs the stalled job and the others' jobs: each tip booked once.
    const b = start(env, 'none');
    for (const id of outboxIds) await b.waitFor('jobDone', id, 120_000);
    for (const tip of tips) {
      expect(await booksOf(app.db, tip)).toEqual(BOOKED_ONCE);
    }
    await ledgerBalanced(app.db);
    await kill(b, 'SIGTERM');
  }, 240_000);
});

describe('a payments process SIGKILLed mid-event on embedded PGlite with the in-process runner', () => {
  let dataDir: string;
  const webhookSecret = randomBytes(12).toString('hex');
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'payments-kill-pglite-'));
    env = { ...(await rzpEnv(webhookSecret)), STREAMHUB_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Seeds one pending tip with the directory to itself (one process at a time may open it). */
  const seed = async (migrate: boolean) => {
    const app = await openApp(env, migrate);
    try {
      return await seedPendingTip(app, webhookSecret);
    } finally {
      await app.backends.close();
    }
  };
  const books = async (tip: Awaited<ReturnType<typeof seed>>) => {
    const app = await openApp(env, false);
    try {
      await ledgerBalanced(app.db);
      return await booksOf(app.db, tip);
    } finally {
      await app.backends.close();
    }
  };
  /**
   * Restarts the process (it holds the directory, so it is the one that watches the stored event) and
   * stops it cleanly once the tip's event is handled.
   */
  const restart = async (tip: Awaited<ReturnType<typeof seed>>) => {
    const running = start(env, 'none', tip.eventId);
    await running.waitFor('eventProcessed', tip.eventId, 60_000);
    await kill(running, 'SIGTERM');
  };

  it('books each tip once whether killed before the commit or between the commit and the ack', async () => {
    const first = await seed(true);
    // The embedded shape: the process that receives the webhook handles it.
    const a = start(env, 'in-transaction');
    await a.waitFor('ready');
    a.receive(first.webhook);
    expect((await a.waitFor('inTransaction')).entriesSeen).toBe(1);
    await kill(a);
    expect(await books(first)).toMatchObject({ entries: 0, tips: 0, status: 'pending', processed: false });
    await restart(first);
    expect(await books(first)).toEqual(BOOKED_ONCE);

    // Two webhooks at once: the first's job commits and is killed before its ack while the second's job,
    // relayed and marked published, waits behind it in memory and dies with the process.
    const second = await seed(false);
    const third = await seed(false);
    const b = start(env, 'after-commit');
    await b.waitFor('ready');
    b.receive(second.webhook);
    b.receive(third.webhook);
    await b.waitFor('committed');
    await kill(b);
    await restart(third);
    for (const tip of [second, third]) {
      expect(await books(tip)).toEqual(BOOKED_ONCE);
    }
  }, 240_000);

  it('loses no event of a batch killed before its commit', async () => {
    const tips = [await seed(false), await seed(false), await seed(false)];
    const a = start({ ...env, KILL_TEST_BATCH: '3' }, 'in-transaction');
    await a.waitFor('ready');
    for (const tip of tips) a.receive(tip.webhook);
    expect((await a.waitFor('inTransaction')).batchSize).toBe(3);
    await kill(a);
    for (const tip of tips) {
      expect(await books(tip)).toMatchObject({ entries: 0, tips: 0, status: 'pending', processed: false });
    }
    // The restarted process's start-up pass handles the three stored events.
    const last = tips[2];
    if (!last) throw new Error('no tip');
    await restart(last);
    for (const tip of tips) {
      expect(await books(tip)).toEqual(BOOKED_ONCE);
    }
  }, 240_000);
});
