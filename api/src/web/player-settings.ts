/**
 * How the watch page's player follows a live stream. No DOM here: the live benchmark (bench/live)
 * imports the hold-back for its glass-to-glass formula, and the browser bundle imports the same module.
 */

/**
 * Segments the player stays behind the live edge. hls.js holds back 3 by default; with 1 s segments
 * (LIVE_SEGMENT_SECONDS=1) 2 keeps glass-to-glass latency under the 4 s target, and with 2 s segments
 * 2 still leaves one whole segment of margin against a late one.
 */
export const LIVE_HOLD_BACK_SEGMENTS = 2;

/**
 * Beyond this many segments behind the edge (after a stall) the player jumps forward rather than
 * staying late for the rest of the broadcast.
 */
export const LIVE_MAX_LATENCY_SEGMENTS = 5;

/** The hls.js settings of a live channel (a subset of hls.js's `HlsConfig`, checked where it is used). */
export const LIVE_PLAYER_CONFIG = {
  liveSyncDurationCount: LIVE_HOLD_BACK_SEGMENTS,
  liveMaxLatencyDurationCount: LIVE_MAX_LATENCY_SEGMENTS,
  // Catch up on a small drift by playing slightly faster instead of seeking (which shows a jump).
  maxLiveSyncPlaybackRate: 1.1,
  // A classic ladder has no partial segments: low-latency mode would only add requests.
  lowLatencyMode: false,
  // Keep little behind the playhead: a live viewer never seeks back far, and memory is finite.
  backBufferLength: 30,
} as const;

/**
 * The hls.js settings of a live stream that offers LL-HLS parts (`EXT-X-PART-INF`). No
 * `liveSyncDurationCount`: set by the page, hls.js would keep it instead of the playlist's PART-HOLD-BACK
 * (three parts: 0.6 s at the default LIVE_LL_PART_MS), which is what brings glass-to-glass under 2 s.
 */
export const LIVE_LL_PLAYER_CONFIG = {
  lowLatencyMode: true,
  // (No liveMaxLatencyDurationCount either: hls.js refuses it without liveSyncDurationCount.)
  maxLiveSyncPlaybackRate: 1.1,
  backBufferLength: 30,
} as const;

/** Seconds behind the live edge past which the watch page offers "jump to live" (the viewer rewound). */
export const BEHIND_LIVE_SECONDS = 4;
