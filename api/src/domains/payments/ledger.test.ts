/** The ledger on real PGlite and PostgreSQL: balanced entries, exact balances under concurrent writers, reversals. */
import type { Database, Driver } from '@streamhub/db/client';
import { rowsOf } from '@streamhub/db/rows';
import { ledgerEntries, ledgerLines } from '@streamhub/db/schema/payments';
import { createTestDatabase, testDatabases } from '@streamhub/db/testing';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountRef, LedgerRepository, type NewEntry } from './ledger.repository.ts';
import {
  AlreadyReversedError,
  accounts,
  assertBalanced,
  LedgerError,
  LedgerService,
  partialRefundLines,
  platformFeeOf,
  splitEntry,
  tipLines,
} from './ledger.service.ts';

describe('ledger rules', () => {
  const creator = accounts.creator('00000000-0000-4000-8000-000000000001', 'usd');
  const fees = accounts.platformFees('usd');

  const creatorEur = accounts.creator('00000000-0000-4000-8000-000000000001', 'eur');
  /** A usd entry of `[account, amount]` lines. */
  const usd = (...lines: [AccountRef, number][]): NewEntry => ({
    kind: 't',
    currency: 'usd',
    lines: lines.map(([account, amount]) => ({ account, amount })),
  });

  it.each<[string, NewEntry, RegExp]>([
    ['one line', usd([creator, 1]), /at least two lines/],
    ['unbalanced', usd([creator, 5], [fees, -4]), /lines sum to 1/],
    ['a fraction', usd([creator, 0.5], [fees, -0.5]), /whole minor units/],
    ['a zero line', usd([creator, 0], [fees, 0]), /non-zero/],
    ['another currency', usd([creatorEur, 1], [fees, -1]), /not in the entry's currency usd/],
    ['one account twice', usd([fees, 1], [fees, -1]), /appears twice/],
    ['no ISO code', { kind: 't', currency: 'US$', lines: [] }, /not an ISO 4217 code/],
  ])('refuses an entry with %s', (_name, entry, message) => {
    expect(() => assertBalanced(entry)).toThrow(LedgerError);
    expect(() => assertBalanced(entry)).toThrow(message);
  });

  it('splits a tip into the clearing debit, the creator share and the platform fee', () => {
    expect(platformFeeOf(999, 1000)).toBe(99);
    expect(platformFeeOf(5, 1000)).toBe(0);
    const lines = tipLines({
      provider: 'stripe',
      channelId: 'c',
      currency: 'usd',
      amount: 999,
      platformFee: 99,
    });
    expect(lines).toEqual([
      { account: accounts.clearing('stripe', 'usd'), amount: -999 },
      { account: accounts.creator('c', 'usd'), amount: 900 },
      { account: accounts.platformFees('usd'), amount: 99 },
    ]);
    // No fee, no fee line (a zero line would be refused).
    expect(
      tipLines({ provider: 'stripe', channelId: 'c', currency: 'usd', amount: 5, platformFee: 0 }),
    ).toHaveLength(2);
  });

  it('builds every money-in entry (tip, invoice, dispute won) with the one split', () => {
    const split = { provider: 'stripe', channelId: 'c', currency: 'usd', amount: 999, platformFee: 99 };
    const paymentId = crypto.randomUUID();
    for (const kind of ['tip', 'subscription', 'dispute_won'] as const) {
      const entry = splitEntry({ kind, paymentId, description: kind, ...split });
      expect(entry).toEqual({ kind, currency: 'usd', paymentId, description: kind, lines: tipLines(split) });
      expect(() => assertBalanced(entry)).not.toThrow();
    }
  });
});

describe('partial refund lines', () => {
  const booked = (amount: number, fee: number) =>
    ({
      id: 'e',
      kind: 'tip',
      currency: 'usd',
      paymentId: null,
      reverses: null,
      lines: tipLines({ provider: 'stripe', channelId: 'c', currency: 'usd', amount, platformFee: fee }).map(
        (line) => ({ ...line, accountId: '', previousBalance: 0, currentBalance: 0, accountVersion: 1 }),
      ),
    }) as const;

  it('moves the clearing line by exactly the refund and reverses every line exactly once the parts add up', () => {
    for (const [amount, fee, parts] of [
      [2000, 200, [333, 667, 1000]],
      [999, 99, [1, 1, 1, 996]],
      [7, 0, [3, 4]],
      [101, 10, Array.from({ length: 101 }, () => 1)],
    ] as const) {
      const entry = booked(amount, fee);
      const sums = new Map<string, number>();
      let before = 0;
      for (const part of parts) {
        const lines = partialRefundLines(entry, { before, after: before + part, total: amount });
        assertBalanced({ kind: 'partial_refund', currency: 'usd', lines });
        expect(lines.find((line) => line.account.kind === 'provider_clearing')?.amount).toBe(part);
        for (const line of lines)
          sums.set(line.account.kind, (sums.get(line.account.kind) ?? 0) + line.amount);
        before += part;
      }
      for (const line of entry.lines) expect(sums.get(line.account.kind) ?? 0).toBe(-line.amount);
    }
  });

  it('refuses a part that moves nothing or past the payment', () => {
    const entry = booked(100, 10);
    expect(() => partialRefundLines(entry, { before: 50, after: 50, total: 100 })).toThrow(LedgerError);
    expect(() => partialRefundLines(entry, { before: 50, after: 101, total: 100 })).toThrow(LedgerError);
  });
});

describe.each(testDatabases())('ledger on %s', (driver: Driver) => {
  let database: Database;
  let repository: LedgerRepository;
  let ledger: LedgerService;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    repository = new LedgerRepository(database.db);
    ledger = new LedgerService({ db: database.db, ledger: repository });
  });
  afterAll(async () => {
    await database?.close();
  });

  const tip = (channelId: string, amount: number, currency = 'usd'): NewEntry => ({
    kind: 'tip',
    currency,
    lines: tipLines({
      provider: 'stripe',
      channelId,
      currency,
      amount,
      platformFee: platformFeeOf(amount, 1000),
    }),
  });

  it('posts one balanced entry with the balances before and after each line', async () => {
    const channelId = crypto.randomUUID();
    const first = await ledger.transfer(tip(channelId, 1000, 'eur'));
    const second = await ledger.transfer(tip(channelId, 250, 'eur'));
    const creatorLine = second.lines.find((line) => line.account.kind === 'creator_payable');
    expect(creatorLine).toMatchObject({
      amount: 225,
      previousBalance: 900,
      currentBalance: 1125,
      accountVersion: 2,
    });
    expect(first.lines.reduce((sum, line) => sum + line.amount, 0)).toBe(0);
    expect(await repository.account(accounts.creator(channelId, 'eur'))).toMatchObject({
      balance: 1125,
      version: 2,
    });
    expect(await repository.account(accounts.platformFees('eur'))).toMatchObject({ balance: 125 });
    expect(await repository.account(accounts.clearing('stripe', 'eur'))).toMatchObject({ balance: -1250 });
  });

  it('creates an account again that a rolled-back transfer had created', async () => {
    const channelId = crypto.randomUUID();
    await expect(
      database.db.transaction(async (tx) => {
        await ledger.transfer(tip(channelId, 400), tx);
        throw new Error('the caller fails after the transfer');
      }),
    ).rejects.toThrow('the caller fails');
    expect(await repository.account(accounts.creator(channelId, 'usd'))).toBeUndefined();
    // The repository saw the account under its lock, in the transaction that rolled back.
    await ledger.transfer(tip(channelId, 400));
    expect(await repository.account(accounts.creator(channelId, 'usd'))).toMatchObject({
      balance: 360,
      version: 1,
    });
  });

  // PGlite has one connection: no second writer to wait for. The new account is inserted in the
  // transaction itself, or in a savepoint of it (as the payments consumer's batches are).
  it.skipIf(driver === 'pglite').each(['the transaction', 'a savepoint released into it'])(
    'waits for a new account another writer is creating in %s without holding the accounts it found',
    async (where) => {
      const older = crypto.randomUUID();
      await ledger.transfer(tip(older, 1000)); // an account that exists, committed
      const channelId = crypto.randomUUID();
      const waitingForLock = async () => {
        const [row] = rowsOf<{ n: number }>(
          await database.db.execute(
            sql`select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock'`,
          ),
        );
        return row?.n ?? 0;
      };
      let second: Promise<unknown> | undefined;
      await database.db.transaction(async (tx) => {
        // The new channel's account is inserted here, not committed: the repository must not take it
        // for an account every transaction can see.
        if (where === 'the transaction') await ledger.transfer(tip(channelId, 1000), tx);
        else await tx.transaction((savepoint) => ledger.transfer(tip(channelId, 1000), savepoint));
        // A second writer moving money from the older channel to the new one waits for that insert...
        second = database.db.transaction((other) =>
          ledger.transfer(
            {
              kind: 'adjustment',
              currency: 'usd',
              lines: [
                { account: accounts.creator(older, 'usd'), amount: -500 },
                { account: accounts.creator(channelId, 'usd'), amount: 500 },
              ],
            },
            other,
          ),
        );
        await expect.poll(waitingForLock, { timeout: 20_000 }).toBe(1);
        // ...without holding the older channel's account, which this transaction needs before it
        // commits. (Holding it, the two deadlocked and PostgreSQL aborted one.)
        await ledger.transfer(tip(older, 200), tx);
      });
      await second;
      expect(await repository.account(accounts.creator(channelId, 'usd'))).toMatchObject({
        balance: 1400,
        version: 2,
      });
      expect(await repository.account(accounts.creator(older, 'usd'))).toMatchObject({
        balance: 900 + 180 - 500,
        version: 3,
      });
    },
  );

  it('writes nothing for a refused entry', async () => {
    const [before] = await database.db.select({ n: count() }).from(ledgerEntries);
    await expect(
      ledger.transfer({
        kind: 'tip',
        currency: 'usd',
        lines: [
          { account: accounts.platformFees('usd'), amount: 1 },
          { account: accounts.clearing('stripe', 'usd'), amount: -2 },
        ],
      }),
    ).rejects.toThrow(LedgerError);
    const [after] = await database.db.select({ n: count() }).from(ledgerEntries);
    expect(after?.n).toBe(before?.n);
  });

  it('keeps exact balances under 50 concurrent tips to one channel', async () => {
    const channelId = crypto.randomUUID();
    const amounts = Array.from({ length: 50 }, (_, i) => 100 + i * 7);
    await Promise.all(amounts.map((amount) => ledger.transfer(tip(channelId, amount, 'jpy'))));

    const total = amounts.reduce((sum, amount) => sum + amount, 0);
    const fees = amounts.reduce((sum, amount) => sum + platformFeeOf(amount, 1000), 0);
    const creator = await repository.account(accounts.creator(channelId, 'jpy'));
    expect(creator).toMatchObject({ balance: total - fees, version: 50 });
    expect(await repository.account(accounts.platformFees('jpy'))).toMatchObject({
      balance: fees,
      version: 50,
    });
    expect(await repository.account(accounts.clearing('stripe', 'jpy'))).toMatchObject({ balance: -total });
    // Every account's balance is the sum of its lines, its version their count; every entry sums to zero.
    expect(await repository.drift()).toEqual([]);
    expect(await repository.unbalancedEntries()).toEqual([]);
    // Each line saw the balance the previous one left: a replay of the account's history.
    const page = await repository.lines([creator?.id ?? ''], { limit: 100 });
    const history = page.items.toReversed();
    history.forEach((line, index) => {
      expect(line.balanceAfter - line.amount).toBe(index === 0 ? 0 : history[index - 1]?.balanceAfter);
    });
  });

  it('books a batch in one statement as if its entries were posted one after the other', async () => {
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    // Both channels' tips share the clearing and fee accounts; a's creator account is in three entries.
    const batch = [tip(a, 1000, 'gbp'), tip(b, 500, 'gbp'), tip(a, 200, 'gbp'), tip(a, 5, 'gbp')];
    const concurrent = Array.from({ length: 8 }, (_, i) =>
      ledger.transferMany([tip(a, 10 + i, 'gbp'), tip(b, 20 + i, 'gbp')]),
    );
    const [posted] = await Promise.all([ledger.transferMany(batch), ...concurrent]);
    expect(posted?.map((entry) => entry.lines.length)).toEqual([3, 3, 3, 2]);
    expect(new Set(posted?.map((entry) => entry.id)).size).toBe(4);
    // a's lines in this batch: consecutive versions, each line starting from the balance the one before left.
    const mine = (posted ?? []).flatMap((entry) =>
      entry.lines.filter((line) => line.account.owner === a && line.account.kind === 'creator_payable'),
    );
    expect(mine.map((line) => line.amount)).toEqual([900, 180, 5]);
    mine.slice(1).forEach((line, i) => {
      expect(line.previousBalance).toBe(mine[i]?.currentBalance);
      expect(line.accountVersion).toBe((mine[i]?.accountVersion ?? 0) + 1);
    });
    const concurrentA = Array.from({ length: 8 }, (_, i) => 10 + i - platformFeeOf(10 + i, 1000));
    const concurrentB = Array.from({ length: 8 }, (_, i) => 20 + i - platformFeeOf(20 + i, 1000));
    expect(await repository.account(accounts.creator(a, 'gbp'))).toMatchObject({
      balance: 900 + 180 + 5 + concurrentA.reduce((sum, n) => sum + n, 0),
      version: 11,
    });
    expect(await repository.account(accounts.creator(b, 'gbp'))).toMatchObject({
      balance: 450 + concurrentB.reduce((sum, n) => sum + n, 0),
      version: 9,
    });
    expect(await repository.drift()).toEqual([]);
    expect(await repository.unbalancedEntries()).toEqual([]);
    // The account's pages replay its history across batches in version order.
    const account = await repository.account(accounts.creator(a, 'gbp'));
    const history = (await repository.lines([account?.id ?? ''], { limit: 100 })).items.toReversed();
    history.forEach((line, index) => {
      expect(line.balanceAfter - line.amount).toBe(index === 0 ? 0 : history[index - 1]?.balanceAfter);
    });
  });

  it('books nothing of a batch with one refused entry', async () => {
    const channelId = crypto.randomUUID();
    const [before] = await database.db.select({ n: count() }).from(ledgerEntries);
    await expect(
      ledger.transferMany([
        tip(channelId, 100),
        { kind: 'tip', currency: 'usd', lines: [{ account: accounts.platformFees('usd'), amount: 1 }] },
      ]),
    ).rejects.toThrow(LedgerError);
    const [after] = await database.db.select({ n: count() }).from(ledgerEntries);
    expect(after?.n).toBe(before?.n);
    expect(await repository.account(accounts.creator(channelId, 'usd'))).toBeUndefined();
  });

  it('reverses an entry exactly once', async () => {
    const channelId = crypto.randomUUID();
    const original = await ledger.transfer(tip(channelId, 2000));
    const reversal = await ledger.reverse(original.id, { kind: 'refund' });
    expect(reversal.reverses).toBe(original.id);
    expect(reversal.lines.map((line) => [line.account, line.amount]).sort()).toEqual(
      original.lines.map((line) => [line.account, -line.amount]).sort(),
    );
    expect(await repository.account(accounts.creator(channelId, 'usd'))).toMatchObject({
      balance: 0,
      version: 2,
    });
    await expect(ledger.reverse(original.id, { kind: 'refund' })).rejects.toThrow(AlreadyReversedError);

    // Two concurrent reversals: one is booked, the other refused (the unique index on `reverses`).
    const other = await ledger.transfer(tip(channelId, 500));
    const results = await Promise.allSettled([
      ledger.reverse(other.id, { kind: 'refund' }),
      ledger.reverse(other.id, { kind: 'refund' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(await repository.account(accounts.creator(channelId, 'usd'))).toMatchObject({
      balance: 0,
      version: 4,
    });
    expect(await repository.drift()).toEqual([]);
  });

  it('refuses to edit or delete an entry or a line (the tables are append-only)', async () => {
    const posted = await ledger.transfer(tip(crypto.randomUUID(), 300));
    await expect(
      database.db.update(ledgerLines).set({ amount: 1 }).where(eq(ledgerLines.entryId, posted.id)),
    ).rejects.toThrow();
    await expect(database.db.delete(ledgerEntries).where(eq(ledgerEntries.id, posted.id))).rejects.toThrow();
    const [left] = await database.db
      .select({ n: count() })
      .from(ledgerLines)
      .where(eq(ledgerLines.entryId, posted.id));
    expect(left?.n).toBe(posted.lines.length);
    expect(await repository.drift()).toEqual([]);
  });
});
