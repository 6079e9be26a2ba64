/**
 * The media node: RTMP ingest + publish gate + live HLS ladder. Runs inside
 * `streamhub dev` or alone (`streamhub serve media`).
 */
import { join } from 'node:path';
import type { Config } from '@streamhub/config/config';
import type { Logger } from '@streamhub/logger/logger';
import { type FfmpegBinary, locateFfmpeg } from './ffmpeg/locate.ts';
import { startRtmpIngest } from './ingest/rtmp-ingest.ts';
import { LiveManager } from './live/live-manager.ts';
import { startLiveThumbnails } from './live/live-thumbnails.ts';
import type { RestartPolicy } from './live/live-transcoder.ts';
import type { PublishGate } from './live/publish-gate.ts';

export type { LiveManagerEvents, LiveSessionView } from './live/live-manager.ts';
export type { PublishAuthorization, PublishGate, SessionEndInfo } from './live/publish-gate.ts';

export interface MediaNodeOptions {
  config: Config;
  logger: Logger;
  gate: PublishGate;
  /** Overrides the binary chosen from config (tests, status). */
  ffmpeg?: FfmpegBinary;
  /** ffmpeg restart back-off; defaults to 5 restarts, 0.5 s doubling to 8 s. */
  restart?: RestartPolicy;
  /** A gate that has not answered after this long refuses the publish (default 10 s). */
  authorizeTimeoutMs?: number;
}

export interface MediaNode {
  /** The port RTMP listens on (config.media.rtmpPort, or the one picked for 0). */
  rtmpPort: number;
  /** Which ffmpeg runs (path, version line, source) for logs and `streamhub status`. */
  ffmpeg: FfmpegBinary;
  /** `<dataDir>/media/live`: one directory per playback id. */
  liveDir: string;
  /** Session life-cycle events (started, resumed, playable, ended, refused, transcoderFailed). */
  events: Pick<LiveManager, 'on' | 'off' | 'once' | 'sessions'>;
  /** Disconnects publishers, stops ffmpeg, closes playlists and ends sessions. */
  close(): Promise<void>;
}

export async function startMediaNode(options: MediaNodeOptions): Promise<MediaNode> {
  const { config, gate } = options;
  const logger = options.logger.child({ component: 'media-node' });
  const ffmpeg = options.ffmpeg ?? (await locateFfmpeg({ ffmpegPath: config.media.ffmpegPath }));
  logger.info({ ffmpeg: ffmpeg.path, version: ffmpeg.version, source: ffmpeg.source }, 'using ffmpeg');
  const liveDir = join(config.dataDir, 'media', 'live');

  const manager = new LiveManager({
    gate,
    ffmpeg,
    liveDir,
    settings: {
      ladder: config.media.ladder,
      segmentSeconds: config.media.segmentSeconds,
      windowSegments: config.media.windowSegments,
      x264Preset: config.media.x264Preset,
    },
    reconnectGraceMs: config.media.reconnectGraceSeconds * 1000,
    restart: options.restart,
    authorizeTimeoutMs: options.authorizeTimeoutMs,
    logger,
  });
  const ingest = await startRtmpIngest({
    port: config.media.rtmpPort,
    host: config.host,
    logger: logger.child({ component: 'rtmp-ingest' }),
    handlers: manager,
  });
  manager.attach(ingest);
  const thumbnails = startLiveThumbnails(manager, {
    ffmpegPath: ffmpeg.path,
    intervalMs: config.media.thumbnailSeconds * 1000,
    logger,
  });
  logger.info({ rtmpPort: ingest.port }, 'RTMP ingest listening');

  let closing: Promise<void> | undefined;
  return {
    rtmpPort: ingest.port,
    ffmpeg,
    liveDir,
    events: manager,
    close() {
      closing ??= (async () => {
        thumbnails.stop();
        await manager.close();
        await ingest.close();
      })();
      return closing;
    },
  };
}
