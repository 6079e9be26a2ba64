/**
 * drizzle queries on `payments.payments`, `payments.provider_events` and `payments.connected_accounts`.
 * No rules here: the payments service decides.
 */
import type { Db } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import {
  connectedAccounts,
  type PaymentRow,
  type PaymentStatus,
  type ProviderEventRow,
  payments,
  providerEvents,
} from '@streamhub/db/schema/payments';
import { and, asc, eq, inArray, isNull, lt, ne, type SQL, sql } from 'drizzle-orm';

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
   * Stores provider events once by their ids and, in the same statement, the durable event that gets
   * each one handled (`append` builds it with the outbox writer, guarded by the condition it is given):
   * one round trip and one commit for all of them, and each durable event exists if and only if this
   * call stored its provider event. Resolves, in the order given, to whether each was stored (false for
   * one stored before: a replay, which appends nothing). The ids must be distinct.
   *
   * The rows are inserted in (provider, event id) order and the appends run in aggregate order, the one
   * order every call uses, so two calls storing the same events wait for each other instead of
   * deadlocking.
   */
  async storeEvents(
    events: readonly { event: NewProviderEvent; aggregate: string; append: (onlyIfStored: SQL) => SQL }[],
  ): Promise<boolean[]> {
    if (events.length === 0) return [];
    const byKey = [...events].sort((a, b) => compare(keyOf(a.event), keyOf(b.event)));
    const values = byKey.map(
      ({ event }) =>
        sql`(${event.provider}, ${event.eventId}, ${event.type}, ${JSON.stringify(event.payload)}::jsonb)`,
    );
    const appends = [...events]
      .sort((a, b) => compare(a.aggregate, b.aggregate))
      .map(
        ({ event, append }, index) =>
          sql`${sql.raw(`appended_${index}`)} as (${append(
            sql`exists (select 1 from stored where provider = ${event.provider} and event_id = ${event.eventId})`,
          )})`,
      );
    const result = await this.db.execute(sql`
      with stored as (
        insert into payments.provider_events (provider, event_id, type, payload)
        values ${sql.join(values, sql`, `)}
        on conflict do nothing
        returning provider, event_id),
      ${sql.join(appends, sql`, `)}
      select provider, event_id from stored`);
    const stored = new Set(
      rowsOf<{ provider: string; event_id: string }>(result).map((row) =>
        keyOf({ provider: row.provider, eventId: row.event_id }),
      ),
    );
    return events.map(({ event }) => stored.has(keyOf(event)));
  }

  /**
   * The stored event, locked until `tx` ends, or nothing when it is handled already (or unknown). Most
   * jobs of a batching consumer find their event handled by another job's batch: filtering on
   * `processed_at` here spares them the payload's transfer and parse. The filter is re-checked after a
   * wait for the lock, so an event another transaction handled meanwhile is not returned either.
   */
  async lockUnprocessedEvent(
    tx: Db,
    provider: string,
    eventId: string,
  ): Promise<ProviderEventRow | undefined> {
    const [row] = await tx
      .select()
      .from(providerEvents)
      .where(
        and(
          eq(providerEvents.provider, provider),
          eq(providerEvents.eventId, eventId),
          isNull(providerEvents.processedAt),
        ),
      )
      .for('update');
    return row;
  }

  async finishEvent(tx: Db, provider: string, eventId: string, outcome: string): Promise<void> {
    await tx
      .update(providerEvents)
      .set({ processedAt: sql`now()`, outcome })
      .where(and(eq(providerEvents.provider, provider), eq(providerEvents.eventId, eventId)));
  }

  /**
   * Up to `limit` other stored events of `provider` of the given `types` that wait to be handled, oldest
   * first, locked until `tx` ends. Rows another transaction holds are skipped (never waited for), so
   * consumers taking batches side by side split the waiting events between them and never deadlock on
   * them; events set aside by an earlier batch (`outcome` set, `processed_at` not) are left to their jobs.
   */
  async lockWaitingEvents(
    tx: Db,
    provider: string,
    types: readonly string[],
    except: string,
    limit: number,
  ): Promise<ProviderEventRow[]> {
    if (limit <= 0 || types.length === 0) return [];
    return tx
      .select()
      .from(providerEvents)
      .where(
        and(
          isNull(providerEvents.processedAt),
          isNull(providerEvents.outcome),
          eq(providerEvents.provider, provider),
          inArray(providerEvents.type, [...types]),
          ne(providerEvents.eventId, except),
        ),
      )
      .orderBy(asc(providerEvents.receivedAt))
      .limit(limit)
      .for('update', { skipLocked: true });
  }

  /** The payments with these ids at `provider`, locked in id order (one order for every batch) until `tx` ends. */
  async lockMany(tx: Db, provider: string, ids: readonly string[]): Promise<PaymentRow[]> {
    if (ids.length === 0) return [];
    return tx
      .select()
      .from(payments)
      .where(and(eq(payments.provider, provider), inArray(payments.id, [...new Set(ids)])))
      .orderBy(asc(payments.id))
      .for('update');
  }

  /** `settle` for several payments in one statement. */
  async settleMany(
    tx: Db,
    settled: readonly { id: string; providerPaymentId: string | null; entryId: string }[],
  ): Promise<void> {
    if (settled.length === 0) return;
    const rows = sql.join(
      settled.map((row) => sql`(${row.id}::uuid, ${row.providerPaymentId}::text, ${row.entryId}::uuid)`),
      sql`, `,
    );
    await tx.execute(sql`
      update payments.payments as p
      set status = 'succeeded', provider_payment_id = v.provider_payment_id, entry_id = v.entry_id,
          updated_at = now()
      from (values ${rows}) as v(id, provider_payment_id, entry_id)
      where p.id = v.id`);
  }

  /** `finishEvent` for several events of one provider in one statement. */
  async finishEvents(
    tx: Db,
    provider: string,
    finished: readonly { eventId: string; outcome: string }[],
  ): Promise<void> {
    if (finished.length === 0) return;
    const rows = sql.join(
      finished.map((row) => sql`(${row.eventId}::text, ${row.outcome}::text)`),
      sql`, `,
    );
    await tx.execute(sql`
      update payments.provider_events as e
      set processed_at = now(), outcome = v.outcome
      from (values ${rows}) as v(event_id, outcome)
      where e.provider = ${provider} and e.event_id = v.event_id`);
  }

  /**
   * Marks a waiting event that a batch could not handle (`processed_at` stays null): later batches
   * leave it to its own job, which handles it alone and overwrites the note with its outcome.
   */
  async setAside(tx: Db, provider: string, eventId: string, note: string): Promise<void> {
    await tx
      .update(providerEvents)
      .set({ outcome: note })
      .where(
        and(
          eq(providerEvents.provider, provider),
          eq(providerEvents.eventId, eventId),
          isNull(providerEvents.processedAt),
        ),
      );
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

function keyOf(event: Pick<NewProviderEvent, 'provider' | 'eventId'>): string {
  return `${event.provider}\n${event.eventId}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
