import { afterAll } from 'vitest';
import { createBullMqJobQueue } from '../jobs/bullmq.ts';
import { createMemoryJobQueue } from '../jobs/memory.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { outboxContract } from './outbox.contract.ts';

const basePrefix = randomTestPrefix('outbox-pglite');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

outboxContract('PGlite + in-process runner', basePrefix, {
  driver: 'pglite',
  openQueue: async (definitions) => createMemoryJobQueue(definitions),
});

outboxContract('PGlite + BullMQ', basePrefix, {
  driver: 'pglite',
  openQueue: (definitions, prefix) => createBullMqJobQueue(definitions, { url: TEST_REDIS_URL, prefix }),
});
