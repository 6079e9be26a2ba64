/**
 * The videos domain's module: uploads, videos and their processing, VOD playback; recordings of
 * broadcasts become videos (a durable consumer of `stream.ended`).
 */
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import { ffprobeBeside } from '@streamhub/media-node/ffmpeg/locate';
import { videoJobDeps, videoProcessHandler } from '../../jobs/handlers.ts';
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { BroadcastsService } from '../channels/broadcasts.service.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { ChannelsRepository } from '../channels/channels.repository.ts';
import { settingsModule } from '../settings/settings.module.ts';
import { contentConsumers, startUploadSweep } from './content-consumers.ts';
import { PlaybackTokens } from './playback-tokens.ts';
import { UPLOADS_PATH, uploadRoutes } from './uploads.routes.ts';
import { UploadsService } from './uploads.service.ts';
import { DiscardingVideoStatusPublisher } from './video-status-publisher.ts';
import { VideosRepository } from './videos.repository.ts';
import { channelVideoRoutes, myVideoRoutes, videoRoutes } from './videos.routes.ts';
import { VideosService } from './videos.service.ts';
import { vodPlaybackRoutes } from './vod-playback.routes.ts';

type VideosNeeds = ServicesOf<typeof channelsModule> & ServicesOf<typeof settingsModule>;

function videosServices(
  { config, db, jobs, media, signingKeys, videoStatusPublisher }: ModuleBackends,
  { channels, settings }: VideosNeeds,
) {
  const repository = new VideosRepository(db);
  const videos = new VideosService({
    videos: repository,
    media,
    tokens: new PlaybackTokens(signingKeys, { issuer: config.publicUrl }),
    channels,
    jobs,
    publicUrl: config.publicUrl,
    statusPublisher: videoStatusPublisher ?? new DiscardingVideoStatusPublisher(),
  });
  const uploads = new UploadsService({
    videos: repository,
    media,
    channels,
    jobs,
    limits: {
      maxBytes: config.videos.maxBytes,
      quotaBytes: config.videos.quotaBytes,
      expiryMs: config.videos.uploadExpiryMs,
    },
    sizeLimits: async () => {
      const { videoMaxBytes, videoQuotaBytes } = await settings.current();
      return { maxBytes: videoMaxBytes, quotaBytes: videoQuotaBytes };
    },
    ffprobePath: ffprobeBeside(config.media.ffmpegPath),
    removeVideo: (videoId) => videos.remove(videoId),
  });
  // A channel's broadcasts with the videos their recordings became: it reads this module's videos, so
  // it is built here rather than in the channels module (which videos builds on).
  const broadcasts = new BroadcastsService({ channels: new ChannelsRepository(db), recordings: videos });
  return { videos, uploads, broadcasts };
}

const videosMounts = () =>
  [
    mount('/api/v1/videos', videoRoutes()),
    mount('/api/v1/channels', channelVideoRoutes()),
    mount('/api/v1/me', myVideoRoutes()),
    mount('/', vodPlaybackRoutes()),
    mount(UPLOADS_PATH, uploadRoutes()),
  ] as const;

interface VideosRoutes {
  mounts: ReturnType<typeof videosMounts>;
}

export const videosModule: DomainModule<
  'videos',
  VideosNeeds,
  ReturnType<typeof videosServices>,
  VideosRoutes,
  Pick<JobHandlers<JobDefinitionsMap>, 'video.process'>
> = {
  name: 'videos',
  dependsOn: [channelsModule, settingsModule],
  services: videosServices,
  routes: videosMounts,
  consumers: ({ videos }, { logger }) => contentConsumers({ videos, logger }),
  jobs: ({ videos }, { config, logger, media }) => ({
    'video.process': videoProcessHandler(videoJobDeps(config, videos, media, logger)),
  }),
  timers: ({ uploads }, { logger }) => startUploadSweep(uploads, logger),
};
