import { describe, expect, it } from 'vitest';
import { resolvePrefix } from '../shared/prefix.ts';
import { openRedisConnection, redactRedisUrl } from './connection.ts';
import { randomTestPrefix, TEST_REDIS_URL } from './testing.ts';

describe('redis connection', () => {
  it('normalises prefixes', () => {
    expect(resolvePrefix(undefined)).toBe('streamhub:');
    expect(resolvePrefix('app')).toBe('app:');
    expect(resolvePrefix('app:')).toBe('app:');
    expect(resolvePrefix('')).toBe('');
  });

  it('never shows the password of a URL', () => {
    expect(redactRedisUrl('redis://user:secret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactRedisUrl('not a url')).toBe('<invalid Redis URL>');
  });

  it('connects, prefixes keys, answers ping, and closes idempotently', async () => {
    const prefix = randomTestPrefix('connection');
    const connection = await openRedisConnection({ url: TEST_REDIS_URL, prefix });
    try {
      expect(connection.key('a')).toBe(`${prefix}a`);
      await expect(connection.ping()).resolves.toBeUndefined();
    } finally {
      await connection.close();
      await connection.close();
    }
    await expect(connection.ping()).rejects.toThrow();
  });

  it('fails within the deadline when Redis is unreachable', async () => {
    const startedAt = Date.now();
    await expect(openRedisConnection({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toThrow(
      /did not answer within 300 ms/,
    );
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });
});
