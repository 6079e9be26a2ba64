/**
 * The media node's configuration for the benchmark, built by the same `loadConfig` production uses:
 * every media setting at its default (the default ladder, x264 preset, live window, thumbnails)
 * except the segment length, a temporary data directory, loopback only and RTMP on a free port.
 * The plain-ffmpeg baseline takes its ladder settings from here too.
 */
import { type Config, loadConfig } from '@streamhub/config/config';

export function benchConfig(options: {
  dataDir: string;
  segmentSeconds: number;
  logLevel?: string;
  /** LIVE_LL_HLS=on, else off (every other LL-HLS setting at its default). */
  lowLatency?: boolean;
}): Config {
  const config = loadConfig(
    {
      STREAMHUB_DATA_DIR: options.dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel ?? 'info',
      LIVE_SEGMENT_SECONDS: String(options.segmentSeconds),
      LIVE_LL_HLS: options.lowLatency ? 'on' : 'off',
    },
    // No .env: a developer's local settings must not change what is measured.
    { envFile: false },
  );
  return { ...config, media: { ...config.media, rtmpPort: 0 } };
}
