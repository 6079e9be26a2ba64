/**
 * The webhooks domain's durable consumer (docs/events.md): every domain event becomes one delivery per
 * matching endpoint. `idempotent` is enough: the deliveries are unique per (endpoint, event) and their
 * jobs have deterministic ids, so a repeat on any replica adds nothing.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import { WEBHOOK_EVENT_TYPES, type WebhooksService } from './webhooks.service.ts';

export function webhooksConsumers(deps: {
  webhooks: Pick<WebhooksService, 'fanOut'>;
}): Consumer<DomainEvents>[] {
  return [
    defineConsumer(DOMAIN_EVENTS, {
      name: 'webhooks.fan-out',
      mode: 'idempotent',
      events: WEBHOOK_EVENT_TYPES,
      async handle(event) {
        await deps.webhooks.fanOut({
          id: event.id,
          name: event.name,
          payload: event.payload,
          createdAt: event.createdAt,
        });
      },
    }),
  ];
}
