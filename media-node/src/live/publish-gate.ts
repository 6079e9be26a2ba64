/**
 * The port between the media node and the channels domain: the node asks whether a stream key may
 * publish and tells when a session is over; at start-up it asks what a crash left behind; and it
 * learns which broadcasts must be cut at once. The channels service implements it; the runtime wires
 * the adapter (`api/src/runtime/media-gate.ts`).
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
      /**
       * The channel's LL-HLS choice: true, false, or null/absent for the instance's default. The node
       * decides within its own LIVE_LL_HLS (`lowLatencyFor`), which may forbid it.
       */
      lowLatency?: boolean | null;
    }
  | {
      ok: false;
      reason: string;
      /** When the channel is already live: the session in the way and the node that holds it. */
      holder?: SessionHolder;
    };

export interface PublishContext {
  /** The media node that will hold the session; recorded so that it can end it after a crash. */
  nodeId: string;
}

export interface SessionEndInfo {
  /** The segments were kept and the playlists closed as a complete recording. */
  recorded: boolean;
  /** Average ingest bitrate of the whole session, bits per second (absent when nothing was measured). */
  bitrate?: number;
}

/** A session the database still calls live under this node's id. */
export interface HeldSession {
  sessionId: string;
  playbackId: string;
  /** The channel records: the files left behind may be a recording worth closing and keeping. */
  record: boolean;
}

/** A live session with the media node it is stored under (null: opened without one, never taken over). */
export interface SessionHolder extends HeldSession {
  nodeId: string | null;
}

/** `ended` means over and not recorded: its files are garbage. Unknown ids are absent from the answer. */
export type PlaybackState = 'live' | 'recorded' | 'ended';

export interface TerminationRequest {
  sessionId: string;
  /** Short machine-readable cause, e.g. `owner_suspended`, `key_revoked`, `owner_deleted`. */
  reason: string;
  /** This playback id's files go too, recorded or not, also when no node holds the session any more. */
  discardFilesOf?: string;
}

export interface PublishGate {
  /** Checks a stream key (unknown, revoked, suspended owner, channel already live → not ok). */
  authorize(streamKey: string, context: PublishContext): Promise<PublishAuthorization>;
  /** The session is over (reconnect grace window passed, terminated, or the node closed). */
  ended(sessionId: string, info: SessionEndInfo): Promise<void>;
  /** Sessions still marked live under `nodeId`: at start-up, whatever this node held before a crash. */
  heldSessions(nodeId: string): Promise<HeldSession[]>;
  /**
   * Sessions live under any node but `nodeId`, with their node: a node whose lease ran out can no longer
   * end its own, so another one does (`live-takeover.ts`).
   */
  liveSessionsOfOtherNodes(nodeId: string): Promise<(HeldSession & { nodeId: string })[]>;
  /** Where each playback id's session stands, to tell leftover directories from ones still needed. */
  playbackStates(playbackIds: string[]): Promise<Map<string, PlaybackState>>;
  /**
   * Calls `terminate` whenever a broadcast must be cut now (owner suspended, key revoked). Resolves once
   * it is listening; the returned function stops it.
   */
  watchTerminations(terminate: (request: TerminationRequest) => Promise<unknown>): Promise<() => void>;
}
