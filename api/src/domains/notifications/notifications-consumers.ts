/**
 * The notifications domain's durable consumers (docs/events.md): every event a notification source names
 * (notification-sources.ts) becomes its notifications, and a deleted account's notifications go.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import { NOTIFYING_EVENTS } from './notification-sources.ts';
import type { NotificationsService } from './notifications.service.ts';

export function notificationsConsumers(deps: {
  notifications: Pick<NotificationsService, 'notify' | 'forgetAccount'>;
}): Consumer<DomainEvents>[] {
  return [
    // Idempotent by the (event, user, type) key rather than `once`: a go-live's fan-out is one large
    // statement that should not hold the consumer's bookkeeping transaction, and the key also covers
    // a second replica running the same event at once.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'notifications.fan-out',
      mode: 'idempotent',
      events: NOTIFYING_EVENTS,
      timeoutMs: 120_000,
      async handle(event) {
        await deps.notifications.notify(event);
      },
    }),
    // Stands for the cascade the fan-out's insert no longer pays for (migration 0028). Idempotent:
    // deleting what is already gone changes nothing.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'notifications.account-cleanup',
      mode: 'idempotent',
      events: ['user.deleted'],
      async handle({ payload }) {
        await deps.notifications.forgetAccount(payload.userId);
      },
    }),
  ];
}
