/**
 * Redis presence: one sorted set per room, `<prefix>presence:<room>`, whose members are
 * `viewerId + NUL + holderId` scored by the hold's expiry in epoch ms. A hold is one ZADD, a release
 * one ZREM, and a count drops expired members and counts distinct viewer parts.
 *
 * Expiry is measured on the Redis server's clock (`TIME` inside the scripts), never the caller's: the
 * replicas that touch and the replicas that count may run on machines whose clocks differ by seconds,
 * and one clock for every score keeps a 30 s hold 30 s long for all of them. Scripts that call TIME
 * before writing need effect replication, the only mode since Redis 7 (and the default since 5).
 */
import { openRedisConnection } from '../../redis/connection.ts';
import { defineRedisScript, runRedisScript } from '../../redis/script.ts';
import { assertRoomName } from '../room-name.ts';
import { assertPresenceId, assertTtl, PRESENCE_ID_SEPARATOR, type PresenceStore } from './port.ts';

/** How long a room's key outlives its last hold, so a room everyone abandoned vanishes by itself. */
const KEY_GRACE_MS = 1_000;

// The key expires with its longest hold (plus grace), read back after the ZADD: a short `hls` hold
// must not cut the life of a longer replica hold of the same room.
const TOUCH = defineRedisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]) + tonumber(ARGV[3]))
return 1
`);

// One call for all rooms a replica serves (it polls them every 2 s). Pruning here keeps the sets
// small; a member without the separator (written by hand) counts as a viewer of its own.
// O(members) per room; every key must live on one node (no Redis Cluster across slots).
const COUNTS = defineRedisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local seen = {}
  local distinct = 0
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local cut = string.find(member, '\\0', 1, true)
    local viewer = member
    if cut then viewer = string.sub(member, 1, cut - 1) end
    if not seen[viewer] then
      seen[viewer] = true
      distinct = distinct + 1
    end
  end
  counts[i] = distinct
end
return counts
`);

export interface RedisPresenceStoreOptions {
  url: string;
  prefix?: string;
  onError?: (error: Error) => void;
}

/** The member that stands for one hold; exported for tests and operators (`ZRANGE … WITHSCORES`). */
export function presenceMember(viewerId: string, holderId: string): string {
  return `${viewerId}${PRESENCE_ID_SEPARATOR}${holderId}`;
}

/** Connects (rejects when Redis is unreachable) and returns a store whose keys live under `<prefix>presence:`. */
export async function createRedisPresenceStore(options: RedisPresenceStoreOptions): Promise<PresenceStore> {
  const connection = await openRedisConnection({
    url: options.url,
    prefix: options.prefix,
    name: 'streamhub:presence',
    onError: options.onError,
  });
  const keyOf = (room: string) => connection.key(`presence:${room}`);

  const counts = async (rooms: string[]): Promise<Map<string, number>> => {
    for (const room of rooms) assertRoomName(room);
    const distinct = [...new Set(rooms)];
    if (distinct.length === 0) return new Map();
    const reply = await runRedisScript(connection.client, COUNTS, distinct.map(keyOf), []);
    if (
      !Array.isArray(reply) ||
      reply.length !== distinct.length ||
      !reply.every((n) => typeof n === 'number')
    ) {
      throw new Error(`Unexpected presence reply from Redis: ${JSON.stringify(reply)}`);
    }
    return new Map(distinct.map((room, i) => [room, reply[i] as number]));
  };

  return {
    async touch(room, viewerId, holderId, ttlMs) {
      assertRoomName(room);
      assertPresenceId('viewerId', viewerId);
      assertPresenceId('holderId', holderId);
      assertTtl(ttlMs);
      await runRedisScript(
        connection.client,
        TOUCH,
        [keyOf(room)],
        [presenceMember(viewerId, holderId), String(ttlMs), String(KEY_GRACE_MS)],
      );
    },

    async release(room, viewerId, holderId) {
      assertRoomName(room);
      assertPresenceId('viewerId', viewerId);
      assertPresenceId('holderId', holderId);
      // Redis deletes a sorted set with its last member, so no empty room is left behind.
      await connection.client.zRem(keyOf(room), presenceMember(viewerId, holderId));
    },

    async count(room) {
      return (await counts([room])).get(room) ?? 0;
    },

    counts,

    close: () => connection.close(),
  };
}
