/**
 * drizzle queries on `payments.payments`, `payments.provider_events` and `payments.connected_accounts`.
 * No rules here: the payments service decides.
 */
import type { Db } from '@streamhub/db/client';
import {
  connectedAccounts,
  type PaymentRow,
  type PaymentStatus,
  type ProviderEventRow,
  payments,
  payouts,
  providerEvents,
} from '@streamhub/db/schema/payments';
import { and, asc, desc, eq, inArray, isNotNull, isNull, like, lt, or, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

export type NewPayment = Pick<
  PaymentRow,
  | 'provider'
  | 'channelId'
  | 'creatorId'
  | 'payerId'
  | 'amount'
  | 'currency'
  | 'platformFee'
  | 'message'
  | 'destination'
>;

export interface NewProviderEvent {
  provider: string;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
}

/** A subscription invoice or a payout whose ledger booking differs from what the provider reported. */
export interface UnmatchedBooking {
  what: 'invoice' | 'payout';
  /** Our payment's id (invoice) or payout row's id. */
  id: string;
  provider: string;
  status: string;
  amount: number;
  currency: string;
  /** The provider's invoice or payout id. */
  reference: string | null;
  /** What the ledger booked for it; null when nothing was. */
  booked: number | null;
  /** For a payout: whether its entry was reversed. */
  reversed: boolean | null;
}

export class PaymentsRepository {
  constructor(private readonly db: Db) {}

  async create(values: NewPayment): Promise<PaymentRow> {
    const [row] = await this.db.insert(payments).values(values).returning();
    if (!row) throw new Error('unreachable: insert returned no payment');
    return row;
  }

  async find(id: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db.select().from(payments).where(eq(payments.id, id));
    return row;
  }

  /** The newest tips that reached a provider's checkout, for reconciliation. */
  async recentCheckouts(limit: number): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(and(eq(payments.kind, 'tip'), isNotNull(payments.checkoutId)))
      .orderBy(desc(payments.createdAt))
      .limit(limit);
  }

  /** The connected accounts at a provider (their payouts are listed from its API). */
  async connectedAccountIds(provider: string): Promise<string[]> {
    const rows = await this.db
      .select({ accountId: connectedAccounts.accountId })
      .from(connectedAccounts)
      .where(eq(connectedAccounts.provider, provider));
    return rows.map((row) => row.accountId);
  }

  /** Of these provider payout ids, the ones a payout was recorded for. */
  async recordedPayouts(provider: string, payoutIds: readonly string[]): Promise<Set<string>> {
    if (payoutIds.length === 0) return new Set();
    const rows = await this.db
      .select({ payoutId: payouts.payoutId })
      .from(payouts)
      .where(and(eq(payouts.provider, provider), inArray(payouts.payoutId, [...payoutIds])));
    return new Set(rows.map((row) => row.payoutId));
  }

  /** Of these provider invoice ids, the ones a payment was recorded for (reconciliation against the API). */
  async recordedInvoices(provider: string, invoiceIds: readonly string[]): Promise<Set<string>> {
    if (invoiceIds.length === 0) return new Set();
    const rows = await this.db
      .select({ invoiceId: payments.invoiceId })
      .from(payments)
      .where(and(eq(payments.provider, provider), inArray(payments.invoiceId, [...invoiceIds])));
    return new Set(rows.flatMap((row) => (row.invoiceId ? [row.invoiceId] : [])));
  }

  /**
   * The newest `limit` subscription invoices and payouts the providers reported, each beside what the
   * ledger booked for it: an invoice's clearing line (minus what was charged), a payout's entry on the
   * creator's payable (minus what was paid out) and whether a failed payout's entry was reversed.
   * Reconciliation compares the two; a row whose booking matches is not returned.
   */
  async unmatchedBookings(limit: number): Promise<UnmatchedBooking[]> {
    const result = await this.db.execute(sql`
      (select 'invoice' as what, p.id::text as id, p.provider, p.status::text as status, p.amount::text as amount,
              p.currency, p.invoice_id as reference,
              (select (-l.amount)::text from payments.lines l join payments.accounts a on a.id = l.account_id
               where l.entry_id = p.entry_id and a.kind = 'provider_clearing') as booked,
              null::boolean as reversed
       from payments.payments p
       where p.kind = 'subscription' and p.status in ('succeeded', 'refunded', 'disputed')
       order by p.created_at desc limit ${limit})
      union all
      (select 'payout', o.id::text, o.provider, o.status::text, o.amount::text, o.currency, o.payout_id,
              (select (-l.amount)::text from payments.lines l join payments.accounts a on a.id = l.account_id
               where l.entry_id = o.entry_id and a.kind = 'creator_payable'),
              o.reversal_entry_id is not null
       from payments.payouts o
       order by o.created_at desc limit ${limit})`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      what: 'invoice' | 'payout';
      id: string;
      provider: string;
      status: string;
      amount: string;
      currency: string;
      reference: string | null;
      booked: string | null;
      reversed: boolean | null;
    }[];
    return rows
      .map((row) => ({
        ...row,
        amount: Number(row.amount),
        booked: row.booked === null ? null : Number(row.booked),
      }))
      .filter((row) =>
        // A failed payout is right when nothing stands booked: never booked, or booked and reversed.
        row.what === 'payout' && row.status === 'failed'
          ? row.booked !== null && row.reversed !== true
          : row.booked !== row.amount,
      );
  }

  /** Stored provider events whose handling found an anomaly, or that were not handled a minute on. */
  /** Stored events never handled that arrived before `before`, oldest first. */
  async unprocessedBefore(
    before: Date,
    limit: number,
  ): Promise<Pick<ProviderEventRow, 'provider' | 'eventId'>[]> {
    return this.db
      .select({ provider: providerEvents.provider, eventId: providerEvents.eventId })
      .from(providerEvents)
      .where(and(isNull(providerEvents.processedAt), lt(providerEvents.receivedAt, before)))
      .orderBy(asc(providerEvents.receivedAt))
      .limit(limit);
  }

  async troubledEvents(limit: number): Promise<ProviderEventRow[]> {
    return this.db
      .select()
      .from(providerEvents)
      .where(
        or(
          like(providerEvents.outcome, 'anomaly%'),
          and(
            isNull(providerEvents.processedAt),
            lt(providerEvents.receivedAt, sql`now() - interval '1 minute'`),
          ),
        ),
      )
      .orderBy(desc(providerEvents.receivedAt))
      .limit(limit);
  }

  async findByCheckout(provider: string, checkoutId: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db
      .select()
      .from(payments)
      .where(and(eq(payments.provider, provider), eq(payments.checkoutId, checkoutId)));
    return row;
  }

  /** Records the provider's payment id of a payment that has none yet. */
  async recordProviderPayment(id: string, providerPaymentId: string): Promise<void> {
    await this.db
      .update(payments)
      .set({ providerPaymentId, updatedAt: sql`now()` })
      .where(and(eq(payments.id, id), isNull(payments.providerPaymentId)));
  }

  async setCheckout(id: string, checkoutId: string): Promise<void> {
    await this.db.update(payments).set({ checkoutId, updatedAt: sql`now()` }).where(eq(payments.id, id));
  }

  /** Sets the status; with `onlyFrom`, only while the payment still has that status. */
  async setStatus(tx: Db, id: string, status: PaymentStatus, onlyFrom?: PaymentStatus): Promise<void> {
    await tx
      .update(payments)
      .set({ status, updatedAt: sql`now()` })
      .where(onlyFrom ? and(eq(payments.id, id), eq(payments.status, onlyFrom)) : eq(payments.id, id));
  }

  /** Records what the ledger has refunded of a payment so far; `refunded` once that is all of it. */
  async setRefunded(tx: Db, id: string, amountRefunded: number, status: PaymentStatus): Promise<void> {
    await tx
      .update(payments)
      .set({ amountRefunded, status, updatedAt: sql`now()` })
      .where(eq(payments.id, id));
  }

  /** The payment, locked until `tx` ends: by our id, else by the provider's checkout id. */
  async lockForCheckout(
    tx: Db,
    provider: string,
    ref: { paymentId: string | null; checkoutId: string },
  ): Promise<PaymentRow | undefined> {
    const where =
      ref.paymentId !== null
        ? and(eq(payments.id, ref.paymentId), eq(payments.provider, provider))
        : and(eq(payments.provider, provider), eq(payments.checkoutId, ref.checkoutId));
    const [row] = await tx.select().from(payments).where(where).for('update');
    return row;
  }

  /** The payment the provider knows as `providerPaymentId`, locked until `tx` ends. */
  async lockByProviderPayment(
    tx: Db,
    provider: string,
    providerPaymentId: string,
  ): Promise<PaymentRow | undefined> {
    const [row] = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.provider, provider), eq(payments.providerPaymentId, providerPaymentId)))
      .for('update');
    return row;
  }

  async settle(
    tx: Db,
    id: string,
    values: { providerPaymentId: string | null; entryId: string },
  ): Promise<void> {
    await tx
      .update(payments)
      .set({ status: 'succeeded', ...values, updatedAt: sql`now()` })
      .where(eq(payments.id, id));
  }

  /**
   * Stores a provider event once by its id; `then` runs in the same transaction, only when this call
   * stored it (the durable event that gets it handled). Resolves to false for one stored before.
   */
  async storeEvent(event: NewProviderEvent, then: InTransaction): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(providerEvents)
        .values(event)
        .onConflictDoNothing()
        .returning({ eventId: providerEvents.eventId });
      if (inserted.length === 0) return false;
      await then(tx, undefined);
      return true;
    });
  }

  /** The stored event, locked until `tx` ends. */
  async lockEvent(tx: Db, provider: string, eventId: string): Promise<ProviderEventRow | undefined> {
    const [row] = await tx
      .select()
      .from(providerEvents)
      .where(and(eq(providerEvents.provider, provider), eq(providerEvents.eventId, eventId)))
      .for('update');
    return row;
  }

  async finishEvent(tx: Db, provider: string, eventId: string, outcome: string): Promise<void> {
    await tx
      .update(providerEvents)
      .set({ processedAt: sql`now()`, outcome })
      .where(and(eq(providerEvents.provider, provider), eq(providerEvents.eventId, eventId)));
  }

  async findEvent(provider: string, eventId: string): Promise<ProviderEventRow | undefined> {
    const [row] = await this.db
      .select()
      .from(providerEvents)
      .where(and(eq(providerEvents.provider, provider), eq(providerEvents.eventId, eventId)));
    return row;
  }

  /**
   * The channel's account at `provider` for destination charges: only one the provider lets take
   * charges, or the money would go to an account that cannot receive it (Stripe refuses the checkout).
   */
  async connectedAccount(channelId: string, provider: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ accountId: connectedAccounts.accountId })
      .from(connectedAccounts)
      .where(
        and(
          eq(connectedAccounts.channelId, channelId),
          eq(connectedAccounts.provider, provider),
          eq(connectedAccounts.chargesEnabled, true),
        ),
      );
    return row?.accountId;
  }

  /** An operator's link of an account they checked can take charges and be paid out. */
  async connectAccount(channelId: string, provider: string, accountId: string): Promise<void> {
    const state = { accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true };
    await this.db
      .insert(connectedAccounts)
      .values({ channelId, provider, ...state })
      .onConflictDoUpdate({ target: [connectedAccounts.channelId, connectedAccounts.provider], set: state });
  }
}
