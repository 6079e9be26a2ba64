/**
 * drizzle queries of chat itself: messages, the room's rules and what posting needs to know about the
 * poster. No rules here: the chat service decides. Authors' names are joined from `auth.users` for
 * display, as the channels repository joins owners.
 */
import type { Db } from '@streamhub/db/client';
import {
  decodeCursor,
  encodeCursor,
  type KeysetPosition,
  keysetBefore,
  keysetTimestamp,
} from '@streamhub/db/keyset';
import { type UserRole, type UserStatus, users } from '@streamhub/db/schema/auth';
import {
  type ChatMessageRow,
  channelModerators,
  chatMessages,
  chatRestrictions,
  chatSettings,
  follows,
} from '@streamhub/db/schema/engagement';
import { channels, liveSessions } from '@streamhub/db/schema/live';
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

export interface ChatRules {
  slowModeSeconds: number;
  followersOnly: boolean;
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
  restriction: ActiveRestriction | null;
  rules: ChatRules;
}

export interface MessageWithAuthor {
  message: ChatMessageRow;
  author: { username: string; displayName: string | null };
}

export interface MessagePage {
  items: MessageWithAuthor[];
  nextCursor: string | null;
}

export const DEFAULT_CHAT_RULES: ChatRules = { slowModeSeconds: 0, followersOnly: false };

const authorColumns = { username: users.username, displayName: users.displayName };

/** A restriction row counts while it is a ban or its time-out has not ended, by the database's clock. */
export const restrictionInForce = (): SQL =>
  sql`(${chatRestrictions.expiresAt} is null or ${chatRestrictions.expiresAt} > now())`;

export class ChatRepository {
  constructor(private readonly db: Db) {}

  /**
   * The poster's account, their standing in the channel (owner, moderator, follower, restriction) and
   * the channel's rules, in one query. Undefined when the account does not exist.
   */
  async posterStanding(channelId: string, userId: string): Promise<PosterStanding | undefined> {
    const [row] = await this.db
      .select({
        username: users.username,
        displayName: users.displayName,
        status: users.status,
        role: users.role,
        slug: channels.slug,
        ownerId: channels.ownerId,
        isModerator: sql<boolean>`exists (select 1 from ${channelModerators} where ${channelModerators.channelId} = ${channelId} and ${channelModerators.userId} = ${users.id})`,
        isFollower: sql<boolean>`exists (select 1 from ${follows} where ${follows.channelId} = ${channelId} and ${follows.followerId} = ${users.id})`,
        restricted: sql<boolean>`${chatRestrictions.userId} is not null`,
        expiresAt: chatRestrictions.expiresAt,
        reason: chatRestrictions.reason,
        remainingMs: sql<
          number | null
        >`(extract(epoch from (${chatRestrictions.expiresAt} - now())) * 1000)::float8`,
        slowModeSeconds: chatSettings.slowModeSeconds,
        followersOnly: chatSettings.followersOnly,
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
      .where(eq(users.id, userId))
      .limit(1);
    if (!row) return undefined;
    return {
      username: row.username,
      displayName: row.displayName,
      status: row.status,
      role: row.role,
      channel: row.slug !== null && row.ownerId !== null ? { slug: row.slug, ownerId: row.ownerId } : null,
      isModerator: row.isModerator,
      isFollower: row.isFollower,
      restriction: row.restricted
        ? { expiresAt: row.expiresAt, reason: row.reason, remainingMs: row.remainingMs }
        : null,
      rules: {
        slowModeSeconds: row.slowModeSeconds ?? DEFAULT_CHAT_RULES.slowModeSeconds,
        followersOnly: row.followersOnly ?? DEFAULT_CHAT_RULES.followersOnly,
      },
    };
  }

  /** Stores a message, tagged with the channel's live session when there is one. */
  async insertMessage(input: { channelId: string; authorId: string; body: string }): Promise<ChatMessageRow> {
    const liveSession = sql`(select ${liveSessions.id} from ${liveSessions} where ${liveSessions.channelId} = ${input.channelId} and ${liveSessions.status} = 'live' limit 1)`;
    const [row] = await this.db
      .insert(chatMessages)
      .values({ ...input, sessionId: liveSession })
      .returning();
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
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    }
    const filters: SQL[] = [eq(chatMessages.channelId, channelId), isNull(chatMessages.deletedAt)];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(chatMessages.createdAt, chatMessages.id, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({
        message: chatMessages,
        author: authorColumns,
        createdAtKey: keysetTimestamp(chatMessages.createdAt),
      })
      .from(chatMessages)
      .innerJoin(users, eq(users.id, chatMessages.authorId))
      .where(and(...filters))
      .orderBy(desc(chatMessages.createdAt), desc(chatMessages.id))
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ message, author }) => ({ message, author })),
      nextCursor:
        rows.length > options.limit && last
          ? encodeCursor({ createdAt: last.createdAtKey, id: last.message.id })
          : null,
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
      })
      .from(chatSettings)
      .where(eq(chatSettings.channelId, channelId))
      .limit(1);
    return row ?? DEFAULT_CHAT_RULES;
  }
}
