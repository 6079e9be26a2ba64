/**
 * The notifications domain's module: notifications from durable events (fan-out on write), the in-app
 * feed pushed over `/ws`, and each user's delivery preferences (docs/notifications.md).
 */
import {
  type DomainModule,
  type ModuleBackends,
  mount,
  type ServicesOf,
} from '../../modules/domain-module.ts';
import { channelsModule } from '../channels/channels.module.ts';
import { engagementModule } from '../engagement/engagement.module.ts';
import { DiscardingNotificationPublisher } from './notification-publisher.ts';
import { NotificationsRepository } from './notifications.repository.ts';
import { notificationRoutes } from './notifications.routes.ts';
import { NotificationsService } from './notifications.service.ts';
import { notificationsConsumers } from './notifications-consumers.ts';

type NotificationsNeeds = ServicesOf<typeof channelsModule> & ServicesOf<typeof engagementModule>;

function notificationsServices(
  { db, logger, notificationPublisher }: ModuleBackends,
  { channels, comments }: NotificationsNeeds,
) {
  const notifications = new NotificationsService({
    notifications: new NotificationsRepository(db),
    channels,
    lookups: { commentAuthorOf: (commentId) => comments.authorOf(commentId) },
    publisher: notificationPublisher ?? new DiscardingNotificationPublisher(),
    logger,
  });
  return { notifications };
}

const notificationsMounts = () => [mount('/api/v1/notifications', notificationRoutes())] as const;

interface NotificationsRoutes {
  mounts: ReturnType<typeof notificationsMounts>;
}

export const notificationsModule: DomainModule<
  'notifications',
  NotificationsNeeds,
  ReturnType<typeof notificationsServices>,
  NotificationsRoutes
> = {
  name: 'notifications',
  dependsOn: [channelsModule, engagementModule],
  services: notificationsServices,
  routes: notificationsMounts,
  consumers: ({ notifications }) => notificationsConsumers({ notifications }),
};
