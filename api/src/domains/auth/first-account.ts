/**
 * The instance policy for new accounts: the first account of a fresh instance (no account at all)
 * becomes its admin, so that whoever installs StreamHub can run it from the browser without a terminal
 * on the server (as Immich and Gitea do). Every later account starts as a viewer.
 */
import type { Db } from '@streamhub/db/client';
import { type UserRole, type UserRow, users } from '@streamhub/db/schema/users';
import { sql } from 'drizzle-orm';
import type { AccountStoreOn, NewAccount } from './account-store.ts';

// The advisory lock first sign-ups queue on; any fixed key other locks do not use ("STRA").
const FIRST_ACCOUNT_LOCK_KEY = 0x53545241;

async function anyAccount(db: Db): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(users).limit(1);
  return rows.length > 0;
}

/**
 * The role the account about to be inserted in this transaction gets from the policy: `admin` when it
 * is the instance's first, else none (the column's default). Two concurrent first sign-ups both see an
 * empty table, so the empty case is decided again under a transaction-scoped advisory lock: the second
 * waits until the first commits (or rolls back), and then sees its row. Once any account exists the
 * answer can never become `admin` again, so that common case takes no lock.
 */
export async function firstAccountRole(tx: Db): Promise<{ role?: UserRole }> {
  if (await anyAccount(tx)) return {};
  await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_ACCOUNT_LOCK_KEY})`);
  return (await anyAccount(tx)) ? {} : { role: 'admin' };
}

/** Inserts accounts signing up through the API, under the first-account policy. */
export class AccountsRepository {
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountStoreOn,
  ) {}

  /** As AccountStore.create (same unique-violation errors), with the role the policy gives. */
  async create(input: Omit<NewAccount, 'role'>): Promise<UserRow> {
    return this.db.transaction(async (tx) =>
      this.accounts(tx).create({ ...input, ...(await firstAccountRole(tx)) }),
    );
  }
}
