/**
 * drizzle queries on the ledger tables (`payments.accounts`, `.entries`, `.lines`). No rules here: the
 * ledger service checks that an entry balances before it gets this far.
 */
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import {
  type LedgerAccountKind,
  ledgerAccounts,
  ledgerEntries,
  ledgerLines,
} from '@streamhub/db/schema/payments';
import { and, asc, count, desc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { assertLimit, type Page, type PageOptions } from '../../http/pagination.ts';

/** Names one ledger account: kind, currency and owner (provider, channel id, or '' for the platform's). */
export interface AccountRef {
  kind: LedgerAccountKind;
  currency: string;
  owner: string;
}

export interface NewEntry {
  kind: string;
  currency: string;
  paymentId?: string | undefined;
  reverses?: string | undefined;
  description?: string | undefined;
  /** One line per account (no account twice), credit positive; they sum to zero. */
  lines: { account: AccountRef; amount: number }[];
}

export interface PostedLine {
  accountId: string;
  account: AccountRef;
  amount: number;
  previousBalance: number;
  currentBalance: number;
  accountVersion: number;
}

export interface PostedEntry {
  id: string;
  kind: string;
  currency: string;
  paymentId: string | null;
  reverses: string | null;
  createdAt: Date;
  lines: PostedLine[];
}

export interface AccountBalance {
  id: string;
  account: AccountRef;
  balance: number;
  version: number;
}

export interface LineView {
  id: string;
  entryId: string;
  kind: string;
  paymentId: string | null;
  currency: string;
  amount: number;
  balanceAfter: number;
  createdAt: string;
}

const refKey = (ref: AccountRef) => `${ref.kind}\u0000${ref.currency}\u0000${ref.owner}`;
const sameRef = (ref: AccountRef): SQL =>
  and(
    eq(ledgerAccounts.kind, ref.kind),
    eq(ledgerAccounts.currency, ref.currency),
    eq(ledgerAccounts.owner, ref.owner),
  ) as SQL;

export class LedgerRepository {
  constructor(private readonly db: Db) {}

  /**
   * Posts one entry with `tx` (the caller's transaction): creates missing accounts, locks every account
   * of the entry `FOR UPDATE` in id order (one fixed order for every writer, so two transfers over the
   * same accounts wait for each other instead of deadlocking), writes the entry and its lines with the
   * balances before and after, and moves the balances and versions on the account rows.
   */
  async post(tx: Db, entry: NewEntry): Promise<PostedEntry> {
    const refs = entry.lines.map((line) => line.account);
    // Missing accounts are inserted in one sorted order too: two inserts of the same new keys in
    // different orders could deadlock on the unique index.
    const sorted = [...refs].sort((a, b) => (refKey(a) < refKey(b) ? -1 : 1));
    await tx
      .insert(ledgerAccounts)
      .values(sorted.map(({ kind, currency, owner }) => ({ kind, currency, owner })))
      .onConflictDoNothing();
    const locked = await tx
      .select({
        id: ledgerAccounts.id,
        kind: ledgerAccounts.kind,
        currency: ledgerAccounts.currency,
        owner: ledgerAccounts.owner,
        balance: ledgerAccounts.balance,
        version: ledgerAccounts.version,
      })
      .from(ledgerAccounts)
      .where(or(...refs.map(sameRef)))
      .orderBy(asc(ledgerAccounts.id))
      .for('update');
    const byKey = new Map(locked.map((row) => [refKey(row), row]));

    const [written] = await tx
      .insert(ledgerEntries)
      .values({
        kind: entry.kind,
        currency: entry.currency,
        paymentId: entry.paymentId ?? null,
        reverses: entry.reverses ?? null,
        description: entry.description ?? '',
      })
      .returning();
    if (!written) throw new Error('unreachable: insert returned no entry');

    const lines: PostedLine[] = entry.lines.map(({ account, amount }) => {
      const row = byKey.get(refKey(account));
      if (!row) throw new Error(`ledger account ${refKey(account)} was neither found nor created`);
      return {
        accountId: row.id,
        account,
        amount,
        previousBalance: row.balance,
        currentBalance: row.balance + amount,
        accountVersion: row.version + 1,
      };
    });
    await tx.insert(ledgerLines).values(
      lines.map((line) => ({
        entryId: written.id,
        accountId: line.accountId,
        amount: line.amount,
        previousBalance: line.previousBalance,
        currentBalance: line.currentBalance,
        accountVersion: line.accountVersion,
        // Read after the row locks, not at transaction start like now(): one account's lines then
        // sort by time in the order their versions were given, so pages replay its history.
        createdAt: sql`clock_timestamp()`,
      })),
    );
    const values = sql.join(
      lines.map(
        (line) =>
          sql`(${line.accountId}::uuid, ${line.currentBalance}::bigint, ${line.accountVersion}::bigint)`,
      ),
      sql`, `,
    );
    await tx.execute(sql`
      update payments.accounts as a
      set balance = v.balance, version = v.version, updated_at = now()
      from (values ${values}) as v(id, balance, version)
      where a.id = v.id`);
    return {
      id: written.id,
      kind: written.kind,
      currency: written.currency,
      paymentId: written.paymentId,
      reverses: written.reverses,
      createdAt: written.createdAt,
      lines,
    };
  }

  /** An entry's lines with their accounts, undefined when there is no such entry. */
  async entry(tx: Db, entryId: string): Promise<PostedEntry | undefined> {
    const [found] = await tx.select().from(ledgerEntries).where(eq(ledgerEntries.id, entryId));
    if (!found) return undefined;
    const rows = await tx
      .select({
        accountId: ledgerLines.accountId,
        kind: ledgerAccounts.kind,
        currency: ledgerAccounts.currency,
        owner: ledgerAccounts.owner,
        amount: ledgerLines.amount,
        previousBalance: ledgerLines.previousBalance,
        currentBalance: ledgerLines.currentBalance,
        accountVersion: ledgerLines.accountVersion,
      })
      .from(ledgerLines)
      .innerJoin(ledgerAccounts, eq(ledgerAccounts.id, ledgerLines.accountId))
      .where(eq(ledgerLines.entryId, entryId))
      .orderBy(asc(ledgerAccounts.id));
    return {
      id: found.id,
      kind: found.kind,
      currency: found.currency,
      paymentId: found.paymentId,
      reverses: found.reverses,
      createdAt: found.createdAt,
      lines: rows.map(({ kind, currency, owner, ...line }) => ({
        ...line,
        account: { kind, currency, owner },
      })),
    };
  }

  /** The entry that reverses `entryId`, if one was posted. */
  async reversalOf(tx: Db, entryId: string): Promise<string | undefined> {
    const [found] = await tx
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.reverses, entryId));
    return found?.id;
  }

  /** The accounts of one kind and owner (a creator's payables in every currency), by currency. */
  async accountsOf(kind: LedgerAccountKind, owner: string): Promise<AccountBalance[]> {
    const rows = await this.db
      .select()
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.kind, kind), eq(ledgerAccounts.owner, owner)))
      .orderBy(asc(ledgerAccounts.currency));
    return rows.map(toBalance);
  }

  /** One account's balance row, undefined before its first line. */
  async account(ref: AccountRef): Promise<AccountBalance | undefined> {
    const [row] = await this.db.select().from(ledgerAccounts).where(sameRef(ref));
    return row ? toBalance(row) : undefined;
  }

  /** Every account whose stored balance or version differs from what its lines add up to (should be none). */
  async drift(): Promise<{ id: string; balance: number; sum: number; version: number; lines: number }[]> {
    const rows = await this.db
      .select({
        id: ledgerAccounts.id,
        balance: ledgerAccounts.balance,
        version: ledgerAccounts.version,
        sum: sql<string>`coalesce(sum(${ledgerLines.amount}), 0)`,
        lines: count(ledgerLines.id),
      })
      .from(ledgerAccounts)
      .leftJoin(ledgerLines, eq(ledgerLines.accountId, ledgerAccounts.id))
      .groupBy(ledgerAccounts.id);
    return rows
      .map((row) => ({ ...row, sum: Number(row.sum) }))
      .filter((row) => row.sum !== row.balance || row.lines !== row.version);
  }

  /** Entries whose lines do not sum to zero (should be none). */
  async unbalancedEntries(): Promise<string[]> {
    const rows = await this.db
      .select({ id: ledgerLines.entryId })
      .from(ledgerLines)
      .groupBy(ledgerLines.entryId)
      .having(sql`sum(${ledgerLines.amount}) <> 0`);
    return rows.map((row) => row.id);
  }

  /** Lines of the given accounts, newest first, in keyset pages over `(created_at, id)`. */
  async lines(accountIds: string[], page: PageOptions): Promise<Page<LineView>> {
    assertLimit(page.limit);
    // Decoded first: a foreign cursor is refused even where there is nothing to list.
    const position = page.cursor ? decodeCursor(page.cursor) : undefined;
    if (accountIds.length === 0) return { items: [], nextCursor: null };
    const conditions: SQL[] = [inArray(ledgerLines.accountId, accountIds)];
    if (position) conditions.push(keysetBefore(ledgerLines.createdAt, ledgerLines.id, position));
    const rows = await this.db
      .select({
        id: ledgerLines.id,
        entryId: ledgerLines.entryId,
        kind: ledgerEntries.kind,
        paymentId: ledgerEntries.paymentId,
        currency: ledgerEntries.currency,
        amount: ledgerLines.amount,
        balanceAfter: ledgerLines.currentBalance,
        createdAt: keysetTimestamp(ledgerLines.createdAt),
      })
      .from(ledgerLines)
      .innerJoin(ledgerEntries, eq(ledgerEntries.id, ledgerLines.entryId))
      .where(and(...conditions))
      .orderBy(desc(ledgerLines.createdAt), desc(ledgerLines.id))
      .limit(page.limit + 1);
    const { items, nextCursor } = keysetPage(rows, page.limit, (row) => ({
      createdAt: row.createdAt,
      id: row.id,
    }));
    return { items, nextCursor };
  }
}

function toBalance(row: typeof ledgerAccounts.$inferSelect): AccountBalance {
  return {
    id: row.id,
    account: { kind: row.kind, currency: row.currency, owner: row.owner },
    balance: row.balance,
    version: row.version,
  };
}
