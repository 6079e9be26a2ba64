/**
 * The payments domain's record of the notices it sent about a subscription (in the `payments` schema
 * like the rest of the domain; a file of its own so it stays apart from the ledger and subscription
 * tables). One row per subscription and period end: the "about to expire" notice goes out once per
 * period, whatever the replicas and the sweeps (api/src/domains/payments/subscription-expiry-notices.ts).
 */
import { primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';
import { paymentsSchema, subscriptions } from './payments.ts';

export const subscriptionExpiryNotices = paymentsSchema.table(
  'subscription_expiry_notices',
  {
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => subscriptions.id, { onDelete: 'cascade' }),
    /** The `access_until` the notice announced: a renewal that moves it allows the next one. */
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    noticedAt: timestamp('noticed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.periodEnd] })],
);

export type SubscriptionExpiryNoticeRow = typeof subscriptionExpiryNotices.$inferSelect;
