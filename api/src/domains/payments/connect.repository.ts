/** drizzle queries on `payments.connected_accounts` (onboarding state) and `payments.payouts`. */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import {
  type ConnectedAccountRow,
  connectedAccounts,
  type PayoutRow,
  payouts,
} from '@streamhub/db/schema/payments';
import { and, desc, eq, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';
import type { ConnectedAccountState } from './connect-provider.ts';

export interface PayoutView {
  id: string;
  provider: string;
  payoutId: string;
  status: PayoutRow['status'];
  amount: number;
  currency: string;
  arrivalDate: string | null;
  entryId: string | null;
  reversalEntryId: string | null;
  createdAt: string;
}

export class ConnectRepository {
  constructor(private readonly db: Db) {}

  async accountOf(channelId: string, provider: string): Promise<ConnectedAccountRow | undefined> {
    const [row] = await this.db
      .select()
      .from(connectedAccounts)
      .where(and(eq(connectedAccounts.channelId, channelId), eq(connectedAccounts.provider, provider)));
    return row;
  }

  /** The channel's row for `accountId`, or the one it already had (a concurrent onboarding won). */
  async link(
    channelId: string,
    provider: string,
    state: ConnectedAccountState,
  ): Promise<ConnectedAccountRow> {
    await this.db
      .insert(connectedAccounts)
      .values({
        channelId,
        provider,
        accountId: state.accountId,
        chargesEnabled: state.chargesEnabled,
        payoutsEnabled: state.payoutsEnabled,
        detailsSubmitted: state.detailsSubmitted,
      })
      .onConflictDoNothing();
    const row = await this.accountOf(channelId, provider);
    if (!row) throw new Error(`connected account of channel ${channelId} vanished`);
    return row;
  }

  /**
   * Stores what the provider reported of an account (in `tx`, else on its own), unless a later report is
   * stored already (events arrive out of order). Undefined when no channel holds that account.
   */
  async recordState(
    tx: Db | undefined,
    provider: string,
    state: ConnectedAccountState,
    reportedAt: Date,
  ): Promise<ConnectedAccountRow | 'stale' | undefined> {
    const db = tx ?? this.db;
    const [row] = await db
      .update(connectedAccounts)
      .set({
        chargesEnabled: state.chargesEnabled,
        payoutsEnabled: state.payoutsEnabled,
        detailsSubmitted: state.detailsSubmitted,
        stateAt: reportedAt,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          eq(connectedAccounts.provider, provider),
          eq(connectedAccounts.accountId, state.accountId),
          or(isNull(connectedAccounts.stateAt), lte(connectedAccounts.stateAt, reportedAt)),
        ),
      )
      .returning();
    if (row) return row;
    const [known] = await db
      .select({ channelId: connectedAccounts.channelId })
      .from(connectedAccounts)
      .where(and(eq(connectedAccounts.provider, provider), eq(connectedAccounts.accountId, state.accountId)));
    return known ? 'stale' : undefined;
  }

  async channelOfAccount(tx: Db, provider: string, accountId: string): Promise<string | undefined> {
    const [row] = await tx
      .select({ channelId: connectedAccounts.channelId })
      .from(connectedAccounts)
      .where(and(eq(connectedAccounts.provider, provider), eq(connectedAccounts.accountId, accountId)));
    return row?.channelId;
  }

  /** The payout, locked until `tx` ends. */
  async lockPayout(tx: Db, provider: string, payoutId: string): Promise<PayoutRow | undefined> {
    const [row] = await tx
      .select()
      .from(payouts)
      .where(and(eq(payouts.provider, provider), eq(payouts.payoutId, payoutId)))
      .for('update');
    return row;
  }

  async insertPayout(tx: Db, row: typeof payouts.$inferInsert): Promise<PayoutRow> {
    const [inserted] = await tx.insert(payouts).values(row).returning();
    if (!inserted) throw new Error('payout insert returned nothing');
    return inserted;
  }

  async markPayoutFailed(tx: Db, id: string, reversalEntryId: string | null): Promise<void> {
    await tx
      .update(payouts)
      .set({ status: 'failed', reversalEntryId, updatedAt: sql`now()` })
      .where(eq(payouts.id, id));
  }

  /** A channel's payouts, newest first, in keyset pages over `(created_at, id)`. */
  async payoutsOf(
    channelId: string,
    currency: string | undefined,
    page: PageOptions,
  ): Promise<Page<PayoutView>> {
    assertLimit(page.limit);
    const position = page.cursor ? decodeCursor(page.cursor) : undefined;
    const conditions: SQL[] = [eq(payouts.channelId, channelId)];
    if (currency) conditions.push(eq(payouts.currency, currency));
    if (position) conditions.push(keysetBefore(payouts.createdAt, payouts.id, position));
    const rows = await this.db
      .select({
        id: payouts.id,
        provider: payouts.provider,
        payoutId: payouts.payoutId,
        status: payouts.status,
        amount: payouts.amount,
        currency: payouts.currency,
        arrivalDate: sql<
          string | null
        >`to_char(${payouts.arrivalDate} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
        entryId: payouts.entryId,
        reversalEntryId: payouts.reversalEntryId,
        createdAt: keysetTimestamp(payouts.createdAt),
      })
      .from(payouts)
      .where(and(...conditions))
      .orderBy(desc(payouts.createdAt), desc(payouts.id))
      .limit(page.limit + 1);
    return keysetPage(rows, page.limit, (row) => ({ createdAt: row.createdAt, id: row.id }));
  }
}
