/** Picks the counter store: Redis when a URL is configured, in-process otherwise. */
import { createMemoryCounterStore } from './memory.ts';
import type { CounterStore, CounterStoreOptions } from './port.ts';

/** Creates the process's counter store; with `redisUrl` it connects first and rejects when unreachable. */
export async function createCounterStore(options: CounterStoreOptions = {}): Promise<CounterStore> {
  const { redisUrl, prefix, onError } = options;
  if (redisUrl) {
    // Loaded on demand so the embedded default never loads a Redis client.
    const { createRedisCounterStore } = await import('./redis.ts');
    return createRedisCounterStore({ url: redisUrl, prefix, onError });
  }
  return createMemoryCounterStore();
}
