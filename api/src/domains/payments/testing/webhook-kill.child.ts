/**
 * A real process for `webhook-kill.test.ts`: a worker of the payments webhook consumer on the app's own
 * backends (configured from the environment like `streamhub serve`: PostgreSQL + Redis/BullMQ, or the
 * embedded PGlite directory + the in-process runner), with the outbox relay and the payments module's
 * start-up timers. Argument: where it stops, waiting to be SIGKILLed:
 * - `in-transaction`: the consumer's handler has booked the ledger entry inside its transaction, not
 *   committed; prints `{"inTransaction": <outbox event id>, "entriesSeen": n}`;
 * - `after-commit`: the consumer's transaction committed, the job not yet acknowledged, and every
 *   stored event relayed (later jobs wait behind it); prints `{"committed": <outbox event id>}`;
 * - `none`: runs on; prints `{"jobDone": <outbox event id>, "attempt": n}` as each job of the consumer ends.
 * `in-transaction` also prints `batchSize`: how many stored events that transaction handled (a batch).
 * Every handler call prints `{"handling": <outbox event id>, "attempt": n}` first; `{"ready": true}` once
 * started. A second argument names a stored Razorpay event: `{"eventProcessed": id, "outcome": …}` is
 * printed once it is handled (the embedded directory can only be read through this process). Lines on
 * stdin are webhooks for this process to receive, as its gateway would (`{"body", "signature"}`), once
 * ready: the embedded shape, where one process receives and handles.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '@streamhub/config/config';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { rowsOf } from '@streamhub/db/rows';
import { createJobQueue } from '@streamhub/infra/jobs/factory';
import { type Consumer, consumerJobName, createConsumerRegistry } from '@streamhub/infra/outbox/consumers';
import { createOutboxRelay } from '@streamhub/infra/outbox/relay';
import { consumerJobHandlers } from '@streamhub/infra/outbox/runner';
import { createLogger } from '@streamhub/logger/logger';
import { sql } from 'drizzle-orm';
import { moduleConsumers } from '../../../modules/run-modules.ts';
import { MODULES } from '../../../modules.ts';
import { openBackends } from '../../../runtime/backends.ts';
import { servicesOnBackends } from '../../../runtime/services-on-backends.ts';
import { loadSigningKeys } from '../../auth/signing-keys.ts';
import { paymentsModule } from '../payments.module.ts';
import { PaymentsRepository } from '../payments.repository.ts';

const CONSUMER = 'payments.webhooks';
const cut = process.argv[2];
if (cut !== 'in-transaction' && cut !== 'after-commit' && cut !== 'none') {
  throw new Error('usage: in-transaction | after-commit | none');
}
const print = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
const forever = () => new Promise<never>(() => {});

const config = loadConfig(process.env, { envFile: false });
const logger = createLogger({ level: config.logLevel, name: 'webhook-kill' });
const signingKeys = await loadSigningKeys({ dataDir: config.dataDir, signingKeys: config.auth.signingKeys });
const backends = await openBackends(config, logger, { migrate: false });
const services = servicesOnBackends(backends, { config, logger, signingKeys, broadcast: [] });
const run = { config, logger, events: backends.events, media: backends.media };

const consumers = moduleConsumers(MODULES, services, run).map((consumer): Consumer<DomainEvents> => {
  if (consumer.name !== CONSUMER || consumer.mode === 'idempotent') return consumer;
  const wrapped: typeof consumer = {
    ...consumer,
    async handle(event, context) {
      await consumer.handle(event, context);
      if (cut !== 'in-transaction') return;
      // The tip's entry is written in this transaction; from outside nothing of it is visible yet.
      const stored = event.name === 'payment.webhook_received' ? event.payload.eventId : '';
      const orderId = stored.slice('order.paid:'.length);
      const result = await context.tx.execute(
        sql`select count(*)::int as n from payments.entries e
              join payments.payments p on p.entry_id = e.id where p.checkout_id = ${orderId}`,
      );
      const rows = rowsOf<{ n: number }>(result);
      // The events this transaction handled: their `processed_at` is its start time.
      const batch = await context.tx.execute(
        sql`select count(*)::int as n from payments.provider_events where processed_at = now()`,
      );
      const handled = rowsOf<{ n: number }>(batch);
      print({ inTransaction: event.id, entriesSeen: rows[0]?.n ?? null, batchSize: handled[0]?.n ?? null });
      await forever();
    },
  };
  return wrapped;
});
const registry = createConsumerRegistry(DOMAIN_EVENTS, consumers);
const queue = await createJobQueue(registry.jobDefinitions, {
  redisUrl: config.redisUrl,
  prefix: config.redisPrefix,
  onError: (error) => logger.error({ err: error }, 'consumer queue error'),
});
const handlers = consumerJobHandlers(registry, backends.database.db);
const jobName = consumerJobName(CONSUMER);
const handle = handlers[jobName];
if (!handle) throw new Error(`no handler for ${jobName}`);
/** `KILL_TEST_BATCH=n`: a job first waits (outside its transaction) until n stored events wait, so it batches them. */
const batchOf = Number(process.env.KILL_TEST_BATCH ?? '0');
handlers[jobName] = async (job, context) => {
  print({ handling: job.id, attempt: context.attempt });
  for (let waited = 0; batchOf > 0 && waited < 600; waited += 1) {
    const result = await backends.database.db.execute(
      sql`select count(*)::int as n from payments.provider_events where processed_at is null`,
    );
    const rows = rowsOf<{ n: number }>(result);
    if ((rows[0]?.n ?? 0) >= batchOf) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await handle(job, context);
  if (cut === 'after-commit') {
    // Hold the job (its lane too: one at a time) until the relay has published every stored event, so
    // jobs received meanwhile wait behind this one, in memory with the in-process runner.
    for (;;) {
      const result = await backends.database.db.execute(
        sql`select count(*)::int as n from events.outbox where published_at is null`,
      );
      const rows = rowsOf<{ n: number }>(result);
      if (rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    print({ committed: job.id });
    await forever();
  }
  print({ jobDone: job.id, attempt: context.attempt });
};
await queue.start(handlers, { concurrency: 1 });
const relay = createOutboxRelay({
  database: backends.database,
  registry,
  queue,
  onError: (error) => logger.error({ err: error }, 'outbox relay error'),
});
await relay.start();
const stopTimers = paymentsModule.timers?.(services, run);
print({ ready: true });

const received = createInterface({ input: process.stdin });
received.on('line', (line) => {
  if (!line.trim()) return;
  const { body, signature } = JSON.parse(line) as { body: string; signature: string };
  services.payments.receiveWebhook('razorpay', new TextEncoder().encode(body), signature).then(
    (receipt) => print({ received: receipt }),
    (error: unknown) => print({ receiveFailed: String(error) }),
  );
});

const watched = process.argv[3];
if (watched) {
  const events = new PaymentsRepository(backends.database.db);
  const poll = setInterval(() => {
    events.findEvent('razorpay', watched).then(
      (event) => {
        if (!event?.processedAt) return;
        clearInterval(poll);
        print({ eventProcessed: watched, outcome: event.outcome });
      },
      (error: unknown) => logger.error({ err: error }, 'watching the stored event failed'),
    );
  }, 50);
}

process.once('SIGTERM', () => {
  void (async () => {
    stopTimers?.();
    await relay.close();
    await queue.close();
    await backends.close();
    process.exit(0);
  })();
});
