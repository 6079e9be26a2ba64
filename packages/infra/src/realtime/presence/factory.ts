/** Picks the presence store: Redis when a URL is configured, in-process otherwise. */
import { createMemoryPresenceStore } from './memory.ts';
import type { PresenceStore, PresenceStoreOptions } from './port.ts';

/** Creates the process's presence store; with `redisUrl` it connects first and rejects when unreachable. */
export async function createPresenceStore(options: PresenceStoreOptions = {}): Promise<PresenceStore> {
  const { redisUrl, prefix, onError } = options;
  if (redisUrl) {
    // Loaded on demand so the embedded default never loads a Redis client.
    const { createRedisPresenceStore } = await import('./redis.ts');
    return createRedisPresenceStore({ url: redisUrl, prefix, onError });
  }
  return createMemoryPresenceStore({ prefix });
}
