/**
 * drizzle queries on the ledger tables (`payments.accounts`, `.entries`, `.lines`). No rules here: the
 * ledger service checks that an entry balances before it gets this far.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '@streamhub/db/client';
import { decodeCursor, keysetBefore, keysetPage, keysetTimestamp } from '@streamhub/db/keyset';
import { rowsOf } from '@streamhub/db/rows';
import {
  type LedgerAccountKind,
  ledgerAccounts,
  ledgerEntries,
  ledgerLines,
} from '@streamhub/db/schema/payments';
import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
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

const dialect = new PgDialect();

/**
 * Runs a posting statement as a named prepared statement: on PostgreSQL (postgres.js) it is parsed once
 * per connection and statement text (and planned once when PostgreSQL's generic plan serves) instead of
 * at every call, as `db.execute` sends it unnamed; 1.6–2.4× the transfers per CPU-second of a single
 * posting (docs/benchmarks.md). PGlite runs it as `db.execute` would.
 */
function executePrepared(db: Db, statement: SQL): Promise<unknown> {
  return db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, 'ledger', false).execute();
}

export class LedgerRepository {
  constructor(private readonly db: Db) {}

  /**
   * Accounts whose creation has committed (nothing deletes accounts), so posting skips their insert and
   * every statement of any transaction finds them. An account is remembered only from a row version
   * that another, committed transaction wrote: never one that the posting's own transaction (or a
   * savepoint in it) inserted or moved, which may still roll back and which other transactions cannot
   * see yet. See `post` for why that matters.
   */
  private readonly known = new Set<string>();

  /**
   * Posts one entry with `db` (the caller's transaction, or the pool: one statement is atomic on its
   * own) in one round trip, pgledger-style: a single statement locks every account of the entry
   * `FOR UPDATE` in id order (one fixed order for every writer, so two transfers over the same accounts
   * wait for each other instead of deadlocking), then writes the entry, its lines with the balances
   * before and after, and the accounts' new balances and versions. The writes happen only when every
   * account was found; otherwise nothing is written. (`postMany` does the same for a batch; one entry
   * has this simpler statement, which measured 2.6x the rate of a batch of one: docs/benchmarks.md,
   * "Quiet-machine runs of 2026-12-07".)
   *
   * Accounts not in `known` are inserted first (`on conflict do nothing`), before this posting locks
   * anything: that insert may wait for another transaction's uncommitted insert of the same account,
   * and must not hold a lock that transaction needs meanwhile (two writers opening a new channel's
   * account deadlocked that way, 40P01: ledger.test). When every account is known, the locking
   * statement runs alone, and READ COMMITTED's fresh snapshot finds each of them, since `known` holds
   * only accounts whose creation committed: the posting never locks some accounts and then waits for
   * the insert of another. This holds across processes too, each with its own `known`: an account
   * being inserted by a transaction still open is in no process's `known`.
   */
  async post(db: Db, entry: NewEntry): Promise<PostedEntry> {
    const refs = entry.lines.map((line) => line.account);
    if (refs.some((ref) => !this.known.has(refKey(ref)))) await this.createAccounts(db, refs);
    const id = randomUUID();
    let locked = await this.postOne(db, id, entry);
    if (locked.length < refs.length) {
      // Only when a remembered account has gone (a database restored or emptied under a running
      // process): nothing was written; create the accounts and post again.
      await this.createAccounts(db, refs);
      locked = await this.postOne(db, id, entry);
      if (locked.length < refs.length) throw new Error('ledger accounts were neither found nor created');
    }
    for (const row of locked) if (!row.mine) this.remember(refKey(row));
    const byKey = new Map(locked.map((row) => [refKey(row), row]));
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
    return {
      id,
      kind: entry.kind,
      currency: entry.currency,
      paymentId: entry.paymentId ?? null,
      reverses: entry.reverses ?? null,
      lines,
    };
  }

  /**
   * The one statement of a posting. `locked` takes the row locks in id order and reads the balances as
   * they are once locked (READ COMMITTED re-reads a row it waited for); each write is guarded by
   * `complete`, so an entry with a missing account writes nothing and returns the rows it found. Lines
   * take clock_timestamp(), read after the row locks, not now() (the transaction's start): one
   * account's lines then sort by time in the order their versions were given, so pages replay its
   * history. The lines' foreign key to the entry is checked at the end of the statement. `mine` tells
   * the row versions that this transaction wrote (it inserted or moved the account earlier, perhaps
   * in a savepoint): every write of an account row sets `updated_at` to now(), the transaction's start,
   * so another transaction's version carries another time, or the same only by a coincidence that
   * merely leaves the account out of `known`.
   */
  private async postOne(db: Db, id: string, entry: NewEntry) {
    const wanted = sql.join(
      entry.lines.map(
        ({ account, amount }) =>
          sql`(${account.kind}::payments.account_kind, ${account.currency}, ${account.owner}, ${amount}::bigint)`,
      ),
      sql`, `,
    );
    const result = await executePrepared(
      db,
      sql`
      with wanted(kind, currency, owner, amount) as (values ${wanted}),
      locked as (
        select a.id, a.kind, a.currency, a.owner, a.balance, a.version, a.updated_at = now() as mine,
               w.amount
        from payments.accounts a
        join wanted w on a.kind = w.kind and a.currency = w.currency and a.owner = w.owner
        order by a.id
        for update of a
      ),
      complete as (select count(*) = ${entry.lines.length} as ok from locked),
      entry as (
        insert into payments.entries (id, kind, currency, payment_id, reverses, description)
        select ${id}::uuid, ${entry.kind}, ${entry.currency}, ${entry.paymentId ?? null}::uuid,
               ${entry.reverses ?? null}::uuid, ${entry.description ?? ''}
        from complete where ok
      ),
      moved as (
        insert into payments.lines
          (entry_id, account_id, amount, previous_balance, current_balance, account_version, created_at)
        select ${id}::uuid, l.id, l.amount, l.balance, l.balance + l.amount, l.version + 1, clock_timestamp()
        from locked l, complete where complete.ok
      ),
      moved_balances as (
        update payments.accounts as a
        set balance = l.balance + l.amount, version = l.version + 1, updated_at = now()
        from locked l, complete
        where complete.ok and a.id = l.id
      )
      select id, kind, currency, owner, balance::text as balance, version::text as version, mine
      from locked`,
    );
    const rows = rowsOf<{
      id: string;
      kind: LedgerAccountKind;
      currency: string;
      owner: string;
      balance: string;
      version: string;
      mine: boolean;
    }>(result);
    return rows.map((row) => ({ ...row, balance: Number(row.balance), version: Number(row.version) }));
  }

  /**
   * Posts `entries` with `db` (the caller's transaction, or the pool: one statement is atomic on its
   * own) in one round trip and one commit, pgledger-style: a single statement locks every account of
   * the batch `FOR UPDATE` in id order (one fixed order for every writer, so two batches over the same
   * accounts wait for each other instead of deadlocking), then writes each entry, its lines with the
   * balances before and after, and the accounts' new balances and versions. An account in several
   * entries of the batch moves once per entry, in the batch's order: its lines carry the running
   * balance and consecutive versions, exactly as if the entries had been posted one after the other.
   * The writes happen only when every account was found; otherwise nothing is written. All or
   * nothing: one statement. Accounts not in `known` are created first, as `post` does and for its reason.
   */
  async postMany(db: Db, entries: readonly NewEntry[]): Promise<PostedEntry[]> {
    if (entries.length === 0) return [];
    const refs = entries.flatMap((entry) => entry.lines.map((line) => line.account));
    if (refs.some((ref) => !this.known.has(refKey(ref)))) await this.createAccounts(db, refs);
    const ids = entries.map(() => randomUUID());
    let moves = await this.postOnce(db, ids, entries);
    if (moves.length < refs.length) {
      // Only when a remembered account has gone, as in `post`.
      await this.createAccounts(db, refs);
      moves = await this.postOnce(db, ids, entries);
      if (moves.length < refs.length) throw new Error('ledger accounts were neither found nor created');
    }
    const bySeq = new Map(moves.map((row) => [row.seq, row]));
    let seq = 0;
    return entries.map((entry, index) => {
      const lines: PostedLine[] = entry.lines.map(({ account, amount }) => {
        const row = bySeq.get(seq++);
        if (!row) throw new Error(`ledger account ${refKey(account)} was neither found nor created`);
        if (!row.mine) this.remember(refKey(account));
        return {
          accountId: row.accountId,
          account,
          amount,
          previousBalance: row.currentBalance - amount,
          currentBalance: row.currentBalance,
          accountVersion: row.accountVersion,
        };
      });
      return {
        id: ids[index] as string,
        kind: entry.kind,
        currency: entry.currency,
        paymentId: entry.paymentId ?? null,
        reverses: entry.reverses ?? null,
        lines,
      };
    });
  }

  /**
   * The one statement of a posting. `locked` takes the row locks in id order and reads the balances as
   * they are once locked (READ COMMITTED re-reads a row it waited for); `moves` numbers each account's
   * lines in batch order (`seq`) and gives each its running balance and version; each write is guarded
   * by `complete`, so a batch with a missing account writes nothing and returns the lines it could
   * place. Lines are stamped from clock_timestamp(), read once after the row locks (not now(), the
   * transaction's start), plus one microsecond per line of the batch: one account's lines then sort by
   * time in the order their versions were given, so pages replay its history. The lines' foreign key
   * to their entry is checked at the end of the statement. `mine` as in `postOne`.
   */
  private async postOnce(db: Db, ids: readonly string[], entries: readonly NewEntry[]) {
    let seq = 0;
    const wanted = sql.join(
      entries.flatMap((entry, index) =>
        entry.lines.map(
          ({ account, amount }) =>
            sql`(${seq++}::int, ${ids[index]}::uuid, ${account.kind}::payments.account_kind, ${account.currency}, ${account.owner}, ${amount}::bigint)`,
        ),
      ),
      sql`, `,
    );
    const distinct = new Set(entries.flatMap((entry) => entry.lines.map((line) => refKey(line.account))));
    const newEntries = sql.join(
      entries.map(
        (entry, index) =>
          sql`(${ids[index]}::uuid, ${entry.kind}, ${entry.currency}, ${entry.paymentId ?? null}::uuid, ${entry.reverses ?? null}::uuid, ${entry.description ?? ''})`,
      ),
      sql`, `,
    );
    const result = await executePrepared(
      db,
      sql`
      with wanted(seq, entry_id, kind, currency, owner, amount) as (values ${wanted}),
      locked as (
        select a.id, a.kind, a.currency, a.owner, a.balance, a.version, a.updated_at = now() as mine
        from payments.accounts a
        -- A join on the distinct wanted accounts (not \`in (select …)\`, which the planner may answer
        -- with a scan of every account): one index probe per account.
        join (select distinct kind, currency, owner from wanted) w
          on a.kind = w.kind and a.currency = w.currency and a.owner = w.owner
        order by a.id
        for update of a
      ),
      complete as (select count(*) = ${distinct.size} as ok from locked),
      stamp as (select clock_timestamp() as at from complete),
      moves as (
        select w.seq, w.entry_id, l.id as account_id, l.mine, w.amount,
               (l.balance + sum(w.amount) over (partition by l.id order by w.seq))::bigint as current_balance,
               (l.version + row_number() over (partition by l.id order by w.seq))::bigint as account_version
        from wanted w
        join locked l on l.kind = w.kind and l.currency = w.currency and l.owner = w.owner
      ),
      entry as (
        insert into payments.entries (id, kind, currency, payment_id, reverses, description)
        select e.* from (values ${newEntries}) as e(id, kind, currency, payment_id, reverses, description),
               complete
        where complete.ok
      ),
      moved as (
        insert into payments.lines
          (entry_id, account_id, amount, previous_balance, current_balance, account_version, created_at)
        select m.entry_id, m.account_id, m.amount, m.current_balance - m.amount, m.current_balance,
               m.account_version, stamp.at + m.seq * interval '1 microsecond'
        from moves m, complete, stamp where complete.ok
      ),
      totals as (select account_id, sum(amount) as delta, count(*) as n from moves group by account_id),
      moved_balances as (
        update payments.accounts as a
        set balance = l.balance + t.delta, version = l.version + t.n, updated_at = now()
        from totals t, locked l, complete
        where complete.ok and a.id = t.account_id and l.id = t.account_id
      )
      select seq, account_id as "accountId", mine, current_balance::text as "currentBalance",
             account_version::text as "accountVersion"
      from moves`,
    );
    const rows = rowsOf<{
      seq: number;
      accountId: string;
      mine: boolean;
      currentBalance: string;
      accountVersion: string;
    }>(result);
    return rows.map((row) => ({
      seq: Number(row.seq),
      accountId: row.accountId,
      mine: row.mine,
      currentBalance: Number(row.currentBalance),
      accountVersion: Number(row.accountVersion),
    }));
  }

  /**
   * Inserts the accounts that do not exist yet, in one sorted order: two inserts of the same new keys
   * in different orders could deadlock on the unique index.
   */
  private async createAccounts(tx: Db, refs: AccountRef[]): Promise<void> {
    const sorted = [...refs].sort((a, b) => (refKey(a) < refKey(b) ? -1 : 1));
    await tx
      .insert(ledgerAccounts)
      .values(sorted.map(({ kind, currency, owner }) => ({ kind, currency, owner })))
      .onConflictDoNothing();
  }

  private remember(key: string): void {
    // Bounded: an instance with more accounts than this only re-inserts (a no-op) some of them.
    if (this.known.size >= 100_000) this.known.clear();
    this.known.add(key);
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
      lines: rows.map(({ kind, currency, owner, ...line }) => ({
        ...line,
        account: { kind, currency, owner },
      })),
    };
  }

  /** The entry that reverses `entryId` whole, if one was posted (partial refunds do not count). */
  async reversalOf(tx: Db, entryId: string): Promise<string | undefined> {
    const [found] = await tx
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.reverses, entryId), sql`${ledgerEntries.kind} <> 'partial_refund'`));
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
