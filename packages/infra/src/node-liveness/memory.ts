/** In-process node leases: enough for nodes sharing one process (the embedded runtime, tests). */
import { assertTtl, type NodeLiveness } from './port.ts';

export function createMemoryNodeLiveness(): NodeLiveness {
  const expiresAt = new Map<string, number>();
  return {
    async renew(nodeId, ttlMs) {
      assertTtl(ttlMs);
      expiresAt.set(nodeId, Date.now() + ttlMs);
    },
    async alive(nodeIds) {
      const now = Date.now();
      return new Set(nodeIds.filter((id) => (expiresAt.get(id) ?? 0) > now));
    },
    async release(nodeId) {
      expiresAt.delete(nodeId);
    },
    async close() {},
  };
}
