/**
 * The chat domain's durable consumers (docs/events.md): a paid tip is shown highlighted in its channel's
 * chat.
 */
import { DOMAIN_EVENTS, type DomainEventPayload, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import { TurnBatch } from '../../events/turn-batch.ts';
import type { ChatService } from './chat.service.ts';

export function chatConsumers(deps: { chat: Pick<ChatService, 'announceTips'> }): Consumer<DomainEvents>[] {
  // The tips whose jobs start in one turn (a payments batch's) read their channels in one statement;
  // each job still ends with its own tip's outcome.
  const highlights = new TurnBatch((tips: readonly DomainEventPayload<'tip.received'>[]) =>
    deps.chat.announceTips(tips),
  );
  return [
    // `idempotent`: the frame goes out after the reads, as the handler's last step, so only a failure
    // after sending could show a highlight twice; a room frame is not worth a transaction per tip.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'chat.tip-highlights',
      mode: 'idempotent',
      events: ['tip.received'],
      async handle({ payload }) {
        const outcome = await highlights.run(payload);
        if (outcome.status === 'rejected') throw outcome.reason;
      },
    }),
  ];
}
