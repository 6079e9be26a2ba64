import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../redis/testing.ts';
import { createPresenceStore } from './presence/factory.ts';
import { createRoomBroadcaster } from './rooms/factory.ts';

const prefix = randomTestPrefix('realtime-factories');

afterAll(async () => {
  await deleteKeysWithPrefix(TEST_REDIS_URL, prefix);
});

describe('realtime factories pick the implementation from redisUrl', () => {
  it('presence: with a URL the holds land in Redis under the prefix', async () => {
    const [onRedis, inMemory] = [
      await createPresenceStore({ redisUrl: TEST_REDIS_URL, prefix }),
      await createPresenceStore({ prefix }),
    ];
    const room = randomUUID();
    try {
      await onRedis.touch(room, 'v:ada', 'replica-a', 60_000);
      expect(await onRedis.count(room)).toBe(1);
      expect(await inMemory.count(room)).toBe(0);
    } finally {
      await Promise.all([onRedis.close(), inMemory.close()]);
    }
  });

  it('rooms: with a URL frames cross to another Redis broadcaster, not to an in-process one', async () => {
    const [a, b] = [
      await createRoomBroadcaster({ redisUrl: TEST_REDIS_URL, prefix }),
      await createRoomBroadcaster({ redisUrl: TEST_REDIS_URL, prefix }),
    ];
    const local = await createRoomBroadcaster({ prefix });
    const [onB, onLocal] = [vi.fn(), vi.fn()];
    try {
      b.subscribe(onB);
      local.subscribe(onLocal);
      await Promise.all([b.ready(), local.ready()]);
      const room = randomUUID();
      await a.publish(room, 'frame');
      await vi.waitFor(() => expect(onB).toHaveBeenCalledWith(room, 'frame'));
      expect(onLocal).not.toHaveBeenCalled();
    } finally {
      await Promise.all([a.close(), b.close(), local.close()]);
    }
  });
});
