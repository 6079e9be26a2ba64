/** Picks the node liveness store: Redis when a URL is configured, in-process otherwise. */
import { createMemoryNodeLiveness } from './memory.ts';
import type { NodeLiveness, NodeLivenessOptions } from './port.ts';

/** With `redisUrl` it connects first and rejects when Redis is unreachable. */
export async function createNodeLiveness(options: NodeLivenessOptions = {}): Promise<NodeLiveness> {
  if (options.redisUrl) {
    // Loaded on demand so the embedded default never loads a Redis client.
    const { createRedisNodeLiveness } = await import('./redis.ts');
    return createRedisNodeLiveness({
      url: options.redisUrl,
      prefix: options.prefix,
      onError: options.onError,
    });
  }
  return createMemoryNodeLiveness();
}
