/**
 * Puts an HLS stream into a <video>: hls.js over Media Source Extensions where the browser has them,
 * the browser's own HLS (Safari, iOS) otherwise. hls.js is fetched only when it is going to be used.
 */
import type Hls from 'hls.js';
import type { HlsConfig } from 'hls.js';
import { clientText as t } from '../i18n/en.ts';
import { BEHIND_LIVE_SECONDS, LIVE_LL_PLAYER_CONFIG, LIVE_PLAYER_CONFIG } from '../player-settings.ts';
import { startPlaybackBeacons } from './playback-beacons.ts';

export interface PlayerAssets {
  /** The hls.js ES module, at its versioned URL. */
  hlsModuleUrl: string;
  /** hls.js's transmuxing worker (served beside it: the page's CSP allows no blob: workers). */
  hlsWorkerUrl: string;
}

export interface Playback {
  /** Detach and release the stream; the element is left empty. */
  stop(): void;
}

export type PlayerFailure = (message: string) => void;

export interface PlayOptions {
  live: boolean;
  assets: PlayerAssets;
  failed: PlayerFailure;
  /** Shown while a live viewer has rewound (DVR); a click returns to the live edge. */
  jumpToLive?: HTMLButtonElement;
}

const HLS_MIME = 'application/vnd.apple.mpegurl';
// A live playlist appears a moment after the channel goes live, and a gateway may restart: retry.
const LIVE_RETRY_MS = 1000;

let hlsModule: Promise<typeof Hls> | undefined;

function loadHls(url: string): Promise<typeof Hls> {
  hlsModule ??= (import(url) as Promise<{ default: typeof Hls }>).then((module) => module.default);
  return hlsModule;
}

/**
 * hls.js creates its transmuxing worker only once the first fragment has arrived, and that fragment then
 * waits for the worker's script (118 KB) to be fetched: fetched now, while the playlists load, it comes
 * from the HTTP cache by then (the asset is immutable), one round trip off the first frame.
 */
function fetchWorkerAhead(url: string): void {
  void fetch(url)
    .then((response) => response.arrayBuffer())
    .catch(() => {});
}

function hasMediaSource(): boolean {
  return 'MediaSource' in window || 'ManagedMediaSource' in window;
}

export async function play(video: HTMLVideoElement, url: string, options: PlayOptions): Promise<Playback> {
  const nativeHls = video.canPlayType(HLS_MIME) !== '';
  if (!hasMediaSource() && nativeHls) return playNatively(video, url);
  fetchWorkerAhead(options.assets.hlsWorkerUrl);
  const HlsPlayer = await loadHls(options.assets.hlsModuleUrl);
  if (!HlsPlayer.isSupported()) {
    if (nativeHls) return playNatively(video, url);
    options.failed(t.cannotPlayHls);
    return { stop() {} };
  }
  return playWithHlsJs(HlsPlayer, video, url, options);
}

/**
 * The video page's player, started when the viewer first plays it: the button over the poster, the
 * player's own controls or keys, or a script calling `play()` all fire the element's `play` event, and
 * only then is hls.js fetched and the stream attached. The page's load thus holds no hls.js (its
 * evaluation and fragment handling were most of Lighthouse's blocking time on this page). A browser
 * that lets the page play with sound (the viewer came by a click on the site, or the policy allows it)
 * starts at once, as the page did before.
 */
export function startVideoOnPlay(video: HTMLVideoElement, url: string, assets: PlayerAssets): void {
  const button = document.getElementById('play-video');
  const notice = document.getElementById('player-notice');
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    if (button) button.hidden = true;
    void play(video, url, {
      live: false,
      assets,
      failed: (message) => {
        if (notice) notice.textContent = message;
      },
    });
  };
  video.addEventListener('play', start, { once: true });
  button?.addEventListener('click', () => {
    // Within the click, so that the browser counts it as the viewer's: play() fires `play`, which starts.
    void video.play().catch(() => {});
    video.focus();
  });
  // Fetched while the pointer is on its way to the button, so that the click waits less.
  const warm = () => void loadHls(assets.hlsModuleUrl).catch(() => {});
  button?.addEventListener('pointerenter', warm, { once: true });
  button?.addEventListener('focus', warm, { once: true });
  // Refused (NotAllowedError, no `play` event) unless the browser lets this page play with sound.
  void video.play().catch(() => {});
}

/**
 * Whether a live stream has LL-HLS parts: its first variant playlist declares `EXT-X-PART-INF`. Asked
 * before hls.js starts, because hls.js's hold-back settings are fixed when it is created. Undefined while
 * the playlists cannot be read (the broadcast is starting).
 */
async function offersLowLatency(url: string): Promise<boolean | undefined> {
  try {
    const base = new URL(url, window.location.href);
    const masterResponse = await fetch(base);
    if (!masterResponse.ok) return undefined;
    const master = await masterResponse.text();
    const variant = master.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#'));
    if (!variant) return master.includes('#EXT-X-PART-INF');
    const media = await fetch(new URL(variant.trim(), base));
    return media.ok ? (await media.text()).includes('#EXT-X-PART-INF') : undefined;
  } catch {
    return undefined;
  }
}

function playNatively(video: HTMLVideoElement, url: string): Playback {
  video.src = url;
  void video.play().catch(() => {});
  return { stop: () => empty(video) };
}

function playWithHlsJs(
  HlsPlayer: typeof Hls,
  video: HTMLVideoElement,
  url: string,
  options: PlayOptions,
): Playback {
  let lowLatency: boolean | undefined = options.live ? undefined : false;
  let stopped = false;
  let current: Hls | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const beacons = startPlaybackBeacons(video, url);

  const start = async () => {
    if (lowLatency === undefined) {
      lowLatency = await offersLowLatency(url);
      if (stopped) return;
      if (lowLatency === undefined) {
        retry = setTimeout(() => void start(), LIVE_RETRY_MS);
        return;
      }
      video.dataset.lowLatency = String(lowLatency);
    }
    const config: Partial<HlsConfig> = {
      workerPath: options.assets.hlsWorkerUrl,
      ...(options.live ? (lowLatency ? LIVE_LL_PLAYER_CONFIG : LIVE_PLAYER_CONFIG) : {}),
    };
    const hls = new HlsPlayer(config);
    current = hls;
    beacons?.attachHls(hls, HlsPlayer.Events);
    hls.on(HlsPlayer.Events.ERROR, (_event, data) => {
      if (!data.fatal || stopped) return;
      // What stopped hls.js, readable by monitoring and the browser tests (the page starts it again).
      video.dataset.playerError = `${data.type}/${data.details}${data.error ? `: ${data.error.message}` : ''}`;
      hls.destroy();
      if (options.live) {
        retry = setTimeout(() => void start(), LIVE_RETRY_MS);
      } else {
        options.failed(t.videoFailed(data.details));
      }
    });
    hls.on(HlsPlayer.Events.MANIFEST_PARSED, () => {
      void video.play().catch(() => {});
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  };
  void start();

  // DVR: the viewer may seek back in the live playlist's window; past a few seconds behind, offer the edge.
  const jump = options.live ? options.jumpToLive : undefined;
  const behindLive = () => {
    const hls = current;
    if (!hls) return;
    // The distance to the live edge as hls.js measures it, readable by monitoring and the browser tests.
    video.dataset.liveLatency = hls.latency.toFixed(3);
    if (hls.targetLatency !== null) video.dataset.targetLatency = hls.targetLatency.toFixed(3);
    if (jump) jump.hidden = !(hls.latency > Math.max(BEHIND_LIVE_SECONDS, 2 * (hls.targetLatency ?? 0)));
  };
  const toLive = () => {
    const edge = current?.liveSyncPosition;
    if (edge !== null && edge !== undefined) video.currentTime = edge;
    void video.play().catch(() => {});
  };
  if (options.live) video.addEventListener('timeupdate', behindLive);
  jump?.addEventListener('click', toLive);

  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      beacons?.stop();
      current?.destroy();
      video.removeEventListener('timeupdate', behindLive);
      delete video.dataset.liveLatency;
      delete video.dataset.targetLatency;
      delete video.dataset.lowLatency;
      delete video.dataset.playerError;
      if (jump) {
        jump.removeEventListener('click', toLive);
        jump.hidden = true;
      }
      empty(video);
    },
  };
}

function empty(video: HTMLVideoElement): void {
  video.pause();
  video.removeAttribute('src');
  video.load();
}
