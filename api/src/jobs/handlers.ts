/** One handler per job in `JOB_DEFINITIONS`; a job without a handler is a compile error here. */
import type { Config } from '@streamhub/config/config';
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import { type JobHandlers, NonRetryableError } from '@streamhub/infra/jobs/port';
import type { Logger } from '@streamhub/logger/logger';
import type { FfmpegBinary } from '@streamhub/media-node/ffmpeg/locate';
import { lazyFfmpegLocator } from '@streamhub/media-node/vod/ffmpeg-locator';
import { processVideo } from '@streamhub/media-node/vod/process-video';
import type { VideoProcessingStore } from '@streamhub/media-node/vod/video-processing-store';
import type { VodLadderSettings } from '@streamhub/media-node/vod/vod-ladder';
import type { Mailer } from '../mail/mailer.ts';

/** What the `video.process` handler needs. */
export interface VideoJobDeps {
  /** The content domain's videos service. */
  store: VideoProcessingStore;
  /** Locates ffmpeg on first use (`lazyFfmpegLocator`), so a process without it still starts. */
  ffmpeg: () => Promise<FfmpegBinary>;
  logger: Logger;
  /** Defaults to the 1080/720/480/360 ladder at x264 veryfast. */
  settings?: VodLadderSettings;
}

export interface JobHandlerDeps {
  mailer: Mailer;
  /** Absent in processes that never process videos (some tests, benchmarks): their video jobs fail. */
  videos?: VideoJobDeps;
}

export function createJobHandlers({ mailer, videos }: JobHandlerDeps): JobHandlers<JobDefinitionsMap> {
  return {
    'email.send': (payload) => mailer.send(payload),
    'video.process': async ({ videoId }, context) => {
      if (!videos) throw new NonRetryableError('This process was started without video processing');
      await processVideo(videos, videoId, {
        attempt: context.attempt,
        attempts: JOB_DEFINITIONS['video.process'].attempts,
        signal: context.signal,
        progress: (percent) => context.progress(percent),
      });
    },
  };
}

/** The `video.process` dependencies of a process configured by `config`. */
export function videoJobDeps(config: Config, store: VideoProcessingStore, logger: Logger): VideoJobDeps {
  return {
    store,
    ffmpeg: lazyFfmpegLocator({ ffmpegPath: config.media.ffmpegPath }),
    logger: logger.child({ component: 'vod' }),
  };
}
