import { type Database, openDatabase } from '@streamhub/db/client';
import { afterAll } from 'vitest';
import { createBullMqJobQueue } from '../jobs/bullmq.ts';
import { createMemoryJobQueue } from '../jobs/memory.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { outboxContract } from './outbox.contract.ts';

const basePrefix = randomTestPrefix('outbox-postgres');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

/** Another pool on the same database, as a second replica would have. */
async function secondPool(database: Database): Promise<Database> {
  if (database.driver !== 'postgres') throw new Error('expected PostgreSQL');
  const { host, port, database: name, user, pass } = database.client.options;
  const url = new URL(`postgres://${host[0]}:${port[0]}/${name}`);
  url.username = user;
  if (typeof pass === 'string') url.password = pass;
  return openDatabase({ databaseUrl: url.toString() });
}

outboxContract('PostgreSQL + in-process runner', basePrefix, {
  driver: 'postgres',
  openQueue: async (definitions) => createMemoryJobQueue(definitions),
  openSecondConnection: secondPool,
});

outboxContract('PostgreSQL + BullMQ', basePrefix, {
  driver: 'postgres',
  openQueue: (definitions, prefix) => createBullMqJobQueue(definitions, { url: TEST_REDIS_URL, prefix }),
  openSecondConnection: secondPool,
});
