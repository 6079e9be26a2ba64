/**
 * drizzle queries on `payments.tiers`, `payments.subscriptions` and the subscription payments in
 * `payments.payments`. No rules here: the subscriptions service decides.
 */
import type { Db } from '@streamhub/db/client';
import { toUniqueViolation } from '@streamhub/db/errors';
import {
  type PaymentRow,
  payments,
  type SubscriptionRow,
  subscriptionExpiryNotices,
  subscriptionPerksHeld,
  subscriptions,
  type TierRow,
  tierPlans,
  tiers,
} from '@streamhub/db/schema/payments';
import { and, asc, count, desc, eq, gt, inArray, lte, notExists, sql } from 'drizzle-orm';

export type NewTier = Pick<TierRow, 'channelId' | 'name' | 'price' | 'currency'>;
export type TierChange = Partial<Pick<TierRow, 'name' | 'price' | 'active'>>;
export type NewSubscription = Pick<
  SubscriptionRow,
  'provider' | 'channelId' | 'creatorId' | 'subscriberId' | 'tierId' | 'price' | 'currency' | 'destination'
>;
export type SubscriptionChange = Partial<
  Pick<
    SubscriptionRow,
    | 'status'
    | 'providerSubscriptionId'
    | 'currentPeriodEnd'
    | 'cancelAtPeriodEnd'
    | 'accessUntil'
    | 'startedAt'
    | 'endedAt'
  >
>;
export type NewSubscriptionPayment = Pick<
  PaymentRow,
  | 'provider'
  | 'channelId'
  | 'creatorId'
  | 'payerId'
  | 'amount'
  | 'currency'
  | 'platformFee'
  | 'destination'
  | 'subscriptionId'
  | 'invoiceId'
  | 'providerPaymentId'
>;

/** A tier at one price at a provider: what a provider plan is stored under. */
export interface TierPlanKey {
  tierId: string;
  provider: string;
  price: number;
  currency: string;
}

/** Statuses whose subscriber holds the perks (while `access_until` is ahead). */
export const LIVE_STATUSES = ['active', 'past_due'] as const;

export class SubscriptionsRepository {
  constructor(private readonly db: Db) {}

  async tiersOf(channelId: string, onlyActive: boolean): Promise<TierRow[]> {
    return this.db
      .select()
      .from(tiers)
      .where(
        onlyActive
          ? and(eq(tiers.channelId, channelId), eq(tiers.active, true))
          : eq(tiers.channelId, channelId),
      )
      .orderBy(asc(tiers.price), asc(tiers.createdAt));
  }

  async countTiers(channelId: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(tiers).where(eq(tiers.channelId, channelId));
    return row?.n ?? 0;
  }

  async findTier(id: string): Promise<TierRow | undefined> {
    const [row] = await this.db.select().from(tiers).where(eq(tiers.id, id));
    return row;
  }

  /** Inserts a tier; undefined when the channel has a tier of that name already. */
  async createTier(values: NewTier): Promise<TierRow | undefined> {
    const [row] = await this.db.insert(tiers).values(values).onConflictDoNothing().returning();
    return row;
  }

  /** Updates a tier; `name_taken` when the new name is another tier's of the channel. */
  async updateTier(id: string, change: TierChange): Promise<TierRow | undefined | 'name_taken'> {
    try {
      const [row] = await this.db
        .update(tiers)
        .set({ ...change, updatedAt: sql`now()` })
        .where(eq(tiers.id, id))
        .returning();
      return row;
    } catch (error) {
      if (toUniqueViolation(error, { tiers_channel_name_idx: 'name' })) return 'name_taken';
      throw error;
    }
  }

  async create(values: NewSubscription): Promise<SubscriptionRow> {
    const [row] = await this.db.insert(subscriptions).values(values).returning();
    if (!row) throw new Error('unreachable: insert returned no subscription');
    return row;
  }

  async find(id: string): Promise<SubscriptionRow | undefined> {
    const [row] = await this.db.select().from(subscriptions).where(eq(subscriptions.id, id));
    return row;
  }

  async planOf(key: TierPlanKey): Promise<string | undefined> {
    const [row] = await this.db
      .select({ planId: tierPlans.planId })
      .from(tierPlans)
      .where(
        and(
          eq(tierPlans.tierId, key.tierId),
          eq(tierPlans.provider, key.provider),
          eq(tierPlans.price, key.price),
          eq(tierPlans.currency, key.currency),
        ),
      );
    return row?.planId;
  }

  /** Stores a plan; resolves to the one stored for the key (another's, if it came first). */
  async savePlan(plan: TierPlanKey & { planId: string }): Promise<string> {
    await this.db.insert(tierPlans).values(plan).onConflictDoNothing();
    return (await this.planOf(plan)) ?? plan.planId;
  }

  async findByCheckout(provider: string, checkoutId: string): Promise<SubscriptionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.provider, provider), eq(subscriptions.checkoutId, checkoutId)));
    return row;
  }

  async setCheckout(id: string, checkoutId: string): Promise<void> {
    await this.db
      .update(subscriptions)
      .set({ checkoutId, updatedAt: sql`now()` })
      .where(eq(subscriptions.id, id));
  }

  async update(tx: Db, id: string, change: SubscriptionChange): Promise<SubscriptionRow> {
    const [row] = await tx
      .update(subscriptions)
      .set({ ...change, updatedAt: sql`now()` })
      .where(eq(subscriptions.id, id))
      .returning();
    if (!row) throw new Error(`subscription ${id} vanished`);
    return row;
  }

  /**
   * The subscription, locked until `tx` ends: by our id when the provider's object carried it, else by
   * the provider's subscription id, else by the checkout.
   */
  async lock(
    tx: Db,
    provider: string,
    ref: { subscriptionId?: string | null; providerSubscriptionId?: string | null; checkoutId?: string },
  ): Promise<SubscriptionRow | undefined> {
    const where = ref.subscriptionId
      ? and(eq(subscriptions.id, ref.subscriptionId), eq(subscriptions.provider, provider))
      : ref.providerSubscriptionId
        ? and(
            eq(subscriptions.provider, provider),
            eq(subscriptions.providerSubscriptionId, ref.providerSubscriptionId),
          )
        : ref.checkoutId
          ? and(eq(subscriptions.provider, provider), eq(subscriptions.checkoutId, ref.checkoutId))
          : undefined;
    if (!where) return undefined;
    const [row] = await tx.select().from(subscriptions).where(where).for('update');
    return row;
  }

  /** Another live subscription of the same viewer to the same channel, if any. */
  async liveOf(tx: Db, subscriberId: string, channelId: string): Promise<SubscriptionRow | undefined> {
    const [row] = await tx
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.subscriberId, subscriberId),
          eq(subscriptions.channelId, channelId),
          inArray(subscriptions.status, [...LIVE_STATUSES]),
        ),
      );
    return row;
  }

  /** The viewer's subscriptions, newest first (the abandoned checkouts left out). */
  async ofSubscriber(subscriberId: string): Promise<SubscriptionRow[]> {
    return this.db
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.subscriberId, subscriberId),
          inArray(subscriptions.status, ['active', 'past_due', 'expired']),
        ),
      )
      .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id));
  }

  /** Whether `subscriberId` holds a subscription's perks on `channelId` at this moment. */
  async isSubscribed(subscriberId: string, channelId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ id: subscriptions.id })
      .from(subscriptions)
      .where(subscriptionPerksHeld(channelId, subscriberId))
      .limit(1);
    return row !== undefined;
  }

  /**
   * Up to `limit` live subscriptions whose perks ran out by `now`, locked until `tx` ends; rows another
   * sweeper holds are skipped (it is expiring them).
   */
  async lockDue(tx: Db, now: Date, limit: number): Promise<SubscriptionRow[]> {
    return tx
      .select()
      .from(subscriptions)
      .where(and(inArray(subscriptions.status, [...LIVE_STATUSES]), lte(subscriptions.accessUntil, now)))
      .orderBy(asc(subscriptions.accessUntil))
      .limit(limit)
      .for('update', { skipLocked: true });
  }

  /** Records one paid invoice; undefined when that invoice was recorded before. */
  async createPayment(tx: Db, values: NewSubscriptionPayment): Promise<PaymentRow | undefined> {
    const [row] = await tx
      .insert(payments)
      .values({ ...values, kind: 'subscription', status: 'succeeded' })
      .onConflictDoNothing()
      .returning();
    return row;
  }

  async setPaymentEntry(tx: Db, paymentId: string, entryId: string): Promise<void> {
    await tx.update(payments).set({ entryId, updatedAt: sql`now()` }).where(eq(payments.id, paymentId));
  }

  async paymentCount(tx: Db, subscriptionId: string): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(payments)
      .where(eq(payments.subscriptionId, subscriptionId));
    return row?.n ?? 0;
  }

  /**
   * Up to `limit` subscriptions whose end is to be announced, soonest first: active, cancelled at period
   * end, ending within (now, horizon], and their current period not noticed yet.
   */
  dueForExpiryNotice(tx: Db, now: Date, horizon: Date, limit: number): Promise<SubscriptionRow[]> {
    return tx
      .select()
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.status, 'active'),
          eq(subscriptions.cancelAtPeriodEnd, true),
          gt(subscriptions.accessUntil, now),
          lte(subscriptions.accessUntil, horizon),
          notExists(
            tx
              .select({ one: subscriptionExpiryNotices.subscriptionId })
              .from(subscriptionExpiryNotices)
              .where(
                and(
                  eq(subscriptionExpiryNotices.subscriptionId, subscriptions.id),
                  eq(subscriptionExpiryNotices.periodEnd, subscriptions.accessUntil),
                ),
              ),
          ),
        ),
      )
      .orderBy(asc(subscriptions.accessUntil))
      .limit(limit);
  }

  /**
   * Takes the notice of each subscription's current period; the ids this transaction took. A concurrent
   * insert of the same key waits for the other sweep to commit, then conflicts and is left out.
   */
  async takeExpiryNotices(tx: Db, due: readonly SubscriptionRow[]): Promise<Set<string>> {
    if (due.length === 0) return new Set();
    const taken = await tx
      .insert(subscriptionExpiryNotices)
      .values(due.map((row) => ({ subscriptionId: row.id, periodEnd: row.accessUntil as Date })))
      .onConflictDoNothing()
      .returning({ subscriptionId: subscriptionExpiryNotices.subscriptionId });
    return new Set(taken.map((row) => row.subscriptionId));
  }
}
