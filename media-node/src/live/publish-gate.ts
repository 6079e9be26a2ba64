/**
 * The port through which the media node asks the channels domain whether a
 * stream key may publish, and tells it when a session is over. The channels
 * service implements it (`authorizePublish`, `endSession`); the lead wires an
 * adapter: `{ authorize: (k) => svc.authorizePublish(k), ended: (id, o) => svc.endSession(id, o) }`.
 */

export type PublishAuthorization =
  | {
      ok: true;
      /** The channel's live session this publish belongs to. */
      sessionId: string;
      /** Public id the HLS output is stored and served under (never the stream key). */
      playbackId: string;
      /** Keep every segment so the ended session can become a VOD. */
      record: boolean;
    }
  | { ok: false; reason: string };

export interface SessionEndInfo {
  /** The segments were kept and the playlists closed as a complete recording. */
  recorded: boolean;
}

export interface PublishGate {
  /** Checks a stream key (unknown, revoked, suspended owner, channel already live → not ok). */
  authorize(streamKey: string): Promise<PublishAuthorization>;
  /** The session is over (publisher gone and the reconnect grace window passed, or the node closed). */
  ended(sessionId: string, info: SessionEndInfo): Promise<void>;
}
