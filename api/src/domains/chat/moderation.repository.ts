/**
 * drizzle queries of chat moderation: moderators, bans and time-outs, deletions, rule changes and the
 * moderation log. Every write goes into one transaction with its log entry, so the log never misses
 * an action nor shows one that did not happen. No rules here: the chat service decides who may act.
 */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import {
  type ChatRestrictionRow,
  channelModerators,
  chatMessages,
  chatRestrictions,
  chatSettings,
  type ModerationActionKind,
  type ModerationLogRow,
  moderationLog,
} from '@streamhub/db/schema/chat';
import { type UserRole, users } from '@streamhub/db/schema/users';
import { and, asc, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { assertLimit, type Page } from '../../http/pagination.ts';
import { type ChatRules, restrictionInForce } from './chat.repository.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What the service writes into the log next to an action; the channel is the action's. */
export interface LogEntryInput {
  actorId: string;
  action: ModerationActionKind;
  targetUserId?: string;
  messageId?: string;
  durationSeconds?: number;
  reason?: string;
}

/** A user as seen from one channel's chat. */
export interface ChannelMember {
  id: string;
  username: string;
  displayName: string | null;
  role: UserRole;
  isModerator: boolean;
}

export interface UserName {
  id: string;
  username: string;
  displayName: string | null;
}

export interface ModeratorView {
  user: UserName;
  since: Date;
}

export interface RestrictionView {
  restriction: ChatRestrictionRow;
  user: UserName;
  createdBy: { id: string; username: string } | null;
}

export interface LogEntryView {
  entry: ModerationLogRow;
  actor: { id: string; username: string } | null;
  target: { id: string; username: string } | null;
  message: { id: string; body: string } | null;
}

export interface NewRestriction {
  channelId: string;
  userId: string;
  /** Length of a time-out from now, by the database's clock; null for a ban. */
  seconds: number | null;
  reason: string | null;
  actorId: string;
}

/**
 * Whether `userId` moderates `channelId`: the one definition, used by the moderation checks, by the
 * poster's standing (inside its prepared statement) and, through ChatService.isModerator, by comments.
 */
export const moderatesChannel = (channelId: unknown, userId: unknown): SQL<boolean> =>
  sql<boolean>`exists (select 1 from ${channelModerators} where ${channelModerators.channelId} = ${channelId} and ${channelModerators.userId} = ${userId})`;

const nameColumns = { id: users.id, username: users.username, displayName: users.displayName };

export class ModerationRepository {
  constructor(private readonly db: Db) {}

  /** A user with whether they moderate the channel; undefined when the account does not exist. */
  async member(channelId: string, userId: string): Promise<ChannelMember | undefined> {
    const [row] = await this.db
      .select({
        ...nameColumns,
        role: users.role,
        isModerator: moderatesChannel(channelId, users.id),
      })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return row;
  }

  async isModerator(channelId: string, userId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ yes: moderatesChannel(channelId, userId) })
      .from(sql`(select 1) as one`);
    return row?.yes === true;
  }

  // --- moderators ------------------------------------------------------------------------------------

  async listModerators(channelId: string): Promise<ModeratorView[]> {
    return this.db
      .select({ user: nameColumns, since: channelModerators.createdAt })
      .from(channelModerators)
      .innerJoin(users, eq(users.id, channelModerators.userId))
      .where(eq(channelModerators.channelId, channelId))
      .orderBy(asc(channelModerators.createdAt), asc(channelModerators.userId));
  }

  /** Appoints a moderator (logged) unless they already are; either way returns since when. */
  async addModerator(
    channelId: string,
    userId: string,
    log: LogEntryInput,
  ): Promise<{ since: Date; added: boolean }> {
    return this.db.transaction(async (tx) => {
      const [added] = await tx
        .insert(channelModerators)
        .values({ channelId, userId })
        .onConflictDoNothing()
        .returning({ since: channelModerators.createdAt });
      if (added) {
        await insertLog(tx, channelId, log);
        return { since: added.since, added: true };
      }
      const [existing] = await tx
        .select({ since: channelModerators.createdAt })
        .from(channelModerators)
        .where(and(eq(channelModerators.channelId, channelId), eq(channelModerators.userId, userId)));
      if (!existing) throw new Error('moderator vanished between insert and select');
      return { since: existing.since, added: false };
    });
  }

  /** Removes a moderator (logged); false when they were not one. */
  async removeModerator(channelId: string, userId: string, log: LogEntryInput): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await deleteModerator(tx, channelId, userId))) return false;
      await insertLog(tx, channelId, log);
      return true;
    });
  }

  // --- messages --------------------------------------------------------------------------------------

  /** Marks a message deleted (logged); false when it is unknown or already deleted. */
  async deleteMessage(
    channelId: string,
    messageId: string,
    actorId: string,
    log: LogEntryInput,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [deleted] = await tx
        .update(chatMessages)
        .set({ deletedAt: sql`now()`, deletedBy: actorId })
        .where(
          and(
            eq(chatMessages.channelId, channelId),
            eq(chatMessages.id, messageId),
            isNull(chatMessages.deletedAt),
          ),
        )
        .returning({ id: chatMessages.id });
      if (!deleted) return false;
      await insertLog(tx, channelId, log);
      return true;
    });
  }

  // --- bans and time-outs ----------------------------------------------------------------------------

  /**
   * Bans or times out a user, replacing any restriction they had (logged). With `dropModerator` a
   * moderator also loses the role in the same transaction (logged as `remove_moderator`).
   */
  async restrict(
    input: NewRestriction,
    log: LogEntryInput,
    options: { dropModerator: boolean },
  ): Promise<RestrictionView> {
    return this.db.transaction(async (tx) => {
      const expiresAt =
        input.seconds === null ? null : sql`now() + (${input.seconds}::integer * interval '1 second')`;
      const values = { expiresAt, reason: input.reason, createdBy: input.actorId, createdAt: sql`now()` };
      const [restriction] = await tx
        .insert(chatRestrictions)
        .values({ channelId: input.channelId, userId: input.userId, ...values })
        .onConflictDoUpdate({ target: [chatRestrictions.channelId, chatRestrictions.userId], set: values })
        .returning();
      if (!restriction) throw new Error('upsert into engagement.chat_restrictions returned no row');
      if (options.dropModerator && (await deleteModerator(tx, input.channelId, input.userId))) {
        // A microsecond back: PGlite's clock can give both entries the same time, and the log's
        // tie-break (a random id) would then put the role's removal after the ban that caused it.
        await insertLog(
          tx,
          input.channelId,
          {
            actorId: input.actorId,
            action: 'remove_moderator',
            targetUserId: input.userId,
            reason: 'banned',
          },
          sql`clock_timestamp() - interval '1 microsecond'`,
        );
      }
      await insertLog(tx, input.channelId, log);
      const [view] = await selectRestrictions(
        tx,
        and(eq(chatRestrictions.channelId, input.channelId), eq(chatRestrictions.userId, input.userId)),
      );
      if (!view) throw new Error('restriction vanished within its transaction');
      return view;
    });
  }

  /** Lifts a ban or time-out (logged); false when none was in force. An ended time-out is tidied away. */
  async lift(channelId: string, userId: string, log: LogEntryInput): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [lifted] = await tx
        .delete(chatRestrictions)
        .where(and(eq(chatRestrictions.channelId, channelId), eq(chatRestrictions.userId, userId)))
        .returning({ inForce: sql<boolean>`${restrictionInForce()}` });
      if (!lifted?.inForce) return false;
      await insertLog(tx, channelId, log);
      return true;
    });
  }

  /** Bans and time-outs in force, newest first. */
  async listRestrictions(channelId: string): Promise<RestrictionView[]> {
    return selectRestrictions(this.db, and(eq(chatRestrictions.channelId, channelId), restrictionInForce()));
  }

  // --- rules -----------------------------------------------------------------------------------------

  /** Stores the channel's chat rules (logged) and returns them. */
  async saveRules(channelId: string, rules: ChatRules, log: LogEntryInput): Promise<ChatRules> {
    return this.db.transaction(async (tx) => {
      const values = { ...rules, updatedAt: sql`now()` };
      const [saved] = await tx
        .insert(chatSettings)
        .values({ channelId, ...values })
        .onConflictDoUpdate({ target: chatSettings.channelId, set: values })
        .returning({
          slowModeSeconds: chatSettings.slowModeSeconds,
          followersOnly: chatSettings.followersOnly,
          subscribersOnly: chatSettings.subscribersOnly,
        });
      if (!saved) throw new Error('upsert into engagement.chat_settings returned no row');
      await insertLog(tx, channelId, log);
      return saved;
    });
  }

  // --- log -------------------------------------------------------------------------------------------

  /** The channel's log, newest first, by keyset going backwards. Throws `InvalidCursorError`. */
  async logPage(channelId: string, options: { limit: number; cursor?: string }): Promise<Page<LogEntryView>> {
    assertLimit(options.limit);
    const filters: SQL[] = [eq(moderationLog.channelId, channelId)];
    if (options.cursor !== undefined) {
      filters.push(keysetBefore(moderationLog.createdAt, moderationLog.id, decodeCursor(options.cursor)));
    }
    const actor = alias(users, 'actor');
    const target = alias(users, 'target');
    const rows = await this.db
      .select({
        entry: moderationLog,
        actorId: actor.id,
        actorName: actor.username,
        targetId: target.id,
        targetName: target.username,
        messageId: chatMessages.id,
        messageBody: chatMessages.body,
        createdAtKey: keysetTimestamp(moderationLog.createdAt),
      })
      .from(moderationLog)
      .leftJoin(actor, eq(actor.id, moderationLog.actorId))
      .leftJoin(target, eq(target.id, moderationLog.targetUserId))
      .leftJoin(chatMessages, eq(chatMessages.id, moderationLog.messageId))
      .where(and(...filters))
      .orderBy(desc(moderationLog.createdAt), desc(moderationLog.id))
      .limit(options.limit + 1);
    const page = keysetPage(rows, options.limit, (row) => ({
      createdAt: row.createdAtKey,
      id: row.entry.id,
    }));
    return {
      items: page.items.map((row) => ({
        entry: row.entry,
        actor:
          row.actorId !== null && row.actorName !== null
            ? { id: row.actorId, username: row.actorName }
            : null,
        target:
          row.targetId !== null && row.targetName !== null
            ? { id: row.targetId, username: row.targetName }
            : null,
        message:
          row.messageId !== null && row.messageBody !== null
            ? { id: row.messageId, body: row.messageBody }
            : null,
      })),
      nextCursor: page.nextCursor,
    };
  }
}

async function selectRestrictions(db: Db | Tx, where: SQL | undefined): Promise<RestrictionView[]> {
  const creator = alias(users, 'creator');
  const rows = await db
    .select({
      restriction: chatRestrictions,
      user: nameColumns,
      creatorId: creator.id,
      creatorName: creator.username,
    })
    .from(chatRestrictions)
    .innerJoin(users, eq(users.id, chatRestrictions.userId))
    .leftJoin(creator, eq(creator.id, chatRestrictions.createdBy))
    .where(where)
    .orderBy(desc(chatRestrictions.createdAt), desc(chatRestrictions.userId));
  return rows.map(({ restriction, user, creatorId, creatorName }) => ({
    restriction,
    user,
    createdBy: creatorId !== null && creatorName !== null ? { id: creatorId, username: creatorName } : null,
  }));
}

async function deleteModerator(tx: Tx, channelId: string, userId: string): Promise<boolean> {
  const removed = await tx
    .delete(channelModerators)
    .where(and(eq(channelModerators.channelId, channelId), eq(channelModerators.userId, userId)))
    .returning({ userId: channelModerators.userId });
  return removed.length > 0;
}

// clock_timestamp(), not now(): two entries of one transaction (a ban that drops a moderator) keep their order.
async function insertLog(
  tx: Tx,
  channelId: string,
  log: LogEntryInput,
  createdAt: SQL = sql`clock_timestamp()`,
): Promise<void> {
  await tx.insert(moderationLog).values({ channelId, ...log, createdAt });
}
