/**
 * The payments domain's durable consumers (docs/events.md): a stored provider webhook is handled here,
 * in the consumer's transaction, so the ledger entry, the payment's new status, `tip.received` and the
 * record that the event was handled commit together or not at all.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import type { PaymentsService } from './payments.service.ts';

export function paymentsConsumers(deps: {
  payments: Pick<PaymentsService, 'handleWebhookEvent'>;
}): Consumer<DomainEvents>[] {
  return [
    // `once`: booking a tip twice would double money. The stored event's `processed_at` guards a second
    // time too, so even a delivery after the `events.handled` row was pruned changes nothing.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'payments.webhooks',
      mode: 'once',
      events: ['payment.webhook_received'],
      async handle({ payload }, { tx }) {
        await deps.payments.handleWebhookEvent(tx, payload.provider, payload.eventId);
      },
    }),
  ];
}
