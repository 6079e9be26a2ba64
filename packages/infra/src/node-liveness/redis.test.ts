import { afterAll } from 'vitest';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { nodeLivenessContract } from './node-liveness.contract.ts';
import { createRedisNodeLiveness } from './redis.ts';

const prefix = randomTestPrefix('node-liveness');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

nodeLivenessContract('redis', {
  open: () => createRedisNodeLiveness({ url: TEST_REDIS_URL, prefix }),
  sharedAcrossInstances: true,
});
