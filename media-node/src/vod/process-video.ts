/**
 * The `video.process` job: begin → probe → ladder, poster and storyboard → ready, through the
 * {@link VideoProcessingStore} port. A file that is not a video fails at once (retrying cannot help);
 * anything else is rethrown for the queue to retry, and marks the video failed on the last attempt.
 */
import { join } from 'node:path';
import type { LocalDirectory, MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import { type FfmpegBinary, FfmpegNotFoundError } from '../ffmpeg/locate.ts';
import { warnIfUnguarded } from '../ffmpeg/spawn.ts';
import { FfmpegFailedError } from './ffmpeg-process.ts';
import { NotAVideoError, probeMedia } from './probe.ts';
import { produceVod } from './produce-vod.ts';
import type { VideoProcessingStore, VideoToProcess } from './video-processing-store.ts';
import type { VodLadderSettings } from './vod-ladder.ts';

export interface ProcessVideoDeps {
  store: VideoProcessingStore;
  /** Where sources are read from and renditions, posters and storyboards go. */
  media: MediaStorage;
  /** Locates ffmpeg when first needed (a process without ffmpeg still starts; its video jobs fail). */
  ffmpeg: () => Promise<FfmpegBinary>;
  logger: Logger;
  settings?: VodLadderSettings;
  progressIntervalMs?: number;
}

export interface ProcessVideoAttempt {
  /** 1-based number of this try, and how many the job gets in all. */
  attempt: number;
  attempts: number;
  signal: AbortSignal;
  /** The queue's own progress report (observability), beside the store's. */
  progress?: (percent: number) => Promise<void>;
}

export type ProcessVideoOutcome = 'ready' | 'failed' | 'gone';

/** What the owner reads when processing gave up; the log keeps the details. */
export function failureReason(error: unknown): string {
  if (error instanceof NotAVideoError) return error.message;
  if (error instanceof FfmpegNotFoundError) {
    return 'Video processing is not available on this server (ffmpeg is missing); ask its operator';
  }
  if (error instanceof Error && error.name === 'JobTimeoutError')
    return 'Processing took too long and was stopped';
  if (error instanceof FfmpegFailedError) return 'The video could not be transcoded';
  return 'Processing failed';
}

// A queue shutting down aborts running attempts; the job comes back later, so that is no failure.
function interruptedByShutdown(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as Error | undefined)?.name === 'JobQueueClosingError';
}

export async function processVideo(
  deps: ProcessVideoDeps,
  videoId: string,
  attempt: ProcessVideoAttempt,
): Promise<ProcessVideoOutcome> {
  const { store } = deps;
  const { signal } = attempt;
  const logger = deps.logger.child({ videoId, attempt: attempt.attempt });
  const target = await store.begin(videoId);
  if (!target) {
    logger.info('video gone before processing; nothing to do');
    return 'gone';
  }

  // Progress writes are chained so they land in order, and never fail the transcode.
  let reporting = Promise.resolve();
  const report = (percent: number) => {
    reporting = reporting
      .then(() => Promise.all([store.progress(videoId, percent), attempt.progress?.(percent)]))
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, 'could not record processing progress'),
      );
  };

  try {
    const ffmpeg = await deps.ffmpeg();
    warnIfUnguarded(deps.logger);
    const { probe, renditions } = await withLocalDirectories(deps.media, target, async (input, output) => {
      const probe = await probeMedia(ffmpeg.ffprobePath, input, { signal });
      if (!probe.video) throw new NotAVideoError('The file has no video stream ffmpeg can decode');
      const renditions = await produceVod({
        ffmpegPath: ffmpeg.path,
        input,
        output,
        media: deps.media,
        probe,
        settings: deps.settings,
        signal,
        progressIntervalMs: deps.progressIntervalMs,
        onProgress: (percent) => {
          if (percent < 100) report(percent);
        },
      });
      return { probe: { ...probe, video: probe.video }, renditions };
    });
    await reporting;
    await store.ready(videoId, {
      durationMs: probe.durationMs,
      width: probe.video.width,
      height: probe.video.height,
      renditions,
    });
    logger.info({ durationMs: probe.durationMs, renditions: renditions.length }, 'video ready');
    return 'ready';
  } catch (error) {
    await reporting;
    if (error instanceof NotAVideoError) {
      logger.info({ err: error }, 'not a video; processing failed without retry');
      await store.failed(videoId, error.message);
      return 'failed';
    }
    const last = attempt.attempt >= attempt.attempts && !interruptedByShutdown(signal);
    logger.error({ err: error, willRetry: !last }, 'video processing attempt failed');
    if (last) await store.failed(videoId, failureReason(error));
    throw error;
  }
}

/**
 * Runs `work` on the source as a local file (a recording's playlist with its segments beside it) and the
 * output prefix as a local directory, both from the media storage, and lets go of both afterwards.
 */
async function withLocalDirectories<T>(
  media: MediaStorage,
  target: VideoToProcess,
  work: (input: string, output: LocalDirectory) => Promise<T>,
): Promise<T> {
  const source = await media.localDirectory(target.source.prefix, {
    load: target.source.playlist ? true : [target.source.name],
  });
  try {
    const output = await media.localDirectory(target.output);
    try {
      return await work(join(source.path, target.source.name), output);
    } finally {
      await output.release();
    }
  } finally {
    await source.release();
  }
}
