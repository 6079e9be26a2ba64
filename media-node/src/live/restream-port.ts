/**
 * The port between the media node and the restream domain: which other RTMP(S) destinations a live
 * session is forwarded to (simulcast), and where each forward stands. The restream service implements
 * it (the runtime wires `api/src/domains/restream/restream-targets.ts`); the media node only forwards.
 */

export interface RestreamDestination {
  /** The destination's id in the restream domain. */
  id: string;
  /** The full publish URL, key included (`rtmps://a.rtmp.youtube.com/live2/<key>`). */
  url: string;
  /** The secret part of `url` (its stream key): kept out of every log line and status reason. */
  secret: string;
}

/**
 * - `connecting`: ffmpeg is starting or connecting to the destination;
 * - `live`: media is being written to it;
 * - `failed`: the last attempt ended with `reason`; another follows after a back-off while the source is live;
 * - `offline`: the broadcast is not live (before it starts, in the reconnect grace window, after it ends).
 */
export type RestreamState = 'connecting' | 'live' | 'failed' | 'offline';

export interface RestreamStatus {
  sessionId: string;
  destinationId: string;
  state: RestreamState;
  /** Why the last attempt failed (ffmpeg's last error line, the key redacted); only with `failed`. */
  reason?: string;
}

export interface RestreamTargets {
  /** The enabled destinations of the channel live in this session (read at every publish start). */
  destinationsFor(sessionId: string): Promise<RestreamDestination[]>;
  /** A forward changed state; failures to record it are logged, never retried into the forward. */
  reportStatus(status: RestreamStatus): Promise<void>;
}
