/**
 * What the payments webhook consumer needs to handle several stored provider events in one transaction
 * (docs/payments.md, "Webhook batches"): which events a batch may take, how they split between the
 * tips booked together and the events applied one after the other, what each tip's outcome is, and the
 * one insert that appends every booked tip's `tip.received`.
 */
import { DOMAIN_EVENTS, type DomainEventPayload } from '@streamhub/contracts/events';
import type { PaymentProviderName } from '@streamhub/contracts/payments';
import type { Db } from '@streamhub/db/client';
import type { PaymentRow, ProviderEventRow } from '@streamhub/db/schema/payments';
import { appendEventStatement } from '@streamhub/infra/outbox/writer';
import { sql } from 'drizzle-orm';
import type { PostedEntry } from './ledger.repository.ts';
import type { PaymentProvider, ProviderEvent } from './payment-provider.ts';

/** Events one consumer transaction handles at most unless `PAYMENTS_WEBHOOK_BATCH` says otherwise. */
export const DEFAULT_WEBHOOK_BATCH = 16;

/**
 * The stored event types a batch takes besides the job's own: paid checkouts (tips), paid invoices
 * (renewals) and refunds. Anything else waits for its own job.
 */
export const BATCHED_TYPES: Record<PaymentProviderName, readonly string[]> = {
  stripe: [
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'invoice.paid',
    'charge.refunded',
  ],
  razorpay: ['order.paid', 'subscription.charged', 'refund.processed'],
};

/** A stored event, locked, with what it means for our books. */
export interface InterpretedEvent {
  event: ProviderEventRow;
  meaning: ProviderEvent;
}

/** A paid tip's checkout that names our payment: booked with the batch's other tips. */
export interface TipEvent extends InterpretedEvent {
  meaning: Extract<ProviderEvent, { kind: 'checkout_completed' }>;
  paymentId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether an event can be handled in a batch: a tip's checkout, a refund, or a paid invoice whose
 * handling calls no provider (it names its charge, and the provider routes no split afterwards). A
 * provider call inside a batch would hold every row of the batch locked while it runs.
 */
export function batchable(provider: PaymentProvider, meaning: ProviderEvent): boolean {
  switch (meaning.kind) {
    case 'checkout_completed':
    case 'refunded':
      return true;
    case 'invoice_paid':
      return Boolean(meaning.providerPaymentId) && !provider.transferCharge;
    default:
      return false;
  }
}

/**
 * Splits a batch: paid tips that name our payment are booked together; the rest (refunds, renewals,
 * tips known only by their checkout) are applied one by one, the job's own event first.
 */
export function splitBatch(
  trigger: InterpretedEvent,
  waiting: readonly InterpretedEvent[],
): { tips: TipEvent[]; singles: InterpretedEvent[] } {
  const tips: TipEvent[] = [];
  const singles: InterpretedEvent[] = [];
  for (const one of [trigger, ...waiting]) {
    const { meaning } = one;
    if (
      meaning.kind === 'checkout_completed' &&
      meaning.paid &&
      meaning.paymentId &&
      UUID.test(meaning.paymentId)
    ) {
      tips.push({ event: one.event, meaning, paymentId: meaning.paymentId });
    } else {
      singles.push(one);
    }
  }
  return { tips, singles };
}

/** A tip the batch books: its locked payment and the provider's word that it was paid. */
export interface TipBooking {
  event: ProviderEventRow;
  payment: PaymentRow;
  completed: TipEvent['meaning'];
}

/**
 * Each tip's outcome, as `bookTip` would give it alone, and the tips to book: a payment already booked
 * (before, or by an earlier event of this batch) is not booked again, a figure we did not ask for never.
 */
export function planTipBookings(
  tips: readonly TipEvent[],
  locked: readonly PaymentRow[],
): { outcomes: { event: ProviderEventRow; outcome: string }[]; bookings: TipBooking[] } {
  const byId = new Map(locked.map((payment) => [payment.id, payment]));
  const booking = new Set<string>();
  const outcomes: { event: ProviderEventRow; outcome: string }[] = [];
  const bookings: TipBooking[] = [];
  for (const { event, meaning, paymentId } of tips) {
    const payment = byId.get(paymentId);
    let outcome: string;
    if (!payment) outcome = 'anomaly: paid checkout of an unknown payment';
    else if (payment.status === 'succeeded' || payment.status === 'refunded' || booking.has(payment.id))
      outcome = 'ignored: already booked';
    else if (meaning.amount !== payment.amount || meaning.currency !== payment.currency)
      outcome = `anomaly: paid ${meaning.amount} ${meaning.currency}, expected ${payment.amount} ${payment.currency}`;
    else {
      booking.add(payment.id);
      bookings.push({ event, payment, completed: meaning });
      outcome = 'tip_booked';
    }
    outcomes.push({ event, outcome });
  }
  return { outcomes, bookings };
}

export function entryIdAt(entries: readonly PostedEntry[], index: number): string {
  const entry = entries[index];
  if (!entry) throw new Error(`the ledger returned no entry ${index}`);
  return entry.id;
}

/** A short reason to note on an event a batch set aside. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, 200);
}

/**
 * Appends several `tip.received` events in one statement (one round trip). Each keeps the writer's
 * rules (its aggregate's advisory lock, the relay's wake-up); they are taken in aggregate order, the
 * one order every batch uses, so two batches over the same channels wait for each other instead of
 * deadlocking.
 */
export async function appendTipsReceived(
  tx: Pick<Db, 'execute'>,
  tips: readonly { payload: DomainEventPayload<'tip.received'>; aggregate: string }[],
): Promise<void> {
  if (tips.length === 0) return;
  const sorted = [...tips].sort((a, b) =>
    a.aggregate < b.aggregate ? -1 : a.aggregate > b.aggregate ? 1 : 0,
  );
  const inserts = sorted.map(
    ({ payload, aggregate }, index) =>
      sql`${sql.raw(`tip_${index}`)} as (${appendEventStatement(DOMAIN_EVENTS, 'tip.received', payload, { aggregate }).statement})`,
  );
  await tx.execute(sql`with ${sql.join(inserts, sql`, `)} select 1`);
}
