/**
 * drizzle queries of chat itself: messages, the room's rules and what posting needs to know about the
 * poster. No rules here: the chat service decides. Authors' names are joined from `auth.users` for
 * display, as the channels repository joins owners.
 */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import { channels, liveSessions } from '@streamhub/db/schema/channels';
import { type ChatMessageRow, chatMessages, chatRestrictions, chatSettings } from '@streamhub/db/schema/chat';
import { follows } from '@streamhub/db/schema/engagement';
import { subscriptionPerksHeld, subscriptions } from '@streamhub/db/schema/payments';
import { type UserRole, type UserStatus, users } from '@streamhub/db/schema/users';
import { and, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { assertLimit } from '../../http/pagination.ts';
import { moderatesChannel } from './moderation.repository.ts';

export interface ChatRules {
  slowModeSeconds: number;
  followersOnly: boolean;
  subscribersOnly: boolean;
}

/** A ban (`expiresAt` null) or a time-out still in force. */
export interface ActiveRestriction {
  expiresAt: Date | null;
  reason: string | null;
  /** Until the time-out ends, by the database's clock (every replica agrees); null for a ban. */
  remainingMs: number | null;
}

/** Everything the posting rules need, read in one round trip. */
export interface PosterStanding {
  username: string;
  displayName: string | null;
  status: UserStatus;
  role: UserRole;
  /** Null when the channel no longer exists. */
  channel: { slug: string; ownerId: string } | null;
  isModerator: boolean;
  isFollower: boolean;
  /** Holds the perks of a subscription to the channel now. */
  isSubscriber: boolean;
  restriction: ActiveRestriction | null;
  rules: ChatRules;
}

export interface MessageWithAuthor {
  message: ChatMessageRow;
  author: { username: string; displayName: string | null; subscriber: boolean };
}

export interface MessagePage {
  items: MessageWithAuthor[];
  nextCursor: string | null;
}

export const DEFAULT_CHAT_RULES: ChatRules = {
  slowModeSeconds: 0,
  followersOnly: false,
  subscribersOnly: false,
};

const authorColumns = { username: users.username, displayName: users.displayName };

/** A restriction row counts while it is a ban or its time-out has not ended, by the database's clock. */
export const restrictionInForce = (): SQL =>
  sql`(${chatRestrictions.expiresAt} is null or ${chatRestrictions.expiresAt} > now())`;

/** Whether `userId` holds the perks of a subscription to `channelId` now (payments' exported columns). */
const holdsSubscription = (channelId: unknown, userId: unknown): SQL<boolean> =>
  sql<boolean>`exists (select 1 from ${subscriptions} where ${subscriptionPerksHeld(channelId, userId)})`;

/**
 * The poster's account, standing in the channel and the channel's rules, as one prepared statement:
 * every chat message runs it, so drizzle builds its SQL once per repository instead of per message.
 */
function preparePosterStanding(db: Db) {
  const channelId = sql.placeholder('channelId');
  return db
    .select({
      username: users.username,
      displayName: users.displayName,
      status: users.status,
      role: users.role,
      slug: channels.slug,
      ownerId: channels.ownerId,
      isModerator: moderatesChannel(channelId, users.id),
      isFollower: sql<boolean>`exists (select 1 from ${follows} where ${follows.channelId} = ${channelId} and ${follows.followerId} = ${users.id})`,
      isSubscriber: holdsSubscription(channelId, users.id),
      restricted: sql<boolean>`${chatRestrictions.userId} is not null`,
      expiresAt: chatRestrictions.expiresAt,
      reason: chatRestrictions.reason,
      remainingMs: sql<
        number | null
      >`(extract(epoch from (${chatRestrictions.expiresAt} - now())) * 1000)::float8`,
      slowModeSeconds: chatSettings.slowModeSeconds,
      followersOnly: chatSettings.followersOnly,
      subscribersOnly: chatSettings.subscribersOnly,
    })
    .from(users)
    .leftJoin(channels, eq(channels.id, channelId))
    .leftJoin(
      chatRestrictions,
      and(
        eq(chatRestrictions.channelId, channelId),
        eq(chatRestrictions.userId, users.id),
        restrictionInForce(),
      ),
    )
    .leftJoin(chatSettings, eq(chatSettings.channelId, channelId))
    .where(eq(users.id, sql.placeholder('userId')))
    .limit(1)
    .prepare('chat_poster_standing');
}

/**
 * The insert of a chat message, tagged with the channel's live session, prepared like the standing.
 * PGlite's clock moves in whole milliseconds, so two messages within one would share a timestamp and
 * history (ordered by time, then by random id) could show them swapped; each message is therefore
 * stamped at least a microsecond after the channel's newest (an index lookup in the same statement).
 */
function prepareInsertMessage(db: Db) {
  const channelId = sql.placeholder('channelId');
  return db
    .insert(chatMessages)
    .values({
      channelId,
      authorId: sql.placeholder('authorId'),
      body: sql.placeholder('body'),
      createdAt: sql`greatest(now(), (select max(${chatMessages.createdAt}) from ${chatMessages} where ${chatMessages.channelId} = ${channelId}) + interval '1 microsecond')`,
      sessionId: sql`(select ${liveSessions.id} from ${liveSessions} where ${liveSessions.channelId} = ${channelId} and ${liveSessions.status} = 'live' limit 1)`,
    })
    .returning()
    .prepare('chat_insert_message');
}

export class ChatRepository {
  private readonly posterStandingQuery: ReturnType<typeof preparePosterStanding>;
  private readonly insertMessageQuery: ReturnType<typeof prepareInsertMessage>;

  constructor(private readonly db: Db) {
    this.posterStandingQuery = preparePosterStanding(db);
    this.insertMessageQuery = prepareInsertMessage(db);
  }

  /**
   * The poster's account, their standing in the channel (owner, moderator, follower, restriction) and
   * the channel's rules, in one query. Undefined when the account does not exist.
   */
  async posterStanding(channelId: string, userId: string): Promise<PosterStanding | undefined> {
    const [row] = await this.posterStandingQuery.execute({ channelId, userId });
    if (!row) return undefined;
    return {
      username: row.username,
      displayName: row.displayName,
      status: row.status,
      role: row.role,
      channel: row.slug !== null && row.ownerId !== null ? { slug: row.slug, ownerId: row.ownerId } : null,
      isModerator: row.isModerator,
      isFollower: row.isFollower,
      isSubscriber: row.isSubscriber,
      restriction: row.restricted
        ? { expiresAt: row.expiresAt, reason: row.reason, remainingMs: row.remainingMs }
        : null,
      rules: {
        slowModeSeconds: row.slowModeSeconds ?? DEFAULT_CHAT_RULES.slowModeSeconds,
        followersOnly: row.followersOnly ?? DEFAULT_CHAT_RULES.followersOnly,
        subscribersOnly: row.subscribersOnly ?? DEFAULT_CHAT_RULES.subscribersOnly,
      },
    };
  }

  /** Stores a message, tagged with the channel's live session when there is one. */
  async insertMessage(input: { channelId: string; authorId: string; body: string }): Promise<ChatMessageRow> {
    const [row] = await this.insertMessageQuery.execute(input);
    if (!row) throw new Error('insert into engagement.chat_messages returned no row');
    return row;
  }

  /** The newest `limit` messages that are not deleted, newest first. */
  async recentMessages(channelId: string, limit: number): Promise<MessageWithAuthor[]> {
    return (await this.messagePage(channelId, { limit })).items;
  }

  /**
   * Messages that are not deleted, newest first, by keyset on (created_at, id) going backwards.
   * Throws `InvalidCursorError` for a cursor this method did not produce.
   */
  async messagePage(channelId: string, options: { limit: number; cursor?: string }): Promise<MessagePage> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(chatMessages.channelId, channelId), isNull(chatMessages.deletedAt)];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(chatMessages.createdAt, chatMessages.id, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({
        message: chatMessages,
        author: { ...authorColumns, subscriber: holdsSubscription(channelId, chatMessages.authorId) },
        createdAtKey: keysetTimestamp(chatMessages.createdAt),
      })
      .from(chatMessages)
      .innerJoin(users, eq(users.id, chatMessages.authorId))
      .where(and(...filters))
      .orderBy(desc(chatMessages.createdAt), desc(chatMessages.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({
      createdAt: row.createdAtKey,
      id: row.message.id,
    }));
    return {
      items: page.items.map(({ message, author }) => ({ message, author })),
      nextCursor: page.nextCursor,
    };
  }

  async findMessage(channelId: string, messageId: string): Promise<ChatMessageRow | undefined> {
    const [row] = await this.db
      .select()
      .from(chatMessages)
      .where(and(eq(chatMessages.channelId, channelId), eq(chatMessages.id, messageId)))
      .limit(1);
    return row;
  }

  /** The channel's rules; the defaults when it never changed them. */
  async rules(channelId: string): Promise<ChatRules> {
    const [row] = await this.db
      .select({
        slowModeSeconds: chatSettings.slowModeSeconds,
        followersOnly: chatSettings.followersOnly,
        subscribersOnly: chatSettings.subscribersOnly,
      })
      .from(chatSettings)
      .where(eq(chatSettings.channelId, channelId))
      .limit(1);
    return row ?? DEFAULT_CHAT_RULES;
  }

  /** A user's public names, for a frame about them (a tip's payer); undefined when the account is gone. */
  async author(
    userId: string,
  ): Promise<{ id: string; username: string; displayName: string | null } | undefined> {
    const [row] = await this.db
      .select({ id: users.id, ...authorColumns })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return row;
  }

  /**
   * The slugs (room frames name their room by them) of those of `channelIds` that still exist, by
   * channel id.
   */
  async channelSlugs(channelIds: readonly string[]): Promise<Map<string, string>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db
      .select({ id: channels.id, slug: channels.slug })
      .from(channels)
      .where(inArray(channels.id, [...new Set(channelIds)]));
    return new Map(rows.map((row) => [row.id, row.slug]));
  }
}
