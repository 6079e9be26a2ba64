/**
 * drizzle queries on `auth.email_tokens`: single-use, expiring tokens sent by email, stored only as
 * hashes. Expiry is computed and checked by the database clock, so app and database clocks never
 * have to agree.
 */
import type { Db } from '@streamhub/db/client';
import { type EmailTokenPurpose, emailTokens } from '@streamhub/db/schema/auth';
import { users } from '@streamhub/db/schema/users';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';
import type { AccountStoreOn } from './account-store.ts';

// Unused and unexpired, by the database clock.
const live = () => [isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, sql`now()`)];

export class EmailTokensRepository {
  /** `accounts` confirms the address on the transaction that consumes the token. */
  constructor(
    private readonly db: Db,
    private readonly accounts: AccountStoreOn,
  ) {}

  /**
   * Stores a new token and deletes every earlier token of this user and purpose, so only the newest
   * link works. The user row is locked for the transaction: two concurrent issues cannot both leave a
   * live token behind. Returns false when the user does not exist.
   */
  async issue(
    userId: string,
    purpose: EmailTokenPurpose,
    tokenHash: string,
    ttlSeconds: number,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // NO KEY UPDATE serialises issuers without blocking foreign-key checks of other transactions.
      const [user] = await tx
        .select({ id: users.id })
        .from(users)
        .where(eq(users.id, userId))
        .for('no key update');
      if (!user) return false;
      await tx
        .delete(emailTokens)
        .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose)));
      await tx.insert(emailTokens).values({
        userId,
        purpose,
        tokenHash,
        expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})`,
      });
      return true;
    });
  }

  /** True when the token exists, is unused, unexpired and of this purpose (a read; nothing is spent). */
  async isLive(tokenHash: string, purpose: EmailTokenPurpose): Promise<boolean> {
    const [row] = await this.db
      .select({ id: emailTokens.id })
      .from(emailTokens)
      .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), ...live()))
      .limit(1);
    return row !== undefined;
  }

  /** True when a live (unused, unexpired) token of this purpose was issued in the last `seconds`. */
  async hasRecentLiveToken(userId: string, purpose: EmailTokenPurpose, seconds: number): Promise<boolean> {
    const [row] = await this.db
      .select({ id: emailTokens.id })
      .from(emailTokens)
      .where(
        and(
          eq(emailTokens.userId, userId),
          eq(emailTokens.purpose, purpose),
          ...live(),
          gt(emailTokens.createdAt, sql`now() - make_interval(secs => ${seconds})`),
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  /**
   * Marks a live token used and returns its user id; undefined when the token is unknown, used,
   * expired or of another purpose. One conditional UPDATE: of two concurrent consumers exactly one
   * gets the row.
   */
  async consume(
    tokenHash: string,
    purpose: EmailTokenPurpose,
    db: Db = this.db,
  ): Promise<string | undefined> {
    const [row] = await db
      .update(emailTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(emailTokens.tokenHash, tokenHash), eq(emailTokens.purpose, purpose), ...live()))
      .returning({ userId: emailTokens.userId });
    return row?.userId;
  }

  /** Consumes a `verify_email` token and marks its user's address verified, in one transaction. */
  async verifyEmail(tokenHash: string): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const userId = await this.consume(tokenHash, 'verify_email', tx);
      if (userId) await this.accounts(tx).confirmEmail(userId);
      return userId;
    });
  }

  /**
   * Consumes a `reset_password` token and stores the new password hash, in one transaction: a failed
   * update leaves the token usable. Following the link proves the mailbox, so the address counts as
   * verified too.
   */
  async resetPassword(
    tokenHash: string,
    passwordHash: string,
    then?: InTransaction<string>,
  ): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const userId = await this.consume(tokenHash, 'reset_password', tx);
      if (userId) {
        await this.accounts(tx).confirmEmail(userId, { passwordHash });
        await then?.(tx, userId);
      }
      return userId;
    });
  }
}
