/**
 * The player's analytics beacons (docs/analytics.md): starts a view on the play request, then reports
 * the view's cumulative state (watch time, startup time, rebuffering, rendition, errors) on hls.js and
 * media element events and every heartbeat, and once more when the page goes away. Best effort: a
 * refused or failed beacon never disturbs playback.
 */
import type Hls from 'hls.js';
import { viewerId } from './viewer-id.ts';

type ViewTarget = { type: 'video'; videoId: string } | { type: 'live'; playbackId: string };

/** A VOD is watched at `/vod/<video id>/…`, a live broadcast at `/hls/<playback id>/…`. */
export function viewTargetOf(playbackUrl: string): ViewTarget | undefined {
  const path = new URL(playbackUrl, window.location.href).pathname;
  const vod = /^\/vod\/([0-9a-f-]{36})\//.exec(path);
  if (vod?.[1]) return { type: 'video', videoId: vod[1] };
  const live = /^\/hls\/([A-Za-z0-9_-]+)\//.exec(path);
  return live?.[1] ? { type: 'live', playbackId: live[1] } : undefined;
}

/** Paused or hidden this long, the next play is a new view (Mux's 60 minutes). */
const IDLE_NEW_VIEW_MS = 60 * 60_000;

interface ViewState {
  watchedMs: number;
  positionPct: number;
  rendition: string;
  startupMs?: number;
  rebufferCount: number;
  rebufferMs: number;
  renditionSwitches: number;
  error?: { code: string; message?: string };
}

export interface PlaybackBeacons {
  /** Follows this hls.js instance's rendition switches and fatal errors. */
  attachHls(hls: Hls, events: typeof Hls.Events): void;
  /** The view is over (the player was stopped): one last beacon. */
  stop(): void;
}

export function startPlaybackBeacons(
  video: HTMLVideoElement,
  playbackUrl: string,
): PlaybackBeacons | undefined {
  const target = viewTargetOf(playbackUrl);
  if (!target) return undefined;

  let token: Promise<string | undefined>;
  // Known once the view has started, so the last beacon goes out synchronously as the page is torn down.
  let knownToken: string | undefined;
  let heartbeatMs = 10_000;
  let seq = 0;
  let requestedAt = performance.now();
  let lastActivity = Date.now();
  let state: ViewState;
  let lastTime = video.currentTime;
  let stallStartedAt: number | undefined;
  let ended = false;

  const begin = () => {
    seq = 0;
    requestedAt = performance.now();
    state = {
      watchedMs: 0,
      positionPct: 0,
      rendition: '',
      rebufferCount: 0,
      rebufferMs: 0,
      renditionSwitches: 0,
    };
    stallStartedAt = undefined;
    ended = false;
    knownToken = undefined;
    token = fetch('/api/v1/analytics/views', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        target,
        ...(document.referrer ? { referrer: document.referrer } : {}),
        // A live view and this browser's chat connection then count as one concurrent viewer.
        ...(target.type === 'live' ? { viewerId: viewerId() } : {}),
      }),
    })
      .then(async (response) => {
        if (!response.ok) return undefined;
        const view = (await response.json()) as { viewId: string; token: string; heartbeatSeconds: number };
        heartbeatMs = view.heartbeatSeconds * 1000;
        video.dataset.viewId = view.viewId;
        knownToken = view.token;
        return view.token;
      })
      .catch(() => undefined);
  };

  const post = (viewToken: string, event: string, leaving: boolean) => {
    seq += 1;
    const body = JSON.stringify({ token: viewToken, seq, event, ...state });
    // A page that is going away may cancel fetches; sendBeacon outlives it.
    const blob = new Blob([body], { type: 'application/json' });
    if (leaving && navigator.sendBeacon('/api/v1/analytics/beacons', blob)) return;
    void fetch('/api/v1/analytics/beacons', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      keepalive: true,
    }).catch(() => {});
  };

  const send = (event: string, options: { leaving?: boolean } = {}) => {
    lastActivity = Date.now();
    if (knownToken) {
      post(knownToken, event, options.leaving ?? false);
      return;
    }
    void token.then((viewToken) => {
      if (viewToken) post(viewToken, event, options.leaving ?? false);
    });
  };

  const onTimeUpdate = () => {
    const delta = video.currentTime - lastTime;
    lastTime = video.currentTime;
    // Media time actually played: seeks (jumps) and rewinds are not watching.
    if (!video.paused && !video.seeking && delta > 0 && delta < 2)
      state.watchedMs += Math.round(delta * 1000);
    if (Number.isFinite(video.duration) && video.duration > 0) {
      state.positionPct = Math.max(
        state.positionPct,
        Math.min(100, (video.currentTime / video.duration) * 100),
      );
    }
  };
  const onPlay = () => {
    // Back after a long pause: that is a new play attempt.
    if (Date.now() - lastActivity > IDLE_NEW_VIEW_MS) begin();
  };
  const onPlaying = () => {
    if (state.startupMs === undefined) {
      state.startupMs = Math.round(performance.now() - requestedAt);
      send('startup');
    } else if (stallStartedAt !== undefined) {
      state.rebufferCount += 1;
      state.rebufferMs += Math.round(performance.now() - stallStartedAt);
      stallStartedAt = undefined;
      send('rebuffer');
    }
  };
  const onWaiting = () => {
    // A stall after the first frame, not one the viewer caused by seeking.
    if (state.startupMs !== undefined && !video.seeking) stallStartedAt ??= performance.now();
  };
  const onSeeking = () => {
    stallStartedAt = undefined;
    lastTime = video.currentTime;
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    onTimeUpdate();
    send(state.startupMs === undefined ? 'exit' : 'end', { leaving: true });
  };

  begin();
  video.addEventListener('timeupdate', onTimeUpdate);
  video.addEventListener('play', onPlay);
  video.addEventListener('playing', onPlaying);
  video.addEventListener('waiting', onWaiting);
  video.addEventListener('seeking', onSeeking);
  window.addEventListener('pagehide', finish);
  const heartbeat = setInterval(() => {
    if (!video.paused && !ended) send('heartbeat');
  }, heartbeatMs);

  return {
    attachHls(hls, events) {
      hls.on(events.LEVEL_SWITCHED, (_event, data) => {
        const height = hls.levels[data.level]?.height;
        const rendition = height ? `${height}p` : `level${data.level}`;
        if (state.rendition && state.rendition !== rendition) state.renditionSwitches += 1;
        const first = !state.rendition;
        state.rendition = rendition;
        if (!first) send('rendition');
      });
      hls.on(events.ERROR, (_event, data) => {
        // A live player retries a fatal error (the broadcast is starting or a gateway restarted).
        if (!data.fatal || target.type === 'live') return;
        state.error = { code: String(data.details).slice(0, 64) };
        send('error');
      });
    },
    stop() {
      finish();
      clearInterval(heartbeat);
      video.removeEventListener('timeupdate', onTimeUpdate);
      video.removeEventListener('play', onPlay);
      video.removeEventListener('playing', onPlaying);
      video.removeEventListener('waiting', onWaiting);
      video.removeEventListener('seeking', onSeeking);
      window.removeEventListener('pagehide', finish);
      delete video.dataset.viewId;
    },
  };
}
