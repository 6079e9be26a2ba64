/** The playback module: live HLS under `/hls/` and live thumbnails, read from the media storage. */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { playbackRoutes } from './playback.routes.ts';
import { PlaybackService } from './playback.service.ts';

type PlaybackNeeds = ServicesOf<typeof channelsModule>;

function playbackServices({ media }: ModuleBackends, { channels }: PlaybackNeeds) {
  return { playback: new PlaybackService({ media, channels }) };
}

const playbackMounts = () => [mount('/', playbackRoutes())] as const;

interface PlaybackRoutes {
  mounts: ReturnType<typeof playbackMounts>;
}

export const playbackModule: DomainModule<
  'playback',
  PlaybackNeeds,
  ReturnType<typeof playbackServices>,
  PlaybackRoutes
> = {
  name: 'playback',
  dependsOn: [channelsModule],
  services: playbackServices,
  routes: playbackMounts,
};
