/** The engagement domain's module: follows, likes and comments, and the clean-up after a deleted account. */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { chatModule } from '../chat/chat.module.ts';
import { playbackModule } from '../playback/playback.module.ts';
import { CommentsRepository } from './comments.repository.ts';
import { commentRoutes, targetCommentRoutes } from './comments.routes.ts';
import { CommentsService } from './comments.service.ts';
import { engagementConsumers } from './engagement-consumers.ts';
import { EngagementTargets, liveSessionTargets } from './engagement-targets.ts';
import { FollowsRepository } from './follows.repository.ts';
import { followingRoutes, followRoutes } from './follows.routes.ts';
import { FollowsService } from './follows.service.ts';
import { LikesRepository } from './likes.repository.ts';
import { likeRoutes } from './likes.routes.ts';
import { LikesService } from './likes.service.ts';
import { LIVE_SESSION_ROUTES } from './target-routes.ts';

type EngagementNeeds = ServicesOf<typeof channelsModule> &
  ServicesOf<typeof chatModule> &
  ServicesOf<typeof playbackModule>;

function engagementServices(
  { config, db, counters, commentRateLimit }: ModuleBackends,
  { channels, chat, playback }: EngagementNeeds,
) {
  const targets = new EngagementTargets({ live_session: liveSessionTargets(channels) });
  const follows = new FollowsService({
    follows: new FollowsRepository(db),
    channels,
    playback,
    publicUrl: config.publicUrl,
  });
  const likes = new LikesService({ likes: new LikesRepository(db), targets });
  const comments = new CommentsService({
    comments: new CommentsRepository(db),
    targets,
    moderators: chat,
    counters,
    ...(commentRateLimit ? { rateLimit: commentRateLimit } : {}),
  });
  return { follows, likes, comments };
}

const engagementMounts = () =>
  [
    mount('/api/v1/channels', followRoutes()),
    mount('/api/v1/me', followingRoutes()),
    mount('/api/v1/live-sessions', likeRoutes(LIVE_SESSION_ROUTES)),
    mount('/api/v1/live-sessions', targetCommentRoutes(LIVE_SESSION_ROUTES)),
    mount('/api/v1/comments', commentRoutes()),
  ] as const;

interface EngagementRoutes {
  mounts: ReturnType<typeof engagementMounts>;
}

export const engagementModule: DomainModule<
  'engagement',
  EngagementNeeds,
  ReturnType<typeof engagementServices>,
  EngagementRoutes
> = {
  name: 'engagement',
  dependsOn: [channelsModule, chatModule, playbackModule],
  services: engagementServices,
  routes: engagementMounts,
  consumers: ({ likes, comments }, { logger }) => engagementConsumers({ likes, comments, logger }),
};
