/**
 * Delivering one stored notification by email or push (the `notifications.deliver` job): what went out
 * and what was given up is recorded in `notifications.deliveries`. A refusal that no retry can change (an
 * SMTP 5xx for this message) is recorded at once and the job ends; other failures retry until the job's
 * last attempt, which records the failure.
 */
import { JOB_DEFINITIONS } from '@streamhub/contracts/jobs';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_TYPES,
  type NotificationDeliverJob,
  type NotificationType,
} from '@streamhub/contracts/notifications';
import { NonRetryableError } from '@streamhub/infra/jobs/port';
import type { Logger } from '@streamhub/logger/logger';
import type { Mailer } from '../../mail/mailer.ts';
import type { UsersService } from '../users/users.service.ts';
import { type EmailInstance, renderNotificationEmail } from './notification-email.ts';
import { messagesFor } from './notification-messages.ts';
import type { NotificationsRepository, StoredNotification } from './notifications.repository.ts';
import type { PushPort } from './push-port.ts';
import type { UnsubscribeTokens } from './unsubscribe-tokens.ts';

export interface NotificationDeliveriesDeps {
  notifications: NotificationsRepository;
  users: Pick<UsersService, 'account'>;
  tokens: UnsubscribeTokens;
  push: PushPort;
  instance: EmailInstance;
  /** The email digest of users who never chose one. */
  defaultDigest: string;
  logger: Pick<Logger, 'warn' | 'info'>;
}

/** The `notifications.deliver` job's work on one process's mailer. */
export interface NotificationSender {
  deliver(job: NotificationDeliverJob, attempt: number): Promise<void>;
}

const LAST_ATTEMPT = JOB_DEFINITIONS['notifications.deliver'].attempts;

const LOCKED_TYPES = NOTIFICATION_TYPES.filter((type) => NOTIFICATION_KINDS[type].locked);

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

export class NotificationDeliveries {
  constructor(private readonly deps: NotificationDeliveriesDeps) {}

  sender(mailer: Mailer): NotificationSender {
    return { deliver: (job, attempt) => this.deliver(job, attempt, mailer) };
  }

  async deliver(job: NotificationDeliverJob, attempt: number, mailer: Mailer): Promise<void> {
    const notification = await this.deps.notifications.find(job.notificationId);
    // Deleted by its user, or its account is gone: nothing to send.
    if (!notification) return;
    if (await this.deps.notifications.deliveryDone(notification.id, job.via)) return;
    try {
      const outcome =
        job.via === 'email' ? await this.email(notification, mailer) : await this.push(notification);
      await this.deps.notifications.recordDelivery(
        notification.id,
        job.via,
        outcome.status,
        outcome.detail,
        attempt,
      );
    } catch (error) {
      const permanent = error instanceof NonRetryableError;
      if (permanent || attempt >= LAST_ATTEMPT) {
        await this.deps.notifications.recordDelivery(
          notification.id,
          job.via,
          'failed',
          messageOf(error),
          attempt,
        );
        this.deps.logger.warn(
          { notificationId: notification.id, via: job.via, err: error, permanent },
          'notification delivery given up',
        );
        // Recorded: a permanent refusal ends here instead of failing the job again and again.
        if (permanent) return;
      }
      throw error;
    }
  }

  private async email(
    notification: StoredNotification,
    mailer: Mailer,
  ): Promise<{ status: 'sent' | 'skipped'; detail: string | null }> {
    const account = await this.deps.users.account(notification.userId).catch(() => undefined);
    if (!account) return { status: 'skipped', detail: 'account gone' };
    const type = notification.type as NotificationType;
    const locked = NOTIFICATION_KINDS[type].locked;
    const digest = (await this.deps.notifications.emailDigestOf(account.id)) ?? this.deps.defaultDigest;
    // On a digest, this job stands for every email waiting: one message for all of them.
    const items =
      locked || digest === 'off'
        ? [notification]
        : await this.deps.notifications.waitingEmails(account.id, LOCKED_TYPES);
    const kinds = new Set(items.map((item) => item.type as NotificationType));
    const [onlyKind] = kinds;
    // One kind: its unsubscribe link; several (a digest): the footer links to the preferences.
    const token =
      locked || kinds.size !== 1 || onlyKind === undefined
        ? undefined
        : await this.deps.tokens.issue({ userId: account.id, type: onlyKind });
    const email = renderNotificationEmail(
      messagesFor(undefined),
      this.deps.instance,
      account.username,
      items.map((item) => ({ type: item.type as NotificationType, data: item.data, url: item.url })),
      token,
      { locked },
    );
    await mailer.send({ to: account.email, ...email });
    for (const item of items) {
      if (item.id !== notification.id) {
        await this.deps.notifications.recordDelivery(item.id, 'email', 'sent', 'digest', 1);
      }
    }
    return { status: 'sent', detail: items.length > 1 ? `digest of ${items.length}` : null };
  }

  private async push(
    notification: StoredNotification,
  ): Promise<{ status: 'sent' | 'skipped'; detail: string | null }> {
    const targets = await this.deps.notifications.pushTargetsOf(notification.userId);
    const words = messagesFor(undefined).kinds[notification.type as NotificationType](
      notification.data,
      this.deps.instance.name,
    );
    const message = {
      ...words,
      url: `${this.deps.instance.publicUrl}${notification.url}`,
      tag: notification.id,
    };
    let sent = 0;
    let pruned = 0;
    // Each device once: a retry after a partial failure repeats the ones that did not fail, which a
    // device collapses by the notification's tag.
    for (const target of targets) {
      const outcome = await this.deps.push.send(target, message);
      if (outcome === 'sent') sent += 1;
      if (outcome === 'gone') {
        await this.deps.notifications.deletePushTarget(target.id);
        pruned += 1;
      }
    }
    if (pruned > 0)
      this.deps.logger.info({ userId: notification.userId, pruned }, 'dead push subscriptions deleted');
    return sent > 0
      ? { status: 'sent', detail: `${sent} device(s)` }
      : { status: 'skipped', detail: pruned > 0 ? `${pruned} dead subscription(s) deleted` : 'no device' };
  }
}
