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
  deliveries,
  type NotificationRow,
  notifications,
  preferences,
  pushSubscriptions,
  settings,
} from '@streamhub/db/schema/notifications';
import { users } from '@streamhub/db/schema/users';
import {
  and,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNull,
  lte,
  ne,
  notExists,
  notInArray,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Page, PageOptions } from '../../http/pagination.ts';
import type { NotificationDraft } from './notification-sources.ts';
import type { PushTarget } from './push-port.ts';

/** Where a fan-out statement starts among a channel's followers, and how many it takes at most. */
export interface FollowerChunk {
  /** The last follower id of the previous chunk (exclusive); from the start when undefined. */
  after?: string;
  size: number;
}

/** The bits a type is delivered with when the user has no row for it, and whether they are forced on. */
export interface TypeDelivery {
  inApp: boolean;
  email: boolean;
  push: boolean;
  locked: boolean;
}

/** A notification as stored. */
export type StoredNotification = NotificationRow;

/**
 * A notification a fan-out statement stored (another replica's insert of the same one is not returned),
 * with what to deliver of it now.
 */
export interface FannedOut {
  id: string;
  userId: string;
  /** Shown in the feed: gets a `/ws` frame. */
  inApp: boolean;
  /** Emailed now (not held for a digest). */
  email: boolean;
  /** Pushed: the user wants it and has a registered device. */
  push: boolean;
}

/** What one fan-out statement did. */
export interface FanOutResult {
  stored: FannedOut[];
  /** Recipients the statement considered, stored or not (owner left out, muters and repeats included). */
  considered: number;
  /** The highest recipient id considered: where the next follower chunk starts. */
  last: string | undefined;
}

export class NotificationsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores `draft` for each recipient who wants it somewhere (feed, email or push), set-based in one
   * statement: `INSERT … SELECT` from the recipients joined with their preferences and mutes, `ON
   * CONFLICT DO NOTHING` on (event, user, type), so a repeated or concurrent delivery of the event stores
   * nothing. A followers' draft takes one keyset chunk of the channel's followers (`chunk.size` after
   * `chunk.after`, in follower-id order: an index range scan of `follows_channel_follower_idx`), so the
   * same statement also says where the next chunk starts; a draft for named users takes them all.
   * Answers the rows this call inserted, each with what to deliver now: `email` when the user gets this
   * email at once (no digest, or a security notice), `push` when they have a registered device. Nothing
   * else of a row comes back: the draft and `createdAt` are the same for all of them.
   */
  async insertFanOut(
    eventId: string,
    draft: NotificationDraft,
    delivery: TypeDelivery & { defaultDigest: string; createdAt: Date },
    chunk: FollowerChunk = { size: Number.MAX_SAFE_INTEGER },
  ): Promise<FanOutResult> {
    const { recipients } = draft;
    const audience = this.db.$with('audience').as(
      recipients.kind === 'followers'
        ? this.db
            .select({ userId: sql<string>`${follows.followerId}`.as('user_id') })
            .from(follows)
            .where(
              and(
                eq(follows.channelId, recipients.channelId),
                ne(follows.followerId, recipients.except),
                chunk.after === undefined ? undefined : gt(follows.followerId, chunk.after),
              ),
            )
            .orderBy(follows.followerId)
            .limit(chunk.size)
        : this.db
            .select({ userId: sql<string>`${users.id}`.as('user_id') })
            .from(users)
            .where(inArray(users.id, [...recipients.userIds])),
    );
    // Qualified by hand: drizzle renders a CTE's aliased expression unqualified, and `user_id` is also a
    // column of the tables joined to it.
    const recipient = sql<string>`${sql.identifier('audience')}.${sql.identifier('user_id')}`;
    const bit = (column: PgColumn, fallback: boolean, locked: boolean) =>
      locked ? sql<boolean>`true` : sql<boolean>`coalesce(${column}, ${fallback})`;
    const inApp = bit(preferences.inApp, delivery.inApp, delivery.locked);
    const email = bit(preferences.email, delivery.email, delivery.locked);
    const push = bit(preferences.push, delivery.push, false);
    const source = this.db
      .select({
        id: sql<string>`gen_random_uuid()`.as('id'),
        userId: recipient.as('user_id'),
        type: sql<string>`${draft.type}`.as('type'),
        eventId: sql<string>`${eventId}::uuid`.as('event_id'),
        channelId: sql<string | null>`${draft.channelId}::uuid`.as('channel_id'),
        data: sql<unknown>`${JSON.stringify(draft.data)}::jsonb`.as('data'),
        url: sql<string>`${draft.url}`.as('url'),
        inApp: inApp.as('in_app'),
        email: email.as('email'),
        push: push.as('push'),
        readAt: sql<Date | null>`null::timestamptz`.as('read_at'),
        createdAt: sql<Date>`${delivery.createdAt.toISOString()}::timestamptz`.as('created_at'),
      })
      .from(audience)
      .leftJoin(preferences, and(eq(preferences.userId, recipient), eq(preferences.type, draft.type)))
      .where(
        and(
          recipients.kind === 'followers'
            ? notExists(
                this.db
                  .select({ one: sql`1` })
                  .from(channelMutes)
                  .where(
                    and(eq(channelMutes.channelId, recipients.channelId), eq(channelMutes.userId, recipient)),
                  ),
              )
            : undefined,
          sql`(${inApp} or ${email} or ${push})`,
        ),
      );
    const inserted = this.db.$with('inserted').as(
      this.db.insert(notifications).select(source).onConflictDoNothing().returning({
        id: notifications.id,
        userId: notifications.userId,
        inApp: notifications.inApp,
        email: notifications.email,
        push: notifications.push,
      }),
    );
    const emailNow = delivery.locked
      ? sql<boolean>`${inserted.email}`
      : sql<boolean>`${inserted.email} and coalesce(${settings.emailDigest}, ${delivery.defaultDigest}) = 'off'`;
    // The chunk's size and end, one row, joined to every inserted row (or alone when none was stored,
    // so a repeat still learns where the next chunk starts). Not a join of the chunk with the inserted
    // rows: with no statistics on either CTE, PostgreSQL estimated that join at ~20 times its rows, and
    // the per-row push lookup above its JIT threshold (0.9 s of compilation for a 5,000-row chunk).
    // `collate "C"`: uuid order, which has no max() before PostgreSQL 16.
    const summary = this.db.$with('summary').as(
      this.db
        .select({
          last: sql<string | null>`max(${recipient}::text collate "C")`.as('last'),
          considered: sql<number>`count(*)::int`.as('considered'),
        })
        .from(audience),
    );
    const rows = await this.db
      .with(audience, inserted, summary)
      .select({
        last: summary.last,
        considered: summary.considered,
        id: inserted.id,
        userId: inserted.userId,
        inApp: inserted.inApp,
        email: emailNow.as('email_now'),
        push: sql<boolean>`${inserted.push} and exists (select 1 from ${pushSubscriptions} where ${pushSubscriptions.userId} = ${inserted.userId})`.as(
          'push_now',
        ),
      })
      .from(summary)
      .leftJoin(inserted, sql`true`)
      .leftJoin(settings, eq(settings.userId, inserted.userId));
    const stored: FannedOut[] = [];
    for (const row of rows) {
      if (row.id !== null && row.userId !== null && row.inApp !== null)
        stored.push({
          id: row.id,
          userId: row.userId,
          inApp: row.inApp,
          email: row.email === true,
          push: row.push === true,
        });
    }
    const [first] = rows;
    return { stored, considered: first?.considered ?? 0, last: first?.last ?? undefined };
  }

  /** Deletes every notification of a deleted account (their deliveries cascade). */
  async deleteAllOf(userId: string): Promise<void> {
    await this.db.delete(notifications).where(eq(notifications.userId, userId));
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

  /** A channel's slug, for a notification's text (`channels.channels` is read-exported). */
  async slugOf(channelId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ slug: channels.slug })
      .from(channels)
      .where(eq(channels.id, channelId));
    return row?.slug;
  }

  /** A user's name, for a notification's text (`users.users` is read-exported). */
  async usernameOf(userId: string): Promise<string | undefined> {
    const [row] = await this.db.select({ username: users.username }).from(users).where(eq(users.id, userId));
    return row?.username;
  }
  // --- deliveries --------------------------------------------------------------------------------------

  /** Whether an email or push of this notification already ended (sent, skipped or given up). */
  async deliveryDone(notificationId: string, via: string): Promise<boolean> {
    const [row] = await this.db
      .select({ status: deliveries.status })
      .from(deliveries)
      .where(and(eq(deliveries.notificationId, notificationId), eq(deliveries.via, via)));
    return row !== undefined;
  }

  async recordDelivery(
    notificationId: string,
    via: string,
    status: 'sent' | 'skipped' | 'failed',
    detail: string | null,
    attempts: number,
  ): Promise<void> {
    await this.db
      .insert(deliveries)
      .values({ notificationId, via, status, detail, attempts })
      .onConflictDoUpdate({
        target: [deliveries.notificationId, deliveries.via],
        set: { status, detail, attempts, updatedAt: sql`now()` },
      });
  }

  async deliveryOf(notificationId: string, via: string) {
    const [row] = await this.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.notificationId, notificationId), eq(deliveries.via, via)));
    return row;
  }

  // --- push registrations --------------------------------------------------------------------------------

  async pushTargetsOf(userId: string): Promise<(PushTarget & { id: string })[]> {
    const rows = await this.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind === 'fcm' ? 'fcm' : 'webpush',
      endpoint: row.endpoint,
      keys: row.p256dh && row.auth ? { p256dh: row.p256dh, auth: row.auth } : undefined,
    }));
  }

  /**
   * Registers a device for `userId`; the same endpoint registered again (a browser re-subscribing, or
   * handing its subscription to another account) moves to this user with its new keys.
   */
  async upsertPushTarget(userId: string, target: PushTarget) {
    const [row] = await this.db
      .insert(pushSubscriptions)
      .values({
        userId,
        kind: target.kind,
        endpoint: target.endpoint,
        p256dh: target.keys?.p256dh ?? null,
        auth: target.keys?.auth ?? null,
      })
      .onConflictDoUpdate({
        target: pushSubscriptions.endpoint,
        set: {
          userId,
          kind: target.kind,
          p256dh: target.keys?.p256dh ?? null,
          auth: target.keys?.auth ?? null,
        },
      })
      .returning();
    if (!row) throw new Error('upsert returned no row');
    return row;
  }

  async listPushTargets(userId: string) {
    return this.db
      .select({
        id: pushSubscriptions.id,
        kind: pushSubscriptions.kind,
        createdAt: pushSubscriptions.createdAt,
      })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.userId, userId))
      .orderBy(desc(pushSubscriptions.createdAt));
  }

  /** Deletes one of the user's registrations; false when they have no such one. */
  async deletePushTargetOf(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
      .returning({ id: pushSubscriptions.id });
    return rows.length > 0;
  }

  /** A registration the provider says is gone. */
  async deletePushTarget(id: string): Promise<void> {
    await this.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
  }
  // --- digests -----------------------------------------------------------------------------------------

  /**
   * Claims the users whose `mode` digest is due at `now` (their effective digest is `mode`, the last one
   * went out at least `intervalMs` ago, and they have emails waiting) by stamping `digest_sent_at`, in
   * one statement: two replicas sweeping at once claim each user once. A user without a settings row
   * gets one with `fallback`, the instance's default.
   */
  async claimDueDigests(
    mode: 'hourly' | 'daily',
    fallback: string,
    intervalMs: number,
    now: Date,
    lockedTypes: readonly string[],
  ): Promise<string[]> {
    const since = new Date(now.getTime() - intervalMs);
    const waiting = this.db
      .selectDistinct({ userId: notifications.userId })
      .from(notifications)
      .leftJoin(deliveries, and(eq(deliveries.notificationId, notifications.id), eq(deliveries.via, 'email')))
      .where(
        and(
          eq(notifications.email, true),
          isNull(deliveries.notificationId),
          notInArray(notifications.type, [...lockedTypes]),
        ),
      )
      .as('waiting');
    const source = this.db
      .select({
        userId: sql<string>`${waiting.userId}`.as('user_id'),
        emailDigest: sql<string>`coalesce(${settings.emailDigest}, ${fallback})`.as('email_digest'),
        digestSentAt: sql<Date>`${now.toISOString()}::timestamptz`.as('digest_sent_at'),
        updatedAt: sql<Date>`now()`.as('updated_at'),
      })
      .from(waiting)
      .leftJoin(settings, eq(settings.userId, waiting.userId))
      .where(
        and(
          sql`coalesce(${settings.emailDigest}, ${fallback}) = ${mode}`,
          or(isNull(settings.digestSentAt), lte(settings.digestSentAt, since)),
        ),
      );
    const rows = await this.db
      .insert(settings)
      .select(source)
      .onConflictDoUpdate({
        target: settings.userId,
        set: { digestSentAt: now },
        setWhere: or(isNull(settings.digestSentAt), lte(settings.digestSentAt, since)),
      })
      .returning({ userId: settings.userId });
    return rows.map((row) => row.userId);
  }

  /** The user's notifications waiting for an email (not sent, skipped or given up), oldest first. */
  async waitingEmails(userId: string, lockedTypes: readonly string[]): Promise<StoredNotification[]> {
    const rows = await this.db
      .select({ notification: notifications })
      .from(notifications)
      .leftJoin(deliveries, and(eq(deliveries.notificationId, notifications.id), eq(deliveries.via, 'email')))
      .where(
        and(
          eq(notifications.userId, userId),
          eq(notifications.email, true),
          isNull(deliveries.notificationId),
          notInArray(notifications.type, [...lockedTypes]),
        ),
      )
      .orderBy(notifications.createdAt, notifications.id)
      .limit(200);
    return rows.map((row) => row.notification);
  }
}
