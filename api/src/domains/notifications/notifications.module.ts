/**
 * The notifications domain's module: notifications from durable events (fan-out on write), the in-app
 * feed pushed over `/ws`, each user's delivery preferences, and delivery by email and push through the
 * `notifications.deliver` job (docs/notifications.md).
 */
import type { Config } from '@streamhub/config/config';
import type { JobDefinitionsMap } from '@streamhub/contracts/jobs';
import type { JobHandlers } from '@streamhub/infra/jobs/port';
import { is } from 'drizzle-orm';
import { PgliteDatabase } from 'drizzle-orm/pglite';
import { notificationDeliverHandler } from '../../jobs/handlers.ts';
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { engagementModule } from '../engagement/engagement.module.ts';
import { usersModule } from '../users/users.module.ts';
import { EMBEDDED_FAN_OUT_CHUNKS, POSTGRES_FAN_OUT_CHUNKS } from './fan-out-chunks.ts';
import { FcmSender } from './fcm-sender.ts';
import { NotificationDeliveries } from './notification-deliveries.ts';
import { notificationSettingsRoutes, serviceWorkerRoutes } from './notification-pages.ts';
import { DiscardingNotificationPublisher } from './notification-publisher.ts';
import { NotificationsRepository } from './notifications.repository.ts';
import { notificationRoutes } from './notifications.routes.ts';
import { NotificationsService } from './notifications.service.ts';
import { notificationsConsumers } from './notifications-consumers.ts';
import { PushPort } from './push-port.ts';
import { unsubscribePageRoutes } from './unsubscribe-page.ts';
import { UnsubscribeTokens } from './unsubscribe-tokens.ts';
import { WebPushSender } from './web-push-sender.ts';

/** How often a gateway looks for due email digests. */
const DIGEST_SWEEP_MS = 60_000;

type NotificationsNeeds = ServicesOf<typeof channelsModule> &
  ServicesOf<typeof engagementModule> &
  ServicesOf<typeof usersModule>;

/** The push senders the settings turn on. */
export function configuredPush(config: Config): PushPort {
  const { vapid, fcmServiceAccountFile } = config.notifications;
  return new PushPort({
    ...(vapid ? { webpush: new WebPushSender(vapid) } : {}),
    ...(fcmServiceAccountFile ? { fcm: FcmSender.fromServiceAccountFile(fcmServiceAccountFile) } : {}),
  });
}

function notificationsServices(
  { config, db, jobs, logger, signingKeys, notificationPublisher, notificationPush }: ModuleBackends,
  { channels, comments, users }: NotificationsNeeds,
) {
  const repository = new NotificationsRepository(db);
  const tokens = new UnsubscribeTokens(signingKeys);
  const notifications = new NotificationsService({
    notifications: repository,
    channels,
    lookups: { commentAuthorOf: (commentId) => comments.authorOf(commentId) },
    publisher: notificationPublisher ?? new DiscardingNotificationPublisher(),
    jobs,
    tokens,
    defaultDigest: config.notifications.emailDigest,
    vapidPublicKey: config.notifications.vapid?.publicKey,
    // PGlite runs each statement on this process's thread: chunks sized by time keep requests answered.
    fanOutChunks: is(db, PgliteDatabase) ? EMBEDDED_FAN_OUT_CHUNKS : POSTGRES_FAN_OUT_CHUNKS,
    logger,
  });
  const notificationDeliveries = new NotificationDeliveries({
    notifications: repository,
    users,
    tokens,
    push: notificationPush ?? configuredPush(config),
    instance: { name: config.notifications.instanceName, publicUrl: config.publicUrl },
    defaultDigest: config.notifications.emailDigest,
    logger,
  });
  return { notifications, notificationDeliveries };
}

const notificationsMounts = () =>
  [
    mount('/api/v1/notifications', notificationRoutes()),
    mount('/notifications', unsubscribePageRoutes()),
    mount('/settings/notifications', notificationSettingsRoutes()),
    mount('/notifications-sw.js', serviceWorkerRoutes()),
  ] as const;

interface NotificationsRoutes {
  mounts: ReturnType<typeof notificationsMounts>;
}

export const notificationsModule: DomainModule<
  'notifications',
  NotificationsNeeds,
  ReturnType<typeof notificationsServices>,
  NotificationsRoutes,
  Pick<JobHandlers<JobDefinitionsMap>, 'notifications.deliver'>
> = {
  name: 'notifications',
  dependsOn: [channelsModule, engagementModule, usersModule],
  services: notificationsServices,
  routes: notificationsMounts,
  consumers: ({ notifications }) => notificationsConsumers({ notifications }),
  // Every replica sweeps; the claim in the database makes each digest go out once.
  timers: ({ notifications }, { logger }) => {
    const timer = setInterval(() => {
      notifications
        .sweepDigests()
        .catch((error: unknown) => logger.error({ err: error }, 'digest sweep failed'));
    }, DIGEST_SWEEP_MS);
    return () => clearInterval(timer);
  },
  jobs: ({ notificationDeliveries }, { mailer }) => ({
    'notifications.deliver': notificationDeliverHandler(notificationDeliveries.sender(mailer)),
  }),
};
