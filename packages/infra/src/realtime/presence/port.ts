/**
 * The presence store port: unique viewers per room, shared by gateway replicas, with expiry.
 *
 * Semantics (the realtime protocol documentation links here):
 * - A room holds viewers; each viewer is held by one or more holders, each hold with its own expiry.
 *   A holder is whoever vouches that the viewer is still there: a gateway replica id for WebSocket tabs
 *   (one hold per replica, however many tabs it serves), `hls` for playback heartbeats.
 * - A viewer counts once while at least one of its holds is unexpired, so three tabs on three replicas
 *   plus a player count as one viewer.
 * - `touch(room, viewer, holder, ttlMs)` sets that hold's expiry to now + ttlMs (it replaces the old
 *   expiry, it never adds to it). Holders refresh well before the ttl; the gateway does every ttl/3.
 * - `release(room, viewer, holder)` ends that one hold at once (the replica's last tab closed); the
 *   viewer still counts while another hold lasts. Releasing a hold that does not exist does nothing.
 * - A crashed replica stops refreshing, so its holds lapse by themselves within one ttl.
 * - `count` and `counts` see only unexpired holds; `counts` answers many rooms in one round trip and has
 *   an entry (possibly 0) for every room asked.
 * - Time: the Redis store measures expiry on the Redis server's clock, so replicas whose clocks differ
 *   still agree; the in-process store uses the process clock.
 * - Names: rooms are 1–128 characters without a line break; viewer and holder ids are 1–128 characters
 *   without a NUL character (the separator of the Redis members). Anything else is a RangeError, as is
 *   a ttl that is not a positive integer.
 */
import { preview } from '../room-name.ts';

export interface PresenceStore {
  /** Marks that `holderId` holds `viewerId` in `room` until now + `ttlMs`. */
  touch(room: string, viewerId: string, holderId: string, ttlMs: number): Promise<void>;
  /** Ends the hold of `holderId` on `viewerId` in `room`; other holders keep the viewer counted. */
  release(room: string, viewerId: string, holderId: string): Promise<void>;
  /** Distinct viewers of `room` with at least one unexpired hold. */
  count(room: string): Promise<number>;
  /** {@link count} for each of `rooms` in one round trip; every room asked gets an entry. */
  counts(rooms: string[]): Promise<Map<string, number>>;
  /** Stops background work and releases connections. */
  close(): Promise<void>;
}

export interface PresenceStoreOptions {
  /** Redis URL; when absent presence lives in this process only. */
  redisUrl?: string;
  /** Namespace for Redis keys (or the in-process state); defaults to `streamhub:`. */
  prefix?: string;
  /** Reports connection problems on Redis; defaults to stderr. */
  onError?: (error: Error) => void;
}

/** Longest viewer or holder id accepted. */
export const PRESENCE_ID_MAX_LENGTH = 128;

/** Separates viewer and holder in a Redis member; forbidden in both ids so a member splits one way only. */
export const PRESENCE_ID_SEPARATOR = '\u0000';

/** Rejects a viewer or holder id that is empty, too long, or holds the separator. */
export function assertPresenceId(kind: 'viewerId' | 'holderId', id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > PRESENCE_ID_MAX_LENGTH) {
    throw new RangeError(`${kind} must be 1–${PRESENCE_ID_MAX_LENGTH} characters, got ${preview(id)}`);
  }
  if (id.includes(PRESENCE_ID_SEPARATOR)) {
    throw new RangeError(`${kind} must not contain a NUL character, got ${preview(id)}`);
  }
}

/** Rejects a ttl that would make a hold never (or instantly) expire. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}
