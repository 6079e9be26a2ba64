/**
 * Tables of the payments domain, in Postgres schema `payments` (docs/payments.md): a double-entry ledger
 * (accounts with their balance and version, immutable balanced entries and their lines), the payments
 * viewers start (tips), the providers' webhook events stored once by their id, and creators' connected
 * accounts at a provider.
 *
 * No foreign key points at another domain's rows on purpose: money records outlive the accounts and
 * channels they name (a deleted channel's earnings and tips stay in the books), so nothing may cascade
 * into them.
 */
import { and, inArray, type SQL, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const paymentsSchema = pgSchema('payments');

/**
 * What an account holds. `provider_clearing`: money a provider collected for us and has not paid out
 * (one per provider and currency). `creator_payable`: what the platform owes a channel's creator.
 * `platform_fees`: the platform's cut. `refunds` and `disputes`: money sent back to payers and lost to
 * chargebacks (their provider fees included).
 */
export const ledgerAccountKind = paymentsSchema.enum('account_kind', [
  'provider_clearing',
  'creator_payable',
  'platform_fees',
  'refunds',
  'disputes',
]);

export const paymentStatus = paymentsSchema.enum('payment_status', [
  'pending',
  'succeeded',
  'expired',
  'failed',
  'refunded',
  // A chargeback is open or was lost: the tip's entry is reversed (migration 0016).
  'disputed',
]);

const money = (name: string) => bigint(name, { mode: 'number' });

/**
 * One ledger account per (kind, currency, owner): `owner` is the provider for clearing accounts, the
 * channel id for creator payables, empty for the platform's own. `balance` is the sum of the account's
 * lines (credits positive), kept on the row like pgledger does so that a balance is one read; `version`
 * counts the lines, and both change only under the row lock a transfer takes.
 */
export const ledgerAccounts = paymentsSchema.table(
  'accounts',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    kind: ledgerAccountKind('kind').notNull(),
    currency: text('currency').notNull(),
    owner: text('owner').notNull().default(''),
    balance: money('balance').notNull().default(0),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('accounts_kind_currency_owner_idx').on(t.kind, t.currency, t.owner),
    check('accounts_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

/**
 * One money movement: immutable once written, its lines sum to zero in its one currency. A refund or a
 * dispute is a new entry that `reverses` the original one, never an edit of it.
 */
export const ledgerEntries = paymentsSchema.table(
  'entries',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    /** `tip`, `refund`, `dispute`, … */
    kind: text('kind').notNull(),
    currency: text('currency').notNull(),
    /** The payment it belongs to, if any. */
    paymentId: uuid('payment_id'),
    reverses: uuid('reverses'),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('entries_payment_idx').on(t.paymentId),
    // At most one whole reversal of an entry: a repeated refund cannot take the money twice. Partial
    // refunds are several `partial_refund` entries; the payment's `amount_refunded` bounds their sum.
    uniqueIndex('entries_reverses_idx').on(t.reverses).where(sql`${t.kind} <> 'partial_refund'`),
    index('entries_partial_reverses_idx').on(t.reverses).where(sql`${t.kind} = 'partial_refund'`),
    check('entries_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

/**
 * One line of an entry: `amount` (minor units, credit positive, never zero) on one account, with the
 * account's balance before and after it and the version it gave the account, as pgledger keeps them:
 * the lines of an account replay its balance history.
 */
export const ledgerLines = paymentsSchema.table(
  'lines',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    entryId: uuid('entry_id')
      .notNull()
      .references(() => ledgerEntries.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    amount: money('amount').notNull(),
    previousBalance: money('previous_balance').notNull(),
    currentBalance: money('current_balance').notNull(),
    accountVersion: bigint('account_version', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('lines_entry_idx').on(t.entryId),
    // An account's lines, newest first (earnings pages), and one version per account.
    index('lines_account_created_idx').on(t.accountId, t.createdAt, t.id),
    uniqueIndex('lines_account_version_idx').on(t.accountId, t.accountVersion),
    check('lines_amount_nonzero', sql`${t.amount} <> 0`),
    check('lines_balance_follows', sql`${t.currentBalance} = ${t.previousBalance} + ${t.amount}`),
  ],
);

/** A payment a viewer started at a provider (a tip for now), and what became of it. */
export const payments = paymentsSchema.table(
  'payments',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    kind: text('kind').notNull().default('tip'),
    provider: text('provider').notNull(),
    status: paymentStatus('status').notNull().default('pending'),
    channelId: uuid('channel_id').notNull(),
    /** The channel owner's user id when the payment started. */
    creatorId: uuid('creator_id').notNull(),
    payerId: uuid('payer_id'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    platformFee: money('platform_fee').notNull(),
    /** What the ledger has reversed of it for refunds so far (partial refunds add up to `amount`). */
    amountRefunded: money('amount_refunded').notNull().default(0),
    message: text('message'),
    /** The provider's checkout (a Stripe Checkout Session id), once created. */
    checkoutId: text('checkout_id'),
    /** The provider's payment (a Stripe PaymentIntent id), once paid. */
    providerPaymentId: text('provider_payment_id'),
    /** The creator's connected account the money was routed to, if any. */
    destination: text('destination'),
    /** The ledger entry that booked it. */
    entryId: uuid('entry_id'),
    /** For `kind = 'subscription'`: the subscription this invoice paid for. */
    subscriptionId: uuid('subscription_id'),
    /** For `kind = 'subscription'`: the provider's invoice, booked at most once. */
    invoiceId: text('invoice_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payments_provider_checkout_idx').on(t.provider, t.checkoutId),
    uniqueIndex('payments_provider_invoice_idx').on(t.provider, t.invoiceId),
    index('payments_subscription_idx').on(t.subscriptionId),
    uniqueIndex('payments_provider_payment_idx').on(t.provider, t.providerPaymentId),
    index('payments_channel_created_idx').on(t.channelId, t.createdAt, t.id),
    check('payments_amount_positive', sql`${t.amount} > 0`),
    check('payments_fee_range', sql`${t.platformFee} between 0 and ${t.amount}`),
    check('payments_refunded_range', sql`${t.amountRefunded} between 0 and ${t.amount}`),
    check('payments_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

/**
 * Every webhook event a provider sent, stored once by its id (a replay finds the row and changes
 * nothing) and handled later by a durable consumer, which sets `processed_at` and `outcome`.
 */
export const providerEvents = paymentsSchema.table(
  'provider_events',
  {
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    /** What handling it did: `tip_booked`, `ignored: …`. */
    outcome: text('outcome'),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.eventId] }),
    // The events still to handle: what a webhook batch takes and the start-up pass redrives.
    index('provider_events_unprocessed_idx').on(t.receivedAt).where(sql`${t.processedAt} is null`),
  ],
);

/** A channel's account at a provider (Stripe Connect), where its share of destination charges goes. */
export const connectedAccounts = paymentsSchema.table(
  'connected_accounts',
  {
    channelId: uuid('channel_id').notNull(),
    provider: text('provider').notNull(),
    accountId: text('account_id').notNull(),
    /** The provider lets the account take destination charges (Stripe's `charges_enabled`). */
    chargesEnabled: boolean('charges_enabled').notNull().default(false),
    /** The provider pays the account out to the creator's bank (`payouts_enabled`). */
    payoutsEnabled: boolean('payouts_enabled').notNull().default(false),
    /** The creator finished the provider's onboarding form (`details_submitted`). */
    detailsSubmitted: boolean('details_submitted').notNull().default(false),
    /** When the provider reported the state held (an event's `created`): an older report changes nothing. */
    stateAt: timestamp('state_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.provider] }),
    uniqueIndex('connected_accounts_provider_account_idx').on(t.provider, t.accountId),
  ],
);
export type ConnectedAccountRow = typeof connectedAccounts.$inferSelect;

/** `paid`: the provider reports the money left for the creator's bank. `failed`: it did not (or came back). */
export const payoutStatus = paymentsSchema.enum('payout_status', ['paid', 'failed']);

/**
 * A payout from a creator's connected account to their bank, as the provider reported it, with the
 * ledger entry that booked it (creator payable → provider clearing) and the one that reversed it when
 * a paid payout failed afterwards.
 */
export const payouts = paymentsSchema.table(
  'payouts',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    provider: text('provider').notNull(),
    /** The provider's payout (a Stripe `po_…` id), booked at most once. */
    payoutId: text('payout_id').notNull(),
    channelId: uuid('channel_id').notNull(),
    accountId: text('account_id').notNull(),
    status: payoutStatus('status').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    /** When the bank should have the money, as the provider expects it. */
    arrivalDate: timestamp('arrival_date', { withTimezone: true }),
    entryId: uuid('entry_id'),
    reversalEntryId: uuid('reversal_entry_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payouts_provider_payout_idx').on(t.provider, t.payoutId),
    index('payouts_channel_created_idx').on(t.channelId, t.createdAt, t.id),
    check('payouts_amount_positive', sql`${t.amount} > 0`),
    check('payouts_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);
export type PayoutRow = typeof payouts.$inferSelect;

/**
 * `incomplete`: checkout opened, nothing paid. `abandoned`: that checkout expired unpaid. `active`: paid
 * up. `past_due`: a renewal failed; perks last until `access_until` (the grace). `expired`: over for good.
 */
export const subscriptionStatus = paymentsSchema.enum('subscription_status', [
  'incomplete',
  'abandoned',
  'active',
  'past_due',
  'expired',
]);

/** A monthly tier of a channel's subscription, priced by its creator within the instance's limits. */
export const tiers = paymentsSchema.table(
  'tiers',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id').notNull(),
    name: text('name').notNull(),
    /** Per month, minor units of `currency`. A change applies to subscriptions started after it. */
    price: money('price').notNull(),
    currency: text('currency').notNull(),
    /** An inactive tier takes no new subscribers; running ones go on. */
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tiers_channel_name_idx').on(t.channelId, t.name),
    check('tiers_price_positive', sql`${t.price} > 0`),
    check('tiers_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

/**
 * A viewer's monthly subscription to a channel at a provider. Perks hold while the status is `active`
 * or `past_due` and `access_until` is ahead; the expiry sweep ends it once `access_until` passes.
 */
export const subscriptions = paymentsSchema.table(
  'subscriptions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    provider: text('provider').notNull(),
    status: subscriptionStatus('status').notNull().default('incomplete'),
    channelId: uuid('channel_id').notNull(),
    /** The channel owner's user id when the subscription started. */
    creatorId: uuid('creator_id').notNull(),
    subscriberId: uuid('subscriber_id').notNull(),
    tierId: uuid('tier_id')
      .notNull()
      .references(() => tiers.id),
    /** The tier's price when this subscription started: what every renewal charges. */
    price: money('price').notNull(),
    currency: text('currency').notNull(),
    /** The creator's connected account the money goes to, if any. */
    destination: text('destination'),
    /** The provider's checkout (a Stripe Checkout Session id). */
    checkoutId: text('checkout_id'),
    /** The provider's subscription (a Stripe Subscription id), learnt from its first webhook. */
    providerSubscriptionId: text('provider_subscription_id'),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    /** The subscriber cancelled: it ends at `current_period_end` instead of renewing. */
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    /** Perks hold until then; past it the expiry sweep sets `expired`. */
    accessUntil: timestamp('access_until', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('subscriptions_provider_checkout_idx').on(t.provider, t.checkoutId),
    uniqueIndex('subscriptions_provider_subscription_idx').on(t.provider, t.providerSubscriptionId),
    // One running subscription per viewer and channel.
    uniqueIndex('subscriptions_one_live_idx')
      .on(t.subscriberId, t.channelId)
      .where(sql`${t.status} in ('active', 'past_due')`),
    index('subscriptions_channel_idx').on(t.channelId, t.subscriberId),
    index('subscriptions_due_idx').on(t.accessUntil).where(sql`${t.status} in ('active', 'past_due')`),
    check('subscriptions_price_positive', sql`${t.price} > 0`),
    check('subscriptions_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

/**
 * The "about to expire" notices sent: one row per subscription and period end, so the notice goes out
 * once per period whatever the replicas and sweeps (api/src/domains/payments/subscription-expiry-notices.ts).
 */
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

/**
 * The condition on `payments.subscriptions` that `userId` holds a subscription's perks on `channelId`
 * now: a live status and `access_until` ahead. The one definition, for the payments domain and for the
 * domains that read these columns (read-exports.ts): chat's badge and rule, `subscribers` videos.
 * Each argument is a value or a column/placeholder of the caller's query.
 */
export function subscriptionPerksHeld(channelId: unknown, userId: unknown): SQL {
  return and(
    sql`${subscriptions.channelId} = ${channelId}`,
    sql`${subscriptions.subscriberId} = ${userId}`,
    inArray(subscriptions.status, ['active', 'past_due']),
    sql`${subscriptions.accessUntil} > now()`,
  ) as SQL;
}

/**
 * A tier's plan at a provider whose subscriptions name a plan (Razorpay): one per tier, provider, price
 * and currency, created the first time someone subscribes at that price, so a repriced tier gets a new
 * plan and running subscriptions keep theirs.
 */
export const tierPlans = paymentsSchema.table(
  'tier_plans',
  {
    tierId: uuid('tier_id')
      .notNull()
      .references(() => tiers.id),
    provider: text('provider').notNull(),
    price: money('price').notNull(),
    currency: text('currency').notNull(),
    /** The provider's plan (a Razorpay `plan_…` id). */
    planId: text('plan_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tierId, t.provider, t.price, t.currency] }),
    uniqueIndex('tier_plans_provider_plan_idx').on(t.provider, t.planId),
    check('tier_plans_price_positive', sql`${t.price} > 0`),
    check('tier_plans_currency_iso4217', sql`${t.currency} ~ '^[a-z]{3}$'`),
  ],
);

export type TierRow = typeof tiers.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type SubscriptionStatus = (typeof subscriptionStatus.enumValues)[number];
export type LedgerAccountKind = (typeof ledgerAccountKind.enumValues)[number];
export type LedgerAccountRow = typeof ledgerAccounts.$inferSelect;
export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;
export type LedgerLineRow = typeof ledgerLines.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];
export type ProviderEventRow = typeof providerEvents.$inferSelect;
export type SubscriptionExpiryNoticeRow = typeof subscriptionExpiryNotices.$inferSelect;
