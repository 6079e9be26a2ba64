/**
 * The restream domain's module: a channel's other RTMP(S) destinations (simulcast) and their states.
 * Its service is also the media node's RestreamTargets port (the runtimes pass it to startMediaNode).
 */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { settingsModule } from '../settings/settings.module.ts';
import { RestreamRepository } from './restream.repository.ts';
import { restreamRoutes } from './restream.routes.ts';
import { RestreamService } from './restream.service.ts';

// Only these: a media node builds this module's services too.
type RestreamBackends = Pick<ModuleBackends, 'config' | 'db'>;
// A media node builds it without the instance settings: it only forwards, never adds destinations.
type RestreamNeeds = ServicesOf<typeof channelsModule> & Partial<ServicesOf<typeof settingsModule>>;

export function restreamServices({ config, db }: RestreamBackends, { channels, settings }: RestreamNeeds) {
  const restream = new RestreamService({
    destinations: new RestreamRepository(db),
    channels,
    secret: config.media.restream.secret,
    maxDestinations: async () =>
      settings ? (await settings.current()).restreamMaxDestinations : config.media.restream.maxDestinations,
  });
  return { restream };
}

const restreamMounts = () => [mount('/api/v1/channels', restreamRoutes())] as const;

interface RestreamRoutes {
  mounts: ReturnType<typeof restreamMounts>;
}

export const restreamModule: DomainModule<
  'restream',
  RestreamNeeds,
  ReturnType<typeof restreamServices>,
  RestreamRoutes,
  Record<never, never>,
  RestreamBackends
> = {
  name: 'restream',
  dependsOn: [channelsModule, settingsModule],
  services: restreamServices,
  routes: restreamMounts,
};
