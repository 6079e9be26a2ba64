/**
 * drizzle queries on `engagement.follows`. No rules here: the follows service decides.
 *
 * The followed-channels list joins `live.channels` and `live.live_sessions` read-only: "live ones first"
 * is an order, and an order across pages needs the live state inside the query (as the chat repository
 * reads the channel and its session). Nothing here writes another domain's tables.
 */
import type { Db } from '@streamhub/db/client';
import { InvalidCursorError } from '@streamhub/db/errors';
import {
  decodeCursor,
  encodeCursor,
  type KeysetPosition,
  keysetBefore,
  keysetPage,
  keysetTimestamp,
} from '@streamhub/db/keyset';
import { type ChannelRow, channels, type LiveSessionRow, liveSessions } from '@streamhub/db/schema/channels';
import { follows } from '@streamhub/db/schema/engagement';
import { users } from '@streamhub/db/schema/users';
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';
import { FollowsReadModel } from '../channels/follower-counts.ts';

export interface FollowerView {
  user: { id: string; username: string; displayName: string | null };
  followedAt: Date;
}

export interface FollowedChannelView {
  channel: Pick<ChannelRow, 'id' | 'slug' | 'title' | 'category'>;
  owner: { username: string; displayName: string | null };
  session: Pick<LiveSessionRow, 'id' | 'playbackId' | 'startedAt'> | null;
  followedAt: Date;
}

/** Where a page of followed channels stopped: the live group it was in, then the follow's keyset. */
interface FollowingPosition extends KeysetPosition {
  live: boolean;
}

const userColumns = { id: users.id, username: users.username, displayName: users.displayName };

export class FollowsRepository {
  constructor(private readonly db: Db) {}

  /** Follows unless already following; `created` says whether this call made the follow. */
  async follow(
    followerId: string,
    channelId: string,
    then?: InTransaction<Date>,
  ): Promise<{ created: boolean; followedAt: Date }> {
    const inserted = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(follows)
        .values({ followerId, channelId })
        .onConflictDoNothing()
        .returning({ followedAt: follows.createdAt });
      if (row) await then?.(tx, row.followedAt);
      return row;
    });
    if (inserted) return { created: true, followedAt: inserted.followedAt };
    const [existing] = await this.db
      .select({ followedAt: follows.createdAt })
      .from(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.channelId, channelId)))
      .limit(1);
    // The follow vanished between the two statements (a concurrent unfollow): it did exist a moment ago.
    return { created: false, followedAt: existing?.followedAt ?? new Date() };
  }

  /** True when a follow was removed. */
  async unfollow(followerId: string, channelId: string): Promise<boolean> {
    const removed = await this.db
      .delete(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.channelId, channelId)))
      .returning({ channelId: follows.channelId });
    return removed.length > 0;
  }

  async isFollowing(followerId: string, channelId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ channelId: follows.channelId })
      .from(follows)
      .where(and(eq(follows.followerId, followerId), eq(follows.channelId, channelId)))
      .limit(1);
    return row !== undefined;
  }

  /**
   * The count channels' pages show too: one query, owned by the channels module's read model (channels
   * cannot import engagement, which builds on it, so the query lives on its side).
   */
  async countFollowers(channelId: string): Promise<number> {
    return (await new FollowsReadModel(this.db).countByChannel([channelId])).get(channelId) ?? 0;
  }

  /** A channel's followers, newest follow first. Throws `InvalidCursorError` for a foreign cursor. */
  async followersPage(channelId: string, options: PageOptions): Promise<Page<FollowerView>> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(follows.channelId, channelId)];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(follows.createdAt, follows.followerId, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({
        user: userColumns,
        followedAt: follows.createdAt,
        followedAtKey: keysetTimestamp(follows.createdAt),
      })
      .from(follows)
      .innerJoin(users, eq(users.id, follows.followerId))
      .where(and(...filters))
      .orderBy(desc(follows.createdAt), desc(follows.followerId))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({
      createdAt: row.followedAtKey,
      id: row.user.id,
    }));
    return {
      items: page.items.map(({ user, followedAt }) => ({ user, followedAt })),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * The channels a user follows: live ones first, then by most recent follow. A channel that goes live
   * or offline between two pages may be seen twice or missed once; the next refresh puts it right.
   * Throws `InvalidCursorError` for a foreign cursor.
   */
  async followingPage(followerId: string, options: PageOptions): Promise<Page<FollowedChannelView>> {
    assertLimit(options.limit);
    const live = sql<boolean>`(${liveSessions.id} is not null)`;
    const filters: SQL[] = [eq(follows.followerId, followerId)];
    if (options.cursor !== undefined) {
      const position = decodeFollowingCursor(options.cursor);
      const sameGroupAfter = and(
        position.live ? live : sql`not ${live}`,
        keysetBefore(follows.createdAt, follows.channelId, position),
      ) as SQL;
      // Descending on `live`: after the live group comes the whole offline group.
      filters.push(position.live ? sql`(not ${live} or ${sameGroupAfter})` : sameGroupAfter);
    }
    const rows = await this.db
      .select({
        channel: { id: channels.id, slug: channels.slug, title: channels.title, category: channels.category },
        owner: { username: users.username, displayName: users.displayName },
        session: {
          id: liveSessions.id,
          playbackId: liveSessions.playbackId,
          startedAt: liveSessions.startedAt,
        },
        live,
        followedAt: follows.createdAt,
        followedAtKey: keysetTimestamp(follows.createdAt),
      })
      .from(follows)
      .innerJoin(channels, eq(channels.id, follows.channelId))
      .innerJoin(users, eq(users.id, channels.ownerId))
      // At most one live session per channel (unique partial index), so the join keeps one row per follow.
      .leftJoin(liveSessions, and(eq(liveSessions.channelId, channels.id), eq(liveSessions.status, 'live')))
      .where(and(...filters))
      .orderBy(desc(live), desc(follows.createdAt), desc(follows.channelId))
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ channel, owner, session, followedAt }) => ({
        channel,
        owner,
        session,
        followedAt,
      })),
      nextCursor:
        rows.length > options.limit && last
          ? encodeFollowingCursor({ live: last.live, createdAt: last.followedAtKey, id: last.channel.id })
          : null,
    };
  }
}

// `1.` or `0.` in front of a keyset cursor (base64url has no dots, so the split is unambiguous).
function encodeFollowingCursor(position: FollowingPosition): string {
  return `${position.live ? '1' : '0'}.${encodeCursor(position)}`;
}

function decodeFollowingCursor(cursor: string): FollowingPosition {
  const group = cursor.slice(0, 2);
  if (group !== '1.' && group !== '0.') throw new InvalidCursorError();
  return { live: group === '1.', ...decodeCursor(cursor.slice(2)) };
}
