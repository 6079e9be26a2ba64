/**
 * The webhooks domain's durable consumer (docs/events.md): every domain event becomes one delivery per
 * matching endpoint. `idempotent` is enough: the deliveries are unique per (endpoint, event) and their
 * jobs have deterministic ids, so a repeat on any replica adds nothing.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import { TurnBatch } from '../../events/turn-batch.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookSourceEvent, type WebhooksService } from './webhooks.service.ts';

export function webhooksConsumers(deps: {
  webhooks: Pick<WebhooksService, 'fanOutMany'>;
}): Consumer<DomainEvents>[] {
  // The events whose jobs start in one turn (a relay batch's) share the fan-out's statements; each job
  // still ends with its own event's outcome.
  const fanOuts = new TurnBatch((events: readonly WebhookSourceEvent[]) => deps.webhooks.fanOutMany(events));
  return [
    defineConsumer(DOMAIN_EVENTS, {
      name: 'webhooks.fan-out',
      mode: 'idempotent',
      events: WEBHOOK_EVENT_TYPES,
      async handle(event) {
        const outcome = await fanOuts.run({
          id: event.id,
          name: event.name,
          payload: event.payload,
          createdAt: event.createdAt,
        });
        if (outcome.status === 'rejected') throw outcome.reason;
      },
    }),
  ];
}
