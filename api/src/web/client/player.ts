/**
 * Puts an HLS stream into a <video>: hls.js over Media Source Extensions where the browser has them,
 * the browser's own HLS (Safari, iOS) otherwise. hls.js is fetched only when it is going to be used.
 */
import type Hls from 'hls.js';
import type { HlsConfig } from 'hls.js';
import { clientText as t } from '../i18n/en.ts';
import { LIVE_PLAYER_CONFIG } from '../player-settings.ts';
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

const HLS_MIME = 'application/vnd.apple.mpegurl';
// A live playlist appears a moment after the channel goes live, and a gateway may restart: retry.
const LIVE_RETRY_MS = 1000;

let hlsModule: Promise<typeof Hls> | undefined;

function loadHls(url: string): Promise<typeof Hls> {
  hlsModule ??= (import(url) as Promise<{ default: typeof Hls }>).then((module) => module.default);
  return hlsModule;
}

function hasMediaSource(): boolean {
  return 'MediaSource' in window || 'ManagedMediaSource' in window;
}

export async function play(
  video: HTMLVideoElement,
  url: string,
  options: { live: boolean; assets: PlayerAssets; failed: PlayerFailure },
): Promise<Playback> {
  const nativeHls = video.canPlayType(HLS_MIME) !== '';
  if (!hasMediaSource() && nativeHls) return playNatively(video, url);
  const HlsPlayer = await loadHls(options.assets.hlsModuleUrl);
  if (!HlsPlayer.isSupported()) {
    if (nativeHls) return playNatively(video, url);
    options.failed(t.cannotPlayHls);
    return { stop() {} };
  }
  return playWithHlsJs(HlsPlayer, video, url, options);
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
  options: { live: boolean; assets: PlayerAssets; failed: PlayerFailure },
): Playback {
  const config: Partial<HlsConfig> = {
    workerPath: options.assets.hlsWorkerUrl,
    ...(options.live ? LIVE_PLAYER_CONFIG : {}),
  };
  let stopped = false;
  let current: Hls | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const beacons = startPlaybackBeacons(video, url);

  const start = () => {
    const hls = new HlsPlayer(config);
    current = hls;
    beacons?.attachHls(hls, HlsPlayer.Events);
    hls.on(HlsPlayer.Events.ERROR, (_event, data) => {
      if (!data.fatal || stopped) return;
      hls.destroy();
      if (options.live) {
        retry = setTimeout(start, LIVE_RETRY_MS);
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
  start();

  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      beacons?.stop();
      current?.destroy();
      empty(video);
    },
  };
}

function empty(video: HTMLVideoElement): void {
  video.pause();
  video.removeAttribute('src');
  video.load();
}
