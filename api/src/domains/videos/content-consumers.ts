/**
 * The content domain's background work in a gateway: recorded broadcasts become videos (`stream.ended`),
 * and abandoned uploads are swept. Every replica runs it; the unique recording index and the upload rows
 * make a second replica's attempt a no-op.
 */
import type { DomainEvents } from '@streamhub/contracts/events';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { Logger } from '@streamhub/logger/logger';
import type { UploadsService } from './uploads.service.ts';
import type { VideosService } from './videos.service.ts';

export interface ContentConsumersDeps {
  videos: Pick<VideosService, 'registerRecording'>;
  uploads: Pick<UploadsService, 'sweepExpired'>;
  events: EventBus<DomainEvents>;
  logger: Logger;
  /** How often expired uploads are looked for; default 10 minutes. */
  sweepIntervalMs?: number;
}

/** Resolves once the subscription is live; the returned function stops everything. */
export async function startContentConsumers(deps: ContentConsumersDeps): Promise<() => void> {
  const { events, logger } = deps;
  const unsubscribe = events.subscribe('stream.ended', async (ended) => {
    if (!ended.recorded) return;
    const videoId = await deps.videos.registerRecording(ended);
    if (videoId) logger.info({ videoId, sessionId: ended.sessionId }, 'registered a recording as a video');
  });
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
    unsubscribe();
    clearInterval(timer);
  };
}
