/** The handlers of `JOB_DEFINITIONS`' jobs; a job without a handler is a compile error in `createJobHandlers`. */
import type { Config } from '@streamhub/config/config';
import { JOB_DEFINITIONS, type JobDefinitionsMap } from '@streamhub/contracts/jobs';
import { type JobHandlers, NonRetryableError } from '@streamhub/infra/jobs/port';
import type { MediaStorage } from '@streamhub/infra/media-storage/port';
import type { Logger } from '@streamhub/logger/logger';
import type { FfmpegBinary } from '@streamhub/media-node/ffmpeg/locate';
import { lazyFfmpegLocator } from '@streamhub/media-node/vod/ffmpeg-locator';
import { processVideo } from '@streamhub/media-node/vod/process-video';
import type { VideoProcessingStore } from '@streamhub/media-node/vod/video-processing-store';
import type { VodLadderSettings } from '@streamhub/media-node/vod/vod-ladder';
import type { NotificationSender } from '../domains/notifications/notification-deliveries.ts';
import { webhookDeliverHandler } from '../domains/webhooks/webhook-deliver-job.ts';
import type { WebhooksService } from '../domains/webhooks/webhooks.service.ts';
import type { Mailer } from '../mail/mailer.ts';

/** What the `video.process` handler needs. */
export interface VideoJobDeps {
  /** The content domain's videos service. */
  store: VideoProcessingStore;
  /** The process's media storage: sources in, renditions, posters and storyboards out. */
  media: MediaStorage;
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
  /** The notifications domain's deliveries; absent where none are sent: those jobs fail. */
  notifications?: NotificationSender;
  /** The webhooks domain's service; absent where no webhook is delivered: those jobs fail. */
  webhooks?: Pick<WebhooksService, 'deliver'>;
}

/** `email.send`: one message through the process's mailer (the auth module's job). */
export function emailSendHandler(mailer: Mailer): JobHandlers<JobDefinitionsMap>['email.send'] {
  return (payload) => mailer.send(payload);
}

/** `notifications.deliver`: one email or push of a notification (the notifications module's job). */
export function notificationDeliverHandler(
  notifications: NotificationSender | undefined,
): JobHandlers<JobDefinitionsMap>['notifications.deliver'] {
  return async (payload, context) => {
    if (!notifications) throw new NonRetryableError('This process was started without notification delivery');
    await notifications.deliver(payload, context.attempt);
  };
}

/** `video.process`: the VOD ladder of one video (the videos module's job). */
export function videoProcessHandler(
  videos: VideoJobDeps | undefined,
): JobHandlers<JobDefinitionsMap>['video.process'] {
  return async ({ videoId }, context) => {
    if (!videos) throw new NonRetryableError('This process was started without video processing');
    await processVideo(videos, videoId, {
      attempt: context.attempt,
      attempts: JOB_DEFINITIONS['video.process'].attempts,
      signal: context.signal,
      progress: (percent) => context.progress(percent),
    });
  };
}

/**
 * Every job's handler from explicit dependencies, for tests and benchmarks that run jobs without the
 * modules; the runtimes take them from the modules (`modules.ts`).
 */
export function createJobHandlers({
  mailer,
  videos,
  notifications,
  webhooks,
}: JobHandlerDeps): JobHandlers<JobDefinitionsMap> {
  return {
    'email.send': emailSendHandler(mailer),
    'video.process': videoProcessHandler(videos),
    'notifications.deliver': notificationDeliverHandler(notifications),
    'webhook.deliver': webhooks
      ? webhookDeliverHandler(webhooks)
      : async () => {
          throw new NonRetryableError('This process was started without webhook delivery');
        },
  };
}

/** The `video.process` dependencies of a process configured by `config`. */
export function videoJobDeps(
  config: Config,
  store: VideoProcessingStore,
  media: MediaStorage,
  logger: Logger,
): VideoJobDeps {
  return {
    store,
    media,
    ffmpeg: lazyFfmpegLocator({ ffmpegPath: config.media.ffmpegPath }),
    logger: logger.child({ component: 'vod' }),
  };
}
