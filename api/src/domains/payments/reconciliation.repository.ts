/**
 * The reads reconciliation compares with the providers: recent payments and payouts beside what the
 * ledger booked for them, and the stored provider events that went wrong. No rules here: the
 * reconciliation service decides what is a difference.
 */
import type { Db } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import {
  connectedAccounts,
  type PaymentRow,
  type ProviderEventRow,
  payments,
  payouts,
  providerEvents,
} from '@streamhub/db/schema/payments';
import { and, desc, eq, inArray, isNotNull, isNull, like, lt, or, sql } from 'drizzle-orm';

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

export class ReconciliationRepository {
  constructor(private readonly db: Db) {}

  /** The newest tips that reached a provider's checkout. */
  async recentCheckouts(limit: number): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(and(eq(payments.kind, 'tip'), isNotNull(payments.checkoutId)))
      .orderBy(desc(payments.createdAt))
      .limit(limit);
  }

  /**
   * The newest booked payments at `provider` whose creator's share goes to a linked account after the
   * charge, nothing of them refunded: each should have its transfer, whole.
   */
  async recentSplitPayments(provider: string, limit: number): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(
        and(
          eq(payments.provider, provider),
          eq(payments.status, 'succeeded'),
          eq(payments.amountRefunded, 0),
          isNotNull(payments.destination),
          isNotNull(payments.providerPaymentId),
          isNotNull(payments.entryId),
        ),
      )
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

  /** Of these provider payout ids, the ones a payout was recorded for, with the status recorded. */
  async payoutStatuses(provider: string, payoutIds: readonly string[]): Promise<Map<string, string>> {
    if (payoutIds.length === 0) return new Map();
    const rows = await this.db
      .select({ payoutId: payouts.payoutId, status: payouts.status })
      .from(payouts)
      .where(and(eq(payouts.provider, provider), inArray(payouts.payoutId, [...payoutIds])));
    return new Map(rows.map((row) => [row.payoutId, row.status]));
  }

  /** Of these provider invoice ids, the ones a payment was recorded for. */
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
   * A row whose booking matches is not returned.
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
    const rows = rowsOf<{
      what: 'invoice' | 'payout';
      id: string;
      provider: string;
      status: string;
      amount: string;
      currency: string;
      reference: string | null;
      booked: string | null;
      reversed: boolean | null;
    }>(result);
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
}
