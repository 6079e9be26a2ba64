import { afterAll } from 'vitest';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { createBullMqJobQueue } from './bullmq.ts';
import { jobQueueContract } from './job-queue.contract.ts';

const basePrefix = randomTestPrefix('jobs');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

jobQueueContract('bullmq', basePrefix, {
  open: (definitions, prefix, hooks) =>
    createBullMqJobQueue(definitions, { url: TEST_REDIS_URL, prefix, ...hooks }),
});
