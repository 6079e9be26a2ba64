/**
 * The engagement domain's reactions to other domains' events in a gateway: when an account is deleted,
 * the likes and comments others left on its broadcasts and videos go too. Likes and comments name their
 * target without a foreign key, so nothing cascades to them. Every replica runs this; deleting what is
 * already gone is a no-op.
 */
import type { DomainEventPayload, DomainEvents } from '@streamhub/contracts/events';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import type { Logger } from '@streamhub/logger/logger';
import type { CommentsService } from './comments.service.ts';
import type { TargetRef } from './engagement-targets.ts';
import type { LikesService } from './likes.service.ts';

export interface EngagementConsumersDeps {
  likes: Pick<LikesService, 'removeAllOn'>;
  comments: Pick<CommentsService, 'removeAllOn'>;
  events: Pick<EventBus<DomainEvents>, 'subscribe' | 'ready'>;
  logger: Pick<Logger, 'info'>;
}

/** Every target a deleted account owned. */
function targetsOf(deleted: DomainEventPayload<'user.deleted'>): TargetRef[] {
  return [
    ...deleted.liveSessions.map(({ id }): TargetRef => ({ type: 'live_session', id })),
    ...deleted.videoIds.map((id): TargetRef => ({ type: 'video', id })),
  ];
}

/** Resolves once the subscription is live; the returned function stops it. */
export async function startEngagementConsumers(deps: EngagementConsumersDeps): Promise<() => void> {
  const stop = deps.events.subscribe('user.deleted', async (deleted) => {
    const targets = targetsOf(deleted);
    if (targets.length === 0) return;
    await deps.likes.removeAllOn(targets);
    await deps.comments.removeAllOn(targets);
    deps.logger.info(
      { userId: deleted.userId, targets: targets.length },
      "removed likes and comments on a deleted account's broadcasts and videos",
    );
  });
  await deps.events.ready();
  return stop;
}
