/**
 * Reconciliation (docs/payments.md): what the providers say, from their APIs and their webhooks, against
 * what the ledger holds. Every difference is listed for a human; nothing here changes the books.
 */
import type { PaymentProviderName, Reconciliation, ReconciliationQuery } from '@streamhub/contracts/payments';
import { type PaymentProvider, ProviderCallError } from './payment-provider.ts';
import type { ReconciliationRepository, UnmatchedBooking } from './reconciliation.repository.ts';

type Difference = Reconciliation['differences'][number];

export interface ReconciliationServiceDeps {
  reconciliation: ReconciliationRepository;
  providers: ReadonlyMap<PaymentProviderName, PaymentProvider>;
}

/** Payout statuses at which the provider is done with a payout: only those are compared with ours. */
const SETTLED_PAYOUT = new Map([
  ['paid', 'paid'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
]);

export class ReconciliationService {
  constructor(private readonly deps: ReconciliationServiceDeps) {}

  async reconcile(query: ReconciliationQuery): Promise<Reconciliation> {
    const differences: Difference[] = [];
    const checked = await this.checkouts(query.limit, differences);
    for (const row of await this.deps.reconciliation.unmatchedBookings(query.limit))
      differences.push(bookingDifference(row));
    for (const [name, provider] of this.deps.providers) {
      await this.listedInvoices(name, provider, query.limit, differences);
      await this.listedPayouts(name, provider, query.limit, differences);
      await this.transfers(name, provider, query.limit, differences);
    }
    for (const event of await this.deps.reconciliation.troubledEvents(query.limit)) {
      differences.push({
        kind: event.processedAt ? 'event_anomaly' : 'event_unprocessed',
        provider: event.provider,
        paymentId: null,
        eventId: event.eventId,
        detail: event.processedAt ? `${event.type}: ${event.outcome}` : `${event.type} was never handled`,
      });
    }
    return { checked, differences };
  }

  /** The newest tips against what their provider says of their checkout; resolves to how many it asked. */
  private async checkouts(limit: number, differences: Difference[]): Promise<number> {
    let checked = 0;
    for (const payment of await this.deps.reconciliation.recentCheckouts(limit)) {
      const provider = this.deps.providers.get(payment.provider as PaymentProviderName);
      if (!provider || !payment.checkoutId) continue;
      const remote = await unlessProviderFails(provider.retrieveCheckout(payment.checkoutId));
      if (!remote) continue;
      checked += 1;
      const booked = payment.entryId !== null;
      const difference = (kind: Difference['kind'], detail: string) =>
        differences.push({ kind, provider: payment.provider, paymentId: payment.id, eventId: null, detail });
      if (remote.paid && !booked) {
        difference(
          'paid_not_booked',
          `${payment.provider} took ${remote.amount} ${remote.currency}; ours is ${payment.status}`,
        );
      } else if (!remote.paid && booked) {
        difference('booked_not_paid', `booked, but ${payment.provider}'s checkout is ${remote.status}`);
      } else if (remote.paid && (remote.amount !== payment.amount || remote.currency !== payment.currency)) {
        difference(
          'amount_differs',
          `${payment.provider} took ${remote.amount} ${remote.currency}; ours is ${payment.amount} ${payment.currency}`,
        );
      }
    }
    return checked;
  }

  /** The provider's paid subscription invoices from its API: one no payment was recorded for. */
  private async listedInvoices(
    name: PaymentProviderName,
    provider: PaymentProvider,
    limit: number,
    differences: Difference[],
  ): Promise<void> {
    if (!provider.listPaidInvoices) return;
    const listed = await unlessProviderFails(provider.listPaidInvoices(limit));
    if (!listed) return;
    const recorded = await this.deps.reconciliation.recordedInvoices(
      name,
      listed.map((invoice) => invoice.invoiceId),
    );
    for (const invoice of listed) {
      if (recorded.has(invoice.invoiceId)) continue;
      differences.push({
        kind: 'invoice_not_recorded',
        provider: name,
        paymentId: null,
        eventId: null,
        detail: `${name} lists invoice ${invoice.invoiceId} of subscription ${invoice.providerSubscriptionId ?? '?'} paid ${invoice.amount} ${invoice.currency}; the ledger has no payment for it`,
      });
    }
  }

  /**
   * Each connected account's payouts as the provider lists them: one never recorded, or one the
   * provider settled otherwise than we recorded (a `payout.failed` that never reached us).
   */
  private async listedPayouts(
    name: PaymentProviderName,
    provider: PaymentProvider,
    limit: number,
    differences: Difference[],
  ): Promise<void> {
    if (!provider.listPayouts) return;
    for (const accountId of await this.deps.reconciliation.connectedAccountIds(name)) {
      const listed = await unlessProviderFails(provider.listPayouts(accountId, limit));
      if (!listed) continue;
      const statuses = await this.deps.reconciliation.payoutStatuses(
        name,
        listed.map((payout) => payout.payoutId),
      );
      for (const payout of listed) {
        const ours = statuses.get(payout.payoutId);
        const said = `${name} lists payout ${payout.payoutId} of account ${accountId}, ${payout.amount} ${payout.currency} (${payout.status})`;
        const theirs = SETTLED_PAYOUT.get(payout.status);
        if (ours === undefined) {
          differences.push({
            kind: 'payout_not_recorded',
            provider: name,
            paymentId: null,
            eventId: null,
            detail: `${said}; the ledger has no payout for it`,
          });
        } else if (theirs !== undefined && theirs !== ours) {
          differences.push({
            kind: 'payout_status_differs',
            provider: name,
            paymentId: null,
            eventId: null,
            detail: `${said}; ours is ${ours}`,
          });
        }
      }
    }
  }

  /**
   * Payments split after the charge (Razorpay Route): the creator's share must have reached their linked
   * account, whole and not taken back.
   */
  private async transfers(
    name: PaymentProviderName,
    provider: PaymentProvider,
    limit: number,
    differences: Difference[],
  ): Promise<void> {
    if (!provider.listTransfers) return;
    for (const payment of await this.deps.reconciliation.recentSplitPayments(name, limit)) {
      if (!payment.providerPaymentId || !payment.destination) continue;
      const listed = await unlessProviderFails(provider.listTransfers(payment.providerPaymentId));
      if (!listed) continue;
      const share = payment.amount - payment.platformFee;
      const toCreator = listed.filter((transfer) => transfer.destination === payment.destination);
      const sent = toCreator.reduce((sum, transfer) => sum + transfer.amount - transfer.reversed, 0);
      if (sent === share) continue;
      const kind = toCreator.length === 0 ? 'transfer_not_made' : 'transfer_amount_differs';
      differences.push({
        kind,
        provider: name,
        paymentId: payment.id,
        eventId: null,
        detail:
          kind === 'transfer_not_made'
            ? `${name} payment ${payment.providerPaymentId} has no transfer to ${payment.destination}; the creator's share is ${share} ${payment.currency}`
            : `${name} payment ${payment.providerPaymentId} transferred ${sent} ${payment.currency} to ${payment.destination}; the creator's share is ${share}`,
      });
    }
  }
}

/** What the providers reported by webhook for subscriptions and payouts, against what the ledger holds. */
function bookingDifference(row: UnmatchedBooking): Difference {
  const said = `${row.provider} ${row.what} ${row.reference ?? row.id} of ${row.amount} ${row.currency}`;
  const kind =
    row.what === 'invoice'
      ? row.booked === null
        ? 'invoice_not_booked'
        : 'invoice_amount_differs'
      : row.booked === null
        ? 'payout_not_booked'
        : row.booked !== row.amount
          ? 'payout_amount_differs'
          : 'payout_not_reversed';
  return {
    kind,
    provider: row.provider,
    paymentId: row.what === 'invoice' ? row.id : null,
    eventId: null,
    detail:
      kind === 'payout_not_reversed'
        ? `${said} failed, but its ledger entry was not reversed`
        : `${said} (${row.status}); the ledger booked ${row.booked ?? 'nothing'}`,
  };
}

/** A provider's answer, or undefined when the provider could not be asked now: reconcile reports what it could check. */
async function unlessProviderFails<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ProviderCallError) return undefined;
    throw error;
  }
}
