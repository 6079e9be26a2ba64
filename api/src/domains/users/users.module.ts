/** The users domain's module: profiles, avatars, account deletion, roles and suspension. */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { type AuthNeeds, authModule } from '../auth/auth.module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { videosModule } from '../videos/videos.module.ts';
import { userAccountsOn } from './accounts.ts';
import { UsersRepository } from './users.repository.ts';
import { avatarFileRoutes, meRoutes, userRoutes } from './users.routes.ts';
import { UsersService } from './users.service.ts';

type UsersNeeds = ServicesOf<typeof authModule> &
  ServicesOf<typeof channelsModule> &
  ServicesOf<typeof videosModule>;

function usersServices(
  { config, db, events, logger, media, scrypt }: ModuleBackends,
  { sessions, channels, videos }: UsersNeeds,
) {
  const users = new UsersService({
    users: new UsersRepository(db),
    sessions,
    events,
    channels,
    videos,
    logger,
    media,
    publicUrl: config.publicUrl,
    avatarMaxBytes: config.avatarMaxBytes,
    scrypt,
  });
  return { users };
}

const usersMounts = () =>
  [
    mount('/api/v1/me', meRoutes()),
    mount('/api/v1/users', userRoutes()),
    mount('/', avatarFileRoutes()),
  ] as const;

interface UsersRoutes {
  mounts: ReturnType<typeof usersMounts>;
}

export const usersModule: DomainModule<'users', UsersNeeds, ReturnType<typeof usersServices>, UsersRoutes> = {
  name: 'users',
  dependsOn: [authModule, channelsModule, videosModule],
  // The users domain owns accounts; auth reaches them through its AccountStore port, never by import.
  ports: (): AuthNeeds => ({ accountStore: userAccountsOn }),
  services: usersServices,
  routes: usersMounts,
};
