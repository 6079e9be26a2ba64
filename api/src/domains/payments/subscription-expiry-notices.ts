/**
 * The "about to expire" notice (docs/payments.md): a scheduled sweep finds the cancelled subscriptions
 * whose perks end within the lead time and stores `subscription.expiring` for each, once per period.
 * The period is the subscription's `access_until`; a row in `payments.subscription_expiry_notices` for
 * (subscription, period end) is taken in the same transaction as the event, so replicas sweeping side by
 * side and every later sweep of the same period find it taken and store nothing more. A renewal moves
 * `access_until` on, and the next period may be noticed again.
 */
import type { DomainEventPayload } from '@streamhub/contracts/events';
import type { Db } from '@streamhub/db/client';
import type { SubscriptionRow } from '@streamhub/db/schema/payments';
import type { Logger } from '@streamhub/logger/logger';
import { appendDomainEvent } from '../../events/durable.ts';
import { startPeriodicSweep } from '../../modules/periodic-sweep.ts';
import type { SubscriptionsRepository } from './subscriptions.repository.ts';

/** How long before its end a non-renewing subscription is announced as expiring. */
export const EXPIRY_NOTICE_LEAD_MS = 3 * 86_400_000;
/** How often each gateway sweeps; the notice has days of slack, so this need not be tight. */
const SWEEP_INTERVAL_MS = 15 * 60_000;

export interface SubscriptionExpiryNoticesDeps {
  db: Db;
  subscriptions: Pick<SubscriptionsRepository, 'dueForExpiryNotice' | 'takeExpiryNotices'>;
  /** Defaults to EXPIRY_NOTICE_LEAD_MS. */
  leadMs?: number;
}

export class SubscriptionExpiryNotices {
  private readonly leadMs: number;

  constructor(private readonly deps: SubscriptionExpiryNoticesDeps) {
    this.leadMs = deps.leadMs ?? EXPIRY_NOTICE_LEAD_MS;
  }

  /**
   * Stores `subscription.expiring` for every cancelled, still active subscription whose perks end
   * after `now` and within the lead time and whose period was not noticed yet, in batches; resolves to
   * how many were stored.
   */
  async noticeDue(now = new Date(), batch = 100): Promise<number> {
    const horizon = new Date(now.getTime() + this.leadMs);
    let total = 0;
    for (;;) {
      const noticed = await this.deps.db.transaction(async (tx) => {
        const due = await this.deps.subscriptions.dueForExpiryNotice(tx, now, horizon, batch);
        if (due.length === 0) return { seen: 0, stored: 0 };
        // Only the periods this transaction took: another sweep may have taken some first.
        const takenIds = await this.deps.subscriptions.takeExpiryNotices(tx, due);
        for (const row of due) {
          if (!takenIds.has(row.id)) continue;
          await appendDomainEvent(tx, 'subscription.expiring', expiringPayload(row, now), {
            aggregate: `subscription:${row.id}`,
          });
        }
        return { seen: due.length, stored: takenIds.size };
      });
      total += noticed.stored;
      if (noticed.seen < batch) return total;
    }
  }
}

/** The event's payload: the subscription as SubscriptionsService describes it in its own events. */
function expiringPayload(row: SubscriptionRow, now: Date): DomainEventPayload<'subscription.expiring'> {
  return {
    subscriptionId: row.id,
    channelId: row.channelId,
    creatorId: row.creatorId,
    subscriberId: row.subscriberId,
    tierId: row.tierId,
    price: row.price,
    currency: row.currency,
    provider: row.provider,
    accessUntil: row.accessUntil?.toISOString() ?? null,
    entryId: null,
    at: now.toISOString(),
  };
}

/**
 * Sweeps every SWEEP_INTERVAL_MS on every gateway (and once at start, catching up after a stop); the
 * notice table makes each period's notice one, whoever sweeps. Returns the stop function.
 */
export function startSubscriptionExpiryNotices(
  notices: Pick<SubscriptionExpiryNotices, 'noticeDue'>,
  logger: Pick<Logger, 'info' | 'error'>,
  intervalMs = SWEEP_INTERVAL_MS,
): () => void {
  return startPeriodicSweep(
    () => notices.noticeDue(),
    logger,
    {
      done: 'subscriptions about to expire noticed',
      failed: 'noticing expiring subscriptions failed',
      count: 'stored',
    },
    intervalMs,
  );
}
