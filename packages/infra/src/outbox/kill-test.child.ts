/**
 * A real process for `outbox-kill.test.ts`, on PostgreSQL and Redis. Modes:
 * - `produce`: commits a change with its event, prints `{"committed": id}`, and waits to be killed
 *   (no relay runs here, so the event is stored and nothing else).
 * - `relay-stall`: runs the relay without consumers; after enqueueing a batch it prints
 *   `{"enqueued": ids}` and stalls before marking the rows published, waiting to be killed.
 * - `serve`: runs the relay and the consumer; prints `{"handled": id, "attempt": n}` for every call.
 * Arguments: mode, database URL, Redis URL, Redis prefix.
 */
import { openDatabase } from '@streamhub/db/client';
import { createBullMqJobQueue } from '../jobs/bullmq.ts';
import { createConsumerRegistry, defineConsumer } from './consumers.ts';
import { createOutboxRelay } from './relay.ts';
import { startConsumers } from './runner.ts';
import { commitChange, recordEffect, TEST_EVENTS } from './testing.ts';

const [mode, databaseUrl, redisUrl, prefix] = process.argv.slice(2);
if (!mode || !databaseUrl || !redisUrl || !prefix) throw new Error('usage: mode databaseUrl redisUrl prefix');

const print = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
const forever = () => new Promise<never>(() => {});

const KILL_TEST_CONSUMER = 'kill-test';

const database = await openDatabase({ databaseUrl });
if (mode === 'produce') {
  print({ committed: await commitChange(database.db, 'killed', 1) });
  await forever();
}

const registry = createConsumerRegistry(TEST_EVENTS, [
  defineConsumer(TEST_EVENTS, {
    name: KILL_TEST_CONSUMER,
    mode: 'once',
    events: ['test.changed'],
    async handle(event, { tx, attempt }) {
      print({ handled: event.id, attempt });
      await recordEffect(tx, {
        consumer: KILL_TEST_CONSUMER,
        eventId: event.id,
        aggregate: event.aggregate,
        seq: event.seq,
      });
    },
  }),
]);
const queue = await createBullMqJobQueue(registry.jobDefinitions, { url: redisUrl, prefix });
const relay = createOutboxRelay({
  database,
  registry,
  queue,
  async afterEnqueue(ids) {
    if (mode !== 'relay-stall') return;
    print({ enqueued: ids });
    await forever();
  },
});
if (mode === 'serve') await startConsumers(queue, registry, database.db);
await relay.start();
print({ ready: true });
process.once('SIGTERM', () => {
  void (async () => {
    await relay.close();
    await queue.close();
    await database.close();
    process.exit(0);
  })();
});
