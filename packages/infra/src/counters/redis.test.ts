import { afterAll } from 'vitest';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { counterStoreContract } from './counter-store.contract.ts';
import { createRedisCounterStore } from './redis.ts';

const prefix = randomTestPrefix('counters');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

counterStoreContract('redis', {
  open: () => createRedisCounterStore({ url: TEST_REDIS_URL, prefix }),
  sharedAcrossInstances: true,
});
