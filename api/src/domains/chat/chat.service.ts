/**
 * Rules of channel chat: who may post and when, who may moderate whom, and what each room hears about
 * it. No HTTP and no sockets here: the REST routes and the realtime hub both call this service.
 *
 * Who may do what (docs/chat-moderation.md):
 * - post: any active account that is not banned or timed out; followers-only rooms also need a follow,
 *   subscribers-only rooms a subscription's perks; slow mode and both modes spare the owner, the
 *   channel's moderators and site admins.
 * - delete a message: its author, or the owner, a moderator or an admin; a moderator cannot delete the
 *   owner's or another moderator's messages.
 * - time out, ban, unban, change the rules, see bans: owner, moderators, admins; nobody acts on the
 *   owner, nobody on themselves, a moderator not on another moderator.
 * - appoint and remove moderators, read the moderation log: owner and admins.
 */
import {
  CHAT_TIMEOUT_MAX_SECONDS,
  type ChannelModerator,
  type ChannelModeratorList,
  type ChatMessagePage,
  type ChatMessagesQuery,
  type ChatRestriction,
  type ChatRestrictionList,
  type ModerationLogPage,
  type ModerationLogQuery,
  type UpdateChatSettingsRequest,
} from '@streamhub/contracts/chat';
import type { DomainEventPayload } from '@streamhub/contracts/events';
import {
  CHAT_HISTORY_SIZE,
  ChatBodySchema,
  type ChatMessage,
  type ChatSettings,
} from '@streamhub/contracts/realtime';
import type { UserRole } from '@streamhub/db/schema/users';
import { AppError, conflict, forbidden, notFound, validationFailed } from '@streamhub/errors/app-error';
import type { CounterStore } from '@streamhub/infra/counters/port';
import { withCursor } from '../../http/pagination.ts';
import type { ChannelReference, ChannelsService } from '../channels/channels.service.ts';
import type { ChatRepository, ChatRules, MessageWithAuthor } from './chat.repository.ts';
import { ChatRefusal } from './chat-refusal.ts';
import type { ChannelMember, ModerationRepository, RestrictionView } from './moderation.repository.ts';
import type { RoomPublisher } from './room-publisher.ts';

export interface ChatRateLimit {
  /** Messages one user may send to one channel per window. */
  max: number;
  windowMs: number;
}

/** Generous for a person, tight for a script: one message a second on average, bursts of five. */
export const DEFAULT_CHAT_RATE_LIMIT: ChatRateLimit = { max: 5, windowMs: 5000 };

export interface ChatServiceDeps {
  channels: Pick<ChannelsService, 'reference'>;
  chat: ChatRepository;
  moderation: ModerationRepository;
  /** Shared by every replica when on Redis, so slow mode and the rate limit hold across them. */
  counters: CounterStore;
  rooms: RoomPublisher;
  rateLimit?: ChatRateLimit;
}

/** Who is acting: the signed-in user and their site role (an AuthContext fits). */
export interface ChatActor {
  userId: string;
  role: UserRole;
}

export interface ChatRoom {
  channelId: string;
  slug: string;
  ownerId: string;
  live: boolean;
  settings: ChatSettings;
}

export interface PostInput {
  channelId: string;
  userId: string;
  body: string;
}

type Authority = 'owner' | 'admin' | 'moderator';

interface Moderating {
  channel: ChannelReference;
  authority: Authority;
}

const protectedTarget = (message: string) => new AppError(403, 'chat_target_protected', message);

export class ChatService {
  private readonly rateLimit: ChatRateLimit;

  constructor(private readonly deps: ChatServiceDeps) {
    this.rateLimit = deps.rateLimit ?? DEFAULT_CHAT_RATE_LIMIT;
  }

  // --- rooms and messages ----------------------------------------------------------------------------

  /** The channel behind a room, with its rules; not found → AppError `not_found`. */
  async room(slug: string): Promise<ChatRoom> {
    const channel = await this.deps.channels.reference(slug);
    const settings = await this.deps.chat.rules(channel.id);
    return {
      channelId: channel.id,
      slug: channel.slug,
      ownerId: channel.ownerId,
      live: channel.live,
      settings,
    };
  }

  /** What a client gets on joining: the last CHAT_HISTORY_SIZE messages not deleted, oldest first. */
  async history(channelId: string): Promise<ChatMessage[]> {
    const recent = await this.deps.chat.recentMessages(channelId, CHAT_HISTORY_SIZE);
    return recent.reverse().map(toChatMessage);
  }

  /** Older history over REST: newest first, page by page backwards. */
  async messages(slug: string, query: ChatMessagesQuery): Promise<ChatMessagePage> {
    const channel = await this.deps.channels.reference(slug);
    const page = await withCursor(() =>
      this.deps.chat.messagePage(channel.id, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
    return { items: page.items.map(toChatMessage), nextCursor: page.nextCursor };
  }

  /**
   * Checks the rules, stores the message and announces it to the room. Refusals are `ChatRefusal`s.
   * Bans and time-outs are read from the database on every message, so a ban made on any replica
   * holds on all of them at once; the checks that cost nothing come before the counters.
   */
  async post(input: PostInput): Promise<ChatMessage> {
    const parsed = ChatBodySchema.safeParse(input.body);
    if (!parsed.success) {
      throw new ChatRefusal('invalid_frame', `body ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    }
    const { channelId, userId } = input;
    if (!isUuid(channelId)) throw new ChatRefusal('channel_not_found', 'There is no such channel.');
    const standing = isUuid(userId) ? await this.deps.chat.posterStanding(channelId, userId) : undefined;
    if (!standing) throw new ChatRefusal('unauthorized', 'Your account no longer exists.');
    const { channel, restriction, rules } = standing;
    if (!channel) throw new ChatRefusal('channel_not_found', 'This channel no longer exists.');
    if (standing.status !== 'active') {
      throw new ChatRefusal('account_suspended', 'Your account is suspended.');
    }
    if (restriction) {
      const reason = restriction.reason ? ` Reason: ${restriction.reason}` : '';
      if (restriction.expiresAt === null) {
        throw new ChatRefusal('banned', `You are banned from this chat.${reason}`);
      }
      throw new ChatRefusal(
        'timed_out',
        `You are timed out until ${restriction.expiresAt.toISOString()}.${reason}`,
        restriction.remainingMs ?? 0,
      );
    }
    const privileged = channel.ownerId === userId || standing.isModerator || standing.role === 'admin';
    if (rules.followersOnly && !privileged && !standing.isFollower) {
      throw new ChatRefusal('followers_only', 'Only followers of this channel may chat; follow it first.');
    }
    if (rules.subscribersOnly && !privileged && !standing.isSubscriber) {
      throw new ChatRefusal(
        'subscribers_only',
        'Only subscribers of this channel may chat; subscribe first.',
      );
    }
    await this.checkRateLimit(channelId, userId);
    if (rules.slowModeSeconds > 0 && !privileged) {
      await this.checkSlowMode(channelId, userId, rules.slowModeSeconds);
    }
    const row = await this.deps.chat.insertMessage({ channelId, authorId: userId, body: parsed.data });
    const message = toChatMessage({
      message: row,
      author: {
        username: standing.username,
        displayName: standing.displayName,
        subscriber: standing.isSubscriber,
      },
    });
    await this.deps.rooms.publish(channelId, { type: 'chat.message', channel: channel.slug, message });
    return message;
  }

  /**
   * Shows paid tips highlighted in their channels' chat (a `chat.tip` frame to each room), their
   * channels read in one statement (the durable consumer's batch). Resolves to one outcome per tip, in
   * order: false when the channel is gone; a frame that fails fails only its own tip, so a retry never
   * shows the others' highlights twice. The frame is not stored: the tip itself is in the payments
   * ledger.
   */
  async announceTips(
    tips: readonly DomainEventPayload<'tip.received'>[],
  ): Promise<PromiseSettledResult<boolean>[]> {
    const slugs = await this.deps.chat.channelSlugs(tips.map((tip) => tip.channelId));
    return Promise.allSettled(
      tips.map(async (tip) => {
        const slug = slugs.get(tip.channelId);
        if (!slug) return false;
        await this.publishTip(tip, slug);
        return true;
      }),
    );
  }

  private async publishTip(tip: DomainEventPayload<'tip.received'>, slug: string): Promise<void> {
    const from = tip.payerId ? ((await this.deps.chat.author(tip.payerId)) ?? null) : null;
    await this.deps.rooms.publish(tip.channelId, {
      type: 'chat.tip',
      channel: slug,
      tip: {
        paymentId: tip.paymentId,
        amount: tip.amount,
        currency: tip.currency,
        message: tip.message,
        from,
        receivedAt: tip.receivedAt,
      },
    });
  }

  /**
   * Deletes a message for everyone (it stays in the database for the moderation log). Deleting a
   * deleted message changes nothing and succeeds.
   */
  async deleteMessage(actor: ChatActor, slug: string, messageId: string): Promise<void> {
    const channel = await this.deps.channels.reference(slug);
    const message = isUuid(messageId) ? await this.deps.chat.findMessage(channel.id, messageId) : undefined;
    if (!message) throw notFound('Message');
    if (message.authorId !== actor.userId) {
      const authority = await this.authorityOf(actor, channel);
      if (!authority) {
        throw forbidden('Only the author, the channel owner and its moderators may delete a message.');
      }
      if (authority === 'moderator') {
        const author = await this.deps.moderation.member(channel.id, message.authorId);
        if (message.authorId === channel.ownerId || author?.isModerator) {
          throw protectedTarget("A moderator cannot delete the owner's or another moderator's messages.");
        }
      }
    }
    if (message.deletedAt !== null) return;
    const deleted = await this.deps.moderation.deleteMessage(channel.id, messageId, actor.userId, {
      actorId: actor.userId,
      action: 'delete_message',
      targetUserId: message.authorId,
      messageId,
    });
    if (deleted) {
      await this.deps.rooms.publish(channel.id, { type: 'chat.deleted', channel: channel.slug, messageId });
    }
  }

  // --- bans and time-outs ----------------------------------------------------------------------------

  /** Times a user out for `seconds`, replacing any ban or time-out they had. */
  async timeout(
    actor: ChatActor,
    slug: string,
    userId: string,
    seconds: number,
    reason?: string,
  ): Promise<ChatRestriction> {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > CHAT_TIMEOUT_MAX_SECONDS) {
      throw validationFailed([
        { path: 'body.seconds', message: `must be a whole number from 1 to ${CHAT_TIMEOUT_MAX_SECONDS}` },
      ]);
    }
    return this.restrict(actor, slug, userId, seconds, reason);
  }

  /** Bans a user until unbanned, replacing any time-out. A banned moderator stops being one. */
  async ban(actor: ChatActor, slug: string, userId: string, reason?: string): Promise<ChatRestriction> {
    return this.restrict(actor, slug, userId, null, reason);
  }

  /** Lifts a ban or a time-out. Nothing to lift changes nothing and succeeds. */
  async unban(actor: ChatActor, slug: string, userId: string): Promise<void> {
    const moderating = await this.moderating(actor, slug);
    const target = await this.restrictableTarget(actor, moderating, userId);
    const { channel } = moderating;
    const lifted = await this.deps.moderation.lift(channel.id, target.id, {
      actorId: actor.userId,
      action: 'unban',
      targetUserId: target.id,
    });
    if (!lifted) return;
    await this.deps.rooms.publish(channel.id, {
      type: 'moderation',
      channel: channel.slug,
      action: 'unban',
      user: { id: target.id, username: target.username },
      until: null,
      reason: null,
    });
  }

  /** Bans and time-outs in force. */
  async restrictions(actor: ChatActor, slug: string): Promise<ChatRestrictionList> {
    const { channel } = await this.moderating(actor, slug);
    return { items: (await this.deps.moderation.listRestrictions(channel.id)).map(toRestriction) };
  }

  // --- rules -----------------------------------------------------------------------------------------

  async settings(slug: string): Promise<ChatSettings> {
    const channel = await this.deps.channels.reference(slug);
    return this.deps.chat.rules(channel.id);
  }

  async updateSettings(
    actor: ChatActor,
    slug: string,
    patch: UpdateChatSettingsRequest,
  ): Promise<ChatSettings> {
    const { channel } = await this.moderating(actor, slug);
    const current = await this.deps.chat.rules(channel.id);
    const next: ChatRules = {
      slowModeSeconds: patch.slowModeSeconds ?? current.slowModeSeconds,
      followersOnly: patch.followersOnly ?? current.followersOnly,
      subscribersOnly: patch.subscribersOnly ?? current.subscribersOnly,
    };
    const saved = await this.deps.moderation.saveRules(channel.id, next, {
      actorId: actor.userId,
      action: 'update_chat_settings',
      durationSeconds: next.slowModeSeconds,
      reason: describeRules(next),
    });
    await this.deps.rooms.publish(channel.id, {
      type: 'chat.settings',
      channel: channel.slug,
      settings: saved,
    });
    return saved;
  }

  // --- moderators ------------------------------------------------------------------------------------

  async moderators(actor: ChatActor, slug: string): Promise<ChannelModeratorList> {
    const channel = await this.managing(actor, slug);
    const moderators = await this.deps.moderation.listModerators(channel.id);
    return { items: moderators.map(({ user, since }) => ({ user, since: since.toISOString() })) };
  }

  /** Appoints a moderator; appointing one again changes nothing. */
  async addModerator(actor: ChatActor, slug: string, userId: string): Promise<ChannelModerator> {
    const channel = await this.managing(actor, slug);
    const target = isUuid(userId) ? await this.deps.moderation.member(channel.id, userId) : undefined;
    if (!target) throw notFound('User');
    if (target.id === channel.ownerId) throw conflict('The owner already moderates their own channel.');
    const { since } = await this.deps.moderation.addModerator(channel.id, target.id, {
      actorId: actor.userId,
      action: 'add_moderator',
      targetUserId: target.id,
    });
    const { id, username, displayName } = target;
    return { user: { id, username, displayName }, since: since.toISOString() };
  }

  /** Removes a moderator; removing someone who is not one changes nothing. */
  async removeModerator(actor: ChatActor, slug: string, userId: string): Promise<void> {
    const channel = await this.managing(actor, slug);
    if (!isUuid(userId)) return;
    await this.deps.moderation.removeModerator(channel.id, userId, {
      actorId: actor.userId,
      action: 'remove_moderator',
      targetUserId: userId,
    });
  }

  // --- log -------------------------------------------------------------------------------------------

  async moderationLog(actor: ChatActor, slug: string, query: ModerationLogQuery): Promise<ModerationLogPage> {
    const channel = await this.managing(actor, slug);
    const page = await withCursor(() =>
      this.deps.moderation.logPage(channel.id, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    );
    return {
      items: page.items.map(({ entry, actor: by, target, message }) => ({
        id: entry.id,
        action: entry.action,
        actor: by,
        target,
        message,
        durationSeconds: entry.durationSeconds,
        reason: entry.reason,
        createdAt: entry.createdAt.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private async restrict(
    actor: ChatActor,
    slug: string,
    userId: string,
    seconds: number | null,
    reason: string | undefined,
  ): Promise<ChatRestriction> {
    const moderating = await this.moderating(actor, slug);
    const target = await this.restrictableTarget(actor, moderating, userId);
    const { channel } = moderating;
    const action = seconds === null ? 'ban' : 'timeout';
    const view = await this.deps.moderation.restrict(
      { channelId: channel.id, userId: target.id, seconds, reason: reason ?? null, actorId: actor.userId },
      {
        actorId: actor.userId,
        action,
        targetUserId: target.id,
        ...(seconds === null ? {} : { durationSeconds: seconds }),
        ...(reason ? { reason } : {}),
      },
      // A banned moderator could otherwise go on banning others from a chat they may not write in.
      { dropModerator: seconds === null },
    );
    const restriction = toRestriction(view);
    await this.deps.rooms.publish(channel.id, {
      type: 'moderation',
      channel: channel.slug,
      action,
      user: { id: target.id, username: target.username },
      until: restriction.expiresAt,
      reason: restriction.reason,
    });
    return restriction;
  }

  /** The target of a time-out, ban or unban, if the actor may act on them. */
  private async restrictableTarget(
    actor: ChatActor,
    { channel, authority }: Moderating,
    userId: string,
  ): Promise<ChannelMember> {
    const target = isUuid(userId) ? await this.deps.moderation.member(channel.id, userId) : undefined;
    if (!target) throw notFound('User');
    if (target.id === channel.ownerId) {
      throw protectedTarget('The channel owner cannot be timed out or banned in their own chat.');
    }
    if (target.id === actor.userId) throw protectedTarget('You cannot time out, ban or unban yourself.');
    if (target.isModerator && authority === 'moderator') {
      throw protectedTarget('A moderator cannot time out, ban or unban another moderator; the owner can.');
    }
    return target;
  }

  /** The channel, if the actor may moderate it (owner, moderator, admin). */
  private async moderating(actor: ChatActor, slug: string): Promise<Moderating> {
    const channel = await this.deps.channels.reference(slug);
    const authority = await this.authorityOf(actor, channel);
    if (!authority) throw forbidden('Only the channel owner and its moderators may do this.');
    return { channel, authority };
  }

  /** The channel, if the actor may manage its moderators and read its log (owner, admin). */
  private async managing(actor: ChatActor, slug: string): Promise<ChannelReference> {
    const channel = await this.deps.channels.reference(slug);
    if (actor.userId !== channel.ownerId && actor.role !== 'admin') {
      throw forbidden('Only the owner of this channel may do this.');
    }
    return channel;
  }

  /** Whether the user moderates the channel's chat (and so its comments). */
  isModerator(channelId: string, userId: string): Promise<boolean> {
    return this.deps.moderation.isModerator(channelId, userId);
  }

  private async authorityOf(actor: ChatActor, channel: ChannelReference): Promise<Authority | undefined> {
    if (actor.userId === channel.ownerId) return 'owner';
    if (actor.role === 'admin') return 'admin';
    return (await this.deps.moderation.isModerator(channel.id, actor.userId)) ? 'moderator' : undefined;
  }

  private async checkRateLimit(channelId: string, userId: string): Promise<void> {
    const { max, windowMs } = this.rateLimit;
    const hit = await this.deps.counters.hit(`chat:rate:${channelId}:${userId}`, windowMs);
    if (hit.count > max) {
      throw new ChatRefusal(
        'rate_limited',
        `At most ${max} messages per ${windowMs / 1000} s; wait a moment.`,
        hit.resetAt - Date.now(),
      );
    }
  }

  // The length is part of the key: changing slow mode starts everyone's wait afresh instead of
  // keeping windows of the old length.
  private async checkSlowMode(channelId: string, userId: string, seconds: number): Promise<void> {
    const hit = await this.deps.counters.hit(`chat:slow:${channelId}:${seconds}:${userId}`, seconds * 1000);
    if (hit.count > 1) {
      throw new ChatRefusal(
        'slow_mode',
        `Slow mode: one message every ${seconds} s.`,
        hit.resetAt - Date.now(),
      );
    }
  }
}

// Ids reach the service from routes (validated) and from the realtime hub; a malformed one is simply
// not found, never a database error.
const isUuid = (value: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

function toChatMessage({ message, author }: MessageWithAuthor): ChatMessage {
  return {
    id: message.id,
    author: {
      id: message.authorId,
      username: author.username,
      displayName: author.displayName,
      subscriber: author.subscriber,
    },
    body: message.body,
    sentAt: message.createdAt.toISOString(),
  };
}

function toRestriction({ restriction, user, createdBy }: RestrictionView): ChatRestriction {
  return {
    user,
    kind: restriction.expiresAt === null ? 'ban' : 'timeout',
    expiresAt: restriction.expiresAt?.toISOString() ?? null,
    reason: restriction.reason,
    createdBy,
    createdAt: restriction.createdAt.toISOString(),
  };
}

function describeRules(rules: ChatRules): string {
  const slow = rules.slowModeSeconds > 0 ? `slow mode ${rules.slowModeSeconds} s` : 'slow mode off';
  return `${slow}, followers-only ${rules.followersOnly ? 'on' : 'off'}, subscribers-only ${rules.subscribersOnly ? 'on' : 'off'}`;
}
