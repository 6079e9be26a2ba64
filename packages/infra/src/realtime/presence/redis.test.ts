import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, connectRedisClient, type RedisClient } from '../../redis/connection.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../../redis/testing.ts';
import { presenceStoreContract } from './presence-store.contract.ts';
import { createRedisPresenceStore, presenceMember } from './redis.ts';

const basePrefix = randomTestPrefix('presence');
let raw: RedisClient;

beforeAll(async () => {
  raw = await connectRedisClient({ url: TEST_REDIS_URL, name: 'streamhub:test-inspector' });
});

afterAll(async () => {
  await closeRedisClient(raw);
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

presenceStoreContract('redis', basePrefix, {
  open: (prefix) => createRedisPresenceStore({ url: TEST_REDIS_URL, prefix }),
});

describe('redis presence store', () => {
  it('keeps one sorted set per room that expires with its longest hold and goes with its last member', async () => {
    const prefix = `${basePrefix}layout:`;
    const store = await createRedisPresenceStore({ url: TEST_REDIS_URL, prefix });
    const room = randomUUID();
    const key = `${prefix}presence:${room}`;
    try {
      await store.touch(room, 'v:ada', 'replica-a', 20_000);
      await store.touch(room, 'v:ada', 'hls', 5_000);
      expect(await raw.zRange(key, 0, -1)).toEqual([
        presenceMember('v:ada', 'hls'),
        presenceMember('v:ada', 'replica-a'),
      ]);
      // Scores are expiries on the server's clock.
      const [seconds, micros] = await raw.time();
      const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const score = await raw.zScore(key, presenceMember('v:ada', 'replica-a'));
      expect(score).toBeGreaterThan(serverNow + 20_000 - 1_000);
      expect(score).toBeLessThanOrEqual(serverNow + 20_000);
      const ttl = await raw.pTTL(key);
      expect(ttl).toBeGreaterThan(20_000 - 1_000);
      expect(ttl).toBeLessThanOrEqual(21_000);

      await store.release(room, 'v:ada', 'replica-a');
      await store.release(room, 'v:ada', 'hls');
      expect(await raw.exists(key)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
