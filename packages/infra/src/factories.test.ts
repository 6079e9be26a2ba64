import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCounterStore } from './counters/factory.ts';
import { createJobQueue } from './jobs/factory.ts';
import { openRedisConnection } from './redis/connection.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from './redis/testing.ts';

const prefix = randomTestPrefix('factories');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

describe('factories pick the implementation from redisUrl', () => {
  it('counters: separate stores share counts only on Redis', async () => {
    const [a, b] = [
      await createCounterStore({ redisUrl: TEST_REDIS_URL, prefix }),
      await createCounterStore({ redisUrl: TEST_REDIS_URL, prefix }),
    ];
    const [c, d] = [await createCounterStore(), await createCounterStore()];
    try {
      await a.hit('k', 10_000);
      expect((await b.hit('k', 10_000)).count).toBe(2);
      await c.hit('k', 10_000);
      expect((await d.hit('k', 10_000)).count).toBe(1);
    } finally {
      await Promise.all([a, b, c, d].map((store) => store.close()));
    }
  });

  it('jobs: with a URL the job lands in Redis under the prefix', async () => {
    const definitions = {
      'test.factory': { schema: z.object({}), attempts: 1, backoffMs: 10, timeoutMs: 1_000 },
    };
    const queue = await createJobQueue(definitions, { redisUrl: TEST_REDIS_URL, prefix });
    const redis = await openRedisConnection({ url: TEST_REDIS_URL, prefix });
    try {
      const jobId = await queue.enqueue('test.factory', {}, { jobId: 'factory-check' });
      expect(jobId).toBe('factory-check');
      expect(await redis.client.exists(redis.key('jobs:test.factory:factory-check'))).toBe(1);
    } finally {
      await queue.close();
      await redis.close();
    }
  });
});
