/** Picks the event bus implementation: Redis when a URL is configured, in-process otherwise. */
import { createMemoryEventBus } from './memory.ts';
import type { EventBus, EventBusOptions, EventMap } from './port.ts';

/**
 * Creates the process's event bus for `schemas` (usually `DOMAIN_EVENTS`). With `redisUrl` it
 * connects first and rejects when Redis is unreachable, so start-up fails fast.
 */
export async function createEventBus<M extends EventMap>(
  schemas: M,
  options: EventBusOptions = {},
): Promise<EventBus<M>> {
  const { redisUrl, prefix, onError } = options;
  if (redisUrl) {
    // Loaded on demand so the embedded default never loads a Redis client.
    const { createRedisEventBus } = await import('./redis.ts');
    return createRedisEventBus(schemas, { url: redisUrl, prefix, onError });
  }
  return createMemoryEventBus(schemas, { prefix, onError });
}
