/** Helpers for tests that run against a real Redis: an isolated prefix per file and cleanup after it. */
import { randomUUID } from 'node:crypto';
import { closeRedisClient, connectRedisClient } from './connection.ts';

/** Where the Redis-backed contract tests connect. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test file (or a real deployment) shares, e.g. `test:counters:3f2a…:`. */
export function randomTestPrefix(label: string): string {
  return `test:${label}:${randomUUID()}:`;
}

/** Deletes every key under `prefix`; returns how many went. Never use a production prefix here. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('Refusing to delete keys with an empty prefix');
  const client = await connectRedisClient({ url, name: 'streamhub:test-cleanup' });
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${escapeGlob(prefix)}*`, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
  } finally {
    await closeRedisClient(client);
  }
  return deleted;
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}
