/**
 * In-process presence. Stores created with the same prefix in one process share their state, as
 * replicas share Redis, so an all-in-one process behaves like a scaled-out deployment. Expired holds
 * are pruned lazily when a room is touched or counted; one unref'd sweep drops rooms nobody reads any more.
 */
import { resolvePrefix } from '../../shared/prefix.ts';
import { assertRoomName } from '../room-name.ts';
import { assertPresenceId, assertTtl, type PresenceStore } from './port.ts';

/** room → viewerId → holderId → expiry (epoch ms). */
type Rooms = Map<string, Map<string, Map<string, number>>>;

interface Shared {
  rooms: Rooms;
  stores: number;
  sweep: NodeJS.Timeout;
}

const shared = new Map<string, Shared>();

export interface MemoryPresenceStoreOptions {
  prefix?: string;
  /** How often rooms whose holds all expired are dropped; defaults to 60 s. Used by the first store of a prefix. */
  sweepIntervalMs?: number;
  /** Clock, for tests; defaults to `Date.now`. */
  now?: () => number;
}

/** Creates an in-process store; see the module comment for how stores with one prefix connect. */
export function createMemoryPresenceStore(options: MemoryPresenceStoreOptions = {}): PresenceStore {
  const now = options.now ?? Date.now;
  const key = resolvePrefix(options.prefix);
  const state = acquire(key, options.sweepIntervalMs ?? 60_000, now);
  const { rooms } = state;
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('Presence store is closed');
  };

  const countRoom = (room: string): number => {
    const viewers = rooms.get(room);
    if (!viewers) return 0;
    prune(rooms, room, viewers, now());
    return viewers.size;
  };

  return {
    async touch(room, viewerId, holderId, ttlMs) {
      assertOpen();
      assertRoomName(room);
      assertPresenceId('viewerId', viewerId);
      assertPresenceId('holderId', holderId);
      assertTtl(ttlMs);
      let viewers = rooms.get(room);
      if (!viewers) {
        viewers = new Map();
        rooms.set(room, viewers);
      }
      let holders = viewers.get(viewerId);
      if (!holders) {
        holders = new Map();
        viewers.set(viewerId, holders);
      }
      holders.set(holderId, now() + ttlMs);
    },

    async release(room, viewerId, holderId) {
      assertOpen();
      assertRoomName(room);
      assertPresenceId('viewerId', viewerId);
      assertPresenceId('holderId', holderId);
      const viewers = rooms.get(room);
      const holders = viewers?.get(viewerId);
      if (!viewers || !holders) return;
      holders.delete(holderId);
      if (holders.size === 0) viewers.delete(viewerId);
      if (viewers.size === 0) rooms.delete(room);
    },

    async count(room) {
      assertOpen();
      assertRoomName(room);
      return countRoom(room);
    },

    async counts(list) {
      assertOpen();
      for (const room of list) assertRoomName(room);
      return new Map(list.map((room) => [room, countRoom(room)]));
    },

    async close() {
      if (closed) return;
      closed = true;
      release(key, state);
    },
  };
}

/** Drops the expired holds of one room, then viewers without holds, then the room when it is empty. */
function prune(rooms: Rooms, room: string, viewers: Map<string, Map<string, number>>, at: number): void {
  for (const [viewerId, holders] of viewers) {
    for (const [holderId, expiresAt] of holders) if (expiresAt <= at) holders.delete(holderId);
    if (holders.size === 0) viewers.delete(viewerId);
  }
  if (viewers.size === 0) rooms.delete(room);
}

function acquire(key: string, sweepIntervalMs: number, now: () => number): Shared {
  let state = shared.get(key);
  if (!state) {
    const rooms: Rooms = new Map();
    const sweep = setInterval(() => {
      const at = now();
      for (const [room, viewers] of rooms) prune(rooms, room, viewers, at);
    }, sweepIntervalMs);
    // A presence sweep must never keep a process (or a test run) alive.
    sweep.unref();
    state = { rooms, stores: 0, sweep };
    shared.set(key, state);
  }
  state.stores += 1;
  return state;
}

// The state goes with its last store so short-lived stores (tests, CLI) do not accumulate.
function release(key: string, state: Shared): void {
  state.stores -= 1;
  if (state.stores > 0) return;
  clearInterval(state.sweep);
  state.rooms.clear();
  if (shared.get(key) === state) shared.delete(key);
}
