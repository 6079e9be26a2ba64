import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, connectRedisClient, type RedisClient } from '../../redis/connection.ts';
import { deleteKeysWithPrefix, randomTestPrefix, TEST_REDIS_URL } from '../../redis/testing.ts';
import { createRedisRoomBroadcaster, decodeRoomMessage, encodeRoomMessage, roomsChannel } from './redis.ts';
import { roomBroadcasterContract } from './room-broadcaster.contract.ts';

const basePrefix = randomTestPrefix('rooms');
let raw: RedisClient;

beforeAll(async () => {
  raw = await connectRedisClient({ url: TEST_REDIS_URL, name: 'streamhub:test-injector' });
});

afterAll(async () => {
  await closeRedisClient(raw);
  await deleteKeysWithPrefix(TEST_REDIS_URL, basePrefix);
});

roomBroadcasterContract('redis', basePrefix, {
  open: (prefix, onError) => createRedisRoomBroadcaster({ url: TEST_REDIS_URL, prefix, onError }),
  injectRaw: async (prefix, message) => {
    await raw.publish(roomsChannel(prefix), message);
  },
});

describe('redis room messages', () => {
  it('put the room before the first newline and keep the frame whole', () => {
    expect(encodeRoomMessage('r', 'a\nb')).toBe('r\na\nb');
    expect(decodeRoomMessage('r\na\nb')).toEqual({ room: 'r', frame: 'a\nb' });
    expect(decodeRoomMessage('r\n')).toEqual({ room: 'r', frame: '' });
    expect(decodeRoomMessage('no newline')).toBeInstanceOf(Error);
    expect(decodeRoomMessage('\nframe')).toBeInstanceOf(Error);
  });

  it('uses one channel per prefix, whatever the room', async () => {
    const prefix = `${basePrefix}channel:`;
    const broadcaster = await createRedisRoomBroadcaster({ url: TEST_REDIS_URL, prefix });
    try {
      broadcaster.subscribe(() => {});
      await broadcaster.ready();
      expect(await raw.pubSubChannels(`${prefix}*`)).toEqual([`${prefix}rooms`]);
      expect(await raw.pubSubNumSub(`${prefix}rooms`)).toEqual({ [`${prefix}rooms`]: 1 });
    } finally {
      await broadcaster.close();
    }
  });
});
