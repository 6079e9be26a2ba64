/** The channels domain's module: channels, stream keys, live sessions, and the media node's publish gate. */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsPublishGate } from '../../runtime/media-gate.ts';
import { settingsModule } from '../settings/settings.module.ts';
import { ChannelsRepository } from './channels.repository.ts';
import { channelRoutes, channelSearchRoutes, myChannelRoutes } from './channels.routes.ts';
import { ChannelsService } from './channels.service.ts';
import { FollowsReadModel } from './follower-counts.ts';

// Only these: a media node builds this module's services without signing keys or job queue.
type ChannelsBackends = Pick<ModuleBackends, 'config' | 'db' | 'events'>;
// A media node opens no channels, so it builds this module without the instance settings.
type ChannelsNeeds = Partial<ServicesOf<typeof settingsModule>>;

function channelsServices({ config, db, events }: ChannelsBackends, { settings }: ChannelsNeeds) {
  const channels = new ChannelsService({
    channels: new ChannelsRepository(db),
    events,
    publicUrl: config.publicUrl,
    // Follower counts: a read-only join on the follows table engagement exports for reads.
    followers: new FollowsReadModel(db),
    ...(settings && { settings }),
    lowLatencyMode: config.media.lowLatency,
  });
  return { channels };
}

const channelsMounts = () =>
  [
    mount('/api/v1/channels', channelRoutes()),
    mount('/api/v1/me', myChannelRoutes()),
    mount('/api/v1/search', channelSearchRoutes()),
  ] as const;

interface ChannelsRoutes {
  mounts: ReturnType<typeof channelsMounts>;
}

export const channelsModule: DomainModule<
  'channels',
  ChannelsNeeds,
  ReturnType<typeof channelsServices>,
  ChannelsRoutes,
  Record<never, never>,
  ChannelsBackends
> = {
  name: 'channels',
  dependsOn: [settingsModule],
  services: channelsServices,
  routes: channelsMounts,
  // Termination orders (`user.suspended`, `stream.key_revoked`, `user.deleted`) reach the media node
  // holding the broadcast through the gate's ephemeral subscriptions.
  publishGate: ({ channels }) => channelsPublishGate(channels),
};
