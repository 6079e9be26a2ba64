/**
 * Rules of follows: anyone signed in follows any channel but their own, following twice changes nothing,
 * only the owner sees who follows a channel. Stores `user.followed` for new follows only. No HTTP here.
 */

import type { ChannelCategory } from '@streamhub/contracts/channels';
import type {
  FollowedChannelPage,
  FollowerPage,
  FollowersQuery,
  FollowingQuery,
  FollowState,
} from '@streamhub/contracts/engagement';
import { AppError, forbidden } from '@streamhub/errors/app-error';
import { appendDomainEvent } from '../../events/durable.ts';
import { withCursor } from '../../http/pagination.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import type { PlaybackService } from '../playback/playback.service.ts';
import type { FollowsRepository } from './follows.repository.ts';

export interface FollowsServiceDeps {
  follows: FollowsRepository;
  channels: Pick<ChannelsService, 'reference'>;
  /** Whether a live broadcast has its first thumbnail yet, so the list offers no URL that answers 404. */
  playback: Pick<PlaybackService, 'hasLiveThumbnail'>;
  /** The instance's public URL (config PUBLIC_URL), the base of the thumbnails' URLs. */
  publicUrl: string;
}

export class FollowsService {
  constructor(private readonly deps: FollowsServiceDeps) {}

  /** Follows the channel; idempotent. Throws `self_follow` for the caller's own channel. */
  async follow(userId: string, slug: string): Promise<FollowState> {
    const channel = await this.deps.channels.reference(slug);
    if (channel.ownerId === userId) {
      throw new AppError(422, 'self_follow', 'You cannot follow your own channel.');
    }
    // Stored with the new follow only (never for a repeat), for notifications (docs/events.md).
    await this.deps.follows.follow(userId, channel.id, (tx, followedAt) =>
      appendDomainEvent(
        tx,
        'user.followed',
        {
          followerId: userId,
          channelId: channel.id,
          slug: channel.slug,
          ownerId: channel.ownerId,
          followedAt: followedAt.toISOString(),
        },
        { aggregate: `channel:${channel.id}` },
      ),
    );
    return { following: true, followerCount: await this.deps.follows.countFollowers(channel.id) };
  }

  /** Stops following; idempotent. */
  async unfollow(userId: string, slug: string): Promise<FollowState> {
    const channel = await this.deps.channels.reference(slug);
    await this.deps.follows.unfollow(userId, channel.id);
    return { following: false, followerCount: await this.deps.follows.countFollowers(channel.id) };
  }

  async state(userId: string, slug: string): Promise<FollowState> {
    const channel = await this.deps.channels.reference(slug);
    const [following, followerCount] = await Promise.all([
      this.deps.follows.isFollowing(userId, channel.id),
      this.deps.follows.countFollowers(channel.id),
    ]);
    return { following, followerCount };
  }

  /** Who follows the channel, newest first; its owner only (followers are not public). */
  async followers(userId: string, slug: string, query: FollowersQuery): Promise<FollowerPage> {
    const channel = await this.deps.channels.reference(slug);
    if (channel.ownerId !== userId) throw forbidden('Only the owner of this channel may see its followers.');
    const page = await withCursor(() => this.deps.follows.followersPage(channel.id, query));
    return {
      items: page.items.map(({ user, followedAt }) => ({ user, followedAt: followedAt.toISOString() })),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * The channels `userId` follows, live ones first, then by most recent follow. A live one's thumbnail
   * URL only once the media node has written its first thumbnail (one storage stat per live channel on
   * the page; offline ones cost none).
   */
  async following(userId: string, query: FollowingQuery): Promise<FollowedChannelPage> {
    const page = await withCursor(() => this.deps.follows.followingPage(userId, query));
    const items = await Promise.all(
      page.items.map(async ({ channel, owner, session, followedAt }) => ({
        slug: channel.slug,
        title: channel.title,
        category: channel.category as ChannelCategory,
        owner,
        live: session !== null,
        session: session
          ? { id: session.id, playbackId: session.playbackId, startedAt: session.startedAt.toISOString() }
          : null,
        thumbnailUrl:
          session && (await this.deps.playback.hasLiveThumbnail(session.playbackId))
            ? `${this.deps.publicUrl}/api/v1/channels/${channel.slug}/thumbnail.jpg`
            : null,
        followedAt: followedAt.toISOString(),
      })),
    );
    return { items, nextCursor: page.nextCursor };
  }
}
