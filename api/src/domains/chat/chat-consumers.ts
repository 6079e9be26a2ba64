/**
 * The chat domain's durable consumers (docs/events.md): a paid tip is shown highlighted in its channel's
 * chat.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import type { ChatService } from './chat.service.ts';

export function chatConsumers(deps: { chat: Pick<ChatService, 'announceTip'> }): Consumer<DomainEvents>[] {
  return [
    // `idempotent`: the frame goes out after the reads, as the handler's last step, so only a failure
    // after sending could show a highlight twice; a room frame is not worth a transaction per tip.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'chat.tip-highlights',
      mode: 'idempotent',
      events: ['tip.received'],
      async handle({ payload }) {
        await deps.chat.announceTip(payload);
      },
    }),
  ];
}
