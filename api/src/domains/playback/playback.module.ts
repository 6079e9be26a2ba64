/** The playback module: live HLS under `/hls/` and live thumbnails, read from the media storage. */

import { openPlaylistNotifier } from '@streamhub/media-node/live/llhls/playlist-notifier';
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { LivePlaylistWatch } from './live-playlist-watch.ts';
import { playbackRoutes } from './playback.routes.ts';
import { PlaybackService } from './playback.service.ts';

type PlaybackNeeds = ServicesOf<typeof channelsModule>;

function playbackServices({ media }: ModuleBackends, { channels }: PlaybackNeeds) {
  const liveWatch = new LivePlaylistWatch(media);
  return { playback: new PlaybackService({ media, channels, watch: liveWatch }), liveWatch };
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
  // Media nodes announce new LL-HLS parts: held blocking requests are answered as soon as one lands.
  async subscriptions({ liveWatch }, { config, logger }) {
    const notifier = await openPlaylistNotifier({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      onError: (error, context) => logger.warn({ err: error, ...context }, 'LL-HLS notice lost'),
    });
    notifier.subscribe('live.playlist_updated', (update) => liveWatch.notify(update));
    await notifier.ready();
    return () => {
      liveWatch.close();
      void notifier.close();
    };
  },
};
