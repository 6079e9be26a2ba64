/** Redis counters: one atomic script per hit, so every gateway replica counts against the same window. */
import { openRedisConnection } from '../redis/connection.ts';
import { defineRedisScript, runRedisScript } from '../redis/script.ts';
import { assertWindow, type CounterStore } from './port.ts';

// INCR and the expiry must be one step: a crash between them would leave a key that counts forever.
// The PTTL < 0 branch heals such a key (or one written by hand) instead of trusting it.
const HIT = defineRedisScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {count, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`);

// Count and remaining time read together, so a window ending between two reads cannot mix them.
const PEEK = defineRedisScript(`
local count = redis.call('GET', KEYS[1])
if not count then return false end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
`);

export interface RedisCounterStoreOptions {
  url: string;
  prefix?: string;
  onError?: (error: Error) => void;
}

/** Connects (rejects when Redis is unreachable) and returns a store whose keys live under `<prefix>counters:`. */
export async function createRedisCounterStore(options: RedisCounterStoreOptions): Promise<CounterStore> {
  const connection = await openRedisConnection({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:counters',
    onError: options.onError,
  });
  const keyOf = (key: string) => connection.key(`counters:${key}`);

  return {
    async hit(key, windowMs) {
      assertWindow(windowMs);
      const reply = await runRedisScript(connection.client, HIT, [keyOf(key)], [String(windowMs)]);
      if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
        throw new Error(`Unexpected counter reply from Redis: ${JSON.stringify(reply)}`);
      }
      // PTTL is relative; the local clock turns it into the absolute time callers put in headers.
      return { count: reply[0], resetAt: Date.now() + reply[1] };
    },

    async peek(key) {
      const reply = await runRedisScript(connection.client, PEEK, [keyOf(key)], []);
      if (!Array.isArray(reply)) return undefined;
      const [count, ttl] = reply;
      if (typeof count !== 'number' || typeof ttl !== 'number' || ttl <= 0) return undefined;
      return { count, resetAt: Date.now() + ttl };
    },

    async reset(key) {
      await connection.client.del(keyOf(key));
    },

    close: () => connection.close(),
  };
}
