/** drizzle queries on `auth.oauth_states` and `auth.oauth_accounts`. No rules: the OAuth service decides. */
import type { Db } from '@streamhub/db/client';
import { toUniqueViolation } from '@streamhub/db/errors';
import {
  type OAuthProvider,
  type OAuthStateRow,
  oauthAccounts,
  oauthStates,
} from '@streamhub/db/schema/auth';
import type { UserRow } from '@streamhub/db/schema/users';
import { and, eq, lt } from 'drizzle-orm';
import type { AccountStoreOn, NewAccount } from './account-store.ts';
import { firstAccountRole } from './first-account.ts';

export interface NewOAuthState {
  stateHash: string;
  provider: OAuthProvider;
  codeVerifier: string;
  redirectTo: string | null;
  expiresAt: Date;
}

export interface OAuthLink {
  provider: OAuthProvider;
  providerUserId: string;
  email: string | null;
}

/** The external identity is already linked (a concurrent first login of the same account won the race). */
export class OAuthLinkExistsError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The external account is already linked.', options);
    this.name = 'OAuthLinkExistsError';
  }
}

const LINK_PRIMARY_KEY = { oauth_accounts_provider_provider_user_id_pk: 'link' } as const;

export class OAuthRepository {
  /** `accounts` reads linked accounts and changes them on the transaction of the link. */
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountStoreOn,
  ) {}

  async saveState(state: NewOAuthState): Promise<void> {
    await this.db.insert(oauthStates).values(state);
  }

  /**
   * Deletes and returns the state in one statement, so of two callbacks racing with the same state
   * exactly one gets the row: that is what makes a state single use.
   */
  async takeState(stateHash: string): Promise<OAuthStateRow | undefined> {
    const [row] = await this.db.delete(oauthStates).where(eq(oauthStates.stateHash, stateHash)).returning();
    return row;
  }

  /** Drops authorizations nobody came back from. */
  async deleteExpiredStates(now: Date): Promise<void> {
    await this.db.delete(oauthStates).where(lt(oauthStates.expiresAt, now));
  }

  async findLinkedUser(provider: OAuthProvider, providerUserId: string): Promise<UserRow | undefined> {
    const [link] = await this.db
      .select({ userId: oauthAccounts.userId })
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.provider, provider), eq(oauthAccounts.providerUserId, providerUserId)))
      .limit(1);
    // Links cascade with their account: undefined only if the account was deleted between the two reads.
    return link && this.accounts(this.db).findById(link.userId);
  }

  /**
   * Links an existing user and, in the same transaction, records that the provider verified the user's
   * email; `dropPassword` also clears the password hash. Returns the user as updated.
   */
  async linkAndVerifyEmail(
    userId: string,
    link: OAuthLink,
    change: { verifiedAt: Date; dropPassword: boolean },
  ): Promise<UserRow> {
    return this.db.transaction(async (tx) => {
      await insertLink(tx, userId, link);
      const updated = await this.accounts(tx).confirmEmail(userId, {
        at: change.verifiedAt,
        ...(change.dropPassword ? { passwordHash: null } : {}),
      });
      if (!updated) throw new Error(`user ${userId} vanished while being linked`);
      return updated;
    });
  }

  /**
   * Creates a user and its link in one transaction, so a failed link never leaves an account that
   * nobody can log into. Throws the account store's UniqueViolationError for a taken username or email,
   * or {@link OAuthLinkExistsError}.
   */
  async createLinkedUser(input: Omit<NewAccount, 'role'>, link: OAuthLink): Promise<UserRow> {
    return this.db.transaction(async (tx) => {
      // The instance's first account becomes its admin, whichever way it signs up.
      const user = await this.accounts(tx).create({ ...input, ...(await firstAccountRole(tx)) });
      await insertLink(tx, user.id, link);
      return user;
    });
  }
}

async function insertLink(db: Db, userId: string, link: OAuthLink): Promise<void> {
  try {
    await db.insert(oauthAccounts).values({ ...link, userId });
  } catch (error) {
    if (toUniqueViolation(error, LINK_PRIMARY_KEY)) throw new OAuthLinkExistsError({ cause: error });
    throw error;
  }
}
