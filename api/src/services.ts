/** Builds every domain service on the process's backends; the gateway reaches them through `c.var.deps`. */
import type { Config } from '@streamhub/config/config';
import type { DomainEvents } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { Db } from '@streamhub/db/client';
import type { CounterStore } from '@streamhub/infra/counters/port';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import type { Logger } from '@streamhub/logger/logger';
import { ffprobeBeside } from '@streamhub/media-node/ffmpeg/locate';
import { AbuseGuard, type AbusePolicy } from './domains/auth/abuse-guard.ts';
import { AccessTokens } from './domains/auth/access-tokens.ts';
import { AuthService } from './domains/auth/auth.service.ts';
import { EmailFlowsService } from './domains/auth/email-flows.service.ts';
import { EmailTokensRepository } from './domains/auth/email-tokens.repository.ts';
import { AccountsRepository } from './domains/auth/first-account.ts';
import { OAuthRepository } from './domains/auth/oauth.repository.ts';
import { OAuthService } from './domains/auth/oauth.service.ts';
import { type FetchFn, OAuthClient } from './domains/auth/oauth-client.ts';
import type { ScryptParams } from './domains/auth/password.ts';
import { SessionService } from './domains/auth/session.service.ts';
import { SessionsRepository } from './domains/auth/sessions.repository.ts';
import type { SigningKeyRing } from './domains/auth/signing-keys.ts';
import { BroadcastsService } from './domains/channels/broadcasts.service.ts';
import { ChannelsRepository } from './domains/channels/channels.repository.ts';
import { ChannelsService } from './domains/channels/channels.service.ts';
import { ChatRepository } from './domains/chat/chat.repository.ts';
import { type ChatRateLimit, ChatService } from './domains/chat/chat.service.ts';
import { ModerationRepository } from './domains/chat/moderation.repository.ts';
import { DiscardingRoomPublisher, type RoomPublisher } from './domains/chat/room-publisher.ts';
import { CommentsRepository } from './domains/engagement/comments.repository.ts';
import { type CommentRateLimit, CommentsService } from './domains/engagement/comments.service.ts';
import { EngagementTargets, liveSessionTargets } from './domains/engagement/engagement-targets.ts';
import { FollowsRepository } from './domains/engagement/follows.repository.ts';
import { FollowsService } from './domains/engagement/follows.service.ts';
import { LikesRepository } from './domains/engagement/likes.repository.ts';
import { LikesService } from './domains/engagement/likes.service.ts';
import { UsersRepository } from './domains/users/users.repository.ts';
import { UsersService } from './domains/users/users.service.ts';
import { PlaybackTokens } from './domains/videos/playback-tokens.ts';
import { UploadsService } from './domains/videos/uploads.service.ts';
import { VideoFiles } from './domains/videos/video-files.ts';
import {
  DiscardingVideoStatusPublisher,
  type VideoStatusPublisher,
} from './domains/videos/video-status-publisher.ts';
import { VideosRepository } from './domains/videos/videos.repository.ts';
import { VideosService } from './domains/videos/videos.service.ts';
import { MediaStore } from './media/media-store.ts';

export interface GatewayServices {
  abuse: AbuseGuard;
  auth: AuthService;
  sessions: SessionService;
  oauth: OAuthService;
  emailFlows: EmailFlowsService;
  users: UsersService;
  channels: ChannelsService;
  /** A channel's broadcasts, with the videos their recordings became. */
  broadcasts: BroadcastsService;
  chat: ChatService;
  follows: FollowsService;
  likes: LikesService;
  comments: CommentsService;
  /** Videos; also the VideoProcessingStore the `video.process` job drives. */
  videos: VideosService;
  uploads: UploadsService;
}

export interface ServiceBackends {
  config: Config;
  db: Db;
  events: EventBus<DomainEvents>;
  jobs: JobQueue<JobDefinitionsMap>;
  signingKeys: SigningKeyRing;
  counters: CounterStore;
  /** Where services report what they cannot hand back to a caller (e.g. an event lost after a commit). */
  logger: Logger;
  /** Cheaper password hashing for tests. */
  scrypt?: ScryptParams;
  /** Tighter abuse limits for tests. */
  abusePolicy?: AbusePolicy;
  /** How the OAuth service reaches GitHub and Google; defaults to the global fetch. */
  oauthFetch?: FetchFn;
  /** Where the videos domain tells owners how processing goes; the realtime hub passes its own. */
  videoStatusPublisher?: VideoStatusPublisher;
  /** Where chat announces room changes; the realtime hub passes its own, else frames are dropped. */
  roomPublisher?: RoomPublisher;
  /** A different chat rate limit (tests). */
  chatRateLimit?: ChatRateLimit;
  /** A different comment rate limit (tests). */
  commentRateLimit?: CommentRateLimit;
}

export function createServices({
  config,
  db,
  events,
  jobs,
  signingKeys,
  scrypt,
  oauthFetch,
  counters,
  logger,
  abusePolicy,
  roomPublisher,
  videoStatusPublisher,
  chatRateLimit,
  commentRateLimit,
}: ServiceBackends): GatewayServices {
  const users = new UsersRepository(db);
  const abuse = new AbuseGuard(counters, abusePolicy);
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.publicUrl,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });
  const sessions = new SessionService({
    sessions: new SessionsRepository(db),
    accessTokens,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    events,
  });
  const oauth = new OAuthService({
    oauth: config.oauth,
    publicUrl: config.publicUrl,
    repository: new OAuthRepository(db),
    users,
    sessions,
    events,
    client: new OAuthClient(oauthFetch),
  });
  const emailFlows = new EmailFlowsService({
    tokens: new EmailTokensRepository(db),
    users,
    sessions,
    jobs,
    publicUrl: config.publicUrl,
    scrypt,
  });
  const auth = new AuthService({
    users,
    accounts: new AccountsRepository(db),
    sessions,
    events,
    abuse,
    scrypt,
    emailVerification: emailFlows,
  });
  // Channels shows follower counts without reading engagement tables itself: it asks the follows repository.
  const followsRepository = new FollowsRepository(db);
  const channels = new ChannelsService({
    channels: new ChannelsRepository(db),
    events,
    publicUrl: config.publicUrl,
    followers: followsRepository,
    channelCreation: config.channelCreation,
  });
  const chat = new ChatService({
    channels,
    chat: new ChatRepository(db),
    moderation: new ModerationRepository(db),
    counters,
    rooms: roomPublisher ?? new DiscardingRoomPublisher(),
    ...(chatRateLimit ? { rateLimit: chatRateLimit } : {}),
  });
  const targets = new EngagementTargets({ live_session: liveSessionTargets(channels) });
  const follows = new FollowsService({ follows: followsRepository, channels, events });
  const likes = new LikesService({ likes: new LikesRepository(db), targets });
  const comments = new CommentsService({
    comments: new CommentsRepository(db),
    targets,
    events,
    counters,
    ...(commentRateLimit ? { rateLimit: commentRateLimit } : {}),
  });
  const videoFiles = new VideoFiles(config.dataDir);
  const videosRepository = new VideosRepository(db);
  const videos = new VideosService({
    videos: videosRepository,
    files: videoFiles,
    tokens: new PlaybackTokens(signingKeys, { issuer: config.publicUrl }),
    channels,
    events,
    jobs,
    publicUrl: config.publicUrl,
    statusPublisher: videoStatusPublisher ?? new DiscardingVideoStatusPublisher(),
  });
  const broadcasts = new BroadcastsService({ channels: new ChannelsRepository(db), recordings: videos });
  const uploads = new UploadsService({
    videos: videosRepository,
    files: videoFiles,
    channels,
    jobs,
    limits: {
      maxBytes: config.videos.maxBytes,
      quotaBytes: config.videos.quotaBytes,
      expiryMs: config.videos.uploadExpiryMs,
    },
    ffprobePath: ffprobeBeside(config.media.ffmpegPath),
    removeVideo: (videoId) => videos.remove(videoId),
  });
  const usersService = new UsersService({
    users,
    sessions,
    events,
    channels,
    videos,
    logger,
    media: new MediaStore(config.dataDir),
    publicUrl: config.publicUrl,
    avatarMaxBytes: config.avatarMaxBytes,
    scrypt,
  });
  return {
    abuse,
    auth,
    sessions,
    oauth,
    emailFlows,
    users: usersService,
    channels,
    broadcasts,
    chat,
    follows,
    likes,
    comments,
    videos,
    uploads,
  };
}
