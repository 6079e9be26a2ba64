/**
 * The engagement domain's durable consumers (docs/events.md): when an account is deleted, the likes and
 * comments others left on its broadcasts and videos go too. Likes and comments name their target without
 * a foreign key, so nothing cascades to them.
 */
import { DOMAIN_EVENTS, type DomainEventPayload, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import type { Logger } from '@streamhub/logger/logger';
import type { CommentsService } from './comments.service.ts';
import type { TargetRef } from './engagement-targets.ts';
import type { LikesService } from './likes.service.ts';

export interface EngagementConsumersDeps {
  likes: Pick<LikesService, 'removeAllOn'>;
  comments: Pick<CommentsService, 'removeAllOn'>;
  logger: Pick<Logger, 'info'>;
}

/** Every target a deleted account owned. */
function targetsOf(deleted: DomainEventPayload<'user.deleted'>): TargetRef[] {
  return [
    ...deleted.liveSessions.map(({ id }): TargetRef => ({ type: 'live_session', id })),
    ...deleted.videoIds.map((id): TargetRef => ({ type: 'video', id })),
  ];
}

export function engagementConsumers(deps: EngagementConsumersDeps): Consumer<DomainEvents>[] {
  return [
    // Idempotent: deleting what is already gone changes nothing, so a repeated delivery is harmless.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'engagement.account-cleanup',
      mode: 'idempotent',
      events: ['user.deleted'],
      async handle({ payload }) {
        const targets = targetsOf(payload);
        if (targets.length === 0) return;
        await deps.likes.removeAllOn(targets);
        await deps.comments.removeAllOn(targets);
        deps.logger.info(
          { userId: payload.userId, targets: targets.length },
          "removed likes and comments on a deleted account's broadcasts and videos",
        );
      },
    }),
  ];
}
