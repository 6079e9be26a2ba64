/**
 * The payments domain's durable consumers (docs/events.md): a stored provider webhook is handled here,
 * in the consumer's transaction, so the ledger entry, the payment's new status, `tip.received` and the
 * record that the event was handled commit together or not at all.
 */
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { type Consumer, defineConsumer } from '@streamhub/infra/outbox/consumers';
import type { Logger } from '@streamhub/logger/logger';
import { startPeriodicSweep } from '../../modules/periodic-sweep.ts';
import { BatchHandledEvents } from './batch-handled-events.ts';
import type { PaymentsService } from './payments.service.ts';
import type { SubscriptionsService } from './subscriptions.service.ts';

export function paymentsConsumers(deps: {
  payments: Pick<PaymentsService, 'handleWebhookEvents'>;
}): Consumer<DomainEvents>[] {
  const batchHandled = new BatchHandledEvents();
  return [
    // `once`: booking a tip twice would double money. The stored event's `processed_at` guards a second
    // time too, so even a delivery after the `events.handled` row was pruned changes nothing, and so
    // does the job of an event that an earlier job's batch handled. That job does not even open a
    // transaction when this process saw the batch commit.
    defineConsumer(DOMAIN_EVENTS, {
      name: 'payments.webhooks',
      mode: 'once',
      events: ['payment.webhook_received'],
      handledAlready: ({ payload }) => batchHandled.take(payload.provider, payload.eventId),
      async handle({ payload }, { tx, afterCommit }) {
        const others = await deps.payments.handleWebhookEvents(tx, payload.provider, payload.eventId);
        if (others.length > 0) afterCommit(() => batchHandled.remember(payload.provider, others));
      },
    }),
  ];
}

/**
 * Once at start: handles the stored provider events received before this process started and never
 * handled (docs/payments.md, "A killed process"). With the in-process runner a job lives in memory, so a
 * process killed between relaying a webhook's event and committing its handling took the job with it;
 * the event itself is stored, and this pass finishes it. With BullMQ the job survives and its re-run
 * finds the event handled.
 */
export function redriveWebhooksAtStart(
  payments: Pick<PaymentsService, 'redriveUnprocessed'>,
  logger: Pick<Logger, 'info' | 'error'>,
): () => void {
  const startedAt = new Date();
  let stopped = false;
  payments.redriveUnprocessed(startedAt).then(
    (handled) => {
      if (handled > 0 && !stopped)
        logger.info({ handled }, 'payment events left by a stopped process handled');
    },
    (error: unknown) =>
      logger.error({ err: error }, 'handling payment events left by a stopped process failed'),
  );
  return () => {
    stopped = true;
  };
}

/**
 * Every minute, ends the subscriptions whose perks ran out (docs/payments.md). What is due lives in
 * `payments.subscriptions.access_until`, so nothing is lost while no gateway runs: the first sweep after
 * a start catches up, and each expiry commits with its `subscription.expired` event. Several gateways
 * sweep side by side without doubling one (rows are locked, and those held are skipped).
 */
export function startSubscriptionExpirySweep(
  subscriptions: Pick<SubscriptionsService, 'expireDue'>,
  logger: Pick<Logger, 'info' | 'error'>,
  intervalMs = 60_000,
): () => void {
  return startPeriodicSweep(
    () => subscriptions.expireDue(),
    logger,
    { done: 'subscriptions expired', failed: 'expiring subscriptions failed', count: 'expired' },
    intervalMs,
  );
}
