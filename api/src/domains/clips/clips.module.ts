/** The clips domain's module: instant clips of live broadcasts, which become videos of the channel. */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { settingsModule } from '../settings/settings.module.ts';
import { videosModule } from '../videos/videos.module.ts';
import { ClipsRepository } from './clips.repository.ts';
import { clipRoutes } from './clips.routes.ts';
import { ClipsService } from './clips.service.ts';

type ClipsNeeds = ServicesOf<typeof channelsModule> &
  ServicesOf<typeof videosModule> &
  ServicesOf<typeof settingsModule>;

function clipsServices({ config, db, media }: ModuleBackends, { channels, videos, settings }: ClipsNeeds) {
  const clips = new ClipsService({
    clips: new ClipsRepository(db),
    channels,
    videos,
    media,
    ffmpegPath: config.media.ffmpegPath ?? 'ffmpeg',
    publicUrl: config.publicUrl,
    perUserPerHour: async () => (await settings.current()).clipsPerUserPerHour,
  });
  return { clips };
}

const clipsMounts = () => [mount('/api/v1/channels', clipRoutes())] as const;

interface ClipsRoutes {
  mounts: ReturnType<typeof clipsMounts>;
}

export const clipsModule: DomainModule<'clips', ClipsNeeds, ReturnType<typeof clipsServices>, ClipsRoutes> = {
  name: 'clips',
  dependsOn: [channelsModule, videosModule, settingsModule],
  services: clipsServices,
  routes: clipsMounts,
};
