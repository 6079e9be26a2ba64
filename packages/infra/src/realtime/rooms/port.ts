/**
 * The room broadcaster port: fan-out of WebSocket room frames to every gateway replica.
 *
 * Semantics (the realtime protocol documentation links here):
 * - A room is a string id — the gateway uses channel ids (uuids). Names are 1–128 characters without a
 *   line break; `publish` rejects anything else with a RangeError.
 * - A frame is an already-serialised server frame. The broadcaster carries it verbatim and never parses
 *   it, so one serialisation serves every socket on every replica.
 * - `publish(room, frame)` delivers `(room, frame)` to every handler subscribed on every broadcaster that
 *   shares the prefix (other replicas and this one), always on a later turn, never inside `publish`.
 * - Every handler receives the frames of every room; picking the rooms it has sockets in is the
 *   subscriber's job (the gateway looks the room up in its local map and drops the rest).
 * - Order: frames published by one broadcaster reach each handler in publish order (hence also per room).
 *   Frames from different publishers interleave in no defined order.
 * - At most once: a frame published while a replica is cut off from Redis never reaches that replica
 *   (pub/sub has no replay); clients resynchronise through the REST API when they rejoin.
 * - A handler that throws (or rejects) is reported through `onError` and does not stop the others.
 */
export type RoomFrameHandler = (room: string, frame: string) => void;

/** Where a problem the broadcaster swallowed came from: a bad message off the wire, a handler, or the broker. */
export type RoomBroadcasterErrorPhase = 'decode' | 'handler' | 'broker';

export type RoomBroadcasterErrorHandler = (
  error: Error,
  context: { room?: string; phase: RoomBroadcasterErrorPhase },
) => void;

export interface RoomBroadcaster {
  /** Delivers `(room, frame)` to every subscriber on every replica, this one included; never synchronously. */
  publish(room: string, frame: string): Promise<void>;
  /** Registers a handler for the frames of all rooms; returns the function that removes it. */
  subscribe(handler: RoomFrameHandler): () => void;
  /** Resolves once every subscription made so far is live at the broker (immediately in memory). */
  ready(): Promise<void>;
  /** Drops all handlers and releases connections. Publishing afterwards rejects. Safe to call twice. */
  close(): Promise<void>;
}

export interface RoomBroadcasterOptions {
  /** Redis URL; when absent frames reach only the broadcasters of this process. */
  redisUrl?: string;
  /** Namespace for the Redis channel (or the in-process hub); defaults to `streamhub:`. */
  prefix?: string;
  /** Reports swallowed problems; defaults to stderr. */
  onError?: RoomBroadcasterErrorHandler;
}

/** Default `onError`: the broadcaster must never crash the process, but must not swallow silently either. */
export const logRoomBroadcasterError: RoomBroadcasterErrorHandler = (error, context) => {
  console.error(
    `[streamhub:rooms] ${context.phase} error${context.room ? ` in room ${context.room}` : ''}`,
    error,
  );
};
