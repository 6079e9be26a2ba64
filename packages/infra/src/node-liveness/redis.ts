/**
 * Node leases in Redis: one key per node with a millisecond expiry, so a node that stops renewing (killed,
 * frozen, cut off) disappears for every other node without anyone having to notice its death.
 */
import { openRedisConnection } from '../redis/connection.ts';
import { assertTtl, type NodeLiveness } from './port.ts';

export interface RedisNodeLivenessOptions {
  url: string;
  prefix?: string;
  onError?: (error: Error) => void;
}

/** Connects (rejects when Redis is unreachable); keys live under `<prefix>media-nodes:alive:`. */
export async function createRedisNodeLiveness(options: RedisNodeLivenessOptions): Promise<NodeLiveness> {
  const connection = await openRedisConnection({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:node-liveness',
    onError: options.onError,
  });
  const keyOf = (nodeId: string) => connection.key(`media-nodes:alive:${nodeId}`);
  return {
    async renew(nodeId, ttlMs) {
      assertTtl(ttlMs);
      await connection.client.set(keyOf(nodeId), String(Date.now()), { PX: ttlMs });
    },
    async alive(nodeIds) {
      const ids = [...new Set(nodeIds)];
      if (ids.length === 0) return new Set();
      const values = await connection.client.mGet(ids.map(keyOf));
      return new Set(ids.filter((_, index) => values[index] !== null));
    },
    async release(nodeId) {
      await connection.client.del(keyOf(nodeId));
    },
    close: () => connection.close(),
  };
}
