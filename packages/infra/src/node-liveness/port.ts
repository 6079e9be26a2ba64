/**
 * The node liveness port: each media node renews a short lease under its fixed id while it runs, so that
 * another node can tell a holder that is gone (crashed, killed, its host lost) from one that is merely
 * quiet, and take over the live sessions the dead one can no longer end.
 */

export interface NodeLiveness {
  /** Marks `nodeId` alive for `ttlMs` from now; renew it well before that runs out. */
  renew(nodeId: string, ttlMs: number): Promise<void>;
  /** Which of `nodeIds` hold a lease that has not run out. */
  alive(nodeIds: readonly string[]): Promise<Set<string>>;
  /** Drops `nodeId`'s lease at once (a clean shutdown: nothing of it is left to wait for). */
  release(nodeId: string): Promise<void>;
  /** Releases connections; leases stay until they run out. */
  close(): Promise<void>;
}

export interface NodeLivenessOptions {
  /** Redis URL; when absent leases live in this process only (one process sees only its own nodes). */
  redisUrl?: string;
  /** Namespace for Redis keys; defaults to `streamhub:`. */
  prefix?: string;
  onError?: (error: Error) => void;
}

/** Rejects a lease that would never (or instantly) run out. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
