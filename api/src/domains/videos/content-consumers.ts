/**
 * The content domain's background work in a gateway: recorded broadcasts become videos (`stream.ended`),
 * a deleted account's video files go (`user.deleted`), and abandoned uploads are swept. Every replica
 * runs it; the unique recording index, the upload rows and deletions of what is already gone make a
 * second replica's attempt a no-op.
 */
import type { DomainEvents } from '@streamhub/contracts/events';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { Logger } from '@streamhub/logger/logger';
import type { UploadsService } from './uploads.service.ts';
import type { VideosService } from './videos.service.ts';

export interface ContentConsumersDeps {
  videos: Pick<VideosService, 'registerRecording' | 'removeVideos'>;
  uploads: Pick<UploadsService, 'sweepExpired'>;
  events: EventBus<DomainEvents>;
  logger: Logger;
  /** How often expired uploads are looked for; default 10 minutes. */
  sweepIntervalMs?: number;
}

/** Resolves once the subscription is live; the returned function stops everything. */
export async function startContentConsumers(deps: ContentConsumersDeps): Promise<() => void> {
  const { events, logger } = deps;
  const stops = [
    events.subscribe('stream.ended', async (ended) => {
      if (!ended.recorded) return;
      const videoId = await deps.videos.registerRecording(ended);
      if (videoId) logger.info({ videoId, sessionId: ended.sessionId }, 'registered a recording as a video');
    }),
    events.subscribe('user.deleted', async ({ userId, videoIds }) => {
      if (videoIds.length === 0) return;
      await deps.videos.removeVideos(videoIds);
      logger.info({ userId, videos: videoIds.length }, "removed a deleted account's video files");
    }),
  ];
  const sweep = () => {
    deps.uploads.sweepExpired().then(
      (removed) => {
        if (removed > 0) logger.info({ removed }, 'removed abandoned uploads');
      },
      (error: unknown) => logger.error({ err: error }, 'sweeping abandoned uploads failed'),
    );
  };
  const timer = setInterval(sweep, deps.sweepIntervalMs ?? 10 * 60_000);
  timer.unref();
  sweep();
  await events.ready();
  return () => {
    for (const stop of stops) stop();
    clearInterval(timer);
  };
}
