/**
 * The notifications domain's rules (docs/notifications.md): turning a durable event into at most one
 * notification per recipient, delivering what was stored, and each user's feed and preferences.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DomainEventName, DomainEventPayload } from '@streamhub/contracts/events';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import {
  type EmailDigest,
  NOTIFICATION_KINDS,
  NOTIFICATION_TYPES,
  type Notification,
  type NotificationFeedQuery,
  type NotificationPage,
  type NotificationPreferences,
  type NotificationType,
  type PushRegistration,
  type RegisterPush,
  type TypePreference,
  type UpdateTypePreference,
} from '@streamhub/contracts/notifications';
import { AppError, notFound } from '@streamhub/errors/app-error';
import type { JobQueue } from '@streamhub/infra/jobs/port';
import type { Logger } from '@streamhub/logger/logger';
import { withCursor } from '../../http/pagination.ts';
import type { ChannelsService } from '../channels/channels.service.ts';
import { type FanOutChunking, nextChunkSize, POSTGRES_FAN_OUT_CHUNKS } from './fan-out-chunks.ts';
import type { FeedRecipient, NotificationPublisher } from './notification-publisher.ts';
import { draftsFor, type SourceLookups } from './notification-sources.ts';
import type { FannedOut, NotificationsRepository, StoredNotification } from './notifications.repository.ts';
import type { UnsubscribeTokens } from './unsubscribe-tokens.ts';

export interface NotificationsServiceDeps {
  notifications: NotificationsRepository;
  channels: Pick<ChannelsService, 'reference'>;
  lookups: Pick<SourceLookups, 'commentAuthorOf'>;
  publisher: NotificationPublisher;
  jobs: Pick<JobQueue<JobDefinitionsMap>, 'enqueue'>;
  tokens: UnsubscribeTokens;
  /** The email digest of users who never chose one. */
  defaultDigest: EmailDigest;
  /** The Web Push application server key, when Web Push is configured. */
  vapidPublicKey: string | undefined;
  /** Followers per fan-out statement: POSTGRES_FAN_OUT_CHUNKS, or EMBEDDED_FAN_OUT_CHUNKS on PGlite. */
  fanOutChunks?: FanOutChunking;
  logger: Pick<Logger, 'info'>;
}

/** A durable event as the notifications consumer receives it. */
export interface NotifyingEvent<K extends DomainEventName = DomainEventName> {
  id: string;
  name: K;
  payload: DomainEventPayload<K>;
}

// Job enqueues in flight at once while a large fan-out is delivered.
const ENQUEUE_BATCH = 500;

/** Resumes after the event loop's timers and I/O have had a turn (a `setImmediate`). */
const yieldToLoop = () => nextTurn();

/** How often each digest goes out. */
const DIGEST_INTERVALS = [
  ['hourly', 3_600_000],
  ['daily', 86_400_000],
] as const;

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += ENQUEUE_BATCH) {
    await Promise.all(items.slice(start, start + ENQUEUE_BATCH).map(run));
  }
}

export function toNotification(row: StoredNotification): Notification {
  return {
    id: row.id,
    type: row.type as NotificationType,
    channelId: row.channelId,
    data: row.data,
    url: row.url,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function isNotificationType(value: string): value is NotificationType {
  return Object.hasOwn(NOTIFICATION_KINDS, value);
}

export class NotificationsService {
  private readonly lookups: SourceLookups;
  private readonly fanOutChunks: FanOutChunking;

  constructor(private readonly deps: NotificationsServiceDeps) {
    this.fanOutChunks = deps.fanOutChunks ?? POSTGRES_FAN_OUT_CHUNKS;
    this.lookups = {
      usernameOf: (userId) => deps.notifications.usernameOf(userId),
      slugOf: (channelId) => deps.notifications.slugOf(channelId),
      commentAuthorOf: (commentId) => deps.lookups.commentAuthorOf(commentId),
    };
  }

  /**
   * Stores the notifications `event` gives and delivers the ones this call stored. Safe to run twice,
   * or at once on two replicas: the (event, user, type) key lets one insert win, and only its rows are
   * delivered. Returns how many it stored.
   */
  async notify(event: NotifyingEvent): Promise<number> {
    const drafts = await draftsFor(event.name, event.payload, this.lookups);
    let stored = 0;
    for (const draft of drafts) {
      const { defaults, locked } = NOTIFICATION_KINDS[draft.type];
      // One time for the whole event: every copy is the same notification, so one frame serves all.
      const createdAt = new Date();
      const delivery = { ...defaults, locked, defaultDigest: this.deps.defaultDigest, createdAt };
      const feedItem: Omit<Notification, 'id'> = {
        type: draft.type,
        channelId: draft.channelId,
        data: draft.data,
        url: draft.url,
        readAt: null,
        createdAt: createdAt.toISOString(),
      };
      const followers = draft.recipients.kind === 'followers';
      let size = followers ? this.fanOutChunks.initial : Number.MAX_SAFE_INTEGER;
      let after: string | undefined;
      for (;;) {
        const started = performance.now();
        const chunk = await this.deps.notifications.insertFanOut(event.id, draft, delivery, {
          ...(after === undefined ? {} : { after }),
          size,
        });
        stored += chunk.stored.length;
        await this.deliver(feedItem, chunk.stored);
        // Fewer recipients than asked for: that was the last chunk (everyone, for named users).
        if (chunk.considered < size || chunk.last === undefined) break;
        after = chunk.last;
        size = nextChunkSize(this.fanOutChunks, size, performance.now() - started);
        // PGlite answers from promises that settle without returning to the event loop, so chunk
        // after chunk would starve every request of this process: yield to the loop between two
        // chunks. setImmediate, not a timer: the loop's poll phase (the sockets with waiting requests)
        // runs before it, and no clamped 1 ms timer delay is added to each of a thousand chunks.
        await yieldToLoop();
      }
    }
    if (stored > 0)
      this.deps.logger.info({ event: event.name, eventId: event.id, stored }, 'notifications stored');
    return stored;
  }

  /**
   * The chunk's `/ws` frames (one message for all its in-app rows; each replica frames its signed-in
   * recipients) and one `notifications.deliver` job per email sent now and per push, with ids derived
   * from the notification so a repeat enqueues nothing. Which rows get an email now (no digest, or a
   * security notice) and a push (a registered device) came from the fan-out statement itself.
   */
  private async deliver(feedItem: Omit<Notification, 'id'>, rows: readonly FannedOut[]): Promise<void> {
    const feed: FeedRecipient[] = [];
    const jobs: { id: string; via: 'email' | 'push' }[] = [];
    for (const row of rows) {
      if (row.inApp) feed.push({ userId: row.userId, id: row.id });
      if (row.email) jobs.push({ id: row.id, via: 'email' });
      if (row.push) jobs.push({ id: row.id, via: 'push' });
    }
    await this.deps.publisher.publishMany(feedItem, feed);
    await inBatches(jobs, ({ id, via }) =>
      this.deps.jobs.enqueue(
        'notifications.deliver',
        { notificationId: id, via },
        { jobId: `notification-${id}-${via}` },
      ),
    );
  }

  /** Deletes a deleted account's notifications (there is no cascade from the user: migration 0028). */
  async forgetAccount(userId: string): Promise<void> {
    await this.deps.notifications.deleteAllOf(userId);
  }

  // --- the feed ----------------------------------------------------------------------------------------

  async feed(userId: string, query: NotificationFeedQuery): Promise<NotificationPage> {
    const page = await withCursor(() => this.deps.notifications.page(userId, query));
    return { items: page.items.map(toNotification), nextCursor: page.nextCursor };
  }

  async unreadCount(userId: string): Promise<number> {
    return this.deps.notifications.unreadCount(userId);
  }

  async markRead(userId: string, id: string): Promise<void> {
    if (!(await this.deps.notifications.markRead(userId, id))) throw notFound('Notification');
  }

  async markAllRead(userId: string): Promise<void> {
    await this.deps.notifications.markAllRead(userId);
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!(await this.deps.notifications.delete(userId, id))) throw notFound('Notification');
  }

  // --- preferences -------------------------------------------------------------------------------------

  async preferences(userId: string): Promise<NotificationPreferences> {
    const [rows, emailDigest, mutes] = await Promise.all([
      this.deps.notifications.preferencesOf(userId),
      this.deps.notifications.emailDigestOf(userId),
      this.deps.notifications.mutesOf(userId),
    ]);
    const chosen = new Map(rows.map((row) => [row.type, row]));
    const types = NOTIFICATION_TYPES.map((type): TypePreference => {
      const { defaults, locked } = NOTIFICATION_KINDS[type];
      const row = chosen.get(type);
      const bits = row ? { inApp: row.inApp, email: row.email, push: row.push } : defaults;
      return { type, ...bits, ...(locked ? { inApp: true, email: true } : {}), locked };
    });
    return {
      types,
      emailDigest: (emailDigest ?? this.deps.defaultDigest) as EmailDigest,
      mutedChannels: mutes.map((mute) => ({ ...mute, mutedAt: mute.mutedAt.toISOString() })),
    };
  }

  /** Changes one type's bits; turning a security notice's in-app or email off is refused. */
  async setTypePreference(
    userId: string,
    type: string,
    patch: UpdateTypePreference,
  ): Promise<TypePreference> {
    if (!isNotificationType(type)) throw notFound('Notification type');
    const { locked } = NOTIFICATION_KINDS[type];
    if (locked && (patch.inApp === false || patch.email === false)) {
      throw new AppError(
        422,
        'preference_locked',
        'Security notices are always shown in the app and sent by email; only push can be turned off.',
      );
    }
    const current = (await this.preferences(userId)).types.find((entry) => entry.type === type);
    if (!current) throw notFound('Notification type');
    const bits = {
      inApp: patch.inApp ?? current.inApp,
      email: patch.email ?? current.email,
      push: patch.push ?? current.push,
    };
    await this.deps.notifications.upsertPreference(userId, type, bits);
    return { type, ...bits, locked };
  }

  async setEmailDigest(userId: string, emailDigest: EmailDigest): Promise<void> {
    await this.deps.notifications.setEmailDigest(userId, emailDigest);
  }

  /** Stops notifications from a channel (its go-lives and videos) without unfollowing it. Idempotent. */
  async muteChannel(userId: string, slug: string): Promise<void> {
    const channel = await this.deps.channels.reference(slug);
    await this.deps.notifications.mute(userId, channel.id);
  }

  async unmuteChannel(userId: string, slug: string): Promise<void> {
    const channel = await this.deps.channels.reference(slug);
    await this.deps.notifications.unmute(userId, channel.id);
  }

  // --- one-click unsubscribe ---------------------------------------------------------------------------

  /** Turns off email of the token's kind for its user (RFC 8058 one-click): no sign-in needed. */
  async unsubscribe(token: string): Promise<{ type: NotificationType; email: false }> {
    const { userId, type } = await this.deps.tokens.verify(token);
    // Security notices carry no unsubscribe link, so a token for one was never issued.
    if (NOTIFICATION_KINDS[type].locked)
      throw new AppError(400, 'invalid_unsubscribe_token', 'This unsubscribe link is not valid.');
    const current = (await this.preferences(userId)).types.find((entry) => entry.type === type);
    if (!current) throw notFound('Notification type');
    await this.deps.notifications.upsertPreference(userId, type, {
      inApp: current.inApp,
      email: false,
      push: current.push,
    });
    return { type, email: false };
  }

  /** The kind a token would unsubscribe from, for the link page (validates it without changing anything). */
  async unsubscribeKind(token: string): Promise<NotificationType> {
    return (await this.deps.tokens.verify(token)).type;
  }

  // --- push registrations --------------------------------------------------------------------------------

  /** Null when Web Push is off: an answer, not an error, so every signed-in page can ask without a 404. */
  vapidPublicKey(): string | null {
    return this.deps.vapidPublicKey ?? null;
  }

  async registerPush(userId: string, registration: RegisterPush): Promise<PushRegistration> {
    const row = await this.deps.notifications.upsertPushTarget(
      userId,
      registration.kind === 'webpush'
        ? { kind: 'webpush', endpoint: registration.endpoint, keys: registration.keys }
        : { kind: 'fcm', endpoint: registration.token, keys: undefined },
    );
    return { id: row.id, kind: registration.kind, createdAt: row.createdAt.toISOString() };
  }

  async pushRegistrations(userId: string): Promise<PushRegistration[]> {
    const rows = await this.deps.notifications.listPushTargets(userId);
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind === 'fcm' ? 'fcm' : 'webpush',
      createdAt: row.createdAt.toISOString(),
    }));
  }

  async unregisterPush(userId: string, id: string): Promise<void> {
    if (!(await this.deps.notifications.deletePushTargetOf(userId, id))) throw notFound('Push registration');
  }

  // --- email digests -----------------------------------------------------------------------------------

  /**
   * Sends the digests due at `now`: each user whose hourly or daily digest is due and who has emails
   * waiting is claimed once (whatever the replicas sweeping) and gets one `notifications.deliver` job,
   * which sends everything waiting as one email. Returns how many digests were queued.
   */
  async sweepDigests(now = new Date()): Promise<number> {
    const locked = NOTIFICATION_TYPES.filter((type) => NOTIFICATION_KINDS[type].locked);
    let queued = 0;
    for (const [mode, intervalMs] of DIGEST_INTERVALS) {
      const users = await this.deps.notifications.claimDueDigests(
        mode,
        this.deps.defaultDigest,
        intervalMs,
        now,
        locked,
      );
      for (const userId of users) {
        const newest = (await this.deps.notifications.waitingEmails(userId, locked)).at(-1);
        if (!newest) continue;
        await this.deps.jobs.enqueue(
          'notifications.deliver',
          { notificationId: newest.id, via: 'email' },
          { jobId: `notification-digest-${userId}-${now.getTime()}` },
        );
        queued += 1;
      }
    }
    return queued;
  }
}
