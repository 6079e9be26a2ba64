/**
 * drizzle queries on the `notifications` schema. No rules here: the notifications service decides.
 *
 * Fan-out joins `engagement.follows` and `users.users` read-only (both list these columns in
 * READ_EXPORTS): a channel's followers are found and their notifications stored by one statement.
 */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import { channels } from '@streamhub/db/schema/channels';
import { follows } from '@streamhub/db/schema/engagement';
import {
  channelMutes,
  type NotificationRow,
  notifications,
  preferences,
  settings,
} from '@streamhub/db/schema/notifications';
import { users } from '@streamhub/db/schema/users';
import { and, count, desc, eq, inArray, isNull, ne, notExists, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Page, PageOptions } from '../../http/pagination.ts';
import type { NotificationDraft } from './notification-sources.ts';

/** The bits a type is delivered with when the user has no row for it, and whether they are forced on. */
export interface TypeDelivery {
  inApp: boolean;
  email: boolean;
  push: boolean;
  locked: boolean;
}

/** A notification this call stored (another replica's insert of the same one is not returned). */
export type StoredNotification = NotificationRow;

export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores `draft` for each recipient who wants it somewhere (feed, email or push), in one INSERT …
   * SELECT; `ON CONFLICT DO NOTHING` on (event, user, type) makes a repeated or concurrent delivery of
   * the event store nothing, and returns only the rows this call inserted.
   */
  async insertFanOut(
    eventId: string,
    draft: NotificationDraft,
    delivery: TypeDelivery,
  ): Promise<StoredNotification[]> {
    const { recipients } = draft;
    const recipient = recipients.kind === 'followers' ? follows.followerId : users.id;
    const bit = (column: PgColumn, fallback: boolean, locked: boolean) =>
      locked ? sql<boolean>`true` : sql<boolean>`coalesce(${column}, ${fallback})`;
    const inApp = bit(preferences.inApp, delivery.inApp, delivery.locked);
    const email = bit(preferences.email, delivery.email, delivery.locked);
    const push = bit(preferences.push, delivery.push, false);
    const source = this.db
      .select({
        id: sql<string>`gen_random_uuid()`.as('id'),
        userId: sql<string>`${recipient}`.as('user_id'),
        type: sql<string>`${draft.type}`.as('type'),
        eventId: sql<string>`${eventId}::uuid`.as('event_id'),
        channelId: sql<string | null>`${draft.channelId}::uuid`.as('channel_id'),
        data: sql<unknown>`${JSON.stringify(draft.data)}::jsonb`.as('data'),
        url: sql<string>`${draft.url}`.as('url'),
        inApp: inApp.as('in_app'),
        email: email.as('email'),
        push: push.as('push'),
        readAt: sql<Date | null>`null::timestamptz`.as('read_at'),
        createdAt: sql<Date>`now()`.as('created_at'),
      })
      .from(recipients.kind === 'followers' ? follows : users)
      .leftJoin(preferences, and(eq(preferences.userId, recipient), eq(preferences.type, draft.type)))
      .where(
        and(
          recipients.kind === 'followers'
            ? and(
                eq(follows.channelId, recipients.channelId),
                ne(follows.followerId, recipients.except),
                notExists(
                  this.db
                    .select({ one: sql`1` })
                    .from(channelMutes)
                    .where(
                      and(
                        eq(channelMutes.channelId, recipients.channelId),
                        eq(channelMutes.userId, follows.followerId),
                      ),
                    ),
                ),
              )
            : inArray(users.id, [...recipients.userIds]),
          sql`(${inApp} or ${email} or ${push})`,
        ),
      );
    return this.db.insert(notifications).select(source).onConflictDoNothing().returning();
  }

  /** The user's feed, newest first (in-app notifications only). Throws `InvalidCursorError` for a foreign cursor. */
  async page(userId: string, options: PageOptions & { unread: boolean }): Promise<Page<StoredNotification>> {
    const filters: SQL[] = [eq(notifications.userId, userId), eq(notifications.inApp, true)];
    if (options.unread) filters.push(isNull(notifications.readAt));
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(notifications.createdAt, notifications.id, decodeCursor(options.cursor)));
    }
    const rows = await this.db
      .select({ row: notifications, position: keysetTimestamp(notifications.createdAt) })
      .from(notifications)
      .where(and(...filters))
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, ({ row, position }) => ({
      createdAt: position,
      id: row.id,
    }));
    return { items: page.items.map(({ row }) => row), nextCursor: page.nextCursor };
  }

  async unreadCount(userId: string): Promise<number> {
    const [row] = await this.db
      .select({ unread: count() })
      .from(notifications)
      .where(
        and(eq(notifications.userId, userId), eq(notifications.inApp, true), isNull(notifications.readAt)),
      );
    return row?.unread ?? 0;
  }

  /** Marks one read (keeping the first read time); false when the user has no such notification. */
  async markRead(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId), eq(notifications.inApp, true)))
      .returning({ id: notifications.id });
    return rows.length > 0;
  }

  async markAllRead(userId: string): Promise<number> {
    const rows = await this.db
      .update(notifications)
      .set({ readAt: sql`now()` })
      .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return rows.length;
  }

  /** Deletes one; false when the user has no such notification. */
  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(notifications)
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
      .returning({ id: notifications.id });
    return rows.length > 0;
  }

  async find(id: string): Promise<StoredNotification | undefined> {
    const [row] = await this.db.select().from(notifications).where(eq(notifications.id, id));
    return row;
  }

  // --- preferences -------------------------------------------------------------------------------------

  async preferencesOf(userId: string) {
    return this.db.select().from(preferences).where(eq(preferences.userId, userId));
  }

  async upsertPreference(
    userId: string,
    type: string,
    bits: { inApp: boolean; email: boolean; push: boolean },
  ) {
    await this.db
      .insert(preferences)
      .values({ userId, type, ...bits })
      .onConflictDoUpdate({
        target: [preferences.userId, preferences.type],
        set: { ...bits, updatedAt: sql`now()` },
      });
  }

  async emailDigestOf(userId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ emailDigest: settings.emailDigest })
      .from(settings)
      .where(eq(settings.userId, userId));
    return row?.emailDigest;
  }

  async setEmailDigest(userId: string, emailDigest: string): Promise<void> {
    await this.db
      .insert(settings)
      .values({ userId, emailDigest })
      .onConflictDoUpdate({ target: settings.userId, set: { emailDigest, updatedAt: sql`now()` } });
  }

  async mutesOf(userId: string) {
    return this.db
      .select({ channelId: channelMutes.channelId, slug: channels.slug, mutedAt: channelMutes.createdAt })
      .from(channelMutes)
      .innerJoin(channels, eq(channels.id, channelMutes.channelId))
      .where(eq(channelMutes.userId, userId))
      .orderBy(desc(channelMutes.createdAt));
  }

  async mute(userId: string, channelId: string): Promise<void> {
    await this.db.insert(channelMutes).values({ userId, channelId }).onConflictDoNothing();
  }

  async unmute(userId: string, channelId: string): Promise<void> {
    await this.db
      .delete(channelMutes)
      .where(and(eq(channelMutes.userId, userId), eq(channelMutes.channelId, channelId)));
  }

  /** A user's name, for a notification's text (`users.users` is read-exported). */
  async usernameOf(userId: string): Promise<string | undefined> {
    const [row] = await this.db.select({ username: users.username }).from(users).where(eq(users.id, userId));
    return row?.username;
  }
}
