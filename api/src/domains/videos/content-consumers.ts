/**
 * The videos domain's durable consumers (docs/events.md): a recorded broadcast becomes a video
 * (`stream.ended`), a deleted account's video files go (`user.deleted`); and the sweep of abandoned
 * uploads, a timer of whichever process runs the videos module's background work.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import type { Logger } from '@streamhub/logger/logger';
import { startPeriodicSweep } from '../../modules/periodic-sweep.ts';
import type { UploadsService } from './uploads.service.ts';
import type { VideosService } from './videos.service.ts';

export interface ContentConsumersDeps {
  videos: Pick<VideosService, 'registerRecording' | 'removeVideos'>;
  logger: Pick<Logger, 'info'>;
}

export function contentConsumers(deps: ContentConsumersDeps): Consumer<DomainEvents>[] {
  const { videos, logger } = deps;
  return [
    // Idempotent rather than `once`: the unique recording index (one video per live session) is the
    // record of what was handled, and it commits with the video itself, so a repeat finds the video.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'videos.recording',
      mode: 'idempotent',
      events: ['stream.ended'],
      async handle({ payload }) {
        if (!payload.recorded) return;
        const videoId = await videos.registerRecording(payload);
        if (videoId)
          logger.info({ videoId, sessionId: payload.sessionId }, 'registered a recording as a video');
      },
    }),
    // Idempotent: removing files and rows that are already gone is a no-op.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'videos.account-cleanup',
      mode: 'idempotent',
      events: ['user.deleted'],
      async handle({ payload: { userId, videoIds } }) {
        if (videoIds.length === 0) return;
        await videos.removeVideos(videoIds);
        logger.info({ userId, videos: videoIds.length }, "removed a deleted account's video files");
      },
    }),
  ];
}

/** Sweeps expired uploads now and every `intervalMs` (default 10 minutes); returns the stop. */
export function startUploadSweep(
  uploads: Pick<UploadsService, 'sweepExpired'>,
  logger: Pick<Logger, 'info' | 'error'>,
  intervalMs = 10 * 60_000,
): () => void {
  return startPeriodicSweep(
    () => uploads.sweepExpired(),
    logger,
    { done: 'removed abandoned uploads', failed: 'sweeping abandoned uploads failed', count: 'removed' },
    intervalMs,
  );
}
