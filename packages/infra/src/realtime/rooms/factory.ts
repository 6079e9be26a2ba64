/** Picks the room broadcaster: Redis when a URL is configured, in-process otherwise. */
import { createMemoryRoomBroadcaster } from './memory.ts';
import type { RoomBroadcaster, RoomBroadcasterOptions } from './port.ts';

/** Creates the process's room broadcaster; with `redisUrl` it connects first and rejects when unreachable. */
export async function createRoomBroadcaster(options: RoomBroadcasterOptions = {}): Promise<RoomBroadcaster> {
  const { redisUrl, prefix, onError } = options;
  if (redisUrl) {
    // Loaded on demand so the embedded default never loads a Redis client.
    const { createRedisRoomBroadcaster } = await import('./redis.ts');
    return createRedisRoomBroadcaster({ url: redisUrl, prefix, onError });
  }
  return createMemoryRoomBroadcaster({ prefix, onError });
}
