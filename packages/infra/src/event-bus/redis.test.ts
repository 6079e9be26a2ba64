import { afterAll, beforeAll } from 'vitest';
import { closeRedisClient, connectRedisClient, type RedisClient } from '../redis/connection.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { eventBusContract, TEST_EVENTS } from './event-bus.contract.ts';
import { createRedisEventBus, eventChannel } from './redis.ts';

const basePrefix = randomTestPrefix('events');
let raw: RedisClient;

beforeAll(async () => {
  raw = await connectRedisClient({ url: TEST_REDIS_URL, name: 'streamhub:test-injector' });
});

afterAll(async () => {
  await closeRedisClient(raw);
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

eventBusContract('redis', basePrefix, {
  open: (prefix, onError) => createRedisEventBus(TEST_EVENTS, { url: TEST_REDIS_URL, prefix, onError }),
  injectRaw: async (prefix, event, message) => {
    await raw.publish(eventChannel(prefix, event), message);
  },
});
