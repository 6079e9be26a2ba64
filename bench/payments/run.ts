/**
 * The payments ledger and webhook pipeline under load (issue 14's benchmark), on PostgreSQL and on
 * PGlite, with balances checked exact after every run:
 *
 * - ledger transfers per second with 16 concurrent writers, each transfer one balanced entry through
 *   LedgerService.transfer (its own transaction, accounts locked in id order): `spread` moves money
 *   between random pairs of 1,000 accounts; `hot` credits one creator account from random others;
 *   `tip split` books the real three-line tip (the provider's clearing and the platform's fees are one
 *   account each per currency, so every tip touches two hot rows);
 * - Stripe webhook events per second through the gateway's path: signature check (node:crypto HMAC on the raw bytes),
 *   store-once with its outbox row, then the durable consumer (relay, job, the `once` guard) that books
 *   the tip in the ledger with `tip.received`; then the same events replayed (dedupe only).
 *
 *   node --import tsx bench/payments/run.ts [--seconds 5] [--writers 16] [--events 2000] [--consumers 16] [--batch 16] [--drivers postgres,pglite]
 *
 * After each run the bench asserts: every entry balances, every account's balance and version equal the
 * sum and count of its lines, and the balances equal what the bench itself expects from what it sent.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createTestBackends } from '@streamhub/api/testing/test-deps';
import type { Database, Driver } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { createTestDatabase } from '@streamhub/db/testing';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import {
  type AccountRef,
  LedgerRepository,
  type NewEntry,
} from '../../api/src/domains/payments/ledger.repository.ts';
import {
  accounts,
  LedgerService,
  platformFeeOf,
  tipLines,
} from '../../api/src/domains/payments/ledger.service.ts';
import { PaymentsRepository } from '../../api/src/domains/payments/payments.repository.ts';
import { paidTipCheckoutEvent } from '../../api/src/domains/payments/testing/stripe-events.ts';
import { startTestOutbox } from '../../api/src/testing/test-outbox.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    writers: { type: 'string', default: '16' },
    events: { type: 'string', default: '2000' },
    drivers: { type: 'string', default: 'postgres,pglite' },
    consumers: { type: 'string', default: '16' },
    parts: { type: 'string', default: 'ledger,webhooks' },
    batch: { type: 'string', default: '16' },
  },
});
const SECONDS = Number(values.seconds);
const WRITERS = Number(values.writers);
const EVENTS = Number(values.events);
const DRIVERS = values.drivers.split(',') as Driver[];
/** Durable-consumer jobs at once: a gateway runs 1, `streamhub serve worker --concurrency N` runs N. */
const CONSUMERS = Number(values.consumers);
const ACCOUNTS = 1000;
const PARTS = new Set(values.parts.split(','));
/** Entries per statement in the batched runs (`LedgerService.transferMany`): one writer's queue. */
const BATCH = Number(values.batch);

const key = (ref: AccountRef) => `${ref.kind}/${ref.currency}/${ref.owner}`;
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`balance check failed: ${message}`);
}

/** Asserts the ledger's invariants and that each account holds what the bench expects of it. */
async function assertExact(
  ledger: LedgerRepository,
  expected: Map<string, number>,
  refs: Map<string, AccountRef>,
) {
  check((await ledger.unbalancedEntries()).length === 0, 'an entry does not sum to zero');
  const drift = await ledger.drift();
  check(drift.length === 0, `${drift.length} accounts' balance or version differ from their lines`);
  for (const [name, amount] of expected) {
    const ref = refs.get(name);
    if (!ref) throw new Error(`unknown account ${name}`);
    const balance = (await ledger.account(ref))?.balance ?? 0;
    check(balance === amount, `${name} holds ${balance}, expected ${amount}`);
  }
}

type Scenario = 'spread' | 'spread, own transaction' | 'hot' | 'tip split';

/** The anchor: WRITERS loops of `select 1`, one round trip each, on the same pool in the same run. */
async function roundTrips(database: Database) {
  let done = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < deadline) {
        await database.db.execute(sql`select 1`);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** WRITERS loops posting one entry each time until SECONDS pass; resolves to transfers/s and latencies. */
async function transfers(database: Database, scenario: Scenario, batch = 1) {
  const repository = new LedgerRepository(database.db);
  const ledger = new LedgerService({ db: database.db, ledger: repository });
  const run = randomUUID().slice(0, 8);
  const pool: AccountRef[] = Array.from({ length: ACCOUNTS }, (_, i) =>
    accounts.creator(`${run}-${i}`, 'usd'),
  );
  const hot = accounts.creator(`${run}-hot`, 'usd');
  const expected = new Map<string, number>();
  const refs = new Map<string, AccountRef>();
  const book = (entry: NewEntry) => {
    for (const { account, amount } of entry.lines) {
      expected.set(key(account), (expected.get(key(account)) ?? 0) + amount);
      refs.set(key(account), account);
    }
  };
  // The clearing and fee accounts are shared with earlier runs on this database: count from their start.
  const clearing = accounts.clearing(`bench-${run}`, 'usd');
  const fees = accounts.platformFees('usd');
  const feesBefore = (await repository.account(fees))?.balance ?? 0;
  if (scenario === 'tip split') {
    expected.set(key(fees), feesBefore);
    refs.set(key(fees), fees);
  }
  const entryOf = (): NewEntry => {
    const amount = 1 + Math.floor(Math.random() * 5000);
    if (scenario === 'tip split') {
      const owner = pick(pool).owner;
      return {
        kind: 'tip',
        currency: 'usd',
        lines: tipLines({
          provider: clearing.owner,
          channelId: owner,
          currency: 'usd',
          amount,
          platformFee: platformFeeOf(amount, 1000),
        }),
      };
    }
    const from = pick(pool);
    let to = scenario === 'hot' ? hot : pick(pool);
    while (to === from) to = pick(pool);
    return {
      kind: 'bench',
      currency: 'usd',
      lines: [
        { account: from, amount: -amount },
        { account: to, amount },
      ],
    };
  };
  // Warm-up: create the accounts outside the measured window (a ledger's accounts exist before its traffic).
  const warmUp: NewEntry[] = pool.map((account, i) => ({
    kind: 'bench',
    currency: 'usd',
    lines: [
      { account, amount: 1 },
      { account: i === 0 ? hot : (pool[0] as AccountRef), amount: -1 },
    ],
  }));
  for (let i = 0; i < warmUp.length; i += 100) {
    const chunk = warmUp.slice(i, i + 100);
    await ledger.transferMany(chunk);
    for (const entry of chunk) book(entry);
  }
  if (scenario === 'tip split') {
    const first = entryOf();
    await ledger.transfer(first);
    book(first);
  }
  let done = 0;
  const latencies: number[] = [];
  const serverBefore = await serverCpu(database);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        if (batch > 1) {
          // One writer's queue of `batch` movements, booked in one statement (one commit).
          const entries = Array.from({ length: batch }, entryOf);
          await ledger.transferMany(entries);
          for (const entry of entries) book(entry);
          done += batch;
        } else {
          const entry = entryOf();
          if (scenario === 'spread, own transaction') {
            // Ablation: the posting wrapped in a transaction as callers that join one do (BEGIN, COMMIT).
            await database.db.transaction((tx) => ledger.transfer(entry, tx));
          } else {
            await ledger.transfer(entry);
          }
          book(entry);
          done += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverMs = (await serverCpu(database)) - serverBefore;
  await assertExact(repository, expected, refs);
  latencies.sort((a, b) => a - b);
  return {
    rate: done / elapsed,
    done,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    cpuMsPer: (cpu.user + cpu.system) / 1000 / done,
    perCpuSecond: serverMs > 0 ? done / ((serverMs + (cpu.user + cpu.system) / 1000) / 1000) : Number.NaN,
  };
}

/**
 * CPU time (ms) the PostgreSQL backends serving this database have used so far, from /proc (the server
 * runs on this machine); NaN where that cannot be read (PGlite, another host). WAL writer and
 * checkpointer are shared with every other database and not counted.
 */
async function serverCpu(database: Database): Promise<number> {
  if (database.driver !== 'postgres') return Number.NaN;
  const result = await database.db.execute(
    sql`select pid from pg_stat_activity where datname = current_database()`,
  );
  const rows = rowsOf<{ pid: number }>(result);
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command's name.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  }
  // USER_HZ is 100 on Linux.
  return ticks * 10;
}

/** EVENTS signed tip webhooks through receiveWebhook and the durable consumer, then replayed. */
async function webhooks(driver: Driver, batch: number) {
  const webhookSecret = 'whsec_bench';
  const backends = await createTestBackends(driver);
  const deps = backends.deps({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    // Never called: the webhook path makes no API call.
    STRIPE_API_URL: 'http://127.0.0.1:9',
    PAYMENTS_PLATFORM_FEE_BPS: '1000',
    // 1: each event in its own consumer transaction; more: a job takes up to that many waiting events.
    PAYMENTS_WEBHOOK_BATCH: String(batch),
  });
  // The relay and every module's consumers, as a worker runs them.
  const outbox = await startTestOutbox(backends, deps, CONSUMERS);
  try {
    const db = backends.database.db;
    const payments = new PaymentsRepository(db);
    const signer = new Stripe('sk_test_bench');
    const channels = Array.from({ length: 50 }, () => randomUUID());
    const expected = new Map<string, number>();
    const bodies: { raw: Uint8Array; signature: string }[] = [];
    // The payments the checkouts were opened for, and the events Stripe would send, made up front.
    for (let i = 0; i < EVENTS; i += 1) {
      const channelId = pick(channels);
      const amount = 100 + Math.floor(Math.random() * 5000);
      const platformFee = platformFeeOf(amount, 1000);
      const payment = await payments.create({
        provider: 'stripe',
        channelId,
        creatorId: channelId,
        payerId: null,
        amount,
        currency: 'usd',
        platformFee,
        message: null,
        destination: null,
      });
      const checkoutId = `cs_bench_${payment.id}`;
      await payments.setCheckout(payment.id, checkoutId);
      expected.set(channelId, (expected.get(channelId) ?? 0) + amount - platformFee);
      const payload = JSON.stringify(
        paidTipCheckoutEvent({
          eventId: `evt_bench_${payment.id}`,
          checkoutId,
          paymentIntent: `pi_bench_${payment.id}`,
          paymentId: payment.id,
          channelId,
          amount,
          currency: 'usd',
        }),
      );
      const signature = await signer.webhooks.generateTestHeaderStringAsync({
        payload,
        secret: webhookSecret,
      });
      bodies.push({ raw: new TextEncoder().encode(payload), signature });
    }
    const processed = async () => {
      const rows = await db.execute(
        sql`select count(*)::int as n from payments.provider_events where processed_at is not null`,
      );
      const list = rowsOf<{ n: number }>(rows);
      return list[0]?.n ?? 0;
    };
    const receiveAll = async () => {
      let next = 0;
      let duplicates = 0;
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++];
            if (!body) break;
            const receipt = await deps.services.payments.receiveWebhook('stripe', body.raw, body.signature);
            if (receipt.duplicate) duplicates += 1;
          }
        }),
      );
      return duplicates;
    };
    const serverBefore = await serverCpu(backends.database);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    check((await receiveAll()) === 0, 'a first delivery was taken for a duplicate');
    const received = performance.now();
    while ((await processed()) < EVENTS) {
      if (performance.now() - started > 600_000) throw new Error('events not processed within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const finished = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const serverMs = (await serverCpu(backends.database)) - serverBefore;
    // A redelivery is signed anew, as Stripe signs each attempt: on a loaded machine the first
    // signatures can be older than the 5-minute tolerance by now.
    for (const body of bodies) {
      body.signature = await signer.webhooks.generateTestHeaderStringAsync({
        payload: new TextDecoder().decode(body.raw),
        secret: webhookSecret,
      });
    }
    const replayStart = performance.now();
    check((await receiveAll()) === EVENTS, 'a replay was stored again');
    const replayed = performance.now();

    const ledger = new LedgerRepository(db);
    const refs = new Map<string, AccountRef>();
    const want = new Map<string, number>();
    for (const [channelId, amount] of expected) {
      const ref = accounts.creator(channelId, 'usd');
      refs.set(key(ref), ref);
      want.set(key(ref), amount);
    }
    await assertExact(ledger, want, refs);
    const booked = await db.execute(
      sql`select count(*)::int as n from payments.payments where status = 'succeeded'`,
    );
    const bookedList = rowsOf<{
      n: number;
    }>(booked);
    check(bookedList[0]?.n === EVENTS, `${bookedList[0]?.n} of ${EVENTS} tips booked`);
    // Each consumer transaction stamps the events it handled with its start time (now()).
    const transactions = await db.execute(
      sql`select count(distinct processed_at)::int as n from payments.provider_events`,
    );
    const transactionList = (
      Array.isArray(transactions) ? transactions : (transactions as { rows: unknown[] }).rows
    ) as { n: number }[];
    return {
      receivePerSecond: EVENTS / ((received - started) / 1000),
      endToEndPerSecond: EVENTS / ((finished - started) / 1000),
      replayPerSecond: EVENTS / ((replayed - replayStart) / 1000),
      cpuMsPer: (cpu.user + cpu.system) / 1000 / EVENTS,
      serverCpuMsPer: serverMs / EVENTS,
      eventsPerTransaction: EVENTS / (transactionList[0]?.n ?? EVENTS),
    };
  } finally {
    await outbox.close();
    await backends.close();
  }
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
console.log(
  `bench/payments: ${WRITERS} writers, ${SECONDS} s per ledger run, ${EVENTS} webhook events, ${CONSUMERS} consumer jobs at once; ${cpus().length} CPUs, load ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
for (const driver of DRIVERS) {
  if (PARTS.has('ledger')) await ledgerRuns(driver);
  if (PARTS.has('webhooks')) await webhookRun(driver);
}

async function ledgerRuns(driver: Driver) {
  const database = await createTestDatabase(driver);
  try {
    const anchor = await roundTrips(database);
    console.log(`${driver.padEnd(8)} anchor: ${fmt(anchor)} round trips/s (select 1, ${WRITERS} writers)`);
    const runs: [Scenario, number][] = [
      ['spread', 1],
      ['spread, own transaction', 1],
      ['hot', 1],
      ['tip split', 1],
    ];
    if (BATCH > 1) runs.push(['spread', BATCH], ['hot', BATCH], ['tip split', BATCH]);
    for (const [scenario, batch] of runs) {
      const r = await transfers(database, scenario, batch);
      const name = batch > 1 ? `${scenario}, ×${batch}/statement` : scenario;
      console.log(
        `${driver.padEnd(8)} ledger ${name.padEnd(23)} ${fmt(r.rate)} transfers/s = ${fmt(r.rate / anchor)} × anchor (${r.done} in ${SECONDS} s), per statement p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, bench-process CPU ${fmt(r.cpuMsPer)} ms/transfer, ${fmt(r.perCpuSecond)} transfers per CPU-second of PostgreSQL backends + bench; balances exact; load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
  } finally {
    await database.close();
  }
}

async function webhookRun(driver: Driver) {
  // The machine's round trips in the same minutes, so a figure taken under load can be compared.
  const database = await createTestDatabase(driver);
  let anchor: number;
  try {
    anchor = await roundTrips(database);
  } finally {
    await database.close();
  }
  console.log(`${driver.padEnd(8)} anchor: ${fmt(anchor)} round trips/s (select 1, ${WRITERS} writers)`);
  // The one-by-one path first, as the anchor of the batched one in the same run (same load).
  for (const batch of BATCH > 1 ? [1, BATCH] : [1]) {
    const w = await webhooks(driver, batch);
    const name = batch > 1 ? `webhooks, ≤${batch} events/transaction` : 'webhooks, one by one';
    console.log(
      `${driver.padEnd(8)} ${name}: received (signature + store once + outbox) ${fmt(w.receivePerSecond)}/s, through the job (ledger booked) ${fmt(w.endToEndPerSecond)}/s = ${(w.endToEndPerSecond / anchor).toFixed(4)} × anchor, replays (dedupe) ${fmt(w.replayPerSecond)}/s, process CPU ${fmt(w.cpuMsPer)} ms/event, PostgreSQL backends ${fmt(w.serverCpuMsPer)} ms/event, ${fmt(w.eventsPerTransaction)} events per consumer transaction; balances exact; load ${loadavg()[0]?.toFixed(2)}`,
    );
  }
}
