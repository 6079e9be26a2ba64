/**
 * What auth needs of accounts. The users domain owns them (the `users` table, its repository and the
 * `user.registered` event) and implements this port; auth never imports the users domain, which is what
 * lets users (and every other domain) use auth's guard, passwords and sessions without an import cycle.
 */
import type { Db } from '@streamhub/db/client';
import type { UserRole, UserRow } from '@streamhub/db/schema/users';
import type { InTransaction } from '../../events/durable.ts';

export interface NewAccount {
  email: string;
  username: string;
  displayName?: string | null;
  role?: UserRole;
  passwordHash?: string | null;
  emailVerifiedAt?: Date | null;
}

export interface AccountStore {
  /**
   * Inserts the account (email lower-cased) and stores its `user.registered` in the same transaction.
   * Throws `UniqueViolationError` with constraint `email` or `username` when either is taken.
   */
  create(input: NewAccount): Promise<UserRow>;
  findById(id: string): Promise<UserRow | undefined>;
  findByEmail(email: string): Promise<UserRow | undefined>;
  findByUsername(username: string): Promise<UserRow | undefined>;
  /** `then` runs in the update's transaction (the `user.password_changed` of a change). */
  setPasswordHash(id: string, passwordHash: string, then?: InTransaction): Promise<void>;
  /**
   * Marks the address verified (an earlier verification time is kept; `at` defaults to now) and, when
   * given, sets or clears the password hash. Undefined when no account has this id.
   */
  confirmEmail(
    id: string,
    change?: { at?: Date; passwordHash?: string | null },
  ): Promise<UserRow | undefined>;
}

/**
 * The store on a database handle. Auth's own transactions pass theirs, so that an account change commits
 * or rolls back with auth's rows (a consumed email token, an OAuth link, the first-account lock).
 */
export type AccountStoreOn = (db: Db) => AccountStore;
